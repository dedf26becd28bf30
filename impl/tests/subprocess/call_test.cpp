// subprocess.call and check_call, and what every function shares with them:
// the forms of args, shell, PATH search, env, cwd, the streams (None, PIPE,
// DEVNULL, STDOUT, an fd), what the child inherits (fds 0-2 only, the signal
// mask, SIGPIPE/SIGXFSZ back at their defaults). Expected values are CPython
// 3.11's for the same calls on the same helper program.
#include <signal.h>
#include <unistd.h>

#include <string>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using testing::helper;
using testing::helper_dir;
using testing::helper_str;
using testing::kHelper;
using testing::Pipe;
using testing::quoted_helper;
using testing::raised;
using testing::StdoutCapture;

class SubprocessCall : public testing::SubprocessTest {};

TEST_F(SubprocessCall, ReturnsTheExitCodeOrMinusTheSignal) {
  EXPECT_EQ(sp::call(helper()), 0);
  EXPECT_EQ(sp::call(helper({"exit", "3"})), 3);
  EXPECT_EQ(sp::call(helper({"kill", "SIGTERM"})), -15);
  EXPECT_EQ(sp::call(helper({"kill", "SIGKILL"})), -9);
}

TEST_F(SubprocessCall, TheChildWritesToThisProcesssStdout) {
  StdoutCapture capture;
  EXPECT_EQ(sp::call(helper({"print", "hello"})), 0);
  EXPECT_EQ(capture.text(), "hello\n");
}

// subprocess.call('date') runs the program `date`: without shell, a string
// is the program's name, spaces and all.
TEST_F(SubprocessCall, AStringWithoutShellIsTheProgramsName) {
  EXPECT_EQ(sp::call(kHelper), 0);
  EXPECT_EQ(sp::call(kHelper.c_str()), 0);
  EXPECT_EQ(raised([] { sp::call("exit 3"); }),
            "FileNotFoundError: [Errno 2] No such file or directory: 'exit 3'");
}

TEST_F(SubprocessCall, ShellRunsTheStringWithBinShAndExtraItemsAreItsArguments) {
  EXPECT_EQ(sp::call("exit 7", {.shell = true}), 7);
  EXPECT_EQ(sp::call({"exit 5"}, {.shell = true}), 5);
  // ['/bin/sh', '-c', cmd, 'zero', 'one']: $0 and $1 of the command.
  EXPECT_EQ(sp::check_output({quoted_helper() + " args -- \"$0\" \"$1\"", "zero", "one"},
                             {.shell = true}),
            "args 4\narg args\narg --\narg zero\narg one\n");
  EXPECT_EQ(sp::check_output(quoted_helper() + " args -- \"$0\"", {.shell = true}),
            "args 3\narg args\narg --\narg /bin/sh\n");
}

TEST_F(SubprocessCall, AnEmptyListIsAnIndexErrorButNotWithShell) {
  EXPECT_EQ(raised([] { sp::call(std::vector<std::string>{}); }),
            "IndexError: list index out of range");
  // ['/bin/sh', '-c']: sh complains that -c wants an argument (exit 2).
  EXPECT_EQ(sp::call(std::vector<std::string>{}, {.stderr = sp::DEVNULL, .shell = true}), 2);
}

TEST_F(SubprocessCall, CheckCallReturnsZeroOrRaisesCalledProcessError) {
  EXPECT_EQ(sp::check_call(helper()), 0);
  try {
    sp::check_call(helper({"exit", "3"}));
    FAIL() << "no exception";
  } catch (const sp::CalledProcessError& e) {
    EXPECT_EQ(std::string(e.what()),
              "Command '" + helper_str({"exit", "3"}) + "' returned non-zero exit status 3.");
    EXPECT_EQ(e.returncode(), 3);
    EXPECT_EQ(e.cmd(), sp::Command(helper({"exit", "3"})));
    EXPECT_EQ(e.output(), std::nullopt);
    EXPECT_EQ(e.stderr(), std::nullopt);
  }
  EXPECT_EQ(raised([] {
              sp::check_call(helper({"kill", "SIGTERM"}));
            }),
            "CalledProcessError: Command '" + helper_str({"kill", "SIGTERM"}) +
                "' died with <Signals.SIGTERM: 15>.");
  EXPECT_EQ(raised([] { sp::check_call("exit 3", {.shell = true}); }),
            "CalledProcessError: Command 'exit 3' returned non-zero exit status 3.");
}

TEST_F(SubprocessCall, CallRefusesWhatOnlyRunTakes) {
  const std::string prefix = "TypeError: Popen.__init__() got an unexpected keyword argument ";
  EXPECT_EQ(raised([] { sp::call(helper(), {.input = "x"}); }), prefix + "'input'");
  EXPECT_EQ(raised([] { sp::call(helper(), {.capture_output = true}); }),
            prefix + "'capture_output'");
  EXPECT_EQ(raised([] { sp::check_call(helper(), {.check = true}); }), prefix + "'check'");
  // Popen() has no check at all: given as False it is still a keyword too many.
  EXPECT_EQ(raised([] { sp::call(helper(), {.check = false}); }), prefix + "'check'");
}

// ---- finding the program ----

TEST_F(SubprocessCall, AProgramWithoutSlashIsSearchedInPath) {
  const testing::ScopedEnv path("PATH", helper_dir().c_str());
  EXPECT_EQ(sp::call({"pyproc-helper", "exit", "2"}), 2);
}

TEST_F(SubprocessCall, ThePathOfEnvIsSearchedAndDefaultsToBinAndUsrBin) {
  EXPECT_EQ(sp::call({"pyproc-helper", "exit", "4"}, {.env = sp::Env{{"PATH", helper_dir()}}}), 4);
  // No PATH in env: os.defpath, "/bin:/usr/bin", which lacks the helper.
  EXPECT_EQ(raised([] { sp::call({"pyproc-helper"}, {.env = sp::Env{}}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: 'pyproc-helper'");
}

// The exec happens after the chdir, so a relative program is found from cwd.
TEST_F(SubprocessCall, CwdIsTheChildsDirectoryAndRelativeProgramsStartThere) {
  EXPECT_EQ(sp::check_output(helper({"cwd"}), {.cwd = "/"}), "cwd /\n");
  EXPECT_EQ(sp::call({"./pyproc-helper", "exit", "6"}, {.cwd = helper_dir()}), 6);
}

TEST_F(SubprocessCall, EnvIsTheWholeEnvironmentAndAnEmptyNameIsAllowed) {
  const testing::ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(sp::check_output(helper({"env", "A", "env", "HOME"}), {.env = sp::Env{{"A", "1"}}}),
            "env A=1\nenv HOME missing\n");
  EXPECT_EQ(sp::check_output(helper({"env", "A"}), {.env = sp::Env{{"", "x"}, {"A", "a"}}}),
            "env A=a\n");
  EXPECT_EQ(sp::check_output(helper({"env", "HOME"})), "env HOME=/home/someone\n");
}

// ---- what the child inherits ----

TEST_F(SubprocessCall, OnlyFdsZeroToTwoReachTheChild) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);  // inheritable on purpose
  EXPECT_EQ(sp::check_output(helper({"fds"})), "fds 0\n");
  EXPECT_EQ(sp::check_output(helper({"fds"}), {.stdin = sp::PIPE, .stderr = sp::PIPE}), "fds 0\n");
  ::close(fds[0]);
  ::close(fds[1]);
}

// restore_signals=True: SIGPIPE and SIGXFSZ back to SIG_DFL; other ignored
// signals and the signal mask are inherited.
TEST_F(SubprocessCall, SigpipeIsRestoredOtherDispositionsAndTheMaskAreInherited) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old_pipe {};
  struct sigaction old_usr1 {};
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old_pipe), 0);
  ASSERT_EQ(::sigaction(SIGUSR1, &ignore, &old_usr1), 0);
  sigset_t usr2;
  sigset_t old_mask;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr2, &old_mask), 0);
  const std::string seen = sp::check_output(helper({"signals"}));
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGUSR1, &old_usr1, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  EXPECT_EQ(seen, "blocked SIGUSR2\nignored SIGUSR1\n");
}

// ---- the streams ----

TEST_F(SubprocessCall, DevnullIsAnEmptyInputAndADiscardedOutput) {
  StdoutCapture capture;
  const sp::CompletedProcess r =
      sp::run(helper({"cat", "print", "done", "eprint", "e"}),
              {.stdin = sp::DEVNULL, .stdout = sp::PIPE, .stderr = sp::DEVNULL});
  EXPECT_EQ(r.stdout, "done\n");
  EXPECT_EQ(r.stderr, std::nullopt);
  EXPECT_EQ(sp::call(helper({"print", "lost"}), {.stdout = sp::DEVNULL}), 0);
  EXPECT_EQ(capture.text(), "");
}

TEST_F(SubprocessCall, StderrToStdoutFollowsStdoutWhereverItGoes) {
  StdoutCapture capture;
  // stdout inherited: stderr goes to this process's fd 1.
  EXPECT_EQ(sp::call(helper({"eprint", "to-fd-1"}), {.stderr = sp::STDOUT}), 0);
  EXPECT_EQ(capture.text(), "to-fd-1\n");
  Pipe out;
  EXPECT_EQ(sp::call(helper({"print", "x", "eprint", "y"}),
                     {.stdout = out.write_fd(), .stderr = sp::STDOUT}),
            0);
  out.close_write();
  EXPECT_EQ(out.read_all(), "x\ny\n");
}

TEST_F(SubprocessCall, AnFdBecomesTheChildsStream) {
  Pipe in;
  Pipe err;
  in.write("from a pipe");
  in.close_write();
  const sp::CompletedProcess r =
      sp::run(helper({"cat", "eprint", "e"}),
              {.stdin = in.read_fd(), .stdout = sp::PIPE, .stderr = err.write_fd()});
  err.close_write();
  EXPECT_EQ(r.stdout, "from a pipe");
  EXPECT_EQ(err.read_all(), "e\n");
}

// What CPython's child finds out with dup2(): EBADF, naming the cwd if any.
TEST_F(SubprocessCall, AStreamThatIsNoFdIsEbadfNamingTheCwd) {
  EXPECT_EQ(raised([] { sp::call(helper(), {.stdin = 99}); }),
            "OSError: [Errno 9] Bad file descriptor");
  EXPECT_EQ(raised([] { sp::call(helper(), {.stdin = 99, .cwd = "/"}); }),
            "OSError: [Errno 9] Bad file descriptor: '/'");
  EXPECT_EQ(raised([] { sp::call(helper(), {.stdin = sp::STDOUT}); }),
            "OSError: [Errno 9] Bad file descriptor");
  EXPECT_EQ(raised([] { sp::call(helper(), {.stdout = -5}); }),
            "OSError: [Errno 9] Bad file descriptor");
}

// As in CPython, call() makes the pipe and never reads it (the docs warn
// against it: a child that fills the pipe would block for ever).
TEST_F(SubprocessCall, CallWithPipesNeitherReadsNorWrites) {
  EXPECT_EQ(sp::call(helper({"print", "small"}), {.stdout = sp::PIPE, .stderr = sp::PIPE}), 0);
}

}  // namespace
}  // namespace pyproc
