// spec/cpp-thread-contract.md S1-S3: the subprocess functions called from
// several threads at once. Each thread's children get their own pipes and
// nothing else (no fd of another thread's exchange leaks into them), each
// thread reaps only its own children, and SIGPIPE stays blocked only in the
// thread that writes. Run under ThreadSanitizer and AddressSanitizer by
// .ci/test.
#include <signal.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using testing::fill_pattern;
using testing::helper;
using testing::quoted_helper;

class SubprocessThreads : public testing::SubprocessTest {};

TEST_F(SubprocessThreads, ConcurrentCallsEachGetTheirOwnChildAndPipes) {
  constexpr int kThreads = 4;
  constexpr int kRounds = 8;
  std::atomic<int> failures{0};
  const auto check = [&failures](bool ok) {
    if (!ok) failures.fetch_add(1);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &check] {
      for (int round = 0; round < kRounds; ++round) {
        // Input larger than a pipe, echoed while stderr fills too.
        const std::string input = fill_pattern(std::size_t{200000} + t * 1000 + round);
        const sp::CompletedProcess r = sp::run(helper({"efill", "100000", "cat", "fds"}),
                                               {.input = input, .capture_output = true});
        check(r.returncode == 0 && *r.stdout == input + "fds 0\n" &&
              *r.stderr == fill_pattern(100000));
        check(sp::getstatusoutput(quoted_helper() + " print t" + std::to_string(t) + " exit 3") ==
              std::pair<int, std::string>(3, "t" + std::to_string(t)));
        check(sp::call(helper({"exit", std::to_string(round)})) == round);
        try {
          sp::call(helper({"wait-signal"}), {.timeout = 0.01});
          check(false);
        } catch (const sp::TimeoutExpired&) {
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

// Blocking SIGPIPE while one thread writes input must not leave it blocked
// there, nor touch another thread's mask.
TEST_F(SubprocessThreads, TheSigpipeMaskIsPerThreadAndRestored) {
  std::atomic<bool> blocked_somewhere{false};
  const auto sigpipe_blocked = [] {
    sigset_t mask;
    ::pthread_sigmask(SIG_BLOCK, nullptr, &mask);
    return sigismember(&mask, SIGPIPE) == 1;
  };
  std::thread writer([&] {
    for (int i = 0; i < 10; ++i) {
      sp::run(helper({"exit", "0"}), {.input = std::string(std::size_t{1} << 20, 'x')});
      if (sigpipe_blocked()) blocked_somewhere = true;
    }
  });
  for (int i = 0; i < 10; ++i) {
    sp::call(helper());
    if (sigpipe_blocked()) blocked_somewhere = true;
  }
  writer.join();
  EXPECT_FALSE(blocked_somewhere.load());
}

}  // namespace
}  // namespace pyproc
