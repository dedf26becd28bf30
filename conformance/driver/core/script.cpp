#include "script.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>

#include "exception_attrs.hpp"
#include "os_functions.hpp"
#include "pyproc/connection.hpp"
#include "pyproc/process.hpp"
#include "signal_names.hpp"
#include "values.hpp"

namespace pyproc::driver {
namespace {

using nlohmann::json;

// A subclass that only has its own class name (`class` without `run`).
class NamedProcess : public Process {
 public:
  NamedProcess(std::string class_name, Target target, ProcessOptions options)
      : Process(std::move(class_name), std::move(target), std::move(options)) {}
};

// A subclass whose run() is a steps list: the `run` form of `new`.
class ScriptedProcess : public Process {
 public:
  ScriptedProcess(std::string class_name, Target body, ProcessOptions options)
      : Process(std::move(class_name), {}, std::move(options)), body_(std::move(body)) {}
  void run() override { body_(); }

 private:
  Target body_;
};

template <class T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json pid_json(const std::optional<pid_t>& pid) { return pid ? json{{"pid", *pid}} : json(nullptr); }

std::optional<double> timeout_of(const json& step) {
  if (!step.contains("timeout") || step["timeout"].is_null()) return std::nullopt;
  return step["timeout"].get<double>();
}

#ifdef PYPROC_COVERAGE
extern "C" void __gcov_dump();
extern "C" void __gcov_reset();
#endif

// §4.4: the ops that end the process running them (end_process()).
const std::set<std::string> kEndingOps = {"exit",  "raise", "os_exit",
                                          "abort", "block", "signal_self"};
// Every other op step() dispatches on.
const std::set<std::string> kStepOps = {
    "new",         "start",         "join",   "is_alive", "terminate",       "kill",
    "close",       "get",           "set",    "repr",     "sentinel_ready",  "wait",
    "stderr",      "send_signal",   "notify", "await",    "active_children", "parent_is_none",
    "target_args", "ignore_signal", "fork"};

bool is_ending_op(const std::string& op) { return kEndingOps.count(op) > 0; }

// pyproc's API is statically typed: a name is a string, a daemon flag a bool,
// an authkey bytes. Assigning another type (Python raises, or stores it as
// given) cannot be written in C++ at all: the step is Unexpressible, never
// imitated.
std::string untyped_value(const json& step) {
  const std::string attr = step.value("attr", "");
  const json& value = step.value("value", json());
  const bool fits = (attr == "name" && value.is_string()) ||
                    (attr == "daemon" && value.is_boolean()) ||
                    (attr == "authkey" && value.is_object() && value.contains("bytes"));
  if (fits) return {};
  return "C++ cannot assign " + value.dump() + " to " + attr + ": pyproc::Process::set_" + attr +
         " takes a " +
         (attr == "name"     ? "std::string"
          : attr == "daemon" ? "bool"
                             : "pyproc::Bytes");
}

std::optional<std::string> parent_lacks(const std::string& op) {
  // CPython's _ParentProcess inherits these from BaseProcess, where they can
  // only fail or change a proxy nobody else sees (start: AssertionError,
  // terminate/kill: AttributeError on its missing Popen, close/set: flags of
  // that one object). pyproc::ParentProcess is a value that describes the
  // creator (name, pid, sentinel, is_alive, join, repr, exitcode, daemon,
  // authkey) and has no such members: a step using them cannot be written.
  static const std::set<std::string> missing = {"start", "terminate", "kill", "close", "set"};
  if (!missing.count(op)) return std::nullopt;
  return "op \"" + op +
         "\" on @parent in a child: pyproc::ParentProcess has no start(), terminate(), kill(), "
         "close() or setters (CPython's _ParentProcess inherits them from BaseProcess)";
}

// spec/protocol.md §4.7: the lines of a capture that do not start with
// white space (a traceback's frame lines hold one machine's paths).
json captured_lines(int fd) { return unindented_lines(read_from(fd, 0)); }

}  // namespace

Script::Script(Events& events, ReportChannel& channel, const Paths& paths)
    : events_(events),
      channel_(channel),
      program_(events, paths, [this](std::int64_t pid) { know_pid(pid); }),
      main_pid_(::getpid()) {}

bool Script::supports(const std::string& op) {
  return kStepOps.count(op) || kEndingOps.count(op) || Program::handles(op);
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

struct Script::Frame {
  std::string path;
  Frame* creator = nullptr;  // see Script::run
  std::map<std::string, std::unique_ptr<Process>> locals;
  std::map<std::string, int> captured_stderr;     // local name -> memory file
  std::map<std::string, CaptureFiles> own_files;  // "capture": true (§4.10)

  Frame(std::string path) : path(std::move(path)) {}
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;
  ~Frame() {
    for (const auto& [name, fd] : captured_stderr) ::close(fd);
    for (const auto& [name, files] : own_files) files.close();
  }

  Process& local(const json& step) { return local(step.at("proc").get<std::string>()); }

  Process& local(const std::string& name) {
    if (name.starts_with("^")) {
      if (!creator) throw std::invalid_argument("\"" + name + "\" in the main process");
      return creator->local(name.substr(1));
    }
    auto it = locals.find(name);
    if (it == locals.end())
      throw std::invalid_argument("process \"" + name + "\" is used before its \"new\" step");
    return *it->second;
  }
};

void Script::run(const json& steps, const std::string& path, const Emit& emit, Frame* creator) {
  Frame frame(path);
  frame.creator = creator;
  try {
    run_steps(steps, emit, frame);
  } catch (const BaseException&) {
    throw;  // an ending op (§4.4): this process ends the way the case says
  } catch (const std::exception&) {
    // The driver cannot go on with this list (a step it cannot run). The
    // children this process started may wait for steps that will never run:
    // end and reap them now, while their objects still exist (destroying a
    // running Process hands its child to pyproc, which would wait for it).
    end_children();
    throw;
  }
}

void Script::end_children() {
  for (Process* child : active_children()) {
    try {
      child->kill();
      child->join();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pyproc-driver: cannot end a child: %s\n", e.what());
    }
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
      observation = raised("Unexpressible", e.what());
    }
    emit(index, observation);
  }
}

json Script::step(const json& step, Frame& frame) {
  const std::string op = step.at("op");
  if (Program::handles(op)) return program_.step(step, frame.own_files);
  if (op == "fork") return fork(step, frame);
  if (op == "await") return events_.wait(step.at("event")), nullptr;
  if (op == "parent_is_none") return !parent_process().has_value();
  if (op == "target_args") return received_;
  if (op == "ignore_signal") {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    if (::sigaction(signal_number(step.at("signal")), &ignore, nullptr) != 0) raise_os_error(errno);
    return nullptr;
  }
  if (op == "active_children") {
    std::vector<std::string> names;
    for (Process* child : active_children()) names.push_back(child->name());
    std::sort(names.begin(), names.end());
    return names;
  }
  if (op == "new") {
    if (step.contains("group") && !step["group"].is_null())
      throw Unexpressible("pyproc::Process has no group parameter (CPython accepts only None)");
    const std::string name = step.at("proc");
    const std::string child_path = frame.path == "main" ? name : frame.path + "/" + name;
    int stderr_fd = -1;
    if (step.value("capture_stderr", false)) {
      // A memory file, not a pipe: it never fills up, and it can be read
      // after the child has ended even if a grandchild still holds it.
      stderr_fd = ::memfd_create(("stderr-" + name).c_str(), MFD_CLOEXEC);
      if (stderr_fd < 0) raise_os_error(errno);
      frame.captured_stderr[name] = stderr_fd;
    }
    std::optional<CaptureFiles> files;
    if (step.value("capture", false)) files = frame.own_files[name] = CaptureFiles::create(name);
    frame.locals[name] = make_process(step, child_path, stderr_fd, files, frame);
    return nullptr;
  }
  if (op == "stderr") return captured_lines(frame.captured_stderr.at(step.at("proc")));
  if (op == "wait") {
    std::map<int, std::string> names;
    for (const auto& name : step.at("procs"))
      names[frame.local(name.get<std::string>()).sentinel()] = name;
    std::vector<int> sentinels;
    for (const auto& [fd, name] : names) sentinels.push_back(fd);
    std::vector<std::string> ready;
    for (int fd : pyproc::connection::wait(sentinels, timeout_of(step))) ready.push_back(names[fd]);
    std::sort(ready.begin(), ready.end());
    return ready;
  }
  const std::string proc = step.at("proc");
  if (proc == "@parent") return on_parent(step);
  return on_process(step, frame);
}

std::unique_ptr<Process> Script::make_process(const json& step, const std::string& path,
                                              int stderr_fd,
                                              const std::optional<CaptureFiles>& files,
                                              Frame& creator) {
  ProcessOptions options;
  if (step.contains("name")) options.name = step["name"].get<std::string>();
  if (step.contains("daemon") && !step["daemon"].is_null())
    options.daemon = step["daemon"].get<bool>();

  // `class` without `run` is a subclass that keeps the standard run().
  const std::string class_name = step.value("class", step.contains("run") ? "Worker" : "Process");
  const bool has_steps = step.contains("run") || step.contains("target");
  Process::Target target;
  if (has_steps) {
    // Copies, not references: the child runs them after fork, from its own memory.
    const json steps = step.contains("run") ? step["run"] : step["target"];
    // C++ has no args/kwargs: a caller binds arguments into the callable, and
    // so does this driver. What the target "receives" is reported as
    // CPython's driver reports it: [args, sorted [name, value] pairs].
    // The target holds the arguments as C++ values (byte strings decoded);
    // `target_args` reports those, not the case file's text.
    std::optional<Arguments> arguments;
    if (step.contains("target")) {
      arguments.emplace();
      for (const auto& value : step.value("args", json::array()))
        arguments->args.push_back(decode_value(value));
      const json kwargs = step.value("kwargs", json::object());
      for (const auto& [key, value] : kwargs.items())
        arguments->kwargs.emplace(key, decode_value(value));
    }
    target = [this, steps, path, stderr_fd, files, arguments, creator = &creator] {
      received_ = nullptr;
      if (arguments) {
        json args = json::array();
        for (const Value& value : arguments->args) args.push_back(encode_value(value));
        json pairs = json::array();  // sorted by name, as std::map keeps them
        for (const auto& [key, value] : arguments->kwargs)
          pairs.push_back({key, encode_value(value)});
        received_ = {args, pairs};
      }
      if (files) files->use();
      if (stderr_fd >= 0) {
        // Before the first step, so that everything the child writes to fd 2
        // from here on (its traceback included) lands in the capture.
        std::fflush(stderr);
        ::dup2(stderr_fd, STDERR_FILENO);
      }
      channel_.send_pid(::getpid());
      if (!steps.empty()) channel_.send_stream(path);
      try {
        run(
            steps, path,
            [this, path](size_t index, const json& observation) {
              channel_.send_observation(path, index, observation);
            },
            creator);
      } catch (const BaseException&) {
        throw;  // the target's own ending (exit, raise): _bootstrap's business
      } catch (const std::exception& e) {
        // The driver could not run a step: not something the case observes.
        // Tell the main process (which then fails the run) and end here,
        // without running exit handlers that could wait for our children.
        channel_.send_error(path, e.what());
        exit_at_once(70);
      }
    };
  }
  if (step.contains("run")) return std::make_unique<ScriptedProcess>(class_name, target, options);
  if (class_name != "Process") return std::make_unique<NamedProcess>(class_name, target, options);
  return std::make_unique<Process>(target, options);
}

json Script::on_process(const json& step, Frame& frame) {
  const std::string op = step.at("op");
  Process& process = step["proc"] == "@current" ? current_process() : frame.local(step);
  if (op == "start") {
    process.start();
    if (auto pid = process.pid()) channel_.send_pid(*pid);
    return nullptr;
  }
  if (op == "join") return process.join(timeout_of(step)), nullptr;
  if (op == "is_alive") return process.is_alive();
  if (op == "terminate") return process.terminate(), nullptr;
  if (op == "kill") return process.kill(), nullptr;
  if (op == "close") return process.close(), nullptr;
  if (op == "repr") return process.repr();
  if (op == "send_signal") {
    const auto pid = process.pid();
    if (!pid) throw TypeError("'NoneType' object cannot be interpreted as an integer");
    if (::kill(*pid, signal_number(step.at("signal"))) != 0) raise_os_error(errno);
    return nullptr;
  }
  if (op == "sentinel_ready") {
    const int fd = process.sentinel();
    return !pyproc::connection::wait({fd}, step.at("timeout").get<double>()).empty();
  }
  if (op == "get") {
    const std::string attr = step.at("attr");
    if (attr == "name") return process.name();
    if (attr == "daemon") return process.daemon();
    if (attr == "pid" || attr == "ident") return pid_json(process.pid());
    if (attr == "exitcode") return optional_json(process.exitcode());
    if (attr == "authkey") return json{{"authkey", to_hex(process.authkey())}};
    if (attr == "sentinel") return json{{"fd", process.sentinel()}};
    throw std::invalid_argument("get: unknown attribute \"" + attr + "\"");
  }
  if (op == "set") {
    if (auto why = untyped_value(step); !why.empty()) throw Unexpressible(why);
    const std::string attr = step.at("attr");
    const json& value = step.at("value");
    if (attr == "name") return process.set_name(value.get<std::string>()), nullptr;
    if (attr == "daemon") return process.set_daemon(value.get<bool>()), nullptr;
    if (attr == "authkey") return process.set_authkey(from_hex(value.at("bytes"))), nullptr;
    throw std::invalid_argument("set: unknown attribute \"" + attr + "\"");
  }
  throw std::invalid_argument("unknown op \"" + op + "\"");
}

json Script::on_parent(const json& step) {
  const auto parent = parent_process();
  const std::string op = step.at("op");
  if (!parent) {
    // parent_process() is None in the main process. repr(None) is 'None';
    // every other op reads an attribute of None, and Python's AttributeError
    // names that attribute: the one `get`/`set` names, `sentinel` for
    // sentinel_ready, `pid` for send_signal (os.kill(None.pid, ...)), else
    // the method the op calls.
    if (op == "repr") return "None";
    std::string attr = op;
    if (op == "get" || op == "set") attr = step.at("attr").get<std::string>();
    if (op == "sentinel_ready") attr = "sentinel";
    if (op == "send_signal") attr = "pid";
    throw AttributeError("'NoneType' object has no attribute '" + attr + "'");
  }
  if (op == "is_alive") return parent->is_alive();
  if (op == "join") return parent->join(timeout_of(step)), nullptr;
  if (op == "repr") return parent->repr();
  if (op == "sentinel_ready")
    return !pyproc::connection::wait({parent->sentinel}, step.at("timeout").get<double>()).empty();
  if (op == "send_signal") {
    if (::kill(parent->pid, signal_number(step.at("signal"))) != 0) raise_os_error(errno);
    return nullptr;
  }
  if (op == "get") {
    const std::string attr = step.at("attr");
    if (attr == "name") return parent->name;
    if (attr == "pid" || attr == "ident") return json{{"pid", parent->pid}};
    if (attr == "sentinel") return json{{"fd", parent->sentinel}};
    if (attr == "exitcode") return optional_json(parent->exitcode());
    if (attr == "daemon") return parent->daemon();
    if (attr == "authkey") return json{{"authkey", to_hex(parent->authkey())}};
  }
  if (auto why = parent_lacks(op)) throw Unexpressible(*why);
  throw std::logic_error("op \"" + op + "\" on @parent: not an op on a process");
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
  const std::string child_path = frame.path == "main" ? name : frame.path + "/" + name;
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
