// pyproc-no-pidfd: runs a program where pidfds are refused, as on a kernel
// before 5.3, under gVisor or under a container's seccomp profile, so that
// the whole suite can be run against pyproc's fallbacks (ctest
// conformance.no_pidfd.*):
//
//   pyproc-no-pidfd ENOSYS|EPERM|<number> PROGRAM [ARGUMENT...]
//       installs a seccomp filter, then execs PROGRAM. Inherited by every
//       process PROGRAM starts: pidfd_open, pidfd_send_signal and
//       pidfd_getfd fail with the errno given; waitid(P_PIDFD, ...) fails
//       with EINVAL, as on a kernel without it (before 5.4).
//   pyproc-no-pidfd --probe
//       prints what this process gets from each of those calls ("ok" or the
//       errno's name), one line each: run under the filter, it shows the
//       filter works.
//
// Unprivileged: PR_SET_NO_NEW_PRIVS first, as seccomp requires of a process
// without CAP_SYS_ADMIN (it only stops a setuid exec from gaining rights).
// Only the native ABI is filtered (x32 and 32-bit calls pass); clone() and
// clone3() with CLONE_PIDFD are left alone: pyproc makes none (and glibc's
// pthread_create() needs clone3 to answer ENOSYS, not EPERM, to fall back).
// Exit status: PROGRAM's, or 125 if the filter cannot be installed or the
// arguments are wrong, 127 (126) if PROGRAM is not found (cannot run).
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace {

#if defined(__x86_64__)
constexpr unsigned kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kNativeArch = AUDIT_ARCH_AARCH64;
#else
#error "pyproc-no-pidfd: add this architecture's AUDIT_ARCH_*"
#endif

// The low 32 bits of waitid()'s first argument (idtype_t is an int).
constexpr std::size_t kArg0Low =
    offsetof(seccomp_data, args[0]) + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0);

constexpr int kPidfd = 3;  // P_PIDFD (<sys/wait.h> has it only with _GNU_SOURCE on newer glibc)

struct Named {
  const char* name;
  int value;
};
constexpr std::array<Named, 6> kErrnos = {{{"ENOSYS", ENOSYS},
                                           {"EPERM", EPERM},
                                           {"EINVAL", EINVAL},
                                           {"EBADF", EBADF},
                                           {"ECHILD", ECHILD},
                                           {"ESRCH", ESRCH}}};

// "ENOSYS", "EPERM" or a number from 1 to 4095 (what SECCOMP_RET_ERRNO
// carries); -1 otherwise.
int parse_errno(std::string_view text) {
  for (const Named& e : kErrnos) {
    if (text == e.name) return e.value;
  }
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9' || value > 4095) return -1;
    value = value * 10 + (c - '0');
  }
  return text.empty() || value < 1 || value > 4095 ? -1 : value;
}

std::string errno_name(int error) {
  for (const Named& e : kErrnos) {
    if (error == e.value) return e.name;
  }
  return std::to_string(error);
}

bool install_filter(int error) {
  const auto refuse = static_cast<unsigned>(SECCOMP_RET_ERRNO | (error & SECCOMP_RET_DATA));
  // Jump offsets count the instructions skipped: labels ALLOW (11), REFUSE (12).
  sock_filter program[] = {
      /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kNativeArch, 1, 0),
      /* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      /* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 7, 0),
      /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_send_signal, 6, 0),
      /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_getfd, 5, 0),
      /* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_waitid, 0, 3),
      /* 8 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArg0Low),
      /* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kPidfd, 0, 1),
      /* 10 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
      /* 11 ALLOW */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      /* 12 REFUSE */ BPF_STMT(BPF_RET | BPF_K, refuse),
  };
  const sock_fprog fprog{static_cast<unsigned short>(std::size(program)), program};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) == 0;
}

// errno's name after a failed call, "ok" after a successful one.
std::string outcome(long result) { return result < 0 ? errno_name(errno) : "ok"; }

int probe() {
  const long pidfd = ::syscall(SYS_pidfd_open, ::getpid(), 0);
  std::printf("pidfd_open: %s\n", outcome(pidfd).c_str());
  // Signal 0 to itself through its own pidfd (EBADF without one, unfiltered).
  const long sent = ::syscall(SYS_pidfd_send_signal, static_cast<int>(pidfd), 0, nullptr, 0);
  std::printf("pidfd_send_signal: %s\n", outcome(sent).c_str());
  siginfo_t info{};
  // Not its own child: ECHILD (or EBADF without a pidfd) where P_PIDFD exists.
  const long waited =
      ::syscall(SYS_waitid, kPidfd, static_cast<int>(pidfd), &info, WEXITED | WNOHANG, nullptr);
  std::printf("waitid(P_PIDFD): %s\n", outcome(waited).c_str());
  if (pidfd >= 0) ::close(static_cast<int>(pidfd));
  return std::fflush(stdout) == 0 ? 0 : 125;
}

int usage() {
  std::fputs(
      "usage: pyproc-no-pidfd ENOSYS|EPERM|<errno> PROGRAM [ARGUMENT...]\n"
      "       pyproc-no-pidfd --probe\n",
      stderr);
  return 125;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--probe") return probe();
  if (argc < 3) return usage();
  const int error = parse_errno(argv[1]);
  if (error < 0) return usage();
  if (!install_filter(error)) {
    std::fprintf(stderr, "pyproc-no-pidfd: cannot install the seccomp filter: %s\n",
                 std::strerror(errno));
    return 125;
  }
  ::execvp(argv[2], argv + 2);
  const int exec_errno = errno;
  std::fprintf(stderr, "pyproc-no-pidfd: %s: %s\n", argv[2], std::strerror(exec_errno));
  return exec_errno == ENOENT ? 127 : 126;
}
