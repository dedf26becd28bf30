// spec/cpp-thread-contract.md S1-S3: the subprocess functions called from
// several threads at once. Each thread's children get their own pipes and
// nothing else (no fd of another thread's exchange leaks into them), each
// thread reaps only its own children, and SIGPIPE stays blocked only in the
// thread that writes. S4-S6: one Popen waited (wait(), wait(timeout)),
// polled, read (returncode(), pid(), args(), repr()) and signalled from
// several threads at once, through the pidfd and without one: every thread
// sees the same returncode and the child is reaped exactly once (counted at
// the seam); distinct Popens, their destructors and the reaping of
// abandoned children in different threads; pipe files of one Popen used by
// different threads. Run under ThreadSanitizer and AddressSanitizer by
// .ci/test.
#include <signal.h>

#include <atomic>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using testing::await_end_unreaped;
using testing::fill_pattern;
using testing::helper;
using testing::Pipe;
using testing::quoted_helper;
using testing::unreaped_child;

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

// ---- one Popen, many threads ----

// The seam, real calls counted: how many of them reaped a child (a waitid
// without WNOWAIT that returned one, a waitpid that returned a pid). With
// `pidfds` false, pidfd_open fails with ENOSYS: Popen's fallback path.
class CountingSyscalls {
 public:
  explicit CountingSyscalls(bool pidfds) {
    detail::Syscalls& real = detail::real_syscalls();
    ON_CALL(sys_, waitid)
        .WillByDefault([this, &real](idtype_t type, id_t id, siginfo_t* info, int options) {
          const int r = real.waitid(type, id, info, options);
          if (r == 0 && info->si_pid != 0 && (options & os::wnowait) == 0) {
            reaps_.fetch_add(1);
          }
          return r;
        });
    ON_CALL(sys_, waitpid).WillByDefault([this, &real](pid_t pid, int* status, int options) {
      const pid_t r = real.waitpid(pid, status, options);
      if (r > 0) reaps_.fetch_add(1);
      return r;
    });
    if (!pidfds) {
      ON_CALL(sys_, pidfd_open).WillByDefault([](pid_t, unsigned int) {
        errno = ENOSYS;
        return -1;
      });
    }
  }
  int reaps() const { return reaps_.load(); }

 private:
  std::atomic<int> reaps_{0};
  ::testing::NiceMock<testing::OsMockSyscalls> sys_;
};

enum class Role { Wait, WaitTimeout, Poll, Returncode, Signal };

// kThreads threads, started together by a latch, each in one role on the
// same Popen; what each saw as the returncode.
std::vector<std::optional<int>> race(sp::Popen& p, const std::vector<Role>& roles, int signal) {
  std::latch start(static_cast<std::ptrdiff_t>(roles.size()));
  std::vector<std::optional<int>> seen(roles.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        switch (roles[i]) {
          case Role::Wait:
            seen[i] = p.wait();
            break;
          case Role::WaitTimeout:
            seen[i] = p.wait(60);
            break;
          case Role::Poll:
            while (!(seen[i] = p.poll())) std::this_thread::yield();
            break;
          case Role::Returncode:
            // The readers of what never changes, while it is reaped.
            while (!(seen[i] = p.returncode())) {
              if (p.pid() <= 0 || p.text_mode() || p.args().repr().empty() || p.repr().empty())
                break;
              std::this_thread::yield();
            }
            break;
          case Role::Signal:
            if (signal != 0) {
              p.send_signal(signal);
              p.terminate();  // reaped by now or not: no error either way
            }
            seen[i] = p.wait();
            p.kill();  // reaped: nothing is sent
            break;
        }
      } catch (const BaseException& e) {
        ADD_FAILURE() << "thread " << i << ": " << e.type_name() << ": " << e.what();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return seen;
}

const std::vector<Role> kRoles = {Role::Wait,        Role::Wait,   Role::WaitTimeout,
                                  Role::WaitTimeout, Role::Poll,   Role::Poll,
                                  Role::Returncode,  Role::Signal, Role::Signal};

class SubprocessPopenThreads : public SubprocessThreads,
                               public ::testing::WithParamInterface<bool> {};

// The child ends by a signal the signalling threads send while the others
// wait and poll.
TEST_P(SubprocessPopenThreads, OnePopenSignalledWaitedAndPolledAtOnceIsReapedOnce) {
  for (int round = 0; round < 20; ++round) {
    const CountingSyscalls counting(GetParam());
    sp::Popen p(helper({"wait-signal"}));
    const std::vector<std::optional<int>> seen = race(p, kRoles, SIGTERM);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i], -SIGTERM) << "round " << round << ", thread " << i;
    }
    EXPECT_EQ(p.returncode(), -SIGTERM);
    EXPECT_EQ(counting.reaps(), 1) << "round " << round;
    EXPECT_FALSE(unreaped_child(p.pid()));
  }
}

// The child ends by itself while every thread races to reap it.
TEST_P(SubprocessPopenThreads, OnePopenWaitedAndPolledAtOnceIsReapedOnce) {
  for (int round = 0; round < 20; ++round) {
    const CountingSyscalls counting(GetParam());
    sp::Popen p(helper({"exit", std::to_string(round)}));
    const std::vector<std::optional<int>> seen = race(p, kRoles, 0);
    for (std::size_t i = 0; i < seen.size(); ++i) {
      EXPECT_EQ(seen[i], round) << "round " << round << ", thread " << i;
    }
    EXPECT_EQ(counting.reaps(), 1) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(, SubprocessPopenThreads, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return std::string(info.param ? "Pidfd" : "NoPidfd");
                         });

// wait(timeout)s that expire in several threads while another thread's
// wait() blocks: each raises its own TimeoutExpired, and the child's end
// is then seen by all.
TEST_F(SubprocessThreads, TimeoutsExpireInSeveralThreadsAtOnce) {
  Pipe go;
  sp::Popen p(helper({"await", "0", "exit", "9"}), {.stdin = go.read_fd()});
  constexpr int kWaiters = 4;
  std::latch start(kWaiters + 1);
  std::atomic<int> timeouts{0};
  std::atomic<int> nines{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiters; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      try {
        p.wait(0.02);
      } catch (const sp::TimeoutExpired&) {
        timeouts.fetch_add(1);
      }
      if (p.wait() == 9) nines.fetch_add(1);
    });
  }
  start.arrive_and_wait();
  // Every waiter has timed out once before the child may end.
  while (timeouts.load() < kWaiters) std::this_thread::yield();
  go.close_write();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(nines.load(), kWaiters);
  EXPECT_EQ(p.returncode(), 9);
}

// Distinct Popens need no locking: made, destroyed while their children
// run (kept to be reaped later) and reaping those of other threads, all at
// once.
TEST_F(SubprocessThreads, PopensAbandonedAndReapedInSeveralThreadsAtOnce) {
  constexpr int kThreads = 4;
  constexpr int kEach = 8;
  Pipe go;
  std::vector<std::vector<pid_t>> abandoned(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        {
          sp::Popen running(helper({"await", "0"}), {.stdin = go.read_fd(), .stdout = sp::PIPE});
          abandoned[t].push_back(running.pid());
        }
        sp::Popen ended(helper({"exit", std::to_string(i)}));
        EXPECT_EQ(ended.wait(), i);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  go.close_write();
  for (const std::vector<pid_t>& pids : abandoned) {
    for (const pid_t pid : pids) await_end_unreaped(pid);
  }
  sp::Popen last(helper());  // reaps every one of them
  EXPECT_EQ(last.wait(), 0);
  for (const std::vector<pid_t>& pids : abandoned) {
    for (const pid_t pid : pids) EXPECT_FALSE(unreaped_child(pid)) << pid;
  }
}

// communicate() in one thread while others signal, poll and wait: the
// exchange ends at the kill's end of file, and every thread sees -SIGKILL.
// (The child's fd 0 is the write end of `ready`: it says there when it has
// written everything, and only then is it killed.)
TEST_F(SubprocessThreads, CommunicateInOneThreadWhileOthersSignalAndWait) {
  for (int round = 0; round < 10; ++round) {
    Pipe ready;
    sp::Popen p(helper({"print", "x", "efill", "100000", "notify", "0", "wait-signal"}),
                {.stdin = ready.write_fd(), .stdout = sp::PIPE, .stderr = sp::PIPE});
    std::latch start(3);
    std::optional<sp::Communicated> out;
    std::optional<int> polled;
    std::optional<int> waited;
    std::thread communicator([&] {
      start.arrive_and_wait();
      out = p.communicate();
    });
    std::thread poller([&] {
      start.arrive_and_wait();
      while (!(polled = p.poll())) std::this_thread::yield();
    });
    start.arrive_and_wait();
    testing::await_token(ready);
    p.kill();
    waited = p.wait();
    communicator.join();
    poller.join();
    ASSERT_TRUE(out.has_value());
    EXPECT_EQ(out->stdout, "x\n");
    EXPECT_EQ(out->stderr, fill_pattern(100000));
    EXPECT_EQ(polled, -SIGKILL);
    EXPECT_EQ(waited, -SIGKILL);
    EXPECT_EQ(p.returncode(), -SIGKILL);
  }
}

// Different pipe files of one Popen used from different threads at once:
// one thread writes stdin while another reads stdout and a third stderr
// (more than a pipe holds each way, so none could finish alone).
TEST_F(SubprocessThreads, DifferentPipeFilesOfOnePopenInDifferentThreads) {
  const std::string input = fill_pattern(1 << 20);
  sp::Popen p(helper({"efill", "300000", "cat"}),
              {.stdin = sp::PIPE, .stdout = sp::PIPE, .stderr = sp::PIPE});
  std::string out;
  std::string err;
  std::thread writer([&] {
    p.stdin()->write(input);
    p.stdin()->close();
  });
  std::thread err_reader([&] { err = p.stderr()->read(); });
  out = p.stdout()->read();
  writer.join();
  err_reader.join();
  EXPECT_EQ(out, input);
  EXPECT_EQ(err, fill_pattern(300000));
  EXPECT_EQ(p.wait(), 0);
}

}  // namespace
}  // namespace pyproc
