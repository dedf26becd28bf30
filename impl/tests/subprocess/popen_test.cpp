// pyproc::subprocess::Popen and its pipe files, on the helper program: the
// interactive round trip, poll/wait/wait(timeout), communicate() resumed
// after a TimeoutExpired without losing output, signals to live, ended and
// reaped children, exit() and with(), the file classes bufsize and text mode
// choose and their errors (CPython 3.11's messages, checked against it),
// incremental decoding across read boundaries (the seam's read cut into
// small chunks), repr(), moves, the destructor of a running child (never
// blocking; the child reaped by the next Popen) and the options Popen
// refuses. The fixture checks that no fd and no child is left.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using sp::PIPE;
using testing::await_end_unreaped;
using testing::fill_pattern;
using testing::helper;
using testing::helper_str;
using testing::kHelper;
using testing::Pipe;
using testing::process_state;
using testing::raised;
using testing::unreaped_child;

class SubprocessPopen : public testing::SubprocessTest {};

bool sigpipe_pending_or_blocked() {
  sigset_t pending;
  sigset_t blocked;
  ::sigpending(&pending);
  ::pthread_sigmask(SIG_BLOCK, nullptr, &blocked);
  return sigismember(&pending, SIGPIPE) == 1 || sigismember(&blocked, SIGPIPE) == 1;
}

// ---- the interactive round trip ----

TEST_F(SubprocessPopen, ALineWrittenIsReadBackManyTimesOver) {
  sp::Popen p(helper({"cat"}), {.stdin = PIPE, .stdout = PIPE});
  for (int i = 0; i < 100; ++i) {
    const std::string line = "line " + std::to_string(i) + "\n";
    EXPECT_EQ(p.stdin()->write(line), line.size());
    p.stdin()->flush();
    EXPECT_EQ(p.stdout()->readline(), line);
  }
  EXPECT_EQ(p.poll(), std::nullopt);
  p.stdin()->close();
  EXPECT_EQ(p.stdout()->read(), "");
  EXPECT_EQ(p.wait(), 0);
  EXPECT_EQ(p.returncode(), 0);
}

// bufsize 0: FileIO on both ends, write() is one write(2), readline() reads
// a byte at a time.
TEST_F(SubprocessPopen, TheRoundTripUnbuffered) {
  sp::Popen p(helper({"cat"}), {.stdin = PIPE, .stdout = PIPE, .bufsize = 0});
  for (int i = 0; i < 20; ++i) {
    const std::string line = std::to_string(i) + "\n";
    EXPECT_EQ(p.stdin()->write(line), line.size());
    EXPECT_EQ(p.stdout()->readline(), line);
  }
  p.stdin()->write("a\nb\nc");
  p.stdin()->close();
  EXPECT_EQ(p.stdout()->next(), "a\n");
  EXPECT_EQ(p.stdout()->readlines(), (std::vector<std::string>{"b\n", "c"}));
  EXPECT_EQ(p.stdout()->next(), std::nullopt);
  EXPECT_EQ(p.wait(), 0);
}

// Text mode, bufsize 1: line buffering flushes at each "\n"; write()
// counts characters.
TEST_F(SubprocessPopen, TheRoundTripInTextModeWithLineBuffering) {
  sp::Popen p(helper({"cat"}), {.stdin = PIPE, .stdout = PIPE, .text = true, .bufsize = 1});
  EXPECT_TRUE(p.text_mode());
  for (int i = 0; i < 20; ++i) {
    const std::string line = "é" + std::to_string(i) + "€\r\n";
    EXPECT_EQ(p.stdin()->write(line), 3 + (i < 10 ? 1 : 2) + 1);
    EXPECT_EQ(p.stdout()->readline(), "é" + std::to_string(i) + "€\n");
  }
  p.stdin()->close();
  EXPECT_EQ(p.stdout()->readline(), "");
  EXPECT_EQ(p.wait(), 0);
}

// ---- poll, wait, wait(timeout) ----

TEST_F(SubprocessPopen, PollAndWaitWithATimeoutThatExpiresThenWaitAgain) {
  Pipe go;
  sp::Popen p(helper({"await", "0", "exit", "7"}), {.stdin = go.read_fd()});
  const std::string message =
      "TimeoutExpired: Command '" + helper_str({"await", "0", "exit", "7"}) + "' timed out after ";
  EXPECT_EQ(p.poll(), std::nullopt);
  EXPECT_EQ(p.returncode(), std::nullopt);
  EXPECT_EQ(raised([&] { p.wait(0.01); }), message + "0.01 seconds");
  EXPECT_EQ(raised([&] { p.wait(0); }), message + "0 seconds");
  EXPECT_EQ(raised([&] { p.wait(-1); }), message + "-1 seconds");
  EXPECT_EQ(p.returncode(), std::nullopt);
  go.close_write();
  EXPECT_EQ(p.wait(60), 7);
  EXPECT_EQ(p.returncode(), 7);
  EXPECT_EQ(p.poll(), 7);
  EXPECT_EQ(p.wait(), 7);
  EXPECT_EQ(p.wait(0), 7);  // known: no TimeoutExpired once reaped
  EXPECT_EQ(p.wait(-1), 7);
}

TEST_F(SubprocessPopen, PollReapsAChildThatHasEnded) {
  sp::Popen p(helper({"kill", "SIGTERM"}));
  await_end_unreaped(p.pid());
  EXPECT_EQ(p.returncode(), std::nullopt);  // not waited for yet
  EXPECT_EQ(p.poll(), -SIGTERM);
  EXPECT_EQ(p.returncode(), -SIGTERM);
  EXPECT_FALSE(unreaped_child(p.pid()));
}

// ---- communicate ----

// TimeoutExpired carries what was read so far (None for a pipe nothing was
// read from); a later call returns everything, nothing lost, and refuses
// input.
TEST_F(SubprocessPopen, CommunicateResumesAfterATimeoutWithoutLosingOutput) {
  Pipe go;
  const std::vector<std::string> actions = {"print",   "part1",  "await", "0",     "fill",
                                            "1000000", "eprint", "err1",  "efill", "300000"};
  sp::Popen p(helper(actions), {.stdin = go.read_fd(), .stdout = PIPE, .stderr = PIPE});
  const std::string message = "Command '" + helper_str(actions) + "' timed out after 0.05 seconds";
  // Until part1 has been read (the child wrote it at once).
  std::optional<std::string> partial;
  for (int tries = 0; tries < 400 && partial != "part1\n"; ++tries) {
    try {
      p.communicate(std::nullopt, 0.05);
      FAIL() << "the child cannot end before its go";
    } catch (const sp::TimeoutExpired& e) {
      EXPECT_EQ(std::string(e.what()), message);
      partial = e.output();
      EXPECT_EQ(e.stderr(), std::nullopt);  // nothing read from stderr yet
    }
  }
  ASSERT_EQ(partial, "part1\n");
  EXPECT_EQ(raised([&] { p.communicate("input"); }),
            "ValueError: Cannot send input after starting communication");
  EXPECT_EQ(p.returncode(), std::nullopt);
  testing::give_token(go);
  const sp::Communicated out = p.communicate();
  EXPECT_EQ(out.stdout, "part1\n" + fill_pattern(1000000));
  EXPECT_EQ(out.stderr, "err1\n" + fill_pattern(300000));
  EXPECT_EQ(p.returncode(), 0);
}

// The timeout left for the wait once the pipes are closed: the child closed
// its stdout and goes on.
TEST_F(SubprocessPopen, CommunicateTimesOutInItsWaitAndResumes) {
  Pipe go;
  sp::Popen p(helper({"print", "x", "close", "1", "await", "0", "exit", "3"}),
              {.stdin = go.read_fd(), .stdout = PIPE});
  try {
    p.communicate(std::nullopt, 0.1);
    FAIL() << "no timeout";
  } catch (const sp::TimeoutExpired& e) {
    EXPECT_EQ(e.output(), std::nullopt);  // CPython's wait() raises it, without the output
  }
  go.close_write();
  const sp::Communicated out = p.communicate();
  EXPECT_EQ(out.stdout, "x\n");
  EXPECT_EQ(out.stderr, std::nullopt);
  EXPECT_EQ(p.returncode(), 3);
}

TEST_F(SubprocessPopen, CommunicateSendsInputReadsBothAndWaits) {
  const std::string input = fill_pattern(500000);
  sp::Popen p(helper({"efill", "200000", "cat"}), {.stdin = PIPE, .stdout = PIPE, .stderr = PIPE});
  const sp::Communicated out = p.communicate(input);
  EXPECT_EQ(out.stdout, input);
  EXPECT_EQ(out.stderr, fill_pattern(200000));
  EXPECT_EQ(p.returncode(), 0);
  EXPECT_TRUE(p.stdin()->closed());
  EXPECT_TRUE(p.stdout()->closed());
  EXPECT_TRUE(p.stderr()->closed());
}

// What was written before communicate() goes first (test_writes_before_communicate).
TEST_F(SubprocessPopen, WritesBeforeCommunicateAreSentFirst) {
  sp::Popen p(helper({"cat"}), {.stdin = PIPE, .stdout = PIPE, .stderr = PIPE});
  p.stdin()->write("before ");
  EXPECT_EQ(p.communicate("during").stdout, "before during");
}

// A child that exits without reading: EPIPE is no error for communicate.
TEST_F(SubprocessPopen, CommunicateIgnoresAChildThatDoesNotRead) {
  sp::Popen p(helper({"exit", "2"}), {.stdin = PIPE, .stdout = PIPE});
  const sp::Communicated out = p.communicate(std::string(std::size_t{1} << 20, 'x'));
  EXPECT_EQ(out.stdout, "");
  EXPECT_EQ(p.returncode(), 2);
  EXPECT_FALSE(sigpipe_pending_or_blocked());
}

TEST_F(SubprocessPopen, CommunicateAfterStdinWasClosedRaisesCpythonsError) {
  sp::Popen p(helper({"cat"}), {.stdin = PIPE, .stdout = PIPE});
  p.stdin()->close();
  EXPECT_EQ(raised([&] { p.communicate("x"); }), "ValueError: flush of closed file");
  EXPECT_EQ(p.communicate().stdout, "");
  EXPECT_EQ(p.returncode(), 0);
}

// ---- signals ----

TEST_F(SubprocessPopen, SignalsReachALiveChild) {
  sp::Popen a(helper({"wait-signal"}));
  a.send_signal(SIGUSR1);
  EXPECT_EQ(a.wait(), -SIGUSR1);
  sp::Popen b(helper({"wait-signal"}));
  b.terminate();
  EXPECT_EQ(b.wait(), -SIGTERM);
  sp::Popen c(helper({"wait-signal"}));
  c.kill();
  EXPECT_EQ(c.wait(), -SIGKILL);
}

// An ended child is polled (and so reaped) before any signal: none is sent
// (test_send_signal_dead, bpo-38630); once reaped, signals do nothing.
TEST_F(SubprocessPopen, SignalsToAnEndedOrReapedChildDoNothing) {
  sp::Popen p(helper({"exit", "3"}));
  await_end_unreaped(p.pid());
  p.send_signal(SIGTERM);
  EXPECT_EQ(p.returncode(), 3);
  EXPECT_FALSE(unreaped_child(p.pid()));
  p.terminate();
  p.kill();
  p.send_signal(SIGKILL);
  EXPECT_EQ(p.returncode(), 3);
  EXPECT_EQ(p.wait(), 3);
}

// ---- exit() and with() ----

TEST_F(SubprocessPopen, ExitClosesThePipesAndWaits) {
  sp::Popen p(helper({"cat"}), {.stdin = PIPE, .stdout = PIPE, .stderr = PIPE});
  // Flushed by exit()'s close of stdin, which comes after stdout's: cat
  // then writes it to a pipe nobody reads and dies of SIGPIPE.
  p.stdin()->write("unflushed");
  p.exit();
  EXPECT_TRUE(p.stdin()->closed());
  EXPECT_TRUE(p.stdout()->closed());
  EXPECT_TRUE(p.stderr()->closed());
  EXPECT_EQ(p.returncode(), -SIGPIPE);
  p.exit();  // again: nothing left to close, the wait is known
}

TEST_F(SubprocessPopen, WithRunsTheBodyThenClosesAndWaits) {
  pid_t pid = -1;
  const std::string line =
      sp::with(sp::Popen(helper({"cat"}), {.stdin = PIPE, .stdout = PIPE}), [&pid](sp::Popen& p) {
        pid = p.pid();
        p.stdin()->write("hello\n");
        p.stdin()->flush();
        return p.stdout()->readline();
      });
  EXPECT_EQ(line, "hello\n");
  EXPECT_FALSE(unreaped_child(pid));
}

// exit()'s error (the flush of stdin to a child that has gone) is raised
// after the wait; an exception of the body wins over it.
TEST_F(SubprocessPopen, WithRaisesExitsErrorUnlessTheBodyRaised) {
  pid_t pid = -1;
  const auto body = [&pid](sp::Popen& p) {
    pid = p.pid();
    p.stdin()->write("buffered");
    await_end_unreaped(p.pid());
  };
  EXPECT_EQ(raised([&] {
              sp::with(sp::Popen(helper({"exit", "0"}), {.stdin = PIPE}), body);
            }),
            "BrokenPipeError: [Errno 32] Broken pipe");
  EXPECT_FALSE(unreaped_child(pid));
  EXPECT_EQ(raised([&] {
              sp::with(sp::Popen(helper({"exit", "0"}), {.stdin = PIPE}), [&](sp::Popen& p) {
                body(p);
                throw RuntimeError("the body's");
              });
            }),
            "RuntimeError: the body's");
  EXPECT_FALSE(unreaped_child(pid));
  EXPECT_FALSE(sigpipe_pending_or_blocked());
}

// ---- the pipe files ----

struct KindCase {
  std::optional<long long> bufsize;
  bool text;
  sp::PipeFile::Kind writer;
  sp::PipeFile::Kind reader;
  const char* writer_name;
  const char* reader_name;
};

class SubprocessPopenKinds : public SubprocessPopen,
                             public ::testing::WithParamInterface<KindCase> {};

TEST_P(SubprocessPopenKinds, BufsizeAndTextModeChooseTheClass) {
  const KindCase& c = GetParam();
  sp::Popen p(
      helper({"cat"}),
      {.stdin = PIPE, .stdout = PIPE, .stderr = PIPE, .text = c.text, .bufsize = c.bufsize});
  for (const std::shared_ptr<sp::PipeFile>& f : {p.stdin(), p.stdout(), p.stderr()}) {
    ASSERT_NE(f, nullptr);
    const bool writer = f == p.stdin();
    EXPECT_EQ(f->kind(), writer ? c.writer : c.reader);
    EXPECT_STREQ(f->type_name(), writer ? c.writer_name : c.reader_name);
    EXPECT_EQ(f->writable(), writer);
    EXPECT_EQ(f->readable(), !writer);
    EXPECT_FALSE(f->closed());
    EXPECT_GT(f->fileno(), 2);
  }
  EXPECT_EQ(p.text_mode(), c.text);
  const sp::Communicated out = p.communicate("x\n");
  EXPECT_EQ(out.stdout, "x\n");
  EXPECT_EQ(out.stderr, "");
}

using Kind = sp::PipeFile::Kind;
INSTANTIATE_TEST_SUITE_P(
    , SubprocessPopenKinds,
    ::testing::Values(KindCase{std::nullopt, false, Kind::BufferedWriter, Kind::BufferedReader,
                               "BufferedWriter", "BufferedReader"},
                      KindCase{-1, false, Kind::BufferedWriter, Kind::BufferedReader,
                               "BufferedWriter", "BufferedReader"},
                      KindCase{0, false, Kind::FileIO, Kind::FileIO, "FileIO", "FileIO"},
                      // bytes mode, bufsize 1: io.open() warns and buffers as by default
                      KindCase{1, false, Kind::BufferedWriter, Kind::BufferedReader,
                               "BufferedWriter", "BufferedReader"},
                      KindCase{4096, false, Kind::BufferedWriter, Kind::BufferedReader,
                               "BufferedWriter", "BufferedReader"},
                      KindCase{std::nullopt, true, Kind::TextIOWrapper, Kind::TextIOWrapper,
                               "TextIOWrapper", "TextIOWrapper"},
                      KindCase{0, true, Kind::TextIOWrapper, Kind::TextIOWrapper, "TextIOWrapper",
                               "TextIOWrapper"},
                      KindCase{1, true, Kind::TextIOWrapper, Kind::TextIOWrapper, "TextIOWrapper",
                               "TextIOWrapper"}),
    [](const ::testing::TestParamInfo<KindCase>& info) {
      const std::string size =
          info.param.bufsize
              ? (*info.param.bufsize < 0 ? "minus1" : std::to_string(*info.param.bufsize))
              : "default";
      return std::string(info.param.text ? "text" : "bytes") + "_bufsize_" + size;
    });

TEST_F(SubprocessPopen, OnlyPipesHaveFiles) {
  sp::Popen p(helper(), {.stdout = PIPE, .stderr = sp::STDOUT});
  EXPECT_EQ(p.stdin(), nullptr);
  EXPECT_NE(p.stdout(), nullptr);
  EXPECT_EQ(p.stderr(), nullptr);
  EXPECT_EQ(p.wait(), 0);
  sp::Popen q(helper(), {.stdin = sp::DEVNULL, .stdout = sp::DEVNULL});
  EXPECT_EQ(q.stdin(), nullptr);
  EXPECT_EQ(q.stdout(), nullptr);
  EXPECT_EQ(q.communicate().stdout, std::nullopt);
}

// Each class's ValueError on a closed file and UnsupportedOperation on the
// wrong direction, as CPython 3.11 raises them.
struct ErrorCase {
  std::optional<long long> bufsize;
  bool text;
  std::vector<std::string> expected;  // in the order the test calls them
};

class SubprocessPopenFileErrors : public SubprocessPopen,
                                  public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(SubprocessPopenFileErrors, ClosedAndUnsupportedAreRefusedWithCpythonsMessages) {
  const ErrorCase& c = GetParam();
  sp::Popen p(helper({"cat"}),
              {.stdin = PIPE, .stdout = PIPE, .text = c.text, .bufsize = c.bufsize});
  sp::PipeFile& in = *p.stdin();
  sp::PipeFile& out = *p.stdout();
  std::vector<std::string> got;
  got.push_back(raised([&] { in.read(); }));
  got.push_back(raised([&] { in.readline(); }));
  got.push_back(raised([&] { out.write("x"); }));
  in.close();
  out.close();
  in.close();  // twice: nothing
  EXPECT_TRUE(in.closed());
  EXPECT_TRUE(out.closed());
  got.push_back(raised([&] { in.write("x"); }));
  got.push_back(raised([&] { in.flush(); }));
  got.push_back(raised([&] { out.read(); }));
  got.push_back(raised([&] { out.read(1); }));
  got.push_back(raised([&] { out.readline(); }));
  got.push_back(raised([&] { out.readlines(); }));
  got.push_back(raised([&] { out.iter(); }));
  got.push_back(raised([&] { out.next(); }));
  got.push_back(raised([&] { (void)out.fileno(); }));
  EXPECT_EQ(got, c.expected);
  EXPECT_EQ(p.wait(), 0);
}

INSTANTIATE_TEST_SUITE_P(
    , SubprocessPopenFileErrors,
    ::testing::Values(
        ErrorCase{
            std::nullopt,
            false,
            {"UnsupportedOperation: read", "UnsupportedOperation: read",
             "UnsupportedOperation: write", "ValueError: write to closed file",
             "ValueError: flush of closed file", "ValueError: read of closed file",
             "ValueError: read of closed file", "ValueError: readline of closed file",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file.", "ValueError: readline of closed file",
             "ValueError: I/O operation on closed file"}},
        ErrorCase{
            0,
            false,
            {"UnsupportedOperation: File not open for reading",
             "UnsupportedOperation: File not open for reading",
             "UnsupportedOperation: File not open for writing",
             "ValueError: I/O operation on closed file",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file", "ValueError: I/O operation on closed file",
             "ValueError: I/O operation on closed file",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file",
             "ValueError: I/O operation on closed file"}},
        ErrorCase{
            std::nullopt,
            true,
            {"UnsupportedOperation: not readable", "UnsupportedOperation: not readable",
             "UnsupportedOperation: not writable", "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file.",
             "ValueError: I/O operation on closed file"}}),
    [](const ::testing::TestParamInfo<ErrorCase>& info) {
      if (info.param.text) return std::string("TextIOWrapper");
      return std::string(info.param.bufsize == 0 ? "FileIO" : "Buffered");
    });

// Writing to a child that has gone: BrokenPipeError (FileIO at the write,
// the buffered classes at the flush or close, which still closes), and this
// process is not killed by SIGPIPE nor left with one pending or blocked.
TEST_F(SubprocessPopen, WritingToADeadChildRaisesBrokenPipeErrorNotSigpipe) {
  const std::string broken = "BrokenPipeError: [Errno 32] Broken pipe";
  sp::Popen raw(helper({"exit", "0"}), {.stdin = PIPE, .bufsize = 0});
  EXPECT_EQ(raw.wait(), 0);
  EXPECT_EQ(raised([&] { raw.stdin()->write("x"); }), broken);
  EXPECT_EQ(raised([&] { raw.stdin()->close(); }), "");
  for (const bool text : {false, true}) {
    sp::Popen p(helper({"exit", "0"}), {.stdin = PIPE, .text = text});
    EXPECT_EQ(p.wait(), 0);
    EXPECT_EQ(raised([&] { p.stdin()->write("x"); }), "");  // buffered
    EXPECT_EQ(raised([&] { p.stdin()->flush(); }), broken);
    EXPECT_EQ(raised([&] { p.stdin()->close(); }), broken);
    EXPECT_TRUE(p.stdin()->closed());
  }
  EXPECT_FALSE(sigpipe_pending_or_blocked());
}

// The files are shared, as Python's: one held elsewhere outlives its Popen
// and stays open; the others close with it.
TEST_F(SubprocessPopen, APipeFileHeldElsewhereOutlivesItsPopen) {
  std::shared_ptr<sp::PipeFile> out;
  pid_t pid = -1;
  {
    sp::Popen p(helper({"print", "after", "cat"}), {.stdin = PIPE, .stdout = PIPE});
    pid = p.pid();
    out = p.stdout();
    // p's stdin goes with p: cat sees end of file.
  }
  EXPECT_FALSE(out->closed());
  EXPECT_EQ(out->read(), "after\n");
  out.reset();
  await_end_unreaped(pid);
  sp::Popen next(helper());  // reaps the child the destructor kept
  EXPECT_FALSE(unreaped_child(pid));
  EXPECT_EQ(next.wait(), 0);
}

// ---- text mode across read boundaries ----

// "aéb\r\nc\rd€😀\r\n\r": characters of 2, 3 and 4 bytes, "\r\n" and a
// final "\r", read through a seam whose read(2) hands out at most `chunk`
// bytes, so that every boundary falls inside a character or between "\r"
// and "\n" for some chunk size.
const std::vector<std::string> kSplitText =
    helper({"write", "a\\xc3\\xa9b\\r\\nc\\rd\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80\\r\\n\\r"});

class SubprocessPopenChunks : public SubprocessPopen,
                              public ::testing::WithParamInterface<std::size_t> {
 protected:
  SubprocessPopenChunks() {
    ON_CALL(sys_, read).WillByDefault([chunk = GetParam()](int fd, void* buf, std::size_t n) {
      return detail::real_syscalls().read(fd, buf, std::min(n, chunk));
    });
  }
  ::testing::NiceMock<testing::OsMockSyscalls> sys_;
};

TEST_P(SubprocessPopenChunks, ReadlineDecodesIncrementally) {
  for (const long long bufsize : {-1LL, 0LL}) {
    sp::Popen p(kSplitText, {.stdout = PIPE, .text = true, .bufsize = bufsize});
    EXPECT_EQ(p.stdout()->readline(), "aéb\n");
    EXPECT_EQ(p.stdout()->readlines(), (std::vector<std::string>{"c\n", "d€😀\n", "\n"}));
    EXPECT_EQ(p.wait(), 0);
  }
}

TEST_P(SubprocessPopenChunks, ReadCountsCharacters) {
  sp::Popen p(kSplitText, {.stdout = PIPE, .text = true});
  std::vector<std::string> chars;
  for (std::string c; !(c = p.stdout()->read(1)).empty();) chars.push_back(c);
  EXPECT_EQ(chars,
            (std::vector<std::string>{"a", "é", "b", "\n", "c", "\n", "d", "€", "😀", "\n", "\n"}));
  EXPECT_EQ(p.wait(), 0);
  sp::Popen q(kSplitText, {.stdout = PIPE, .text = true});
  EXPECT_EQ(q.stdout()->readline(2), "aé");
  EXPECT_EQ(q.stdout()->readline(2), "b\n");
  EXPECT_EQ(q.stdout()->read(3), "c\nd");
  EXPECT_EQ(q.stdout()->read(), "€😀\n\n");
  EXPECT_EQ(q.wait(), 0);
}

TEST_P(SubprocessPopenChunks, CommunicateDecodesTheWhole) {
  sp::Popen p(kSplitText, {.stdout = PIPE, .text = true});
  EXPECT_EQ(p.communicate().stdout, "aéb\nc\nd€😀\n\n");
  sp::Popen q(kSplitText, {.stdout = PIPE, .stderr = PIPE, .text = true});
  EXPECT_EQ(q.communicate(std::nullopt, 60).stdout, "aéb\nc\nd€😀\n\n");
}

INSTANTIATE_TEST_SUITE_P(, SubprocessPopenChunks, ::testing::Values(1, 2, 3, 5, 8192),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return "chunk" + std::to_string(info.param);
                         });

// ---- repr ----

TEST_F(SubprocessPopen, ReprIsCutToEightyCharacters) {
  sp::Popen a({"a"}, {.executable = kHelper});
  EXPECT_EQ(a.repr(), "<Popen: returncode: None args: ['a']>");
  EXPECT_EQ(a.wait(), 0);
  EXPECT_EQ(a.repr(), "<Popen: returncode: 0 args: ['a']>");
  sp::Popen b({std::string(100, 'a')}, {.executable = kHelper});
  EXPECT_EQ(b.repr(), "<Popen: returncode: None args: ['" + std::string(43, 'a') + "...>");
  EXPECT_EQ(b.wait(), 0);
  EXPECT_EQ(b.repr(), "<Popen: returncode: 0 args: ['" + std::string(46, 'a') + "...>");
  // 76 characters, not bytes.
  std::string e100;
  std::string e43;
  for (int i = 0; i < 100; ++i) e100 += "é";
  for (int i = 0; i < 43; ++i) e43 += "é";
  sp::Popen c({e100}, {.executable = kHelper});
  EXPECT_EQ(c.repr(), "<Popen: returncode: None args: ['" + e43 + "...>");
  EXPECT_EQ(c.wait(), 0);
}

// ---- moves ----

TEST_F(SubprocessPopen, AMovedFromPopenRaisesValueErrorFromEveryMember) {
  sp::Popen p(helper({"exit", "4"}), {.stdin = PIPE});
  sp::Popen q(std::move(p));
  const std::string moved = "ValueError: Popen object was moved from";
  // NOLINTBEGIN(bugprone-use-after-move): what the test is about
  EXPECT_EQ(raised([&] { (void)p.args(); }), moved);
  EXPECT_EQ(raised([&] { (void)p.pid(); }), moved);
  EXPECT_EQ(raised([&] { (void)p.returncode(); }), moved);
  EXPECT_EQ(raised([&] { (void)p.text_mode(); }), moved);
  EXPECT_EQ(raised([&] { (void)p.stdin(); }), moved);
  EXPECT_EQ(raised([&] { (void)p.stdout(); }), moved);
  EXPECT_EQ(raised([&] { (void)p.stderr(); }), moved);
  EXPECT_EQ(raised([&] { p.poll(); }), moved);
  EXPECT_EQ(raised([&] { p.wait(); }), moved);
  EXPECT_EQ(raised([&] { p.wait(1); }), moved);
  EXPECT_EQ(raised([&] { p.communicate(); }), moved);
  EXPECT_EQ(raised([&] { p.communicate("x", 1); }), moved);
  EXPECT_EQ(raised([&] { p.send_signal(SIGTERM); }), moved);
  EXPECT_EQ(raised([&] { p.terminate(); }), moved);
  EXPECT_EQ(raised([&] { p.kill(); }), moved);
  EXPECT_EQ(raised([&] { p.exit(); }), moved);
  EXPECT_EQ(raised([&] { (void)p.repr(); }), moved);
  // NOLINTEND(bugprone-use-after-move)
  EXPECT_EQ(q.args(), sp::Command(helper({"exit", "4"})));
  EXPECT_NE(q.stdin(), nullptr);
  EXPECT_EQ(q.wait(), 4);
}

// Destroying the moved-from object touches nothing: the child, its pipe and
// the new owner's state are as they were.
TEST_F(SubprocessPopen, TheDestructorOfAMovedFromPopenDoesNothing) {
  std::optional<sp::Popen> from(std::in_place, helper({"cat"}),
                                sp::Options{.stdin = PIPE, .stdout = PIPE});
  sp::Popen to(std::move(*from));
  from.reset();
  to.stdin()->write("still here\n");
  to.stdin()->flush();
  EXPECT_EQ(to.stdout()->readline(), "still here\n");
  EXPECT_EQ(to.poll(), std::nullopt);
  to.stdin()->close();
  EXPECT_EQ(to.wait(), 0);
}

// The old child goes as ~Popen() leaves it: pipes closed, kept to be reaped
// by the next Popen while it runs.
TEST_F(SubprocessPopen, MoveAssignmentLetsTheOldChildGoAsTheDestructorDoes) {
  Pipe go;
  sp::Popen a(helper({"await", "0", "exit", "5"}), {.stdin = go.read_fd(), .stdout = PIPE});
  const pid_t old = a.pid();
  a = sp::Popen(helper({"exit", "6"}));
  EXPECT_EQ(a.wait(), 6);
  EXPECT_TRUE(unreaped_child(old));
  go.close_write();
  await_end_unreaped(old);
  sp::Popen next(helper());
  EXPECT_FALSE(unreaped_child(old));
  EXPECT_EQ(next.wait(), 0);
  sp::Popen& same = a;
  a = std::move(same);  // self-assignment: nothing happens
  EXPECT_EQ(a.returncode(), 6);
}

TEST_F(SubprocessPopen, PopensLiveInAVector) {
  std::vector<sp::Popen> children;
  for (int i = 0; i < 10; ++i) {  // reallocations move the elements
    children.emplace_back(helper({"print", std::to_string(i), "exit", std::to_string(i)}),
                          sp::Options{.stdout = PIPE});
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(children[i].stdout()->read(), std::to_string(i) + "\n");
    EXPECT_EQ(children[i].wait(), i);
  }
  children.erase(children.begin());
  EXPECT_EQ(children.front().returncode(), 1);
}

// ---- the destructor ----

// A running child: the destructor returns at once, the child runs on, and
// once it has ended it is a zombie only until the next Popen is made.
TEST_F(SubprocessPopen, TheDestructorOfARunningChildDoesNotBlockAndTheNextPopenReapsIt) {
  Pipe go;
  pid_t pid = -1;
  {
    sp::Popen p(helper({"await", "0", "exit", "5"}), {.stdin = go.read_fd(), .stdout = PIPE});
    pid = p.pid();
  }
  const char running = process_state(pid);
  EXPECT_TRUE(running == 'S' || running == 'R') << running;
  go.close_write();
  await_end_unreaped(pid);
  EXPECT_EQ(process_state(pid), 'Z');
  sp::Popen next(helper());
  EXPECT_FALSE(unreaped_child(pid));
  EXPECT_EQ(process_state(pid), '\0');
  EXPECT_EQ(next.wait(), 0);
}

// An ended child is reaped by the destructor itself.
TEST_F(SubprocessPopen, TheDestructorReapsAnEndedChild) {
  pid_t pid = -1;
  {
    sp::Popen p(helper({"exit", "1"}), {.stdin = PIPE, .stdout = PIPE});
    pid = p.pid();
    await_end_unreaped(pid);
  }
  EXPECT_FALSE(unreaped_child(pid));
}

// ---- options Popen refuses ----

TEST_F(SubprocessPopen, RunsOptionsAreRefusedAsCpythonRefusesThem) {
  const std::string unexpected = "TypeError: Popen.__init__() got an unexpected keyword argument ";
  EXPECT_EQ(raised([] { sp::Popen(helper(), {.input = "x"}); }), unexpected + "'input'");
  EXPECT_EQ(raised([] { sp::Popen(helper(), {.capture_output = true}); }),
            unexpected + "'capture_output'");
  EXPECT_EQ(raised([] { sp::Popen(helper(), {.check = false}); }), unexpected + "'check'");
  EXPECT_EQ(raised([] { sp::Popen(helper(), {.timeout = 1}); }), unexpected + "'timeout'");
  const std::string ambiguous =
      "SubprocessError: Cannot disambiguate when both text and universal_newlines are supplied "
      "but different. Pass one or the other.";
  EXPECT_EQ(raised([] { sp::Popen(helper(), {.text = true, .universal_newlines = false}); }),
            ambiguous);
  EXPECT_EQ(raised([] { sp::Popen(helper(), {.text = false, .universal_newlines = true}); }),
            ambiguous);
  sp::Popen agreed(helper(), {.text = true, .universal_newlines = true});
  EXPECT_TRUE(agreed.text_mode());
  EXPECT_EQ(agreed.wait(), 0);
}

}  // namespace
}  // namespace pyproc
