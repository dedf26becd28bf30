// A scratch case directory for the harness's own tests: case 9001, its
// expected file, and what a scripted driver (fake_drivers/echo_doc.sh) should
// print for it, in a fresh temporary directory per test.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "harness/case_run.hpp"

namespace pyproc::harness::testing_support {

// Case 9001 with `timeout` seconds. A driver that answers ends the case at
// once, so the usual timeout is generous (a loaded machine running the
// tests under a sanitizer must not turn an answer into a timeout); tests of
// the timeout itself use kShortTimeout.
inline std::string scratch_case(const std::string& timeout) {
  return R"({"id": "9001", "title": "a scratch case", "clauses": ["MP-001"], "timeout": )" +
         timeout + R"(, "steps": [{"op": "new", "proc": "p"}]})";
}
inline const std::string kScratchCase = scratch_case("60");
inline const std::string kShortTimeout = "0.5";
inline const std::string kScratchExpected =
    R"({"case": "9001", "streams": {"main": [{"value": null}]}})";
inline const std::string kScratchOutput =
    R"({"protocol": 1, "case": "9001", "pids": [], "streams": {"main": [{"value": null}]}})";

// A FIFO that the processes of a hostile driver hold open for writing (as fd
// 9): reading it gives end of file only once none of them is left, whatever
// pid namespace they lived in. They write a word first, which shows they ran.
class WitnessFifo {
 public:
  explicit WitnessFifo(const std::filesystem::path& path) {
    ::mkfifo(path.c_str(), 0600);
    fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  }
  ~WitnessFifo() { ::close(fd_); }
  WitnessFifo(const WitnessFifo&) = delete;
  WitnessFifo& operator=(const WitnessFifo&) = delete;

  // Reads what has been written; true once no writer is left.
  bool all_writers_gone() {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n > 0) {
        written_.append(buffer, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n == 0;
    }
  }
  [[nodiscard]] const std::string& written() const { return written_; }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string written_;
};

class ScratchCase : public testing::Test {
 protected:
  void SetUp() override {
    const auto* test = testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(test->test_suite_name()) + "-" + test->name();
    for (char& c : name)
      if (c == '/') c = '_';
    dir_ = std::filesystem::temp_directory_path() /
           ("pyproc-harness-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "expected");
    write("9001.json", kScratchCase);
    write("expected/9001.json", kScratchExpected);
    write("9001.driver-output", kScratchOutput);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
  }
  [[nodiscard]] std::filesystem::path path(const std::string& name) const { return dir_ / name; }

  // Case 9001 ends at kShortTimeout: for drivers that are meant to hang.
  void use_short_timeout() const { write("9001.json", scratch_case(kShortTimeout)); }

  // Runs case 9001 with `driver` (a path relative to `drivers_dir`, or absolute).
  CaseResult run(const std::string& driver, Deviations deviations = {},
                 IsolationOptions isolation = {},
                 const std::string& drivers_dir = FAKE_DRIVERS_DIR) const {
    const std::string command = driver.front() == '/' ? driver : drivers_dir + "/" + driver;
    return run_case({dir_ / "9001.json", dir_ / "expected", {command}, deviations, isolation});
  }

  std::filesystem::path dir_;
};

}  // namespace pyproc::harness::testing_support
