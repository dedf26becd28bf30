// The runners as a user drives them: pyproc-conform refuses a run that would
// prove nothing (an unknown case id, an empty selection, a missing or stale
// deviations file), and both runners — the CLI and the GoogleTest binary —
// end the running case when they are stopped, then die of the signal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "harness/json_exact.hpp"
#include "harness/json_file.hpp"
#include "scratch_case.hpp"

extern char** environ;

namespace {

using pyproc::harness::testing_support::ScratchCase;
using pyproc::harness::testing_support::WitnessFifo;

// A runner started by the test, its output in files of the scratch directory.
class Runner {
 public:
  Runner(const std::vector<std::string>& argv, const std::filesystem::path& output,
         const std::vector<std::string>& extra_environment = {}) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, (output.string() + ".out").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, (output.string() + ".err").c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> environment(extra_environment);
    for (char** e = environ; *e; ++e) environment.emplace_back(*e);
    std::vector<char*> env;
    for (auto& entry : environment) env.push_back(entry.data());
    env.push_back(nullptr);
    ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    output_ = output;
  }
  ~Runner() {
    if (pidfd_ >= 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      ::close(pidfd_);
    }
  }
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  void signal(int sig) const { ::kill(pid_, sig); }
  // The wait status, or -1 if it did not end within `seconds`.
  int wait(int seconds) {
    pollfd fd{pidfd_, POLLIN, 0};
    if (::poll(&fd, 1, seconds * 1000) != 1) return -1;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    ::close(pidfd_);
    pidfd_ = -1;
    return status;
  }
  [[nodiscard]] std::string out() const { return read(".out"); }
  [[nodiscard]] std::string err() const { return read(".err"); }

 private:
  [[nodiscard]] std::string read(const char* suffix) const {
    std::ifstream in(output_.string() + suffix);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  pid_t pid_ = -1;
  int pidfd_ = -1;
  std::filesystem::path output_;
};

class RunnerCli : public ScratchCase {
 protected:
  void SetUp() override {
    ScratchCase::SetUp();
    std::filesystem::create_directories(dir_ / "meta");
  }
  std::vector<std::string> conform(const std::vector<std::string>& options,
                                   const std::string& driver = FAKE_DRIVERS_DIR "/echo_doc.sh") {
    std::vector<std::string> argv{PYPROC_CONFORM, "--cases", dir_.string(), "--expected",
                                  (dir_ / "expected").string()};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"--", driver});
    return argv;
  }
};

TEST_F(RunnerCli, AMatchingRunPassesAndSaysSo) {
  Runner runner(conform({}), dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << runner.out() << runner.err();
  EXPECT_NE(runner.out().find("9001  PASS  a scratch case"), std::string::npos) << runner.out();
  EXPECT_NE(runner.out().find("1 passed, 0 failed, 0 skipped"), std::string::npos);
}

TEST_F(RunnerCli, AnUnknownCaseIdIsAnErrorNotAnEmptyPass) {
  Runner runner(conform({"--only", "9001", "--only", "9999"}), dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << runner.out();
  EXPECT_NE(runner.err().find("no such case: 9999"), std::string::npos) << runner.err();
  EXPECT_EQ(runner.out(), "");
}

TEST_F(RunnerCli, ListPrintsTheSelectedCasesAndRunsNothing) {
  // No driver given, and the driver named would fail the run: --list runs none.
  Runner runner({PYPROC_CONFORM, "--cases", dir_.string(), "--list", "--only", "9*"},
                dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << runner.out() << runner.err();
  EXPECT_EQ(runner.out(), "9001  a scratch case\n1 case(s)\n");
}

TEST_F(RunnerCli, SkipLeavesCasesOutAndAPatternThatNamesNothingIsAnError) {
  write("9002.json", R"({"id": "9002", "title": "another", "steps": []})");
  Runner listed({PYPROC_CONFORM, "--cases", dir_.string(), "--list", "--skip", "9002"},
                dir_ / "meta/list");
  EXPECT_EQ(listed.wait(60), 0) << listed.err();
  EXPECT_EQ(listed.out(), "9001  a scratch case\n1 case(s)\n");
  Runner typo(conform({"--skip", "9100-9199"}), dir_ / "meta/typo");
  const int status = typo.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << typo.out();
  EXPECT_NE(typo.err().find("--skip names no case: 9100-9199"), std::string::npos) << typo.err();
  EXPECT_EQ(typo.out(), "");
}

TEST_F(RunnerCli, AShardIsItsPartOfTheSelectionAndAWrongOneIsAnError) {
  write("9002.json", R"({"id": "9002", "title": "another", "steps": []})");
  write("9003.json", R"({"id": "9003", "title": "a third", "steps": []})");
  Runner second({PYPROC_CONFORM, "--cases", dir_.string(), "--list", "--shard", "2/2"},
                dir_ / "meta/second");
  EXPECT_EQ(second.wait(60), 0) << second.err();
  EXPECT_EQ(second.out(), "9002  another\n1 case(s)\n");
  Runner first(
      {PYPROC_CONFORM, "--cases", dir_.string(), "--list", "--skip", "9002", "--shard", "1/2"},
      dir_ / "meta/first");
  EXPECT_EQ(first.wait(60), 0) << first.err();
  EXPECT_EQ(first.out(), "9001  a scratch case\n1 case(s)\n");
  // More shards than cases: the last one is empty, and that is no error.
  Runner empty(conform({"--shard", "4/4"}), dir_ / "meta/empty");
  EXPECT_EQ(empty.wait(60), 0) << empty.out() << empty.err();
  EXPECT_NE(empty.out().find("0 passed, 0 failed, 0 skipped"), std::string::npos) << empty.out();
  for (const std::string wrong : {"0/2", "3/2", "two/4"}) {
    Runner runner(conform({"--shard", wrong}), dir_ / "meta/wrong");
    const int status = runner.wait(60);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << wrong << runner.out();
    EXPECT_NE(runner.err().find("pyproc-conform: --shard " + wrong + ": "), std::string::npos)
        << runner.err();
    EXPECT_EQ(runner.out(), "");
  }
}

TEST_F(RunnerCli, VersionAndHelpSayWhatTheyShould) {
  Runner version({PYPROC_CONFORM, "--version"}, dir_ / "meta/version");
  EXPECT_EQ(version.wait(60), 0);
  EXPECT_NE(version.out().find("pyproc-conform 0.1.0"), std::string::npos) << version.out();
  Runner help({PYPROC_CONFORM, "--help"}, dir_ / "meta/help");
  EXPECT_EQ(help.wait(60), 0);
  // The default case and expected directories are shown.
  EXPECT_NE(help.out().find("conformance/cases"), std::string::npos) << help.out();
  EXPECT_NE(help.out().find("conformance/expected"), std::string::npos) << help.out();
  EXPECT_NE(help.out().find("--skip"), std::string::npos) << help.out();
}

TEST_F(RunnerCli, NoDriverIsAnErrorUnlessListing) {
  Runner runner({PYPROC_CONFORM, "--cases", dir_.string()}, dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2);
  EXPECT_NE(runner.err().find("a driver command is required"), std::string::npos) << runner.err();
}

TEST_F(RunnerCli, AnEmptyCasesDirectoryIsAnError) {
  std::filesystem::remove(dir_ / "9001.json");
  Runner runner(conform({}), dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2);
  EXPECT_NE(runner.err().find("holds no case"), std::string::npos) << runner.err();
}

TEST_F(RunnerCli, ADeviationForACaseThatDoesNotExistIsAnError) {
  write("meta/deviations.json", R"({"9001": "a reason", "9002": "a stale one"})");
  Runner runner(conform({"--deviations", (dir_ / "meta/deviations.json").string()}),
                dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2);
  EXPECT_NE(runner.err().find("cases that do not exist: 9002"), std::string::npos) << runner.err();
}

TEST_F(RunnerCli, AMissingDeviationsFileIsAnError) {
  Runner runner(conform({"--deviations", (dir_ / "meta/none.json").string()}), dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2);
  EXPECT_NE(runner.err().find("none.json: cannot be read"), std::string::npos) << runner.err();
}

TEST_F(RunnerCli, ParallelJobsReportInCaseOrderAndGiveTheSameOutcomes) {
  for (const char* id : {"9002", "9003", "9004"}) {
    std::string text = pyproc::harness::testing_support::kScratchCase;
    text.replace(text.find("9001"), 4, id);
    write(std::string(id) + ".json", text);
    write(std::string("expected/") + id + ".json",
          R"({"case": ")" + std::string(id) + R"(", "streams": {"main": [{"value": null}]}})");
    std::string output = pyproc::harness::testing_support::kScratchOutput;
    output.replace(output.find("9001"), 4, id);
    write(std::string(id) + ".driver-output", output);
  }
  Runner runner(conform({"--jobs", "3"}), dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << runner.out() << runner.err();
  const std::string out = runner.out();
  const auto at = [&](const char* id) { return out.find(std::string(id) + "  PASS"); };
  EXPECT_LT(at("9001"), at("9002"));
  EXPECT_LT(at("9002"), at("9003"));
  EXPECT_LT(at("9003"), at("9004"));
  EXPECT_NE(out.find("4 passed, 0 failed"), std::string::npos) << out;
}

TEST_F(RunnerCli, RepeatFindsACaseWhoseOutcomeChanges) {
  const std::string counter = "pyproc-alternate-" + dir_.filename().string();
  write("9001.counter", counter);
  const auto json_lines = dir_ / "meta/results.jsonl";
  Runner runner(conform({"--repeat", "4", "--json-lines", json_lines.string()},
                        FAKE_DRIVERS_DIR "/alternate.sh"),
                dir_ / "meta/run");
  const int status = runner.wait(60);
  std::filesystem::remove("/dev/shm/" + counter);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  EXPECT_NE(runner.out().find("9001  FLAKY"), std::string::npos) << runner.out();
  EXPECT_NE(runner.out().find("outcomes of the 4 runs: PASS FAIL PASS FAIL"), std::string::npos)
      << runner.out();
  // The result kept is the first failing run's, not the first run's PASS:
  // what differed in the run that failed is what a reader needs.
  const auto line = pyproc::harness::read_json_file(json_lines, 1 << 20);
  ASSERT_TRUE(line.doc) << line.error;
  EXPECT_EQ((*line.doc)["flaky"], true);
  EXPECT_EQ((*line.doc)["outcome"], "FAIL");
  EXPECT_EQ(pyproc::harness::to_text((*line.doc)["differences"][0]["actual"]),
            R"({"value":"wrong"})");
}

TEST_F(RunnerCli, TheTimeoutOptionReplacesTheCasesOwn) {
  write("9001.json", R"({"id": "9001", "title": "t", "timeout": 600, "steps": []})");
  Runner runner(conform({"--timeout", "0.2"}, FAKE_DRIVERS_DIR "/hang.sh"), dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  EXPECT_NE(runner.out().find("HUNG"), std::string::npos) << runner.out();
  EXPECT_NE(runner.out().find("no answer within 0.2 s"), std::string::npos) << runner.out();
}

TEST_F(RunnerCli, ResultsForMachinesAndTheDeviationsOfTheRun) {
  write("9001.driver-output",
        R"({"protocol": 2, "case": "9001", "implementation": {"name": "fake"},
            "streams": {"main": [{"value": 12345678901234567890123}]}})");
  const auto json_lines = dir_ / "meta/results.jsonl", junit = dir_ / "meta/results.xml",
             deviations = dir_ / "meta/deviations.json";
  Runner runner(conform({"--json-lines", json_lines.string(), "--junit", junit.string(),
                         "--write-deviations", deviations.string()}),
                dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  EXPECT_NE(runner.out().find(R"(implementation: {"name":"fake"})"), std::string::npos)
      << runner.out();

  const auto line = pyproc::harness::read_json_file(json_lines, 1 << 20);
  ASSERT_TRUE(line.doc) << line.error;
  EXPECT_EQ((*line.doc)["outcome"], "FAIL");
  EXPECT_EQ(pyproc::harness::to_text((*line.doc)["differences"][0]["actual"]),
            R"({"value":12345678901234567890123})");
  // The whole normalised streams, for reports that show what the driver gave.
  EXPECT_EQ(pyproc::harness::to_text((*line.doc)["actual"]),
            R"({"main":[{"value":12345678901234567890123}]})");

  std::ifstream xml_file(junit);
  std::stringstream xml;
  xml << xml_file.rdbuf();
  EXPECT_NE(xml.str().find(R"(<testsuite name="pyproc conformance)"), std::string::npos);
  EXPECT_NE(xml.str().find(R"(failures="1")"), std::string::npos) << xml.str();
  EXPECT_NE(xml.str().find(R"(<failure message="FAIL">)"), std::string::npos) << xml.str();

  // The deviations file it wrote excuses exactly this run (once it has a reason).
  Runner again(conform({"--deviations", deviations.string()}), dir_ / "meta/again");
  const int again_status = again.wait(60);
  EXPECT_TRUE(WIFEXITED(again_status) && WEXITSTATUS(again_status) == 0) << again.out();
  EXPECT_NE(again.out().find("9001  XFAIL"), std::string::npos) << again.out();
}

TEST_F(RunnerCli, AHungCaseShowsWhatItPrintedAndItsStderrInEveryReport) {
  write("9001.json", pyproc::harness::testing_support::scratch_case("0.5"));
  const auto json_lines = dir_ / "meta/results.jsonl", junit = dir_ / "meta/results.xml";
  Runner runner(conform({"--json-lines", json_lines.string(), "--junit", junit.string()},
                        FAKE_DRIVERS_DIR "/hang_after_output.sh"),
                dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  EXPECT_NE(runner.out().find("9001  HUNG"), std::string::npos) << runner.out();
  EXPECT_NE(runner.out().find("no attribute x"), std::string::npos) << runner.out();
  EXPECT_NE(runner.out().find("stuck joining the child"), std::string::npos) << runner.out();

  const auto line = pyproc::harness::read_json_file(json_lines, 1 << 20);
  ASSERT_TRUE(line.doc) << line.error;
  EXPECT_EQ((*line.doc)["outcome"], "HUNG");
  EXPECT_EQ((*line.doc)["stderr"], "stuck joining the child\n");
  EXPECT_EQ(pyproc::harness::to_text((*line.doc)["actual"]["main"][0]),
            R"({"value":12345678901234567890123})");

  std::ifstream xml_file(junit);
  std::stringstream xml;
  xml << xml_file.rdbuf();
  EXPECT_NE(xml.str().find(R"(<failure message="HUNG">)"), std::string::npos) << xml.str();
  EXPECT_NE(xml.str().find("no attribute x"), std::string::npos) << xml.str();
  EXPECT_NE(xml.str().find("<system-err>stuck joining the child\n</system-err>"), std::string::npos)
      << xml.str();
}

TEST_F(RunnerCli, AnUnresolvedCaseFailsTheRunAndIsCountedAsItsOwnOutcome) {
  // The only difference is at a step the case marks as setup (§7).
  write("9001.json", R"({"id": "9001", "title": "a scratch case", "clauses": ["MP-001"],
    "steps": [{"op": "new", "proc": "p", "setup": true}]})");
  write("9001.driver-output", R"({"protocol": 3, "case": "9001", "pids": [],
    "streams": {"main": [{"value": 1}]}})");
  const auto json_lines = dir_ / "meta/results.jsonl";
  Runner runner(conform({"--json-lines", json_lines.string()}), dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << runner.out();
  EXPECT_NE(runner.out().find("9001  UNRESOLVED  a scratch case\n    setup step main[0] (new p) "
                              "differs: process 'main', step 0"),
            std::string::npos)
      << runner.out();
  EXPECT_NE(runner.out().find("UNRESOLVED: 1"), std::string::npos) << runner.out();
  EXPECT_NE(runner.out().find("0 passed, 1 failed (1 of them unresolved), 0 skipped"),
            std::string::npos)
      << runner.out();
  const auto line = pyproc::harness::read_json_file(json_lines, 1 << 20);
  ASSERT_TRUE(line.doc) << line.error;
  EXPECT_EQ((*line.doc)["outcome"], "UNRESOLVED");
  EXPECT_EQ((*line.doc)["differences_total"], 1);
}

// Costly output (issue 18): 12 MB of driver output cost the runner 564 MB
// (757 MB with --json-lines). Its peak memory is now a small multiple of the
// output, JSON lines included, and a difference line is short however long
// the values that differ.
TEST_F(RunnerCli, TheRunnersMemoryIsASmallMultipleOfTheOutput) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer's shadow memory and quarantine are most of such a runner's
  // peak (735 MB for 9 MB of output under ASan): the default build measures.
  GTEST_SKIP() << "peak memory is measured in the build without sanitizers";
#endif
  // 8 MB of small observations: the worst shape for a document in memory.
  std::string output = R"({"protocol": 3, "case": "9001", "pids": [], "streams": {"main": [)";
  for (int i = 0; i < 480000; ++i)
    output += (i ? ", " : "") + std::string(R"({"value": )") + std::to_string(i) + "}";
  output += "]}}";
  write("9001.driver-output", output);
  write("9001.json", pyproc::harness::testing_support::scratch_case("120"));
  const auto json_lines = dir_ / "meta/results.jsonl";
  const auto argv = conform({"--json-lines", json_lines.string()});
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  ASSERT_EQ(::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  rusage usage{};
  ASSERT_EQ(::wait4(pid, &status, 0, &usage), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  const double peak = static_cast<double>(usage.ru_maxrss) * 1024;  // KiB
  EXPECT_LT(peak, 16.0 * static_cast<double>(output.size()))
      << "peak " << peak / 1e6 << " MB for " << output.size() / 1e6 << " MB of output";
  EXPECT_GT(std::filesystem::file_size(json_lines),
            output.size() / 2);  // the observations are there
}

TEST_F(RunnerCli, ALongValueThatDiffersIsShownAroundWhereItDiffers) {
  const std::string expected_value = std::string(1'000'000, 'x') + "y" + std::string(999'999, 'x');
  const std::string actual_value(2'000'000, 'x');
  write("expected/9001.json",
        R"({"case": "9001", "streams": {"main": [{"value": ")" + expected_value + R"("}]}})");
  write("9001.driver-output",
        R"({"protocol": 3, "case": "9001", "pids": [], "streams": {"main": [{"value": ")" +
            actual_value + R"("}]}})");
  Runner runner(conform({}), dir_ / "meta/run");
  const int status = runner.wait(60);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  const std::string out = runner.out();
  EXPECT_LT(out.size(), 3000u) << out.substr(0, 3000);
  EXPECT_NE(out.find("the texts first differ at character 1000010"), std::string::npos)
      << out.substr(0, 3000);
  EXPECT_NE(out.find("xxxy"), std::string::npos) << out.substr(0, 3000);
  EXPECT_NE(out.find("(2000012 characters, shown from"), std::string::npos) << out.substr(0, 3000);
}

// ---- stopping a runner in the middle of a case -------------------------------

// Waits (bounded) until the hostile driver says it is running; the path of
// its scratch directory, or nothing if it did not say so in time.
std::string driver_is_running(const std::filesystem::path& ready_fifo) {
  const int fd = ::open(ready_fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  std::string said;
  for (const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
       said.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline;) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 1000) != 1) continue;
    char buffer[4096];
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) said.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return said.empty() ? said : said.substr(0, said.find('\n'));
}

// Waits (bounded) until `dir` has been removed (inotify, not sleeps).
bool removed_within(const std::string& dir, int seconds) {
  const int fd = ::inotify_init1(IN_CLOEXEC);
  const bool watched = ::inotify_add_watch(fd, dir.c_str(), IN_DELETE_SELF) >= 0;
  pollfd event{fd, POLLIN, 0};
  if (watched) ::poll(&event, 1, seconds * 1000);
  ::close(fd);
  return !std::filesystem::exists(dir);
}

// Waits (bounded) until no process holds the witness open any more.
bool case_ended(WitnessFifo& witness, int seconds) {
  pollfd fd{witness.fd(), POLLIN, 0};
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
       std::chrono::steady_clock::now() < deadline;) {
    if (witness.all_writers_gone()) return true;
    ::poll(&fd, 1, 1000);  // woken by data or by the last writer's end
  }
  return witness.all_writers_gone();
}

// (signal, isolation path: "namespace" or "subreaper")
class StoppedRunner : public RunnerCli,
                      public testing::WithParamInterface<std::tuple<int, std::string>> {
 protected:
  // Starts `argv` on the hanging driver, waits until the case runs, sends the
  // signal, and checks that the runner died of it and the case ended.
  void stop_and_check(const std::vector<std::string>& argv) {
    write("9001.json", R"({"id": "9001", "title": "hangs", "timeout": 120, "steps": []})");
    ::mkfifo((dir_ / "9001.ready").c_str(), 0600);
    WitnessFifo witness(dir_ / "9001.alive");
    const auto& [sig, path] = GetParam();
    Runner runner(argv, dir_ / "meta/run",
                  {path == "subreaper" ? "PYPROC_ISOLATION=subreaper" : "PYPROC_ISOLATION="});
    const std::string scratch = driver_is_running(dir_ / "9001.ready");
    ASSERT_FALSE(scratch.empty()) << runner.err();
    ASSERT_TRUE(std::filesystem::is_directory(scratch)) << scratch;
    runner.signal(sig);
    const int status = runner.wait(60);
    if (sig == SIGKILL) {
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
      // Nothing ran in the runner: the warden saw its lifeline end.
      EXPECT_TRUE(case_ended(witness, 30)) << "the case outlived its runner";
    } else {
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "status " << status << "\n"
                                                                  << runner.out() << runner.err();
      // Ended before the runner died: nothing is left to wait for.
      EXPECT_TRUE(witness.all_writers_gone()) << "the case outlived its runner";
    }
    EXPECT_EQ(witness.written(), "escaped\n");
    // Nor its scratch directory (for SIGKILL, removed by the warden).
    EXPECT_TRUE(removed_within(scratch, sig == SIGKILL ? 30 : 0)) << scratch << " is left";
  }
};

TEST_P(StoppedRunner, TheCliEndsTheRunningCaseAndDiesOfTheSignal) {
  stop_and_check(conform({}, HOSTILE_DRIVERS_DIR "/hang_until_signalled.sh"));
}

TEST_P(StoppedRunner, TheGoogleTestBinaryEndsTheRunningCaseAndDiesOfTheSignal) {
  write("meta/deviations.json", "{}");
  stop_and_check({PYPROC_CASE_TESTS, "--cases=" + dir_.string(),
                  "--expected=" + (dir_ / "expected").string(),
                  "--deviations=" + (dir_ / "meta/deviations.json").string(),
                  "--driver=" HOSTILE_DRIVERS_DIR "/hang_until_signalled.sh"});
}

INSTANTIATE_TEST_SUITE_P(Signals, StoppedRunner,
                         testing::Combine(testing::Values(SIGINT, SIGTERM, SIGHUP, SIGKILL),
                                          testing::Values("namespace", "subreaper")),
                         [](const auto& info) {
                           return std::string(sigabbrev_np(std::get<0>(info.param))) + "_" +
                                  std::get<1>(info.param);
                         });

}  // namespace
