// os::register_at_fork(): the order hooks run in around os::fork(),
// Process::start() and spawn*() (and that system() and popen() run none),
// compared with what CPython 3.11.7 printed for the same program; the report
// of a hook that throws; the TypeError. Hooks log into a list of the process
// that runs them (a child reports its copy through a pipe).
#include "core/at_fork.hpp"

#include <unistd.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pyproc/multiprocessing/process.hpp"
#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;
using testing::raised;
using testing::StdoutCapture;

// Hooks registered by a test stay registered until the fixture clears them,
// so a hook only holds what it owns (the log, by shared pointer).
class OsAtFork : public testing::OsTest {
 protected:
  void SetUp() override { detail::clear_at_fork_hooks(); }
  void TearDown() override {
    detail::clear_at_fork_hooks();
    OsTest::TearDown();
  }
};

// The names of the hooks that ran in this process, in order.
class HookLog {
 public:
  [[nodiscard]] os::ForkHook hook(const std::string& name) const {
    return {[entries = entries_, name] { entries->push_back(name); }, "<hook " + name + ">"};
  }
  void add(const std::string& name) const { entries_->push_back(name); }
  // The entries so far, space-separated, and a fresh start.
  [[nodiscard]] std::string take() const {
    std::string out;
    for (const std::string& entry : *entries_) out += (out.empty() ? "" : " ") + entry;
    entries_->clear();
    return out;
  }

 private:
  std::shared_ptr<std::vector<std::string>> entries_ = std::make_shared<std::vector<std::string>>();
};

int exit_code_of(pid_t pid) { return os::waitstatus_to_exitcode(os::waitpid(pid, 0).status); }

TEST_F(OsAtFork, NoHookGivenIsATypeError) {
  const std::string message = "TypeError: At least one argument is required.";
  EXPECT_EQ(raised([] { os::register_at_fork(); }), message);
  EXPECT_EQ(raised([] { os::register_at_fork(nullptr, {}, std::function<void()>()); }), message);
  // Nothing was registered.
  EXPECT_FALSE(detail::any_after_fork_child_hook());
}

// CPython 3.11.7 ran this same program (three hook sets a, b, c, and a
// `before` hook "reg" that registers a set "new" each time it runs) and
// printed, for os.fork(), then Process.start(), then os.spawnv(P_WAIT), then
// os.system() and os.popen():
//   child   before-reg before-c before-b before-a child-a child-b child-c child-new
//   parent  before-reg before-c before-b before-a parent-a parent-b parent-c parent-new
//   target  before-new before-reg before-c before-b before-a child-a child-b child-c
//           child-new child-new
//   parent  before-new before-reg before-c before-b before-a parent-a parent-b parent-c
//           parent-new parent-new
//   spawn   before-new before-new before-reg before-c before-b before-a parent-a parent-b
//           parent-c parent-new parent-new parent-new
//   system and popen: nothing.
// (The spawn child's after_in_child hooks are the next test's.)
TEST_F(OsAtFork, SameOrderAsCPythonAcrossForkStartAndSpawn) {
  const HookLog log;
  for (const std::string n : {"a", "b", "c"}) {
    os::register_at_fork(log.hook("before-" + n), log.hook("parent-" + n), log.hook("child-" + n));
  }
  os::register_at_fork([log] {
    log.add("before-reg");
    os::register_at_fork(log.hook("before-new"), log.hook("parent-new"), log.hook("child-new"));
  });

  testing::Pipe report;
  const pid_t pid = os::fork();
  if (pid == 0) {
    report.write(log.take() + "\n");
    os::_exit(0);
  }
  EXPECT_EQ(log.take(),
            "before-reg before-c before-b before-a parent-a parent-b parent-c parent-new");
  EXPECT_EQ(report.read_line(),
            "before-reg before-c before-b before-a child-a child-b child-c child-new");
  EXPECT_EQ(exit_code_of(pid), 0);

  Process p([&] { report.write(log.take() + "\n"); });
  p.start();
  EXPECT_EQ(log.take(),
            "before-new before-reg before-c before-b before-a parent-a parent-b parent-c "
            "parent-new parent-new");
  EXPECT_EQ(report.read_line(),
            "before-new before-reg before-c before-b before-a child-a child-b child-c child-new "
            "child-new");
  p.join();
  EXPECT_EQ(p.exitcode(), 0);

  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x", "exit", "0"}), 0);
  EXPECT_EQ(log.take(),
            "before-new before-new before-reg before-c before-b before-a parent-a parent-b "
            "parent-c parent-new parent-new parent-new");

  EXPECT_EQ(os::system("exit 0"), 0);
  EXPECT_EQ(os::popen("exit 0").close(), std::nullopt);
  EXPECT_EQ(log.take(), "");
}

// CPython's spawn child is an os.fork() child: its after_in_child hooks run
// (in registration order) before it execs the program, which then runs.
TEST_F(OsAtFork, TheSpawnChildRunsTheAfterInChildHooksBeforeItsExec) {
  testing::Pipe report;
  const auto child_hook = [&report](const std::string& name) {
    return os::ForkHook([&report, name] { report.write(name + " "); }, "<hook " + name + ">");
  };
  os::register_at_fork(nullptr, nullptr, child_hook("child-1"));
  os::register_at_fork(nullptr, nullptr, child_hook("child-2"));
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x", "exit", "3"}), 3);
  const pid_t pid = os::spawnv(os::p_nowait, kHelper, {"x", "exit", "4"});
  EXPECT_EQ(exit_code_of(pid), 4);
  // A program that cannot be run: the hooks ran, then the child's 127.
  EXPECT_EQ(os::spawnv(os::p_wait, "/nonexistent/program", {"x"}), 127);
  report.close_write();
  EXPECT_EQ(report.read_all(), "child-1 child-2 child-1 child-2 child-1 child-2 ");
}

TEST_F(OsAtFork, NoHookRunsWhenSpawnRefusesItsArguments) {
  const HookLog log;
  os::register_at_fork(log.hook("before"), log.hook("parent"));
  EXPECT_EQ(raised([] { os::spawnv(os::p_wait, kHelper, {}); }),
            "ValueError: argv first element cannot be empty");
  EXPECT_EQ(log.take(), "");
}

TEST_F(OsAtFork, ForkptyRunsTheHooksOnBothSides) {
  const HookLog log;
  os::register_at_fork(log.hook("before"), log.hook("parent"), log.hook("child"));
  testing::Pipe report;
  const os::ForkptyResult r = os::forkpty();
  if (r.pid == 0) {
    report.write(log.take() + "\n");
    os::_exit(0);
  }
  report.close_write();
  EXPECT_EQ(log.take(), "before parent");
  EXPECT_EQ(report.read_line(), "before child");
  // (Closing the master first would hang up the child: SIGHUP.)
  EXPECT_EQ(exit_code_of(r.pid), 0);
  ::close(r.fd);
}

// In CPython the child's hooks run inside os.fork(), before
// Process._bootstrap: current_process() is still the parent's.
TEST_F(OsAtFork, StartRunsTheChildHooksBeforeTheBootstrap) {
  testing::Pipe report;
  os::register_at_fork(nullptr, nullptr,
                       [&report] { report.write("hook in " + current_process().name() + "\n"); });
  Process p([&] { report.write("target in " + current_process().name() + "\n"); }, {.name = "kid"});
  p.start();
  EXPECT_EQ(report.read_line(), "hook in MainProcess");
  EXPECT_EQ(report.read_line(), "target in kid");
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

// An after_in_parent hook may wait for the child: the child is running by
// then (CPython's child never waits for its parent).
TEST_F(OsAtFork, AnAfterInParentHookMayWaitForTheChild) {
  testing::Pipe ready;
  os::register_at_fork(nullptr, [&ready] { testing::await_token(ready); });
  Process p([&] { testing::give_token(ready); });
  p.start();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

struct Thrower {
  void operator()() const { throw std::runtime_error("p"); }
};
void free_function_hook() {}

TEST_F(OsAtFork, AHookIsNamedByItsReprOrItsType) {
  EXPECT_EQ(os::ForkHook([] {}, "<hook b>").repr(), "<hook b>");
  EXPECT_EQ(os::ForkHook(Thrower{}).repr(), "<function pyproc::(anonymous namespace)::Thrower>");
  // A std::function is named by what it holds.
  EXPECT_EQ(os::ForkHook(std::function<void()>(Thrower{})).repr(),
            "<function pyproc::(anonymous namespace)::Thrower>");
  EXPECT_EQ(os::ForkHook(&free_function_hook).repr(), "<function void (*)()>");
  EXPECT_FALSE(os::ForkHook());
  EXPECT_FALSE(os::ForkHook(std::function<void()>()));
  EXPECT_TRUE(os::ForkHook(Thrower{}));
}

// CPython: PyErr_WriteUnraisable(hook), then the next hook.
TEST_F(OsAtFork, AHookThatThrowsIsReportedAndTheNextRuns) {
  const HookLog log;
  os::register_at_fork(log.hook("b1"));
  os::register_at_fork(os::ForkHook([] { throw RuntimeError("b2"); }, "<hook b2>"));
  os::register_at_fork(nullptr, Thrower{});
  os::register_at_fork(nullptr, os::ForkHook([] { throw 42; }, "<hook p3>"));
  os::register_at_fork(nullptr, log.hook("p4"));
  StdoutCapture err(STDERR_FILENO);
  const pid_t pid = os::fork();
  if (pid == 0) os::_exit(0);
  const std::string text = err.text();
  EXPECT_EQ(exit_code_of(pid), 0);
  EXPECT_EQ(log.take(), "b1 p4");
  EXPECT_EQ(text,
            "Exception ignored in: <hook b2>\n"
            "Traceback (most recent call last):\n"
            "  File \"<c++>\", in before\n"
            "RuntimeError: b2\n"
            "Exception ignored in: <function pyproc::(anonymous namespace)::Thrower>\n"
            "Traceback (most recent call last):\n"
            "  File \"<c++>\", in after_in_parent\n"
            "std::runtime_error: p\n"
            "Exception ignored in: <hook p3>\n"
            "Traceback (most recent call last):\n"
            "  File \"<c++>\", in after_in_parent\n"
            "int\n");
}

// Even SystemExit: CPython's child goes on with what follows os.fork().
TEST_F(OsAtFork, AChildHookThatThrowsDoesNotEndTheChild) {
  const HookLog log;
  os::register_at_fork(nullptr, nullptr, os::ForkHook([] { throw SystemExit(3); }, "<hook c1>"));
  os::register_at_fork(nullptr, nullptr, log.hook("c2"));
  StdoutCapture err(STDERR_FILENO);
  testing::Pipe report;
  const pid_t pid = os::fork();
  if (pid == 0) {
    report.write(log.take() + "\n");
    os::_exit(5);
  }
  report.close_write();
  EXPECT_EQ(report.read_line(), "c2");
  EXPECT_EQ(exit_code_of(pid), 5);
  EXPECT_EQ(err.text(),
            "Exception ignored in: <hook c1>\n"
            "Traceback (most recent call last):\n"
            "  File \"<c++>\", in after_in_child\n"
            "SystemExit: 3\n");
}

}  // namespace
}  // namespace pyproc
