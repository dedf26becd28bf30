// Process objects that are never started, and the MainProcess: construction,
// naming, inheritance, the checks before start and after close. No fork.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "pyproc/multiprocessing/process.hpp"
#include "support/raised.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using testing::kMyPid;

using testing::raised;

// The number N of a default name "Process-N" made in the main process.
int counter_of(const Process& p) { return std::stoi(p.name().substr(p.name().find('-') + 1)); }

class Worker : public Process {
 public:
  explicit Worker(ProcessOptions options = {}) : Process("Worker", {}, std::move(options)) {}
};

TEST(MainProcess, LooksLikeCPythons) {
  Process& main = current_process();
  EXPECT_EQ(&main, &current_process());
  EXPECT_EQ(main.name(), "MainProcess");
  EXPECT_EQ(main.repr(), "<_MainProcess name='MainProcess' parent=None started>");
  EXPECT_EQ(main.authkey().size(), 32u);
  EXPECT_FALSE(main.daemon());
  EXPECT_EQ(main.pid(), ::getpid());
  EXPECT_EQ(main.ident(), ::getpid());
  EXPECT_TRUE(main.is_alive());
  EXPECT_EQ(main.exitcode(), std::nullopt);
  EXPECT_FALSE(parent_process().has_value());
}

TEST(MainProcess, RefusesWhatOnlyChildrenDo) {
  Process& main = current_process();
  EXPECT_EQ(raised([&] { (void)main.sentinel(); }), "ValueError: process not started");
  EXPECT_EQ(raised([&] { main.join(); }), "AssertionError: can only join a child process");
  EXPECT_EQ(raised([&] { main.start(); }),
            "AssertionError: can only start a process object created by current process");
  EXPECT_EQ(raised([&] { main.terminate(); }),
            "AttributeError: 'NoneType' object has no attribute 'terminate'");
  EXPECT_EQ(raised([&] { main.kill(); }),
            "AttributeError: 'NoneType' object has no attribute 'kill'");
}

TEST(MainProcess, CloseDoesNothing) {
  Process& main = current_process();
  main.close();
  EXPECT_EQ(main.pid(), ::getpid());
  EXPECT_EQ(main.repr(), "<_MainProcess name='MainProcess' parent=None started>");
}

TEST(ProcessInit, DefaultNamesCountUp) {
  Process a;
  Process b;
  EXPECT_EQ(a.name().rfind("Process-", 0), 0u);
  EXPECT_EQ(counter_of(b), counter_of(a) + 1);
  // An explicit name still takes a number, as next(_process_counter) runs first.
  Process named({}, {.name = "x"});
  Process c;
  EXPECT_EQ(named.name(), "x");
  EXPECT_EQ(counter_of(c), counter_of(a) + 3);
}

TEST(ProcessInit, EmptyNameMeansDefault) {
  Process p({}, {.name = ""});
  EXPECT_EQ(p.name().rfind("Process-", 0), 0u);
}

TEST(ProcessInit, SubclassNameIsTheClassName) {
  Worker w;
  EXPECT_EQ(w.name().rfind("Worker-", 0), 0u);
  EXPECT_EQ(w.repr(), "<Worker name='" + w.name() + "' parent=" + kMyPid + " initial>");
}

TEST(ProcessInit, InheritsAuthkeyAndDaemonFromCurrentProcess) {
  Process p;
  EXPECT_EQ(p.authkey(), current_process().authkey());
  EXPECT_FALSE(p.daemon());
  p.set_authkey("secret");
  EXPECT_EQ(p.authkey(), "secret");
  EXPECT_EQ(current_process().authkey().size(), 32u);

  current_process().set_daemon(true);
  Process inherits;
  Process overrides({}, {.daemon = false});
  current_process().set_daemon(false);
  EXPECT_TRUE(inherits.daemon());
  EXPECT_FALSE(overrides.daemon());
  // The creator's flag at start() time is what counts, as in CPython.
  current_process().set_daemon(true);
  EXPECT_EQ(raised([&] { overrides.start(); }),
            "AssertionError: daemonic processes are not allowed to have children");
  current_process().set_daemon(false);
}

TEST(ProcessInit, ReprOfAFreshProcess) {
  Process p({}, {.name = "it's \"q\"\n"});
  EXPECT_EQ(p.repr(), "<Process name='it\\'s \"q\"\\n' parent=" + kMyPid + " initial>");
  Process d({}, {.name = "d", .daemon = true});
  EXPECT_EQ(d.repr(), "<Process name='d' parent=" + kMyPid + " initial daemon>");
}

TEST(ProcessBeforeStart, ObservationsAndErrors) {
  Process p;
  EXPECT_EQ(p.pid(), std::nullopt);
  EXPECT_EQ(p.ident(), std::nullopt);
  EXPECT_EQ(p.exitcode(), std::nullopt);
  EXPECT_FALSE(p.is_alive());
  EXPECT_EQ(raised([&] { (void)p.sentinel(); }), "ValueError: process not started");
  EXPECT_EQ(raised([&] { p.join(); }), "AssertionError: can only join a started process");
  EXPECT_EQ(raised([&] { p.join(0.0); }), "AssertionError: can only join a started process");
  EXPECT_EQ(raised([&] { p.terminate(); }),
            "AttributeError: 'NoneType' object has no attribute 'terminate'");
  EXPECT_EQ(raised([&] { p.kill(); }), "AttributeError: 'NoneType' object has no attribute 'kill'");
  p.set_daemon(true);
  EXPECT_TRUE(p.daemon());
  p.set_name("renamed");
  EXPECT_EQ(p.name(), "renamed");
}

TEST(ProcessBeforeStart, RunCallsTheTargetHere) {
  int calls = 0;
  Process p([&] { ++calls; });
  p.run();
  EXPECT_EQ(calls, 1);
  Process none;
  EXPECT_NO_THROW(none.run());
}

TEST(ProcessClosed, GuardedMembersRaiseOthersWork) {
  Process p({}, {.name = "c", .daemon = true});
  p.close();
  const std::string closed = "ValueError: process object is closed";
  EXPECT_EQ(raised([&] { (void)p.pid(); }), closed);
  EXPECT_EQ(raised([&] { (void)p.ident(); }), closed);
  EXPECT_EQ(raised([&] { (void)p.exitcode(); }), closed);
  EXPECT_EQ(raised([&] { (void)p.sentinel(); }), closed);
  EXPECT_EQ(raised([&] { (void)p.is_alive(); }), closed);
  EXPECT_EQ(raised([&] { p.join(); }), closed);
  EXPECT_EQ(raised([&] { p.terminate(); }), closed);
  EXPECT_EQ(raised([&] { p.kill(); }), closed);
  EXPECT_EQ(raised([&] { p.start(); }), closed);
  // Not guarded in CPython: name, daemon, authkey, repr and close itself.
  EXPECT_EQ(p.name(), "c");
  EXPECT_TRUE(p.daemon());
  EXPECT_NO_THROW(p.set_daemon(false));
  EXPECT_NO_THROW(p.set_name("c"));
  EXPECT_EQ(p.authkey().size(), 32u);
  EXPECT_EQ(p.repr(), "<Process name='c' parent=" + kMyPid + " closed>");
  EXPECT_NO_THROW(p.close());
}

}  // namespace
}  // namespace pyproc
