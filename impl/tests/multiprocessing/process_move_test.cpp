// Moving a Process (issue 20): std::vector<Process> grows by moving started
// and unstarted objects; move assignment onto an unstarted, a joined and a
// running object; what a moved-from object does. The registry must follow
// every move: active_children() names the object where it now is, and a
// join, close or destruction through the new object removes its entry.
// Threads: process_move_threads_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "multiprocessing/child_state.hpp"
#include "pyproc/multiprocessing/connection.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "support/raised.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using ::testing::_;
using testing::give_token;
using testing::Pipe;
using testing::raised;

constexpr const char* kMovedFrom = "ValueError: Process object was moved from";

// The addresses active_children() lists, sorted.
std::vector<const Process*> listed() {
  std::vector<const Process*> out;
  for (Process* p : active_children()) out.push_back(p);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<const Process*> addresses(const std::vector<Process>& processes) {
  std::vector<const Process*> out;
  for (const Process& p : processes) out.push_back(&p);
  std::sort(out.begin(), out.end());
  return out;
}

class ProcessMove : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_TRUE(active_children().empty());
    EXPECT_EQ(testing::count_open_fds(), fds_before_) << "an fd leaked";
  }
  int fds_before_ = testing::count_open_fds();
};

// Reallocation moves every element: the started ones (running, blocked on
// `go`) and the unstarted ones, which are started afterwards. Each exits
// with its index, so a Process that lost its child (or got another's) shows.
TEST_F(ProcessMove, AVectorOfProcessesGrowsWhileSomeRun) {
  constexpr int kCount = 12;
  Pipe go;
  std::vector<Process> processes;  // no reserve(): every growth reallocates
  for (int i = 0; i < kCount; ++i) {
    auto target = [&go, i] {
      testing::await_token_or_end(go);
      throw SystemExit(std::int64_t{i});
    };
    const ProcessOptions options{.name = "worker-" + std::to_string(i)};
    if (i % 2 == 0) {
      processes.emplace_back(target, options);
    } else {
      processes.push_back(Process(target, options));
    }
    if (i % 3 == 0) processes.back().start();  // started before later growths move it
  }
  EXPECT_EQ(listed().size(), 4u);  // 0, 3, 6, 9
  for (Process& p : processes) {
    if (!p.pid()) p.start();
  }
  EXPECT_EQ(listed(), addresses(processes));
  go.close_write();  // every child may end now
  for (int i = 0; i < kCount; ++i) {
    processes[static_cast<std::size_t>(i)].join();
    EXPECT_EQ(processes[static_cast<std::size_t>(i)].exitcode(), i);
    EXPECT_EQ(processes[static_cast<std::size_t>(i)].name(), "worker-" + std::to_string(i));
  }
}

TEST_F(ProcessMove, TheNewObjectIsTheProcessInEveryRespect) {
  Pipe go;
  Process a([&] { testing::await_token_or_end(go); }, {.name = "moved", .daemon = true});
  a.set_authkey("key");
  a.start();
  const pid_t pid = *a.pid();
  const int sentinel = a.sentinel();
  Process b(std::move(a));
  EXPECT_EQ(b.name(), "moved");
  EXPECT_TRUE(b.daemon());
  EXPECT_EQ(b.authkey(), "key");
  EXPECT_EQ(b.pid(), pid);
  EXPECT_EQ(b.sentinel(), sentinel);
  EXPECT_TRUE(b.is_alive());
  EXPECT_EQ(listed(), std::vector<const Process*>{&b});
  EXPECT_EQ(b.repr(), "<Process name='moved' pid=" + std::to_string(pid) +
                          " parent=" + testing::kMyPid + " started daemon>");
  give_token(go);
  b.join();
  EXPECT_EQ(b.exitcode(), 0);
  EXPECT_TRUE(listed().empty());
  b.close();
}

// Moving an unstarted object carries its target: the new object runs it.
TEST_F(ProcessMove, AnUnstartedProcessMovedRunsItsTargetWhenStarted) {
  Process a([] { throw SystemExit(std::int64_t{5}); });
  const std::string name = a.name();
  Process b(std::move(a));
  EXPECT_EQ(b.name(), name);
  EXPECT_EQ(b.pid(), std::nullopt);
  b.start();
  b.join();
  EXPECT_EQ(b.exitcode(), 5);
}

// A subclass moves its Process part with its own members; run() stays its own.
class Worker : public Process {
 public:
  explicit Worker(int code) : Process("Worker", {}, {}), code_(code) {}
  void run() override { throw SystemExit(std::int64_t{code_}); }

 private:
  int code_;
};

TEST_F(ProcessMove, ASubclassMovesAsAWhole) {
  std::vector<Worker> workers;
  for (int i = 0; i < 5; ++i) workers.emplace_back(10 + i);
  for (Worker& w : workers) w.start();
  workers.emplace_back(20);  // moves the started ones
  workers.back().start();
  for (std::size_t i = 0; i < workers.size(); ++i) {
    workers[i].join();
    EXPECT_EQ(workers[i].exitcode(), i < 5 ? 10 + static_cast<int>(i) : 20);
    EXPECT_EQ(workers[i].name().rfind("Worker-", 0), 0u);
  }
}

// Every member of a moved-from object raises, as Popen's do; so does one
// moved from before it was started.
TEST_F(ProcessMove, AMovedFromProcessRaisesValueErrorFromEveryMember) {
  for (const bool started : {false, true}) {
    SCOPED_TRACE(started ? "started" : "unstarted");
    Process a([] {});
    if (started) a.start();
    Process b(std::move(a));
    const std::vector<std::pair<const char*, std::function<void()>>> members = {
        {"run", [&] { a.run(); }},
        {"start", [&] { a.start(); }},
        {"join", [&] { a.join(); }},
        {"join(1)", [&] { a.join(1.0); }},
        {"is_alive", [&] { (void)a.is_alive(); }},
        {"terminate", [&] { a.terminate(); }},
        {"kill", [&] { a.kill(); }},
        {"close", [&] { a.close(); }},
        {"name", [&] { (void)a.name(); }},
        {"set_name", [&] { a.set_name("x"); }},
        {"daemon", [&] { (void)a.daemon(); }},
        {"set_daemon", [&] { a.set_daemon(true); }},
        {"authkey", [&] { (void)a.authkey(); }},
        {"set_authkey", [&] { a.set_authkey("k"); }},
        {"pid", [&] { (void)a.pid(); }},
        {"ident", [&] { (void)a.ident(); }},
        {"exitcode", [&] { (void)a.exitcode(); }},
        {"sentinel", [&] { (void)a.sentinel(); }},
        {"repr", [&] { (void)a.repr(); }},
    };
    for (const auto& [member, call] : members) EXPECT_EQ(raised(call), kMovedFrom) << member;
    if (started) b.join();
  }
}

// Its destructor does nothing: no system call, and the child stays the new
// object's (not handed to the registry as an orphan).
TEST_F(ProcessMove, TheDestructorOfAMovedFromProcessDoesNothing) {
  Pipe go;
  auto a = std::make_unique<Process>([&] { testing::await_token_or_end(go); });
  a->start();
  Process b(std::move(*a));
  {
    ::testing::StrictMock<testing::MockSyscalls> sys;  // any call fails the test
    a.reset();
  }
  EXPECT_EQ(listed(), std::vector<const Process*>{&b});
  EXPECT_TRUE(b.is_alive());
  give_token(go);
  b.join();
  EXPECT_EQ(b.exitcode(), 0);
}

// A moved-from object is assigned a Process like any other and is then that
// Process.
TEST_F(ProcessMove, AMovedFromProcessCanBeAssignedAgain) {
  Process a([] {});
  Process b(std::move(a));
  a = Process([] { throw SystemExit(std::int64_t{6}); }, {.name = "again"});
  EXPECT_EQ(a.name(), "again");
  a.start();
  a.join();
  EXPECT_EQ(a.exitcode(), 6);
  // And moving from a moved-from object gives another moved-from one.
  Process c(std::move(a));
  Process d(std::move(a));
  EXPECT_EQ(raised([&] { (void)d.name(); }), kMovedFrom);
  EXPECT_EQ(c.exitcode(), 6);
}

TEST_F(ProcessMove, AssignmentOntoAnUnstartedProcess) {
  Pipe go;
  Process a([] {}, {.name = "a"});
  Process b([&] { testing::await_token_or_end(go); }, {.name = "b"});
  b.start();
  const pid_t pid = *b.pid();
  a = std::move(b);
  EXPECT_EQ(a.name(), "b");
  EXPECT_EQ(a.pid(), pid);
  EXPECT_EQ(listed(), std::vector<const Process*>{&a});
  EXPECT_EQ(raised([&] { (void)b.pid(); }), kMovedFrom);
  give_token(go);
  a.join();
  EXPECT_EQ(a.exitcode(), 0);
}

// The joined child's fds are released by the assignment, as by the
// destructor; the object then tracks the other child.
TEST_F(ProcessMove, AssignmentOntoAJoinedProcessReleasesItsFds) {
  Process a([] { throw SystemExit(std::int64_t{1}); });
  a.start();
  a.join();
  const int fds_joined = testing::count_open_fds();
  Process b([] { throw SystemExit(std::int64_t{2}); });
  a = std::move(b);
  EXPECT_EQ(testing::count_open_fds(), fds_joined - 2);  // the sentinel and the parent's pipe end
  a.start();
  a.join();
  EXPECT_EQ(a.exitcode(), 2);
}

// Onto a running object: its child goes as a destroyed running Process's
// goes (~Process): kept by pyproc, no longer listed, not signalled, reaped by
// the next start() or active_children() once it has ended.
TEST_F(ProcessMove, AssignmentOntoARunningProcessLetsItsChildGoAsTheDestructorDoes) {
  Pipe go_a;
  Pipe go_b;
  // (Each child also drops the other's write end, which b inherits from here.)
  Process a([&] {
    go_b.close_write();
    testing::await_token_or_end(go_a);
    throw SystemExit(std::int64_t{3});
  });
  Process b([&] {
    go_a.close_write();
    testing::await_token_or_end(go_b);
  });
  a.start();
  b.start();
  const pid_t old_child = *a.pid();
  const pid_t new_child = *b.pid();
  a = std::move(b);
  EXPECT_EQ(a.pid(), new_child);
  EXPECT_EQ(listed(), std::vector<const Process*>{&a});
  EXPECT_FALSE(testing::child_reaped(old_child));  // still running: neither killed nor waited for
  give_token(go_a);
  testing::await_child_end(old_child);
  EXPECT_EQ(listed(), std::vector<const Process*>{&a});  // the sweep reaped the old child
  EXPECT_TRUE(testing::child_reaped(old_child));
  give_token(go_b);
  a.join();
  EXPECT_EQ(a.exitcode(), 0);
}

// The child waits for `go`: one that had already ended would be reaped and
// dropped by active_children() itself, whatever the assignment did.
TEST_F(ProcessMove, SelfAssignmentChangesNothing) {
  Pipe go;
  Process a([&] {
    testing::await_token_or_end(go);
    throw SystemExit(std::int64_t{4});
  });
  a.start();
  Process& same = a;
  a = std::move(same);
  EXPECT_EQ(listed(), std::vector<const Process*>{&a});
  give_token(go);
  a.join();
  EXPECT_EQ(a.exitcode(), 4);
}

// The registry follows the move for join(), is_alive() and close(): each
// removes the entry of the object where it now is.
TEST_F(ProcessMove, TheRegistryEntryFollowsTheObject) {
  Process a([] {});
  a.start();
  Process b(std::move(a));
  ASSERT_FALSE(connection::wait({b.sentinel()}, 30.0).empty());
  EXPECT_FALSE(b.is_alive());  // learns the exit code and forgets the entry
  EXPECT_TRUE(listed().empty());
  Process c(std::move(b));
  c.close();
  EXPECT_EQ(raised([&] { (void)c.pid(); }), "ValueError: process object is closed");
  Process d(std::move(c));  // a closed object moves as closed
  EXPECT_EQ(raised([&] { (void)d.pid(); }), "ValueError: process object is closed");
}

}  // namespace
}  // namespace pyproc
