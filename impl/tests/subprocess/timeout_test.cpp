// Timeouts: against the monotonic clock, the child killed (SIGKILL) and
// reaped before TimeoutExpired is raised (the fixture checks that no child
// is left), the output read so far kept, and CPython's two flavours of the
// message: the timeout given while the pipes are served, what was left of
// it once they are closed and only the wait remains. The children here
// never end by themselves (wait-signal), so only the timeout ends them.
#include <chrono>
#include <cmath>
#include <string>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using testing::helper;
using testing::helper_str;
using testing::raised;

class SubprocessTimeout : public testing::SubprocessTest {};

TEST_F(SubprocessTimeout, CallRaisesTimeoutExpiredWithTheTimeoutAsGiven) {
  try {
    sp::call(helper({"wait-signal"}), {.timeout = 0.2});
    FAIL() << "no exception";
  } catch (const sp::TimeoutExpired& e) {
    EXPECT_EQ(std::string(e.what()),
              "Command '" + helper_str({"wait-signal"}) + "' timed out after 0.2 seconds");
    EXPECT_EQ(e.cmd(), sp::Command(helper({"wait-signal"})));
    EXPECT_EQ(e.timeout().seconds(), 0.2);
    EXPECT_EQ(e.output(), std::nullopt);
    EXPECT_EQ(e.stderr(), std::nullopt);
  }
  // An integer prints as one, and 0 or less only polls.
  const std::string prefix = "TimeoutExpired: Command '" + helper_str({"wait-signal"}) + "'";
  EXPECT_EQ(raised([] { sp::call(helper({"wait-signal"}), {.timeout = 0}); }),
            prefix + " timed out after 0 seconds");
  EXPECT_EQ(raised([] { sp::check_call(helper({"wait-signal"}), {.timeout = -1}); }),
            prefix + " timed out after -1 seconds");
  EXPECT_EQ(raised([] {
              sp::call(helper({"wait-signal"}), {.timeout = std::chrono::milliseconds(100)});
            }),
            prefix + " timed out after 0.1 seconds");
  EXPECT_EQ(raised([] { sp::call(helper({"wait-signal"}), {.timeout = -HUGE_VAL}); }),
            prefix + " timed out after -inf seconds");
}

TEST_F(SubprocessTimeout, ATimeoutThatDoesNotExpireChangesNothing) {
  EXPECT_EQ(sp::call(helper({"exit", "4"}), {.timeout = 60}), 4);
  EXPECT_EQ(sp::run(helper({"print", "x"}), {.capture_output = true, .timeout = 60.0}).stdout,
            "x\n");
  // inf and nan never expire in CPython's wait().
  EXPECT_EQ(sp::call(helper({"exit", "5"}), {.timeout = HUGE_VAL}), 5);
  EXPECT_EQ(sp::call(helper({"exit", "6"}), {.timeout = std::nan("")}), 6);
  EXPECT_EQ(sp::run(helper({"exit", "7"}), {.timeout = HUGE_VAL}).returncode, 7);
}

// The child prints at once; the timeout (1 s) leaves it ample time to be
// read before it expires.
TEST_F(SubprocessTimeout, RunKeepsThePartialOutputAsBytes) {
  try {
    sp::run(helper({"print", "partial", "wait-signal"}),
            {.capture_output = true, .text = true, .timeout = 1.0});
    FAIL() << "no exception";
  } catch (const sp::TimeoutExpired& e) {
    EXPECT_EQ(std::string(e.what()), "Command '" + helper_str({"print", "partial", "wait-signal"}) +
                                         "' timed out after 1.0 seconds");
    EXPECT_EQ(e.output(), "partial\n");
    EXPECT_EQ(e.stdout(), "partial\n");
    EXPECT_EQ(e.stderr(), std::nullopt);  // nothing read from it, not even its end
  }
}

TEST_F(SubprocessTimeout, CheckOutputTimesOutTheSameWay) {
  EXPECT_EQ(
      raised([] { sp::check_output(helper({"wait-signal"}), {.timeout = -1}); }),
      "TimeoutExpired: Command '" + helper_str({"wait-signal"}) + "' timed out after -1 seconds");
}

// Once the pipes are closed only the wait is left: CPython's wait() then
// reports the time that was left, and no output.
TEST_F(SubprocessTimeout, AfterThePipesCloseTheMessageSaysTheTimeThatWasLeft) {
  const auto expect_time_left = [](const sp::Options& options, double timeout) {
    try {
      sp::run(helper({"print", "x", "close", "1", "close", "2", "wait-signal"}), options);
      FAIL() << "no exception";
    } catch (const sp::TimeoutExpired& e) {
      EXPECT_LT(e.timeout().seconds(), timeout);
      EXPECT_GT(e.timeout().seconds(), 0.0);
      EXPECT_EQ(e.output(), std::nullopt);
      const std::string prefix =
          "Command '" + helper_str({"print", "x", "close", "1", "close", "2", "wait-signal"}) +
          "' timed out after 0.";
      EXPECT_EQ(std::string(e.what()).substr(0, prefix.size()), prefix);
    }
  };
  expect_time_left({.capture_output = true, .timeout = 0.9}, 0.9);
  expect_time_left({.stdout = sp::DEVNULL, .timeout = 0.2}, 0.2);  // no pipe at all
}

TEST_F(SubprocessTimeout, ANegativeTimeoutRaisesBeforeAnythingIsRead) {
  try {
    sp::run(helper({"print", "x", "wait-signal"}), {.capture_output = true, .timeout = -1.5});
    FAIL() << "no exception";
  } catch (const sp::TimeoutExpired& e) {
    EXPECT_EQ(e.timeout().str(), "-1.5");
    EXPECT_EQ(e.output(), std::nullopt);
  }
}

// selectors.PollSelector.select() converts the timeout for poll(): the
// errors are CPython's, raised after the child was started, which is killed.
TEST_F(SubprocessTimeout, TimeoutsPollCannotTakeRaiseAsInCpython) {
  const auto piped = [](double timeout) {
    return raised([timeout] {
      sp::run(helper({"wait-signal"}), {.capture_output = true, .timeout = timeout});
    });
  };
  EXPECT_EQ(piped(HUGE_VAL), "OverflowError: cannot convert float infinity to integer");
  EXPECT_EQ(piped(std::nan("")), "ValueError: cannot convert float NaN to integer");
  EXPECT_EQ(piped(1e10), "OverflowError: timestamp too large to convert to C _PyTime_t");
  EXPECT_EQ(piped(3e6), "OverflowError: timeout is too large");
}

}  // namespace
}  // namespace pyproc
