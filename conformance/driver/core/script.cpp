#include "core/script.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <vector>

#include "core/exception_attrs.hpp"
#include "core/expressions.hpp"
#include "core/functions.hpp"
#include "core/py_value.hpp"
#include "core/registry.hpp"
#include "core/signal_names.hpp"
#include "core/values.hpp"

namespace pyproc::driver {
namespace {

using nlohmann::json;

#ifdef PYPROC_COVERAGE
extern "C" void __gcov_dump();
extern "C" void __gcov_reset();
#endif

// §4.4: the ops that end the process running them (end_process()).
const std::set<std::string> kEndingOps = {"exit",  "raise", "os_exit",
                                          "abort", "block", "signal_self"};
// The ops every list has, whatever the family: events, signals, `fork`.
const std::set<std::string> kCoreOps = {"notify", "await", "ignore_signal", "fork"};

bool is_ending_op(const std::string& op) { return kEndingOps.count(op) > 0; }

}  // namespace

Frame::Frame(std::string path) : path(std::move(path)) {}

Frame::~Frame() {
  for (const auto& [name, fd] : captured_stderr) ::close(fd);
  for (const auto& [name, files] : own_files) files.close();
}

Local& Frame::local(const std::string& name) {
  if (name.starts_with("^")) {
    if (!creator) throw std::invalid_argument("\"" + name + "\" in the main process");
    return creator->local(name.substr(1));
  }
  auto it = locals.find(name);
  if (it == locals.end())
    throw std::invalid_argument("process \"" + name + "\" is used before its \"new\" step");
  return *it->second;
}

std::string Frame::child_path(const std::string& name) const {
  return path == "main" ? name : path + "/" + name;
}

Script::Script(Events& events, ReportChannel& channel, const Paths& paths)
    : events_(events),
      channel_(channel),
      program_(events, paths, [this](std::int64_t pid) { know_pid(pid); }),
      main_pid_(::getpid()) {}

bool Script::supports(const std::string& op) {
  return kCoreOps.count(op) || kEndingOps.count(op) || registry().ops.count(op) ||
         Program::handles(op);
}

bool Script::ends_process(const std::string& op) { return is_ending_op(op); }

void flush_coverage() {
#ifdef PYPROC_COVERAGE
  __gcov_dump();
  __gcov_reset();  // so that a later dump (exec failed) does not count twice
#endif
}

void exit_at_once(int status) {
  std::fflush(stdout);
  std::fflush(stderr);
  flush_coverage();
  ::_exit(status);
}

void Script::run(const json& steps, const std::string& path, const Emit& emit, Frame* creator) {
  // In a child the frame, and so the Process objects its list made, outlives
  // the list, as in CPython, where multiprocessing's _children keeps them
  // until _exit_function() (after the target) terminates the daemonic ones
  // and joins the rest: pyproc's exit function then finds them alive too.
  // The child ends with _exit(); the frames stay reachable from a static.
  static auto* const kept = new std::vector<std::unique_ptr<Frame>>();
  auto owned = std::make_unique<Frame>(path);
  Frame& frame = *owned;
  if (path != "main") kept->push_back(std::move(owned));
  frame.creator = creator;
  try {
    run_steps(steps, emit, frame);
  } catch (const BaseException&) {
    throw;  // an ending op (§4.4): this process ends the way the case says
  } catch (const std::exception&) {
    // The driver cannot go on with this list (a step it cannot run). The
    // children this process started may wait for steps that will never run:
    // each family ends and reaps its own now, while their objects still exist.
    for (const auto& abandon : registry().abandon) abandon();
    throw;
  }
}

void Script::run_steps(const json& steps, const Emit& emit, Frame& frame) {
  for (size_t index = 0; index < steps.size(); ++index) {
    const json& current = steps[index];
    if (current.at("op") == "notify") {
      // Reported before the token is posted (spec/protocol.md §4.2): whoever
      // takes the token may kill us at once, and must still see this step.
      emit(index, json{{"value", nullptr}});
      events_.notify(current.at("event"));
      continue;
    }
    if (is_ending_op(current.at("op"))) {
      end_process(current);  // returns only when signal_self survives its signal
      emit(index, json{{"value", nullptr}});
      continue;
    }
    json observation;
    try {
      observation = json{{"value", step(current, frame)}};
    } catch (const BaseException& e) {
      observation = raised_observation(current, e);
    } catch (const Unexpressible& e) {
      // A step no C++ program can write: observed as such, and the process
      // goes on (expressions.hpp; a declared deviation names the step).
      // Not a Python exception: no class user code could catch.
      observation = raised("Unexpressible", e.what(), "Unexpressible", {});
    }
    emit(index, observation);
  }
}

json Script::step(const json& step, Frame& frame) {
  const std::string op = step.at("op");
  if (Program::handles(op)) return program_.step(step, frame.own_files);
  if (op == "fork") return fork(step, frame);
  if (op == "await") return events_.wait(step.at("event")), nullptr;
  if (op == "ignore_signal") {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    if (::sigaction(signal_number(step.at("signal")), &ignore, nullptr) != 0) raise_os_error(errno);
    return nullptr;
  }
  const auto& ops = registry().ops;
  const auto it = ops.find(op);
  if (it == ops.end()) throw std::invalid_argument("unknown op \"" + op + "\"");
  return it->second(*this, step, frame);
}

void Script::know_pid(std::int64_t pid) {
  if (::getpid() == main_pid_)
    pids_.push_back(pid);
  else
    channel_.send_pid(static_cast<pid_t>(pid));
}

// The `fork` op (§4.9).
json Script::fork(const json& step, Frame& frame) {
  const std::string name = step.at("proc");
  const std::string child_path = frame.child_path(name);
  const bool pty = step.value("pty", false);
  std::optional<CaptureFiles> files;
  if (step.value("capture", false)) files = frame.own_files[name] = CaptureFiles::create(name);
  // forkpty() puts the terminal on 0, 1 and 2 of the child; 1 and 2 go back
  // to the capture files it shares with its parent (§4.9).
  std::optional<CaptureFiles> saved;
  if (pty && !files) {
    saved = CaptureFiles{::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3),
                         ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)};
    if (saved->stdout_fd < 0 || saved->stderr_fd < 0) {
      const int error = errno;
      saved->close();
      raise_os_error(error);
    }
  }
  ForkResult forked{};
  try {
    forked = fork_process(pty);
  } catch (...) {
    if (saved) saved->close();
    throw;
  }
  if (forked.pid == 0) {
    program_.variables()[name] = pty ? PyValue(Tuple{{Int{0}, Int{-1}}}) : PyValue(Int{0});
    run_forked(step.at("child"), child_path, files ? files : saved);
  }
  if (saved) saved->close();
  know_pid(forked.pid);
  // The child's stream exists from here on, even if it is killed before it
  // could announce it.
  if (!step.at("child").empty()) channel_.send_stream(child_path);
  const PyValue pid = Int{forked.pid, Tag::pid};
  const PyValue value = pty ? PyValue(Tuple{{pid, Int{forked.master_fd, Tag::fd}}}) : pid;
  program_.variables()[name] = value;
  return encode(value);
}

void Script::run_forked(const json& steps, const std::string& path,
                        const std::optional<CaptureFiles>& files) {
  try {
    if (files) files->use();
    channel_.send_pid(::getpid());
    run(steps, path, [this, path](size_t index, const json& observation) {
      channel_.send_observation(path, index, observation);
    });
  } catch (const BaseException& e) {
    // Only the ending ops raise out of a list, and `exit`/`raise` are refused
    // in a fork child; an exception here ends it as it ends a program.
    std::fprintf(stderr, "%s: %s\n", e.type_name(), e.what());
    std::fflush(stderr);
    flush_coverage();
    ::_exit(1);
  } catch (const std::exception& e) {
    channel_.send_error(path, e.what());
    exit_at_once(70);
  }
  // The end of the list: os._exit(0), stdio buffers not flushed.
  flush_coverage();
  ::_exit(0);
}

void Script::end_process(const json& step) {
  const std::string op = step.at("op");
  if (op == "exit") {
    if (!step.contains("code") || step["code"].is_null()) throw SystemExit();
    const json& code = step["code"];
    if (code.is_boolean()) throw SystemExit(code.get<bool>() ? 1 : 0);
    if (code.is_number_integer()) throw SystemExit(code.get<std::int64_t>());
    if (const char* digits = big_int_digits(code)) throw Unexpressible(beyond_64_bits(digits));
    throw SystemExit(code.get<std::string>());
  }
  if (op == "raise") raise_named(step.at("type"), step.at("message"));
  if (op == "os_exit") {
    const int code = step.at("code").get<int>();
    flush_coverage();
    ::_exit(code);
  }
  if (op == "abort") {
    flush_coverage();
    std::abort();
  }
  if (op == "block")
    for (;;) ::pause();
  // signal_self: if the signal does not end the process, the step returns.
  flush_coverage();
  ::kill(::getpid(), signal_number(step.at("signal")));
}

}  // namespace pyproc::driver
