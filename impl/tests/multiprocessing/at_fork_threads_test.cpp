// register_at_fork() under threads (spec/cpp-thread-contract.md, T12):
// threads register hooks while another thread forks, with os::fork() and
// Process::start(), so that ASan and TSan see the interleavings. Each
// registration adds one hook to each of the three lists; a fork runs a copy
// of `before` taken before fork(), the child reads after_in_child after it
// and the parent after_in_parent after it, so every fork must see no fewer
// child or parent hooks run than `before` ones, and all of them once every
// registration is done. Threads meet at a barrier and pipes, never at sleeps.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cerrno>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/at_fork.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "pyproc/os.hpp"
#include "support/fork_gate.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

constexpr int kRegistrars = 3;
constexpr int kForks = 30;
// Each round, every registrar registers this many hooks while one fork runs.
constexpr int kHooksPerRound = 20;

// What the hooks count, in the process that runs them.
struct Counts {
  std::atomic<int> before{0};
  std::atomic<int> parent{0};
  std::atomic<int> child{0};
};

class AtForkThreads : public ::testing::Test {
 protected:
  void SetUp() override {
    detail::clear_at_fork_hooks();
    testing::ForkGate::forget();
  }
  void TearDown() override {
    detail::clear_at_fork_hooks();
    testing::ForkGate::forget();
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, os::wnohang), -1) << "a child was left behind";
    EXPECT_EQ(errno, ECHILD);
  }
};

// One fork (os::fork(), or Process::start() when `start`): how many hooks of
// each list ran for it. The child reports its count through a pipe.
struct Ran {
  int before;
  int child;
  int parent;
};
Ran fork_once(const std::shared_ptr<Counts>& counts, bool start) {
  const int before0 = counts->before.load();
  const int parent0 = counts->parent.load();
  testing::Pipe report;
  // (A child's counts are its own copy; its `child` count starts at 0, since
  // after_in_child hooks never run in the parent.)
  const auto report_child = [&] { report.write(std::to_string(counts->child.load()) + "\n"); };
  if (start) {
    Process p(report_child);
    p.start();
    const int parent_ran = counts->parent.load() - parent0;
    const int before_ran = counts->before.load() - before0;
    const int child_ran = std::stoi(report.read_line());
    p.join();
    EXPECT_EQ(p.exitcode(), 0);
    return {before_ran, child_ran, parent_ran};
  }
  const pid_t pid = os::fork();
  if (pid == 0) {
    report_child();
    os::_exit(0);
  }
  const int parent_ran = counts->parent.load() - parent0;
  const int before_ran = counts->before.load() - before0;
  const int child_ran = std::stoi(report.read_line());
  EXPECT_EQ(os::waitpid(pid, 0).status, 0);
  return {before_ran, child_ran, parent_ran};
}

TEST_F(AtForkThreads, RegisteringWhileAnotherThreadForks) {
  const auto counts = std::make_shared<Counts>();
  // Each round starts together: the registrars register while the fork runs.
  std::barrier round(kRegistrars + 1);
  std::vector<std::thread> registrars;
  // Under ASan and TSan the fork itself waits until no registrar is
  // allocating (support/fork_gate.hpp: their allocators are not fork-safe);
  // the registrations still race the forking thread's copies of the lists.
  testing::ForkGate::install();
  for (int t = 0; t < kRegistrars; ++t) {
    registrars.emplace_back([&round, counts] {
      for (int r = 0; r < kForks; ++r) {
        round.arrive_and_wait();
        const testing::ForkGate::Section section;
        for (int i = 0; i < kHooksPerRound; ++i) {
          os::register_at_fork([counts] { ++counts->before; }, [counts] { ++counts->parent; },
                               [counts] { ++counts->child; });
        }
      }
    });
  }
  int last_before = 0;
  for (int r = 0; r < kForks; ++r) {
    round.arrive_and_wait();
    const Ran ran = fork_once(counts, r % 2 == 1);
    EXPECT_LE(ran.before, ran.child);
    EXPECT_LE(ran.before, ran.parent);
    EXPECT_GE(ran.before, last_before);  // the lists only grow
    last_before = ran.before;
  }
  for (std::thread& t : registrars) t.join();
  constexpr int kAll = kRegistrars * kForks * kHooksPerRound;
  for (const bool start_process : {false, true}) {
    const Ran all = fork_once(counts, start_process);
    EXPECT_EQ(all.before, kAll);
    EXPECT_EQ(all.child, kAll);
    EXPECT_EQ(all.parent, kAll);
  }
}

// Hooks run in the thread that forks, and two threads may fork at once.
TEST_F(AtForkThreads, HooksRunInTheForkingThread) {
  constexpr int kForkers = 2;
  auto ids = std::make_shared<std::vector<std::thread::id>>();
  auto mu = std::make_shared<std::mutex>();
  os::register_at_fork([ids, mu] {
    const std::lock_guard lock(*mu);
    ids->push_back(std::this_thread::get_id());
  });
  std::vector<std::thread::id> forkers;
  std::vector<std::thread> threads;
  std::mutex forkers_mu;
  for (int t = 0; t < kForkers; ++t) {
    threads.emplace_back([&] {
      {
        const std::lock_guard lock(forkers_mu);
        forkers.push_back(std::this_thread::get_id());
      }
      for (int i = 0; i < kForks / kForkers; ++i) {
        const pid_t pid = os::fork();
        if (pid == 0) os::_exit(0);
        EXPECT_EQ(os::waitpid(pid, 0).status, 0);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const std::lock_guard lock(*mu);
  ASSERT_EQ(ids->size(), static_cast<std::size_t>(kForks));
  for (const std::thread::id& forker : forkers) {
    EXPECT_EQ(std::count(ids->begin(), ids->end(), forker), kForks / kForkers);
  }
}

}  // namespace
}  // namespace pyproc
