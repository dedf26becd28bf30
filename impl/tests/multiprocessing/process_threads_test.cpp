// The thread contract (spec/cpp-thread-contract.md), checked with real
// threads so that ASan and TSan see the interleavings: distinct Process
// objects used from different threads while the library sweeps all of them,
// one object joined, polled and signalled from several threads at once, and
// fork while other threads allocate. Threads meet at latches and pipes, never
// at sleeps; every loop is bounded.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "multiprocessing/three_threads.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "support/fork_gate.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using testing::await_token;
using testing::give_token;
using testing::Pipe;

// Rounds per test: enough for the sanitizers to see the races the issue
// reported (each failed in most runs at this size), small enough for CI.
constexpr int kRounds = 150;

// Calls active_children() until `stop` is set: the sweep that polls every
// registered Process, from a thread that owns none of them.
class Sweeper {
 public:
  Sweeper()
      : thread_([this] {
          started_.count_down();
          while (!stop_.load()) {
            const testing::ForkGate::Section section;
            for (Process* p : active_children()) (void)p;  // never dereferenced: not ours
          }
        }) {
    started_.wait();
  }
  ~Sweeper() {
    stop_.store(true);
    thread_.join();
  }
  Sweeper(const Sweeper&) = delete;
  Sweeper& operator=(const Sweeper&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::latch started_{1};
  std::thread thread_;
};

// The heap use-after-free of issue 11: close() freed the child handle while
// another thread's sweep still polled it through the registry.
TEST(ProcessThreads, CloseWhileAnotherThreadSweeps) {
  const int fds_before = testing::count_open_fds();
  {
    Sweeper sweeper;
    for (int i = 0; i < kRounds; ++i) {
      auto p = std::make_unique<Process>([] {});
      p->start();
      p->join();
      p->close();
      p.reset();
    }
  }
  EXPECT_TRUE(active_children().empty());
  EXPECT_EQ(testing::count_open_fds(), fds_before);
}

// join() without a timeout must return with the exit code known, even when
// another thread's sweep reaped the child first.
TEST(ProcessThreads, JoinSeesTheExitCodeWhileAnotherThreadSweeps) {
  Sweeper sweeper;
  int unknown = 0;
  for (int i = 0; i < kRounds; ++i) {
    Process p([] {});
    p.start();
    p.join();
    if (!p.exitcode().has_value()) ++unknown;
  }
  EXPECT_EQ(unknown, 0);
}

// Two threads, each starting and joining its own children, while both
// sweep the registry through start(): names stay unique, no child is lost.
TEST(ProcessThreads, TwoThreadsStartAndJoinTheirOwnChildren) {
  std::latch go(2);
  std::vector<std::string> names[2];
  std::vector<int> codes[2];
  auto work = [&](int t) {
    go.arrive_and_wait();
    for (int i = 0; i < kRounds / 2; ++i) {
      const testing::ForkGate::Section section;
      Process p([t] { throw SystemExit(std::int64_t{t + 3}); });
      names[t].push_back(p.name());
      p.start();
      (void)p.is_alive();
      p.join();
      codes[t].push_back(p.exitcode().value_or(-1000));
    }
  };
  std::thread other(work, 1);
  work(0);
  other.join();
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(codes[t], std::vector<int>(kRounds / 2, t + 3));
  }
  std::vector<std::string> all = names[0];
  all.insert(all.end(), names[1].begin(), names[1].end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a name was given twice";
  EXPECT_TRUE(active_children().empty());
}

// One object shared by three threads: one joins without a timeout, one polls
// is_alive()/exitcode(), one terminates it. Every reader agrees on -SIGTERM.
TEST(ProcessThreads, OneObjectJoinedPolledAndTerminatedFromThreeThreads) {
  testing::join_poll_and_terminate_from_three_threads(kRounds / 5);
}

// A Process destroyed while its child runs is handed to the registry; the
// other thread's sweep (or the next active_children()) reaps it. No zombie
// and no fd stays behind.
TEST(ProcessThreads, DestroyRunningWhileAnotherThreadSweeps) {
  const int fds_before = testing::count_open_fds();
  std::vector<pid_t> pids;
  {
    Sweeper sweeper;
    for (int i = 0; i < kRounds / 3; ++i) {
      auto p = std::make_unique<Process>([] {});
      p->start();
      pids.push_back(*p->pid());
      p.reset();  // running or not: the registry or the destructor releases it
    }
  }
  // Until each has ended (WNOWAIT: whoever owns it still reaps it; ECHILD
  // once pyproc has).
  for (pid_t pid : pids) {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 &&
           errno == EINTR) {
    }
  }
  EXPECT_TRUE(active_children().empty());  // reaps every orphan that has ended
  EXPECT_EQ(testing::count_open_fds(), fds_before);
  for (pid_t pid : pids) {
    siginfo_t info{};
    EXPECT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG), -1)
        << "pid " << pid << " was left unreaped";
  }
}

// fork() while other threads allocate and take pyproc's lock: the child
// allocates and uses the registry without deadlocking, and exits 0.
TEST(ProcessThreads, ForkWhileOtherThreadsAllocate) {
  // What this proves is glibc's malloc and pyproc's locks being fork-safe.
  // Under a sanitizer the allocator is the sanitizer's, which in GCC 12 is
  // not (support/fork_gate.hpp says why; a child hung here under TSan in 2-6
  // of 60 runs), and gating the forks would remove the very race this test
  // is about: it runs in the default build only.
  if (testing::kForkGateActive) {
    GTEST_SKIP() << "GCC 12's ASan/TSan allocators are not fork-safe while other threads allocate";
  }
  std::atomic<bool> stop{false};
  std::latch started(2);
  auto allocator = [&] {
    started.count_down();
    std::vector<std::unique_ptr<std::string>> keep;
    while (!stop.load()) {
      keep.push_back(std::make_unique<std::string>(512, 'x'));
      if (keep.size() > 64) keep.clear();
      (void)active_children();
    }
  };
  std::thread a(allocator);
  std::thread b(allocator);
  started.wait();
  int failed = 0;
  for (int i = 0; i < kRounds / 3; ++i) {
    Process p([] {
      std::vector<std::string> v(100, std::string(1000, 'y'));
      Process grandchild([] {});
      grandchild.start();
      grandchild.join();
      if (grandchild.exitcode() != 0 || v.size() != 100) throw SystemExit(std::int64_t{7});
    });
    p.start();
    p.join();
    if (p.exitcode() != 0) {
      ++failed;
      ADD_FAILURE() << "exit code " << p.exitcode().value_or(-999);
    }
  }
  stop.store(true);
  a.join();
  b.join();
  EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace pyproc
