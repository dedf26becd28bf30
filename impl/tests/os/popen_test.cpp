// os.popen(): reading, writing, close()'s encoded status, the text-stream
// errors, and what the shell receives (close_fds, restored SIGPIPE), with
// CPython 3.11's results.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;
using testing::raised;
using testing::StdoutCapture;

class OsPopen : public testing::OsTest {};

const std::string H = kHelper + " ";

TEST_F(OsPopen, ReadsTheCommandsOutput) {
  auto f = os::popen(H + "print hello write world");
  EXPECT_EQ(f.read(), "hello\nworld");
  EXPECT_EQ(f.read(), "");
  EXPECT_EQ(f.close(), std::nullopt);
}

TEST_F(OsPopen, CloseEncodesTheStatusAsCPythonDoes) {
  EXPECT_EQ(os::popen("exit 3").close(), 768);
  EXPECT_EQ(os::popen("exec " + H + "kill KILL").close(), -SIGKILL * 256);  // -2304
  EXPECT_EQ(os::popen("exec " + H + "kill TERM").close(), -3840);
  EXPECT_EQ(os::popen("no-such-command-pyproc 2>/dev/null").close(), 32512);
  EXPECT_EQ(os::popen("exit 5", "w").close(), 1280);
}

TEST_F(OsPopen, CloseAgainReturnsTheSame) {
  auto f = os::popen("exit 3");
  EXPECT_EQ(f.close(), 768);
  EXPECT_TRUE(f.closed());
  EXPECT_EQ(f.close(), 768);
}

TEST_F(OsPopen, ReadSizes) {
  auto f = os::popen(H + "write abc");
  EXPECT_EQ(f.read(2), "ab");
  EXPECT_EQ(f.read(0), "");
  EXPECT_EQ(f.read(-1), "c");
  EXPECT_EQ(f.read(5), "");
  f.close();
}

TEST_F(OsPopen, ReadlineAndReadlines) {
  auto f = os::popen(H + "write 'a\\nb\\nc\\nd\\ne'");
  EXPECT_EQ(f.readline(0), "");
  EXPECT_EQ(f.readline(1), "a");
  EXPECT_EQ(f.readline(), "\n");
  EXPECT_EQ(f.readlines(1), (std::vector<std::string>{"b\n"}));
  EXPECT_EQ(f.readlines(3), (std::vector<std::string>{"c\n", "d\n"}));
  EXPECT_EQ(f.readlines(), (std::vector<std::string>{"e"}));
  EXPECT_EQ(f.readline(), "");
  EXPECT_EQ(f.readlines(), std::vector<std::string>{});
  f.close();
}

TEST_F(OsPopen, NewlinesAreTranslated) {
  auto f = os::popen(H + "write 'a\\r\\nb\\rc\\n\\r'");
  EXPECT_EQ(f.read(), "a\nb\nc\n\n");
  f.close();
}

TEST_F(OsPopen, ACarriageReturnAtTheEndOfAReadWaitsForTheNextByte) {
  // The command writes "a\r", waits for a byte on its stdin (our fd 0, which
  // popen "r" passes on: a pipe for the duration of the launch), then writes
  // "\nb".
  testing::Pipe go;
  const int saved_stdin = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  ::dup2(go.read_fd(), STDIN_FILENO);
  auto f = os::popen(H + "write 'a\\r' await 0 write '\\nb'");
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  EXPECT_EQ(f.readline(1), "a");  // "a\r" arrived; the "\r" is held back
  testing::give_token(go);
  EXPECT_EQ(f.readline(), "\n");  // "\r\n" is one newline
  EXPECT_EQ(f.read(), "b");
  f.close();
}

TEST_F(OsPopen, WritesGoToTheCommandsStdin) {
  StdoutCapture out;
  auto f = os::popen(H + "cat", "w");
  EXPECT_EQ(f.write("line 1\n"), 7u);
  EXPECT_EQ(f.write("line 2"), 6u);
  EXPECT_EQ(f.close(), std::nullopt);
  EXPECT_EQ(out.text(), "line 1\nline 2");
}

TEST_F(OsPopen, BufferingIsChecked) {
  EXPECT_EQ(raised([] { os::popen("true", "r", 0); }),
            "ValueError: popen() does not support unbuffered streams");
  EXPECT_EQ(raised([] { os::popen("true", "rb"); }), "ValueError: invalid mode 'rb'");
  // The mode is checked first.
  EXPECT_EQ(raised([] { os::popen("true", "x", 0); }), "ValueError: invalid mode 'x'");
  using namespace std::string_literals;
  EXPECT_EQ(raised([] { os::popen("a\0b"s); }), "ValueError: embedded null byte");
}

TEST_F(OsPopen, WrongDirectionAndClosedStreamErrors) {
  auto r = os::popen("true");
  EXPECT_EQ(raised([&] { r.write("x"); }), "UnsupportedOperation: not writable");
  EXPECT_NO_THROW(r.flush());
  r.close();
  EXPECT_EQ(raised([&] { r.read(); }), "ValueError: I/O operation on closed file.");
  EXPECT_EQ(raised([&] { r.readline(); }), "ValueError: I/O operation on closed file.");
  EXPECT_EQ(raised([&] { r.readlines(); }), "ValueError: I/O operation on closed file.");
  EXPECT_EQ(raised([&] { r.write(""); }), "ValueError: I/O operation on closed file.");
  EXPECT_EQ(raised([&] { r.flush(); }), "ValueError: I/O operation on closed file.");
  EXPECT_EQ(raised([&] { (void)r.fileno(); }), "ValueError: I/O operation on closed file");

  auto w = os::popen("cat >/dev/null", "w");
  EXPECT_EQ(raised([&] { w.read(); }), "UnsupportedOperation: not readable");
  EXPECT_EQ(raised([&] { w.read(0); }), "UnsupportedOperation: not readable");
  EXPECT_EQ(raised([&] { w.readline(); }), "UnsupportedOperation: not readable");
  EXPECT_EQ(raised([&] { w.readlines(); }), "UnsupportedOperation: not readable");
  EXPECT_EQ(w.write(""), 0u);
  w.close();
}

TEST_F(OsPopen, TheShellIsBinShWithOnlyStdio) {
  // An inheritable fd of ours does not reach the shell (close_fds=True).
  const int inheritable = ::open("/dev/null", O_RDONLY);
  auto f = os::popen("exec " + H + "args fds -- \"$0\"");
  EXPECT_EQ(f.read(), "args 4\narg args\narg fds\narg --\narg /bin/sh\nfds 0\n");
  f.close();
  ::close(inheritable);
}

TEST_F(OsPopen, OurEndOfThePipeIsCloseOnExec) {
  auto f = os::popen("true");
  EXPECT_EQ(::fcntl(f.fileno(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  // And another program launched meanwhile does not get it.
  StdoutCapture out;
  os::spawnv(os::p_wait, kHelper, {"x", "fds"});
  EXPECT_EQ(out.text().find(" " + std::to_string(f.fileno()) + " pipe"), std::string::npos);
  f.close();
}

TEST_F(OsPopen, SigpipeIsBackAtItsDefaultInTheShell) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old {};
  ::sigaction(SIGPIPE, &ignore, &old);
  auto f = os::popen("exec " + H + "signals");
  const std::string popen_sees = f.read();
  f.close();
  StdoutCapture out;
  os::spawnv(os::p_wait, kHelper, {"x", "signals"});  // spawn keeps it ignored
  ::sigaction(SIGPIPE, &old, nullptr);
  EXPECT_EQ(popen_sees, "blocked\nignored\n");
  EXPECT_EQ(out.text(), "blocked\nignored SIGPIPE\n");
}

TEST_F(OsPopen, AReaderThatHasGoneIsABrokenPipeErrorNotASignal) {
  // SIGPIPE is at its default here: a plain write(2) would kill this process.
  auto f = os::popen("exit 0", "w");
  const std::string big(1 << 20, 'x');  // more than the pipe holds: blocks until exit
  EXPECT_EQ(raised([&] { f.write(big); }), "BrokenPipeError: [Errno 32] Broken pipe");
  // The failed write kept nothing, so close() succeeds (as in CPython).
  EXPECT_EQ(f.close(), std::nullopt);
  sigset_t pending;
  ::sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST_F(OsPopen, AFailedFlushInCloseClosesAndTheNextCloseWaits) {
  auto f = os::popen("exit 0", "w");
  f.write("x");  // buffered
  // Wait for the shell to be gone: a write of a full pipe's worth fails then.
  EXPECT_EQ(raised([&] { f.write(std::string(1 << 20, 'y')); }),
            "BrokenPipeError: [Errno 32] Broken pipe");
  f.write("z");  // buffered again
  EXPECT_EQ(raised([&] { f.close(); }), "BrokenPipeError: [Errno 32] Broken pipe");
  EXPECT_TRUE(f.closed());
  EXPECT_EQ(f.close(), std::nullopt);
}

// The reader reads one byte and exits while a write larger than the pipe
// is blocked: Linux returns the bytes written so far and queues SIGPIPE all
// the same, which must not reach this process; the next write fails.
TEST_F(OsPopen, AReaderGoneInTheMiddleOfAWriteIsABrokenPipeNotASignal) {
  auto f = os::popen(H + "await 0", "w");
  EXPECT_EQ(raised([&] { f.write(std::string(std::size_t{1} << 20, 'y')); }),
            "BrokenPipeError: [Errno 32] Broken pipe");
  EXPECT_EQ(f.close(), std::nullopt);
}

TEST_F(OsPopen, TheDestructorClosesAndWaits) {
  StdoutCapture out;
  {
    auto f = os::popen(H + "cat", "w");
    f.write("from a scope\n");
  }  // like `with os.popen(...) as f:`
  EXPECT_EQ(out.text(), "from a scope\n");
}

TEST_F(OsPopen, TheDestructorWaitsEvenWhenTheLastFlushFails) {
  {
    auto f = os::popen("exit 0", "w");
    EXPECT_EQ(raised([&] { f.write(std::string(1 << 20, 'y')); }),
              "BrokenPipeError: [Errno 32] Broken pipe");
    f.write("z");  // buffered: the destructor's close() fails to flush it
  }
  // OsTest checks that the shell was reaped.
}

TEST_F(OsPopen, WorksWhenThisProcessHasNoStdin) {
  // With fd 0 closed, the pipe's read end is fd 0 itself: it must stay open
  // (lose its O_CLOEXEC) in the shell rather than be moved.
  StdoutCapture out;
  const int saved_stdin = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  ::close(STDIN_FILENO);
  auto f = os::popen(H + "cat", "w");
  ::dup2(saved_stdin, STDIN_FILENO);
  ::close(saved_stdin);
  EXPECT_EQ(f.fileno() > 2, true);
  f.write("through fd 0\n");
  EXPECT_EQ(f.close(), std::nullopt);
  EXPECT_EQ(out.text(), "through fd 0\n");
}

TEST_F(OsPopen, MovesTransferTheStream) {
  auto a = os::popen(H + "print moved");
  os::PopenFile b = std::move(a);
  EXPECT_EQ(b.read(), "moved\n");
  auto c = os::popen("exit 2");
  c = std::move(b);  // c's own command is closed and waited for
  EXPECT_EQ(c.close(), std::nullopt);
}

TEST_F(OsPopen, AShellThatCannotRunIsRaisedWithItsName) {
  EXPECT_EQ(raised([] { os::detail::popen_with_shell("/nonexistent/sh", "true", "r", -1); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/sh'");
}

}  // namespace
}  // namespace pyproc
