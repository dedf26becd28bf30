// The multiprocessing family of the driver: the step ops on pyproc::Process
// (spec/protocol.md §4.1, §4.3): `new` and the child's target it runs through
// the interpreter, `start`, `join`, `is_alive`, `terminate`, `kill`, `close`,
// `get`, `set`, `repr`, `send_signal`, `sentinel_ready`, `stderr`, `wait`
// (multiprocessing.connection.wait), `active_children`, `parent_is_none`,
// `target_args`, on a local process, `@current` or `@parent`.
#include "multiprocessing/process_ops.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

#include "core/exception_attrs.hpp"
#include "core/frame.hpp"
#include "core/script.hpp"
#include "core/signal_names.hpp"
#include "core/values.hpp"
#include "pyproc/multiprocessing/connection.hpp"
#include "pyproc/multiprocessing/process.hpp"

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

// A `new` step's process, as its list keeps it.
class ProcessLocal : public Local {
 public:
  explicit ProcessLocal(std::unique_ptr<Process> process) : process(std::move(process)) {}
  std::unique_ptr<Process> process;
};

Process& local_process(Frame& frame, const std::string& name) {
  auto* local = dynamic_cast<ProcessLocal*>(&frame.local(name));
  if (!local) throw std::invalid_argument("\"" + name + "\" is not a process");
  return *local->process;
}

// What a target is called with: C++ binds arguments into the callable.
struct Arguments {
  std::vector<Value> args;
  std::map<std::string, Value> kwargs;
};

// In a child: what its target was called with, as `target_args` reports it
// (null when run() is overridden, or in the main process). Each process has
// its own copy after fork.
json received;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

template <class T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json pid_json(const std::optional<pid_t>& pid) { return pid ? json{{"pid", *pid}} : json(nullptr); }

std::optional<double> timeout_of(const json& step) {
  if (!step.contains("timeout") || step["timeout"].is_null()) return std::nullopt;
  return step["timeout"].get<double>();
}

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

// The child's target: runs `steps` through the interpreter as the process at
// `path`, reporting through the channel.
Process::Target scripted_target(Script& script, json steps, std::string path, int stderr_fd,
                                std::optional<CaptureFiles> files,
                                std::optional<Arguments> arguments, Frame* creator) {
  return [&script, steps = std::move(steps), path = std::move(path), stderr_fd,
          files = std::move(files), arguments = std::move(arguments), creator] {
    ReportChannel& channel = script.channel();
    received = nullptr;
    if (arguments) {
      json args = json::array();
      for (const Value& value : arguments->args) args.push_back(encode_value(value));
      json pairs = json::array();  // sorted by name, as std::map keeps them
      for (const auto& [key, value] : arguments->kwargs)
        pairs.push_back({key, encode_value(value)});
      received = {args, pairs};
    }
    if (files) files->use();
    if (stderr_fd >= 0) {
      // Before the first step, so that everything the child writes to fd 2
      // from here on (its traceback included) lands in the capture.
      std::fflush(stderr);
      ::dup2(stderr_fd, STDERR_FILENO);
    }
    channel.send_pid(::getpid());
    if (!steps.empty()) channel.send_stream(path);
    try {
      script.run(
          steps, path,
          [&channel, path](size_t index, const json& observation) {
            channel.send_observation(path, index, observation);
          },
          creator);
    } catch (const BaseException&) {
      throw;  // the target's own ending (exit, raise): _bootstrap's business
    } catch (const std::exception& e) {
      // The driver could not run a step: not something the case observes.
      // Tell the main process (which then fails the run) and end here,
      // without running exit handlers that could wait for our children.
      channel.send_error(path, e.what());
      exit_at_once(70);
    }
  };
}

std::unique_ptr<Process> make_process(Script& script, const json& step, const std::string& path,
                                      int stderr_fd, const std::optional<CaptureFiles>& files,
                                      Frame& creator) {
  ProcessOptions options;
  if (step.contains("name")) options.name = step["name"].get<std::string>();
  if (step.contains("daemon") && !step["daemon"].is_null())
    options.daemon = step["daemon"].get<bool>();

  // `class` without `run` is a subclass that keeps the standard run().
  const std::string class_name = step.value("class", step.contains("run") ? "Worker" : "Process");
  Process::Target target;
  if (step.contains("run") || step.contains("target")) {
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
    // Copies, not references: the child runs them after fork, from its own memory.
    target = scripted_target(script, step.contains("run") ? step["run"] : step["target"], path,
                             stderr_fd, files, std::move(arguments), &creator);
  }
  if (step.contains("run")) return std::make_unique<ScriptedProcess>(class_name, target, options);
  if (class_name != "Process") return std::make_unique<NamedProcess>(class_name, target, options);
  return std::make_unique<Process>(target, options);
}

json new_process(Script& script, const json& step, Frame& frame) {
  if (step.contains("group") && !step["group"].is_null())
    throw Unexpressible("pyproc::Process has no group parameter (CPython accepts only None)");
  const std::string name = step.at("proc");
  int stderr_fd = -1;
  if (step.value("capture_stderr", false)) {
    stderr_fd = capture_file(name + "-stderr");  // a file, not a pipe
    frame.captured_stderr[name] = stderr_fd;
  }
  std::optional<CaptureFiles> files;
  if (step.value("capture", false)) files = frame.own_files[name] = CaptureFiles::create(name);
  frame.locals[name] = std::make_unique<ProcessLocal>(
      make_process(script, step, frame.child_path(name), stderr_fd, files, frame));
  return nullptr;
}

// multiprocessing.connection.wait() on the sentinels of the named processes:
// the names of the ready ones, sorted.
json wait_for(const json& step, Frame& frame) {
  std::map<int, std::string> names;
  for (const auto& name : step.at("procs"))
    names[local_process(frame, name.get<std::string>()).sentinel()] = name;
  std::vector<int> sentinels;
  for (const auto& [fd, name] : names) sentinels.push_back(fd);
  std::vector<std::string> ready;
  for (int fd : pyproc::connection::wait(sentinels, timeout_of(step))) ready.push_back(names[fd]);
  std::sort(ready.begin(), ready.end());
  return ready;
}

json active_children_names() {
  std::vector<std::string> names;
  for (Process* child : active_children()) names.push_back(child->name());
  std::sort(names.begin(), names.end());
  return names;
}

json on_process(Script& script, const json& step, Process& process) {
  const std::string op = step.at("op");
  if (op == "start") {
    process.start();
    if (auto pid = process.pid()) script.channel().send_pid(*pid);
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

json on_parent(const json& step) {
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

// A repr step with "contains" (§4.1): whether each part is in the text.
json parts_of_repr(const json& step, json text) {
  if (!step.contains("contains")) return text;
  json found = json::array();
  for (const json& part : step.at("contains"))
    found.push_back(text.get_ref<const std::string&>().find(part.get_ref<const std::string&>()) !=
                    std::string::npos);
  return found;
}

// An op on the process a step's "proc" names: a local, "@current" or "@parent".
json on_named_process(Script& script, const json& step, Frame& frame) {
  const std::string proc = step.at("proc");
  json result;
  if (proc == "@parent") {
    result = on_parent(step);
  } else {
    Process& process = proc == "@current" ? current_process() : local_process(frame, proc);
    result = on_process(script, step, process);
  }
  return step.at("op") == "repr" ? parts_of_repr(step, std::move(result)) : result;
}

// Kills and reaps every child this process started that is still running
// (destroying a running Process hands its child to pyproc, which would wait
// for it).
void end_children() {
  for (Process* child : active_children()) {
    try {
      child->kill();
      child->join();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pyproc-driver: cannot end a child: %s\n", e.what());
    }
  }
}

}  // namespace

void register_multiprocessing(Registry& r) {
  r.ops["new"] = new_process;
  r.ops["stderr"] = [](Script&, const json& step, Frame& frame) -> json {
    return captured_lines(frame.captured_stderr.at(step.at("proc")));
  };
  r.ops["wait"] = [](Script&, const json& step, Frame& frame) { return wait_for(step, frame); };
  r.ops["active_children"] = [](Script&, const json&, Frame&) { return active_children_names(); };
  r.ops["parent_is_none"] = [](Script&, const json&, Frame&) -> json {
    return !parent_process().has_value();
  };
  r.ops["target_args"] = [](Script&, const json&, Frame&) { return received; };
  for (const char* op : {"start", "join", "is_alive", "terminate", "kill", "close", "get", "set",
                         "repr", "sentinel_ready", "send_signal"})
    r.ops[op] = on_named_process;
  r.abandon.emplace_back(end_children);
}

}  // namespace pyproc::driver
