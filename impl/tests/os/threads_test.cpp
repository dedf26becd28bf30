// pyproc::os's launch and wait functions called from several threads at
// once (spec/cpp-thread-contract.md §5): every call gets its own child's
// result, never another thread's. Run under ThreadSanitizer in .ci/test.

#include <string>
#include <thread>
#include <vector>

#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;

class OsThreads : public testing::OsTest {};

constexpr int kThreads = 4;
constexpr int kRounds = 8;

TEST_F(OsThreads, EveryLaunchFunctionGetsItsOwnChildsResult) {
  // Each thread uses its own exit codes and output; a wait that reaped
  // another thread's child, or a pipe shared between exchanges, shows as a
  // wrong code or a wrong text.
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &failure = failures[t]] {
      const auto expect = [&failure](bool ok, const std::string& what) {
        if (!ok && failure.empty()) failure = what;
      };
      for (int round = 0; round < kRounds; ++round) {
        const int code = 10 + t * kRounds + round;
        const std::string word = "t" + std::to_string(t) + "r" + std::to_string(round);
        expect(os::system("exit " + std::to_string(code)) == code << 8, "system " + word);
        expect(os::spawnv(os::p_wait, kHelper, {"x", "exit", std::to_string(code)}) == code,
               "spawnv P_WAIT " + word);
        const pid_t pid = os::spawnv(os::p_nowait, kHelper, {"x", "exit", std::to_string(code)});
        const auto [reaped, status] = os::waitpid(pid, 0);
        expect(reaped == pid && os::waitstatus_to_exitcode(status) == code,
               "spawnv P_NOWAIT + waitpid " + word);
        auto pipe = os::popen(kHelper + " write " + word);
        expect(pipe.read() == word, "popen read " + word);
        expect(!pipe.close().has_value(), "popen close " + word);
        auto failing = os::popen("exit " + std::to_string(code));
        expect(failing.close() == code << 8, "popen close status " + word);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

TEST_F(OsThreads, ForkingThreadsEachWaitForTheirOwnChild) {
  // os::fork() in several threads at once, each child ending with its own
  // code through os::_exit, each parent thread waiting for its pid.
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &failure = failures[t]] {
      for (int round = 0; round < kRounds && failure.empty(); ++round) {
        const int code = 10 + t * kRounds + round;
        const pid_t pid = os::fork();
        if (pid == 0) os::_exit(code);
        const auto [reaped, status] = os::waitpid(pid, 0);
        if (reaped != pid || !os::wifexited(status) || os::wexitstatus(status) != code)
          failure = "round " + std::to_string(round) + ": status " + std::to_string(status);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

}  // namespace
}  // namespace pyproc
