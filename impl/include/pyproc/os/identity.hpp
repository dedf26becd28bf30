// Who and where this process is: its ids, process group and session, its
// user and group ids, its working directory. CPython 3.11's results,
// exception types and messages (Linux).
//
// Not here: os.plock(), which CPython only has where the C library has
// plock(2) (hasattr(os, "plock") is False on Linux, glibc has none).
#pragma once

#include <sys/types.h>

#include <string>

#include "pyproc/exceptions.hpp"  // IWYU pragma: export

namespace pyproc::os {

// os.getpid(), os.getppid(), os.getpgrp(): they cannot fail.
pid_t getpid();
pid_t getppid();
pid_t getpgrp();

// os.getpgid(pid), os.getsid(pid): of `pid`, 0 for this process.
// ProcessLookupError("[Errno 3] No such process") for a pid that does not
// exist (negative ones included).
pid_t getpgid(pid_t pid);
pid_t getsid(pid_t pid);

// os.setpgid(pid, pgrp): moves `pid` (0: this process) into group `pgrp`
// (0: a new group led by it). ProcessLookupError for a pid that is not this
// process or one of its children, OSError("[Errno 22] Invalid argument") for
// a negative one, PermissionError for a child in another session or a group
// of another session, PermissionError ("[Errno 13] Permission denied") for a
// child that has exec'd.
void setpgid(pid_t pid, pid_t pgrp);

// os.setsid(): a new session and process group led by this process.
// PermissionError("[Errno 1] Operation not permitted") when this process
// already leads a process group.
void setsid();

// os.getcwd(): the working directory, as bytes (os.getcwdb(); os.getcwd()
// is its os.fsdecode()). The OSError subclass of getcwd(3)'s errno, naming
// no file: FileNotFoundError("[Errno 2] No such file or directory") when the
// directory was removed.
std::string getcwd();

// os.chdir(path): ValueError("embedded null byte") for a NUL in `path`; else
// the OSError subclass of chdir(2)'s errno, naming the path as Python's repr
// of the str (os.fsdecode() of these bytes) would:
// FileNotFoundError("[Errno 2] No such file or directory: '/x'"),
// NotADirectoryError("[Errno 20] Not a directory: '/etc/passwd'").
void chdir(const std::string& path);

// os.getuid(), os.geteuid(), os.getgid(), os.getegid(): they cannot fail.
uid_t getuid();
uid_t geteuid();
gid_t getgid();
gid_t getegid();

}  // namespace pyproc::os
