// Moving started Processes while another thread sweeps the registry
// (spec/cpp-thread-contract.md, T4): the sweeper calls active_children(),
// which polls every registered child's handle, while this thread moves the
// objects around (vector reallocation, swaps, rotations, move assignment)
// and later joins, closes and destroys them. Under ASan a registry entry left
// behind by a move would be polled after close() freed its handle (a heap
// use-after-free); under TSan a move that touched the registry without its
// mutex would race the sweep; in any build a sweep that saw a move half done
// would count one child too few or twice.
//
// The children are all forked before the sweeper starts and none while it
// runs: GCC 12's sanitizer allocators are not fork-safe while another thread
// allocates (process_threads_test.cpp, ForkWhileOtherThreadsAllocate).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <latch>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "multiprocessing/child_state.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using testing::give_token;
using testing::Pipe;

constexpr std::size_t kChildren = 16;
constexpr int kMoveRounds = 40;

// Sweeps until destroyed. While `expected` is set, every snapshot must list
// exactly that many distinct objects (the children are all running then).
class CheckingSweeper {
 public:
  CheckingSweeper()
      : thread_([this] {
          started_.count_down();
          while (!stop_.load()) {
            const std::vector<Process*> seen = active_children();  // never dereferenced
            const std::size_t want = expected_.load();
            if (want == 0) continue;
            const std::set<Process*> distinct(seen.begin(), seen.end());
            if (seen.size() != want || distinct.size() != want) bad_.fetch_add(1);
            sweeps_.fetch_add(1);
          }
        }) {
    started_.wait();
  }
  ~CheckingSweeper() { stop(); }
  CheckingSweeper(const CheckingSweeper&) = delete;
  CheckingSweeper& operator=(const CheckingSweeper&) = delete;

  void expect(std::size_t count) { expected_.store(count); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] int bad() const { return bad_.load(); }
  [[nodiscard]] int sweeps() const { return sweeps_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> expected_{0};
  std::atomic<int> bad_{0};
  std::atomic<int> sweeps_{0};
  std::latch started_{1};
  std::thread thread_;
};

std::set<const Process*> listed_set() {
  std::set<const Process*> out;
  for (Process* p : active_children()) out.insert(p);
  return out;
}

std::set<const Process*> address_set(const std::vector<Process>& processes) {
  std::set<const Process*> out;
  for (const Process& p : processes) out.insert(&p);
  return out;
}

// One round of moves of every element: reallocation (move construction and
// destruction of the moved-from), swaps (move assignment onto moved-from
// objects), a rotation, and a move into a new vector.
void move_all(std::vector<Process>& processes, int round) {
  processes.reserve(processes.capacity() * 2);
  std::reverse(processes.begin(), processes.end());
  std::rotate(processes.begin(), processes.begin() + 1 + round % 5, processes.end());
  std::swap(processes.front(), processes.back());
  std::vector<Process> moved;
  moved.reserve(processes.size());
  for (Process& p : processes) moved.push_back(std::move(p));
  processes = std::move(moved);  // the moved-from elements are destroyed
}

TEST(ProcessMoveThreads, StartedProcessesMovedWhileAnotherThreadSweeps) {
  const int fds_before = testing::count_open_fds();
  Pipe go;
  std::vector<Process> processes;
  for (std::size_t i = 0; i < kChildren; ++i) {
    processes.emplace_back([&go, i] {
      testing::await_token_or_end(go);
      throw SystemExit(static_cast<std::int64_t>(i));
    });
    processes.back().start();
  }
  std::vector<std::string> names;
  for (Process& p : processes) names.push_back(p.name());

  CheckingSweeper sweeper;
  sweeper.expect(kChildren);
  for (int round = 0; round < kMoveRounds; ++round) {
    move_all(processes, round);
    ASSERT_EQ(listed_set(), address_set(processes)) << "round " << round;
  }
  sweeper.expect(0);  // children end from here on: the count may drop

  // The children end; half are joined and closed (freeing their handles)
  // and half destroyed unjoined, all while the sweep goes on.
  go.close_write();
  std::vector<int> codes(kChildren, -1);
  std::vector<pid_t> unjoined;
  for (std::size_t i = 0; i < processes.size(); ++i) {
    Process& p = processes[i];
    if (i % 2 == 1) {
      unjoined.push_back(*p.pid());
      continue;
    }
    p.join();
    const auto index =
        static_cast<std::size_t>(std::find(names.begin(), names.end(), p.name()) - names.begin());
    ASSERT_LT(index, kChildren) << p.name();
    codes[index] = p.exitcode().value_or(-2);
    p.close();
  }
  processes.clear();
  sweeper.stop();
  EXPECT_EQ(sweeper.bad(), 0) << "of " << sweeper.sweeps() << " sweeps";

  // Every closed one had its own exit code (its index: no child was swapped).
  int joined = 0;
  for (std::size_t i = 0; i < kChildren; ++i) {
    if (codes[i] == -1) continue;
    ++joined;
    EXPECT_EQ(codes[i], static_cast<int>(i));
  }
  EXPECT_EQ(joined, static_cast<int>(kChildren / 2));
  // The ones destroyed unjoined are reaped by the next sweep once ended.
  for (const pid_t pid : unjoined) testing::await_child_end(pid);
  EXPECT_TRUE(active_children().empty());
  for (const pid_t pid : unjoined) EXPECT_TRUE(testing::child_reaped(pid)) << pid;
  go.close_read();
  EXPECT_EQ(testing::count_open_fds(), fds_before);
}

}  // namespace
}  // namespace pyproc
