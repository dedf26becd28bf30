// What a child sees: itself as current_process(), its parent, its own
// children (naming, daemon rule, joined at exit), objects of its parent.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <string>

#include "pyproc/multiprocessing/connection.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using testing::kMyPid;

using testing::await_token;
using testing::give_token;
using testing::Pipe;

// The value of `f()` as text, or "<TypeName>: <message>" of what it raised.
template <typename F>
std::string outcome(F&& f) {
  try {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      return "ok";
    } else {
      std::ostringstream out;
      out << f();
      return out.str();
    }
  } catch (const BaseException& e) {
    return std::string(e.type_name()) + ": " + e.what();
  }
}

// Runs `body(report)` in a child, where `report(line)` sends one line back;
// returns the lines once the child has been joined with exit code 0.
std::vector<std::string> in_child(const std::function<void(const Pipe&)>& body,
                                  ProcessOptions options = {}) {
  Pipe out;
  Process p([&] { body(out); }, std::move(options));
  p.start();
  out.close_write();
  std::vector<std::string> lines;
  std::istringstream text(out.read_all());
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
  return lines;
}

void report(const Pipe& out, const std::string& line) { out.write(line + "\n"); }

TEST(ChildView, CurrentProcessIsTheChildsObject) {
  Process* self = nullptr;
  std::string name;
  Pipe out;
  Process p(
      [&] {
        Process& me = current_process();
        report(out, outcome([&] { return &me == self; }));
        report(out, me.repr());
        report(out, outcome([&] { return *me.pid() == ::getpid(); }));
        report(out, outcome([&] { return me.exitcode().has_value(); }));
        report(out, outcome([&] { return me.is_alive(); }));
        report(out, outcome([&] { return me.sentinel(); }));
        report(out, outcome([&] { me.join(); }));
        report(out, outcome([&] { me.start(); }));
        report(out, outcome([&] { me.terminate(); }));
        report(out, outcome([&] { return active_children().size(); }));
        me.close();
        report(out, me.repr());  // still "started": it is the current process
        report(out, outcome([&] { return *me.pid(); }));
      },
      {.daemon = true});
  self = &p;
  p.start();
  out.close_write();
  std::istringstream text(out.read_all());
  std::vector<std::string> lines;
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  p.join();
  const std::vector<std::string> expected = {
      "1",
      "<Process name='" + p.name() + "' parent=" + kMyPid + " started daemon>",
      "1",
      "0",
      "1",
      "ValueError: process not started",
      "AssertionError: can only join a child process",
      "AssertionError: can only start a process object created by current process",
      "AttributeError: 'NoneType' object has no attribute 'terminate'",
      "0",
      "<Process name='" + p.name() + "' parent=" + kMyPid + " started daemon>",
      "ValueError: process object is closed",
  };
  EXPECT_EQ(lines, expected);
  EXPECT_EQ(p.exitcode(), 0);
}

TEST(ChildView, ParentProcessAndStdin) {
  const auto lines = in_child([](const Pipe& out) {
    const std::optional<ParentProcess> parent = parent_process();
    report(out, outcome([&] { return parent.has_value(); }));
    report(out, parent->name);
    report(out, std::to_string(parent->pid));
    report(out, outcome([&] { return parent->is_alive(); }));
    report(out, parent->repr());
    report(out, outcome([&] { parent->join(0.0); }));
    report(out, outcome([&] { return parent->exitcode().has_value(); }));
    report(out, outcome([&] { return parent->daemon(); }));
    report(out, outcome([&] { return parent->authkey(); }));
    report(out, "stdin read: " + std::to_string(std::fgetc(stdin)));
  });
  const std::vector<std::string> expected = {
      "1",
      "MainProcess",
      kMyPid,
      "1",
      "<_ParentProcess name='MainProcess' parent=None unknown>",
      "ok",
      "0",
      "0",
      "KeyError: 'authkey'",
      "stdin read: -1"};
  EXPECT_EQ(lines, expected);
}

TEST(ChildView, GrandchildrenAreNumberedFromOneAgain) {
  std::string child_name;
  const auto lines = in_child([](const Pipe& out) {
    Process g1([] { throw SystemExit(std::int64_t{5}); });
    Process g2;
    Process w({}, {.name = "named"});
    report(out, g1.name());
    report(out, g2.name());
    g1.start();
    g1.join();
    report(out, std::to_string(*g1.exitcode()));
    report(out, outcome([&] { return parent_process()->name == current_process().name(); }));
  });
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].substr(lines[0].find(':')), ":1");
  EXPECT_EQ(lines[1].substr(lines[1].find(':')), ":2");
  EXPECT_EQ(lines[0].rfind("Process-", 0), 0u);
  EXPECT_EQ(lines[2], "5");
  EXPECT_EQ(lines[3], "0");
}

TEST(ChildView, GrandchildSeesItsParentByName) {
  const auto lines = in_child([](const Pipe& out) {
    Process g([&] {
      report(out, parent_process()->name);
      report(out, std::to_string(parent_process()->pid));
    });
    g.start();
    g.join();
    report(out, current_process().name());
    report(out, std::to_string(::getpid()));
  });
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], lines[2]);
  EXPECT_EQ(lines[1], lines[3]);
}

TEST(ChildView, DaemonicProcessesHaveNoChildren) {
  const auto lines = in_child(
      [](const Pipe& out) {
        Process g;
        report(out, outcome([&] { return g.daemon(); }));  // inherited
        report(out, outcome([&] { g.start(); }));
        Process h({}, {.daemon = false});
        report(out, outcome([&] { h.start(); }));
      },
      {.daemon = true});
  const std::vector<std::string> expected = {
      "1", "AssertionError: daemonic processes are not allowed to have children",
      "AssertionError: daemonic processes are not allowed to have children"};
  EXPECT_EQ(lines, expected);
}

TEST(ChildView, ObjectsOfTheParentBelongToTheParent) {
  Pipe go;
  Process sibling([&] { await_token(go); });
  sibling.start();
  const std::string sibling_pid = std::to_string(*sibling.pid());
  const auto lines = in_child([&](const Pipe& out) {
    report(out, sibling.repr());
    report(out, outcome([&] { sibling.join(); }));
    report(out, outcome([&] { return sibling.is_alive(); }));
    report(out, outcome([&] { sibling.start(); }));
    report(out, outcome([&] { return sibling.exitcode().has_value(); }));  // ECHILD: None
    report(out, outcome([&] { return *sibling.pid(); }));
  });
  const std::vector<std::string> expected = {"<Process name='" + sibling.name() + "' pid=" +
                                                 sibling_pid + " parent=" + kMyPid + " unknown>",
                                             "AssertionError: can only join a child process",
                                             "AssertionError: can only test a child process",
                                             "AssertionError: cannot start a process twice",
                                             "0",
                                             sibling_pid};
  EXPECT_EQ(lines, expected);
  give_token(go);
  sibling.join();
}

TEST(ChildExit, JoinsNonDaemonicChildrenBeforeEnding) {
  Pipe out;
  Pipe go;
  Process p([&] {
    // Never destroyed, so it stays in the child's list of children. (A local
    // would be destroyed when the target returns and take the orphan path,
    // which the next test covers.)
    auto* g = new Process([&] {
      await_token(go);
      report(out, "grandchild done");
    });
    g->start();
    report(out, "started");
  });  // returns without joining g
  p.start();
  EXPECT_EQ(out.read_line(), "started");
  // The child is held in its exit function until the grandchild ends.
  EXPECT_TRUE(p.is_alive());
  p.join(0.01);
  EXPECT_EQ(p.exitcode(), std::nullopt);
  give_token(go);
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_EQ(out.read_line(), "grandchild done");
}

TEST(ChildExit, TerminatesDaemonicChildrenFirst) {
  Pipe out;
  Pipe never;
  Process p([&] {
    // Destroyed when the target returns, while it still runs: the registry
    // keeps it, and the exit function terminates it as a daemon.
    Process g([&] { await_token(never); }, {.daemon = true});
    g.start();
    report(out, std::to_string(*g.pid()));
  });
  p.start();
  const pid_t grandchild = std::stoi(out.read_line());
  p.join(30.0);
  EXPECT_EQ(p.exitcode(), 0);
  // Terminated and reaped by the child before it ended.
  EXPECT_EQ(::kill(grandchild, 0), -1);
  if (::kill(grandchild, 0) == 0) ::kill(grandchild, SIGKILL);  // a failed run leaves no stray
}

TEST(ChildExit, ExceptionIsReportedAfterChildrenAreJoined) {
  Pipe err;
  Pipe go;
  Process p([&] {
    testing::redirect_stderr(err);
    Process g([&] {
      await_token(go);
      std::fputs("grandchild\n", stderr);
    });
    g.start();
    throw RuntimeError("late");
  });
  p.start();
  give_token(go);
  err.close_write();
  go.close_write();
  const std::string text = err.read_all();
  p.join();
  EXPECT_EQ(p.exitcode(), 1);
  EXPECT_EQ(text, "grandchild\nProcess " + p.name() +
                      ":\nTraceback (most recent call last):\n  File \"<c++>\", in "
                      "run\nRuntimeError: late\n");
}

TEST(ParentSentinel, GrandchildSeesItsParentDie) {
  Pipe out;
  Pipe never;
  Process p([&] {
    Process g([&] {
      report(out, outcome([] { return parent_process()->is_alive(); }));
      parent_process()->join();  // until the parent has gone
      report(out, outcome([] { return parent_process()->is_alive(); }));
      std::_Exit(0);
    });
    g.start();
    await_token(never);
  });
  p.start();
  out.close_write();
  EXPECT_EQ(out.read_line(), "1");
  p.kill();  // no exit function runs: the grandchild outlives its parent
  p.join();
  EXPECT_EQ(out.read_line(), "0");
  EXPECT_EQ(out.read_all(), "");  // the grandchild has exited
}

// A fresh "main program" forked from the test: it exits through std::exit(),
// so pyproc's atexit hook must terminate the daemon and join the other child.
TEST(MainExit, AtexitTerminatesDaemonsAndJoinsTheRest) {
  Pipe daemon_alive;  // only the daemon keeps a write end open
  Pipe never;
  Pipe go;
  Pipe out;
  std::fflush(nullptr);  // or the helper's exit writes our buffered output again
  const pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    Process d([&] { await_token(never); }, {.daemon = true});
    d.start();
    daemon_alive.close_write();
    report(out, std::to_string(*d.pid()));
    Process n([&] {
      await_token(go);
      report(out, "joined");
    });
    n.start();
    report(out, "started");
    std::exit(0);
  }
  daemon_alive.close_write();
  out.close_write();
  const pid_t daemon = std::stoi(out.read_line());
  EXPECT_EQ(out.read_line(), "started");
  // Held in the exit function by the non-daemonic child.
  int status = 0;
  EXPECT_EQ(::waitpid(helper, &status, WNOHANG), 0);
  give_token(go);
  ASSERT_EQ(::waitpid(helper, &status, 0), helper);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(out.read_line(), "joined");
  // The daemon was terminated and reaped before the helper ended.
  EXPECT_TRUE(daemon_alive.readable(0.0));
  if (::kill(daemon, 0) == 0) ::kill(daemon, SIGKILL);  // a failed run leaves no stray
}

}  // namespace
}  // namespace pyproc
