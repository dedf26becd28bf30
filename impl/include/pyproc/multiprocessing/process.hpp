// pyproc::Process — multiprocessing.Process with the fork start method, in C++.
//
// Every observable behaviour (exit codes, exception types and messages, names,
// daemon rules, repr) follows CPython; spec/ holds the clauses and
// conformance/ the cases that prove it. Where the two cannot agree, the
// difference is declared in conformance/deviations/cpp.json.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pyproc/exceptions.hpp"

namespace pyproc {

using Bytes = std::string;  // a byte string; may hold any byte, including NUL

namespace detail {
class Popen;  // the fork "Popen" of a started Process (impl/src/multiprocessing/popen_fork.hpp)
}  // namespace detail

struct ProcessOptions {
  // Explicit name; std::nullopt gives "<Class>-N1:...:Nk" as in CPython.
  // (The default member initializers let callers write designated
  // initializers such as {.daemon = true} without -Wmissing-field-initializers.)
  std::optional<std::string> name = std::nullopt;
  // Daemon flag; std::nullopt inherits it from the creating process.
  std::optional<bool> daemon = std::nullopt;
};

// Threads (spec/cpp-thread-contract.md): distinct objects need no locking;
// one object may be joined, polled, signalled and read from several threads
// at once; start(), close(), the setters, moving and the destructor need
// exclusive access to their object.
//
// The sentinel is the child's pidfd. Where pidfd_open is refused (ENOSYS:
// a kernel before 5.3, gVisor; EPERM: a seccomp profile), it is CPython's
// pipe instead: its write end is held by the child and by whatever the child
// forks, so it becomes ready once all of those have ended (case 0144), and
// the child is waited for and signalled by pid, as in CPython.
class Process {
 public:
  // `target` is what the standard run() calls; an empty function is Python's
  // `target=None`. Arguments are bound into the callable by the caller
  // (a lambda or std::bind_front), the C++ form of `args` and `kwargs`.
  using Target = std::function<void()>;

  explicit Process(Target target = {}, ProcessOptions options = {});
  // Destroying a Process does not stop its child. A child still running is
  // kept by pyproc (as CPython's `_children` keeps the object alive): it is
  // reaped by the next start() or active_children() after it ends, and at
  // exit it is terminated if daemonic and waited for, like any child.
  virtual ~Process();

  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Movable (a std::vector<Process> grows), started or not: the new object is
  // that Process in every respect, child and all, and active_children() lists
  // it where it now is. The moved-from object raises
  // ValueError("Process object was moved from") from every member, and its
  // destructor does nothing; assigning another Process to it makes it that
  // one. Assigning onto a Process whose child still runs lets that child go
  // as the destructor does (above). A subclass moves its Process part with
  // its own members. Never move current_process() (the library's object), nor
  // a Process inside its own child while its run() runs.
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;

  // The process's activity; runs in the child. Override it in a subclass.
  virtual void run();

  void start();
  // timeout: std::nullopt blocks until the child ends; a number blocks at
  // most that many seconds (<= 0 only polls). Returns either way.
  void join(std::optional<double> timeout = std::nullopt);
  bool is_alive();
  void terminate();  // SIGTERM
  void kill();       // SIGKILL
  void close();

  [[nodiscard]] const std::string& name() const;
  void set_name(std::string name);
  [[nodiscard]] bool daemon() const;
  void set_daemon(bool daemonic);
  [[nodiscard]] const Bytes& authkey() const;
  void set_authkey(Bytes key);
  // std::nullopt until started (ValueError once closed).
  std::optional<pid_t> pid();
  std::optional<pid_t> ident() { return pid(); }
  // std::nullopt until the child has ended; -N after signal N.
  std::optional<int> exitcode();
  // A file descriptor that becomes readable when the child ends (without a
  // pidfd: when the child and all it forked have ended, as in CPython).
  int sentinel();

  // CPython's repr(), e.g. "<Process name='Process-1' pid=42 parent=41 started>".
  std::string repr();

 protected:
  // For subclasses: `class_name` stands where CPython puts
  // `type(self).__name__` (the default name and the repr).
  Process(std::string class_name, Target target, ProcessOptions options);

 private:
  struct MainTag {};
  // The MainProcess object (CPython's `_MainProcess`), made once by
  // current_process().
  explicit Process(MainTag);

  // ValueError("Process object was moved from"): first in every member.
  void check_moved() const;
  void check_closed() const;
  // What the destructor does: forgets the registry entry and lets a child
  // that still runs go to the registry.
  void release() noexcept;
  // Moves every member of `other` here (its registry entry too) and leaves
  // it moved from.
  void take(Process& other) noexcept;
  // CPython's `self is _current_process`.
  [[nodiscard]] bool is_current() const;
  // Runs in the forked child; `parent_sentinel` becomes parent_process().sentinel.
  // `sentinel_w` is the child's end of the pipe sentinel (detail::await_go).
  [[noreturn]] void bootstrap_child(int parent_sentinel, int sentinel_w);

  std::string class_name_;  // type(self).__name__
  std::string name_;
  std::vector<int> identity_;  // (N1, ..., Nk)
  // CPython keeps the flag in `_config`, where "absent" reads as False but is
  // what children inherit; nullopt is "absent".
  std::optional<bool> daemon_;
  Bytes authkey_;
  std::optional<pid_t> parent_pid_;  // None for the MainProcess
  std::string parent_name_;
  Target target_;
  // start() drops the target in the parent, as CPython does (`del self._target`).
  bool target_released_ = false;
  bool closed_ = false;
  bool is_main_ = false;
  bool moved_from_ = false;
  // CPython's `_popen`: set in the parent by a successful start(), never in
  // the child; reset by close().
  std::unique_ptr<detail::Popen> popen_;
  friend Process& current_process();
};

// The object for the running process: "MainProcess" in the main program,
// the child's own Process object inside a child.
Process& current_process();

// The creating process as seen from a child; std::nullopt in the main process.
struct ParentProcess {
  std::string name;
  pid_t pid;
  int sentinel;  // readable once the parent has ended
  [[nodiscard]] bool is_alive() const;
  void join(std::optional<double> timeout = std::nullopt) const;
  // The rest of what CPython's _ParentProcess answers, for code (and
  // conformance drivers) that treat it like any process object:
  // repr(parent_process()) is "<_ParentProcess name='MainProcess' parent=None unknown>";
  [[nodiscard]] std::string repr() const;
  // its exitcode is always None (it has no popen) and it is never a daemon;
  [[nodiscard]] std::optional<int> exitcode() const { return std::nullopt; }
  [[nodiscard]] bool daemon() const { return false; }
  // its authkey raises KeyError("'authkey'") (its _config is empty).
  [[noreturn]] Bytes authkey() const;
};
std::optional<ParentProcess> parent_process();

// Live children of the current process; finished ones are reaped first.
// Each pointer names the object where it was when the list was made: once
// its owner moves or destroys it, only the owner may use it.
std::vector<Process*> active_children();

// Ends the calling process with exit status `code` (low 8 bits), the way
// `throw SystemExit(code)` ends a target, but without unwinding: for code
// deep in a child that cannot throw through its callers. In a child started
// by pyproc it does what the child does after run() (daemonic children
// terminated, the others joined, standard streams flushed) and then
// _exit()s. Never call std::exit() in a target: the child is a copy of its
// parent, and std::exit() would run the parent's atexit handlers and static
// destructors there. In the main program exit_process() is std::exit(code).
[[noreturn]] void exit_process(int code);

}  // namespace pyproc
