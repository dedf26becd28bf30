// What the pyproc::os tests share: the helper program's path, a capture of
// this process's fd 1 (where spawned programs write), a forked child for
// exec* (which replaces the process), the seam's mock with the methods os
// added, and a fixture that checks nothing leaks.
#pragma once

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/syscalls.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/os.hpp"
#include "support/raised.hpp"
#include "support/test_support.hpp"

namespace pyproc::testing {

// conformance/helper's program (spec/helper-program.md), this build's
// (helper_path.cpp, the one file CMake gives its path).
const std::string& helper_path();
inline const std::string& kHelper = helper_path();

// While alive, this process's fd 1 (or `fd`, e.g. 2) is a memfd: what this
// process and the programs it launches write there is text() afterwards.
class StdoutCapture {
 public:
  explicit StdoutCapture(int fd = STDOUT_FILENO) : fd_(fd) {
    std::fflush(stdout);
    saved_ = ::fcntl(fd_, F_DUPFD_CLOEXEC, 3);
    memfd_ = ::memfd_create("stdout", MFD_CLOEXEC);
    // O_APPEND: programs writing at once must not race on the shared offset
    // (a memfd's offset is not updated atomically across processes).
    if (saved_ < 0 || memfd_ < 0 || ::fcntl(memfd_, F_SETFL, O_APPEND) != 0 ||
        ::dup2(memfd_, fd_) < 0) {
      throw std::runtime_error("cannot capture stdout");
    }
  }
  ~StdoutCapture() {
    restore();
    ::close(memfd_);
  }
  StdoutCapture(const StdoutCapture&) = delete;
  StdoutCapture& operator=(const StdoutCapture&) = delete;

  // Everything written so far (restores fd 1 first).
  std::string text() {
    restore();
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::pread(memfd_, buf, sizeof buf, static_cast<off_t>(out.size()))) > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stdout);
    ::dup2(saved_, fd_);
    ::close(saved_);
    saved_ = -1;
  }
  int fd_;
  int saved_ = -1;
  int memfd_ = -1;
};

// A forked child running `body` with fd 1 going to a pipe (fd 2 is the
// test's: coverage builds complain there when a child cannot write); body is
// expected to exec. If it raises instead, the child prints "raised: <Type>:
// <message>" and exits 99.
struct ChildRun {
  int status;
  std::string output;
};
inline ChildRun run_in_child(const std::function<void()>& body) {
  Pipe out;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(out.write_fd(), STDOUT_FILENO);
    const std::string error = raised(body);
    out.write("raised: " + error + "\n");
    os::_exit(99);  // (which writes coverage counters in coverage builds)
  }
  out.close_write();
  ChildRun run{0, out.read_all()};
  while (::waitpid(pid, &run.status, 0) < 0 && errno == EINTR) {
  }
  return run;
}

// Sets (or, with nullptr, unsets) an environment variable of this process
// for the lifetime of the object.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    set(value);
  }
  ~ScopedEnv() { set(old_ ? old_->c_str() : nullptr); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void set(const char* value) {
    if (value) {
      ::setenv(name_.c_str(), value, 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  std::string name_;
  std::optional<std::string> old_;
};

// The seam's mock, with the methods pyproc::os added (default: the real call).
class OsMockSyscalls : public MockSyscalls {
 public:
  OsMockSyscalls();  // out of line (mock_syscalls.cpp), as MockSyscalls'
  ~OsMockSyscalls();
  MOCK_METHOD(pid_t, clone_vfork, (int (*)(void*), void*, void*), (override));
  MOCK_METHOD(int, waitid, (idtype_t, id_t, siginfo_t*, int), (override));
  MOCK_METHOD(pid_t, wait4, (pid_t, int*, int, struct rusage*), (override));
  MOCK_METHOD(ssize_t, read, (int, void*, std::size_t), (override));
  MOCK_METHOD(int, killpg, (pid_t, int), (override));
  MOCK_METHOD(int, nice, (int), (override));
  MOCK_METHOD(clock_t, times, (struct tms*), (override));
};

// Every os test: no fd and no child left behind.
class OsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(count_open_fds(), fds_before_) << "an fd leaked";
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, os::wnohang), -1) << "a child was left behind";
    EXPECT_EQ(errno, ECHILD);
  }
  int fds_before_ = count_open_fds();
};

// OsTest with the seam mocked, for fault injection: a failure the mock
// injects into a wait can hide a real child, which the test then reaps.
class OsFaultTest : public OsTest {
 protected:
  // Makes the mock's clone_vfork() launch for real and remember the pid.
  void record_launches() {
    ON_CALL(sys_, clone_vfork)
        .WillByDefault(::testing::Invoke([this](int (*fn)(void*), void* stack, void* arg) {
          launched_ = detail::real_syscalls().clone_vfork(fn, stack, arg);
          return launched_;
        }));
  }
  // Reaps the launched child whose wait the mock hid; its exit code.
  int reap_launched() {
    int status = 0;
    EXPECT_EQ(::waitpid(launched_, &status, 0), launched_);
    return os::waitstatus_to_exitcode(status);
  }
  ::testing::NiceMock<OsMockSyscalls> sys_;
  pid_t launched_ = -1;
};

}  // namespace pyproc::testing
