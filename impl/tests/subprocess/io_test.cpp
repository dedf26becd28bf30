// communicate()'s exchange with large data: both output pipes and the input
// pipe served together (no deadlock whatever order the child writes and
// reads in), and a child that goes before reading its input (EPIPE is
// ignored; SIGPIPE never reaches this process).
#include <signal.h>

#include <string>
#include <vector>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using testing::fill_pattern;
using testing::helper;

class SubprocessIo : public testing::SubprocessTest {
 protected:
  // The signal mask of this thread.
  static sigset_t mask() {
    sigset_t now;
    ::pthread_sigmask(SIG_BLOCK, nullptr, &now);
    return now;
  }
  static bool sigpipe_pending() {
    sigset_t pending;
    ::sigpending(&pending);
    return sigismember(&pending, SIGPIPE) == 1;
  }
};

// A reader that drained stdout before stderr would wait for ever: the child
// blocks on the full stderr pipe after its first MiB.
TEST_F(SubprocessIo, HundredMibOnStdoutAndStderrAtOnce) {
  constexpr std::size_t kMib = std::size_t{1} << 20;
  std::vector<std::string> actions;
  for (int i = 0; i < 100; ++i) {
    for (const char* action : {"fill", "efill"}) {
      actions.emplace_back(action);
      actions.push_back(std::to_string(kMib));
    }
  }
  const sp::CompletedProcess r = sp::run(helper(actions), {.capture_output = true});
  EXPECT_EQ(r.returncode, 0);
  ASSERT_EQ(r.stdout->size(), 100 * kMib);
  ASSERT_EQ(r.stderr->size(), 100 * kMib);
  const std::string expected = fill_pattern(100 * kMib);
  EXPECT_TRUE(*r.stdout == expected);  // (not EXPECT_EQ: no 100 MiB diff on failure)
  EXPECT_TRUE(*r.stderr == expected);
}

// The child writes 8 MiB to stderr before it reads anything, then echoes
// 16 MiB of input: writing the input must wait for the child while its
// stderr is read.
TEST_F(SubprocessIo, InputLargerThanThePipeWhileTheChildWritesMuch) {
  std::string input = fill_pattern(std::size_t{16} << 20);
  input[12345] = 'X';  // not the pattern everywhere
  const std::string eight_mib = std::to_string(std::size_t{8} << 20);
  const sp::CompletedProcess r = sp::run(helper({"efill", eight_mib, "cat", "fill", eight_mib}),
                                         {.input = input, .capture_output = true});
  EXPECT_EQ(r.returncode, 0);
  EXPECT_TRUE(*r.stdout == input + fill_pattern(std::size_t{8} << 20));
  EXPECT_TRUE(*r.stderr == fill_pattern(std::size_t{8} << 20));
}

TEST_F(SubprocessIo, TextModeOnTwentyMib) {
  const std::string out =
      sp::check_output(helper({"fill", std::to_string(20 << 20)}), {.text = true});
  EXPECT_TRUE(out == fill_pattern(20 << 20));
}

// CPython ignores EPIPE in communicate(); here SIGPIPE must not kill the
// test process either, nor stay pending, nor stay blocked.
TEST_F(SubprocessIo, AChildThatExitsWithoutReadingItsInputIsNoError) {
  const sigset_t before = mask();
  const std::string input(std::size_t{4} << 20, 'x');
  EXPECT_EQ(sp::run(helper({"exit", "0"}), {.input = input}).returncode, 0);
  EXPECT_EQ(
      sp::run(helper({"close", "0", "print", "x"}), {.input = input, .stdout = sp::PIPE}).stdout,
      "x\n");
  EXPECT_EQ(sp::check_output(helper({"exit", "0"}), {.input = input, .stderr = sp::STDOUT}), "");
  // It reads a byte and goes while the input is being written.
  EXPECT_EQ(sp::run(helper({"await", "0"}), {.input = input}).returncode, 0);
  EXPECT_FALSE(sigpipe_pending());
  const sigset_t after = mask();
  EXPECT_EQ(sigismember(&after, SIGPIPE), sigismember(&before, SIGPIPE));
}

// A SIGPIPE that was pending before is someone else's: it stays pending.
TEST_F(SubprocessIo, ASigpipePendingBeforeIsLeftAlone) {
  sigset_t sigpipe;
  sigset_t saved;
  sigemptyset(&sigpipe);
  sigaddset(&sigpipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &sigpipe, &saved);
  ::raise(SIGPIPE);
  EXPECT_EQ(
      sp::run(helper({"exit", "0"}), {.input = std::string(std::size_t{1} << 20, 'x')}).returncode,
      0);
  EXPECT_TRUE(sigpipe_pending());
  const timespec no_wait{};
  EXPECT_EQ(::sigtimedwait(&sigpipe, nullptr, &no_wait), SIGPIPE);
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

}  // namespace
}  // namespace pyproc
