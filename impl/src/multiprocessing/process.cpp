// pyproc::Process — BaseProcess of CPython 3.11's multiprocessing/process.py,
// method by method: the same checks, in the same order, with the same messages.
#include "pyproc/multiprocessing/process.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "core/syscalls.hpp"
#include "multiprocessing/popen_fork.hpp"
#include "multiprocessing/registry.hpp"
#include "pyproc/py_repr.hpp"

namespace pyproc {
namespace {

pid_t getpid_now() { return detail::syscalls().getpid(); }

// os.urandom(32) for the MainProcess's authkey.
Bytes random_bytes(std::size_t count) {
  Bytes out(count, '\0');
  std::size_t filled = 0;
  while (filled < count) {
    const ssize_t n = ::getrandom(out.data() + filled, count - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      raise_os_error(errno);
    }
    filled += static_cast<std::size_t>(n);
  }
  return out;
}

std::string default_name(const std::string& class_name, const std::vector<int>& identity) {
  std::string name = class_name + "-";
  for (std::size_t i = 0; i < identity.size(); ++i) {
    if (i > 0) name += ':';
    name += std::to_string(identity[i]);
  }
  return name;
}

// `self._popen.terminate()` with `_popen` None, as Python words it.
[[noreturn]] void raise_none_attribute(const char* attribute) {
  throw AttributeError(std::string("'NoneType' object has no attribute '") + attribute + "'");
}

}  // namespace

Process::Process(Target target, ProcessOptions options)
    : Process("Process", std::move(target), std::move(options)) {}

// BaseProcess.__init__.
Process::Process(std::string class_name, Target target, ProcessOptions options)
    : class_name_(std::move(class_name)), target_(std::move(target)) {
  const int count = detail::next_process_count();
  const Process& creator = current_process();
  identity_ = creator.identity_;
  identity_.push_back(count);
  daemon_ = creator.daemon_;  // _config.copy()
  authkey_ = creator.authkey_;
  parent_pid_ = getpid_now();
  parent_name_ = creator.name_;
  // `name or default`: an empty name also gets the default.
  name_ = options.name && !options.name->empty() ? std::move(*options.name)
                                                 : default_name(class_name_, identity_);
  if (options.daemon) set_daemon(*options.daemon);
}

// _MainProcess.__init__.
Process::Process(MainTag)
    : class_name_("_MainProcess"),
      name_("MainProcess"),
      authkey_(random_bytes(32)),
      is_main_(true) {}

Process::~Process() { release(); }

void Process::release() noexcept {
  if (moved_from_) return;  // its child, if any, is another object's now
  detail::discard_child(this);
  if (!popen_) return;
  try {
    // Still running and ours: hand it to the registry, which reaps it.
    // Otherwise (ended, or a copy inherited by a forked child) only the fds
    // are released, by ~Popen.
    if (parent_pid_ == getpid_now() && !popen_->poll()) {
      detail::adopt_orphan(std::move(popen_), daemon());
    }
  } catch (...) {
    // poll() only throws for a wait status that is neither exit nor signal,
    // which waitpid without WUNTRACED does not report. Destructors must not throw.
  }
  popen_.reset();
}

Process::Process(Process&& other) noexcept { take(other); }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    release();  // this object's own child goes as ~Process lets it go
    take(other);
  }
  return *this;
}

// The Popen stays where it is (on the heap), so the registry's handle of it
// stays valid; only the entry's Process* changes, under the registry's mutex,
// so a sweep lists this object or `other`, never neither nor both. Only a
// started object can be registered (start() registers it once popen_ is set).
void Process::take(Process& other) noexcept {
  class_name_ = std::move(other.class_name_);
  name_ = std::move(other.name_);
  identity_ = std::move(other.identity_);
  daemon_ = other.daemon_;
  authkey_ = std::move(other.authkey_);
  parent_pid_ = other.parent_pid_;
  parent_name_ = std::move(other.parent_name_);
  target_ = std::move(other.target_);
  target_released_ = other.target_released_;
  closed_ = other.closed_;
  is_main_ = other.is_main_;
  moved_from_ = std::exchange(other.moved_from_, true);
  popen_ = std::move(other.popen_);
  if (popen_) detail::move_child(&other, this);
}

void Process::check_moved() const {
  if (moved_from_) throw ValueError("Process object was moved from");
}

void Process::check_closed() const {
  check_moved();
  if (closed_) throw ValueError("process object is closed");
}

bool Process::is_current() const { return this == &current_process(); }

void Process::run() {
  check_moved();
  // start() deleted `self._target` in the parent.
  if (target_released_) {
    throw AttributeError("'" + class_name_ + "' object has no attribute '_target'");
  }
  if (target_) target_();
}

void Process::start() {
  check_closed();
  if (popen_) throw AssertionError("cannot start a process twice");
  if (parent_pid_ != getpid_now()) {
    throw AssertionError("can only start a process object created by current process");
  }
  if (current_process().daemon_.value_or(false)) {
    throw AssertionError("daemonic processes are not allowed to have children");
  }
  detail::cleanup();
  // Registered before the first fork, so that children inherit it too: a
  // target that calls std::exit() still joins its own children.
  detail::register_exit_function();
  popen_ = detail::Popen::launch([this](int parent_sentinel, int sentinel_w) {
    bootstrap_child(parent_sentinel, sentinel_w);
  });
  // `del self._target, self._args, self._kwargs`: the child has its copy; the
  // parent frees whatever the target holds.
  target_ = nullptr;
  target_released_ = true;
  detail::add_child(this, popen_.get());
}

void Process::terminate() {
  check_closed();
  if (!popen_) raise_none_attribute("terminate");
  popen_->terminate();
}

void Process::kill() {
  check_closed();
  if (!popen_) raise_none_attribute("kill");
  popen_->kill();
}

void Process::join(std::optional<double> timeout) {
  check_closed();
  if (parent_pid_ != getpid_now()) throw AssertionError("can only join a child process");
  if (!popen_) throw AssertionError("can only join a started process");
  if (popen_->wait(timeout)) detail::discard_child(this);
}

bool Process::is_alive() {
  check_closed();
  if (is_current()) return true;
  if (parent_pid_ != getpid_now()) throw AssertionError("can only test a child process");
  if (!popen_) return false;
  if (!popen_->poll()) return true;
  detail::discard_child(this);
  return false;
}

void Process::close() {
  check_moved();
  if (is_main_) return;  // _MainProcess.close() does nothing
  if (popen_) {
    if (!popen_->poll()) {
      throw ValueError(
          "Cannot close a process while it is still running. "
          "You should first call join() or terminate().");
    }
    // Out of the registry first: another thread's sweep may be polling this
    // Popen until discard_child() returns, never after.
    detail::discard_child(this);
    popen_.reset();  // ~Popen closes the sentinel and the pipe
  }
  closed_ = true;
}

const std::string& Process::name() const {
  check_moved();
  return name_;
}

void Process::set_name(std::string name) {
  check_moved();
  name_ = std::move(name);
}

bool Process::daemon() const {
  check_moved();
  return daemon_.value_or(false);
}

void Process::set_daemon(bool daemonic) {
  check_moved();
  if (popen_) throw AssertionError("process has already started");
  daemon_ = daemonic;
}

const Bytes& Process::authkey() const {
  check_moved();
  return authkey_;
}

void Process::set_authkey(Bytes key) {
  check_moved();
  authkey_ = std::move(key);
}

std::optional<pid_t> Process::pid() {
  check_closed();
  if (is_current()) return getpid_now();
  if (!popen_) return std::nullopt;
  return popen_->pid();
}

std::optional<int> Process::exitcode() {
  check_closed();
  if (!popen_) return std::nullopt;
  return popen_->poll();
}

int Process::sentinel() {
  check_closed();
  if (!popen_) throw ValueError("process not started");
  return popen_->sentinel();
}

std::string Process::repr() {
  check_moved();
  std::optional<int> code;
  const char* status;
  if (is_current()) {
    status = "started";
  } else if (closed_) {
    status = "closed";
  } else if (parent_pid_ != getpid_now()) {
    status = "unknown";
  } else if (!popen_) {
    status = "initial";
  } else {
    code = popen_->poll();
    status = code ? "stopped" : "started";
  }

  std::string out = "<" + class_name_ + " name=" + detail::py_str_repr(name_);
  if (popen_) out += " pid=" + std::to_string(popen_->pid());
  out += " parent=" + (parent_pid_ ? std::to_string(*parent_pid_) : std::string("None"));
  out += ' ';
  out += status;
  if (code) out += " exitcode=" + detail::exitcode_text(*code);
  if (daemon()) out += " daemon";
  out += '>';
  return out;
}

}  // namespace pyproc
