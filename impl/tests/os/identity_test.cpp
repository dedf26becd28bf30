// getpid() ... chdir() against the kernel's answers and CPython 3.11's errors
// (the messages below were printed by CPython 3.11.7 on Linux). What changes
// the process (its group, session, working directory) runs in a forked child.
#include <stdlib.h>  // NOLINT(modernize-deprecated-headers): mkdtemp
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;
using testing::raised;
using testing::run_in_child;

class OsIdentity : public testing::OsTest {};

// Runs `body` in a forked child and returns what it printed (via stdout).
std::string in_child(const std::function<void()>& body) {
  const auto run = run_in_child([&] {
    body();
    std::fflush(stdout);
    os::_exit(0);
  });
  EXPECT_EQ(os::wexitstatus(run.status), 0) << run.output;
  return run.output;
}

void print(const std::string& text) { std::fputs((text + "\n").c_str(), stdout); }

// A fresh directory, removed (with what the test left in it) on destruction.
class TempDir {
 public:
  TempDir() {
    std::string name = "/tmp/pyproc-os-identity-XXXXXX";
    if (::mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = name;
  }
  ~TempDir() { (void)os::system("rm -rf '" + path_ + "'"); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A forked child that waits (for `go` to close) after it has run `setup`.
struct WaitingChild {
  explicit WaitingChild(const std::function<void()>& setup = [] {}) {
    pid = os::fork();
    if (pid == 0) {
      go.close_write();
      try {
        setup();
      } catch (...) {
        os::_exit(1);
      }
      ready.write("r");
      testing::await_token(go);
      os::_exit(0);
    }
    ready.close_write();
    go.close_read();
    testing::await_token(ready);
  }
  ~WaitingChild() {
    go.close_write();
    (void)os::waitpid(pid, 0);
  }
  WaitingChild(const WaitingChild&) = delete;
  WaitingChild& operator=(const WaitingChild&) = delete;
  testing::Pipe ready;
  testing::Pipe go;
  pid_t pid = 0;
};

constexpr pid_t kNoSuchPid = 99999999;  // above pid_max's ceiling

TEST_F(OsIdentity, IdsAreTheKernels) {
  EXPECT_EQ(os::getpid(), ::getpid());
  EXPECT_EQ(os::getppid(), ::getppid());
  EXPECT_EQ(os::getpgrp(), ::getpgrp());
  EXPECT_EQ(os::getpgid(0), ::getpgrp());
  EXPECT_EQ(os::getpgid(os::getpid()), ::getpgrp());
  EXPECT_EQ(os::getsid(0), ::getsid(0));
  EXPECT_EQ(os::getuid(), ::getuid());
  EXPECT_EQ(os::geteuid(), ::geteuid());
  EXPECT_EQ(os::getgid(), ::getgid());
  EXPECT_EQ(os::getegid(), ::getegid());
}

TEST_F(OsIdentity, IdsOfAnUnprivilegedChild) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to change ids";
  EXPECT_EQ(in_child([] {
              if (::setgid(65533) != 0 || ::setuid(65534) != 0) return;
              print(std::to_string(os::getuid()) + " " + std::to_string(os::geteuid()) + " " +
                    std::to_string(os::getgid()) + " " + std::to_string(os::getegid()));
            }),
            "65534 65534 65533 65533\n");
}

TEST_F(OsIdentity, GetpgidAndGetsidOfAnotherProcess) {
  const WaitingChild child([] { os::setpgid(0, 0); });
  EXPECT_EQ(os::getpgid(child.pid), child.pid);
  EXPECT_EQ(os::getsid(child.pid), os::getsid(0));
}

TEST_F(OsIdentity, GetpgidAndGetsidOfNoProcess) {
  for (const pid_t pid : {kNoSuchPid, -1, -5}) {
    EXPECT_EQ(raised([pid] { (void)os::getpgid(pid); }),
              "ProcessLookupError: [Errno 3] No such process");
    EXPECT_EQ(raised([pid] { (void)os::getsid(pid); }),
              "ProcessLookupError: [Errno 3] No such process");
  }
}

TEST_F(OsIdentity, SetpgidMovesAChildIntoAGroup) {
  const WaitingChild child;
  os::setpgid(child.pid, 0);  // a group of its own
  EXPECT_EQ(os::getpgid(child.pid), child.pid);
  os::setpgid(child.pid, os::getpgrp());  // back into ours
  EXPECT_EQ(os::getpgid(child.pid), os::getpgrp());
}

TEST_F(OsIdentity, SetpgidErrors) {
  EXPECT_EQ(raised([] { os::setpgid(kNoSuchPid, 0); }),
            "ProcessLookupError: [Errno 3] No such process");
  EXPECT_EQ(raised([] { os::setpgid(1, 1); }), "ProcessLookupError: [Errno 3] No such process");
  EXPECT_EQ(raised([] { os::setpgid(0, -1); }), "OSError: [Errno 22] Invalid argument");
  EXPECT_EQ(raised([] { os::setpgid(-1, 0); }), "OSError: [Errno 22] Invalid argument");
  {
    // A child in another session, and a group of another session.
    const WaitingChild child([] { os::setsid(); });
    EXPECT_EQ(raised([&] { os::setpgid(child.pid, 0); }),
              "PermissionError: [Errno 1] Operation not permitted");
    EXPECT_EQ(raised([&] { os::setpgid(0, child.pid); }),
              "PermissionError: [Errno 1] Operation not permitted");
  }
  // A child that has exec'd (spawn returns once it has).
  const pid_t execd = os::spawnv(os::p_nowait, kHelper, {"x", "wait-signal"});
  EXPECT_EQ(raised([&] { os::setpgid(execd, 0); }),
            "PermissionError: [Errno 13] Permission denied");
  os::kill(execd, SIGKILL);
  (void)os::waitpid(execd, 0);
}

TEST_F(OsIdentity, SetsidMakesANewSessionAndGroup) {
  EXPECT_EQ(in_child([] {
              os::setsid();
              const pid_t me = os::getpid();
              print(std::to_string(os::getsid(0) == me) + std::to_string(os::getpgrp() == me));
              // Now a group leader: a second setsid() fails.
              print(raised([] { os::setsid(); }));
            }),
            "11\nPermissionError: [Errno 1] Operation not permitted\n");
}

TEST_F(OsIdentity, GetcwdAndChdir) {
  const TempDir dir;
  EXPECT_EQ(in_child([&] {
              os::chdir(dir.path());
              print(os::getcwd());
              os::chdir("..");
              print(os::getcwd());
            }),
            dir.path() + "\n/tmp\n");
  char real[4096];
  EXPECT_EQ(os::getcwd(), std::string(::getcwd(real, sizeof real)));
}

TEST_F(OsIdentity, GetcwdLongerThanItsFirstBuffer) {
  // CPython's getcwd() starts with 1024 bytes and adds 1024 while ERANGE.
  const TempDir dir;
  const std::string part(200, 'd');
  std::string expected = dir.path();
  EXPECT_EQ(
      in_child([&] {
        os::chdir(dir.path());
        for (int i = 0; i < 12; ++i) {
          ::mkdir(part.c_str(), 0700);
          os::chdir(part);
          expected += "/" + part;
        }
        print(std::to_string(os::getcwd() == expected) + " " + std::to_string(os::getcwd().size()));
      }),
      "1 " + std::to_string(dir.path().size() + 12 * 201) + "\n");
}

TEST_F(OsIdentity, GetcwdOfARemovedDirectory) {
  const TempDir dir;
  const std::string gone = dir.path() + "/gone";
  ::mkdir(gone.c_str(), 0700);
  EXPECT_EQ(in_child([&] {
              os::chdir(gone);
              ::rmdir(gone.c_str());
              print(raised([] { (void)os::getcwd(); }));
            }),
            "FileNotFoundError: [Errno 2] No such file or directory\n");
}

TEST_F(OsIdentity, ChdirErrorsNameThePath) {
  EXPECT_EQ(raised([] { os::chdir("/nonexistent"); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent'");
  EXPECT_EQ(raised([] { os::chdir(""); }),
            "FileNotFoundError: [Errno 2] No such file or directory: ''");
  EXPECT_EQ(raised([] { os::chdir(std::string("a\0b", 3)); }), "ValueError: embedded null byte");
  EXPECT_EQ(raised([] { os::chdir("/etc/passwd"); }),
            "NotADirectoryError: [Errno 20] Not a directory: '/etc/passwd'");
  // repr() of the str os.fsdecode() makes of these bytes.
  EXPECT_EQ(raised([] { os::chdir("/nonexistent\xff"); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent\\udcff'");
  EXPECT_EQ(raised([] { os::chdir("caf\xc3\xa9'\"x"); }),
            "FileNotFoundError: [Errno 2] No such file or directory: 'caf\xc3\xa9\\'\"x'");
  EXPECT_EQ(raised([] { os::chdir("/root/\n"); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/root/\\n'");
}

TEST_F(OsIdentity, ChdirWithoutPermission) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to become another user";
  const TempDir dir;  // mode 0700, owned by root
  EXPECT_EQ(in_child([&] {
              if (::setuid(65534) != 0) return;
              print(raised([&] { os::chdir(dir.path()); }));
            }),
            "PermissionError: [Errno 13] Permission denied: '" + dir.path() + "'\n");
}

}  // namespace
}  // namespace pyproc
