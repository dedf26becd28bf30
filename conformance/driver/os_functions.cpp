#include "os_functions.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>

#include "hooks.hpp"
#include "os_objects.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/os.hpp"
#include "script.hpp"
#include "signal_names.hpp"

namespace pyproc::driver {
namespace {

using P = ParamType;
using Run = std::function<PyValue(const Bound&, const PyValue&)>;

// §4.11: a pid is tagged where it is one (0 and below are not: WNOHANG's 0).
PyValue pid_value(pid_t pid) { return Int{pid, pid > 0 ? Tag::pid : Tag::none}; }

PyValue wait_result(const os::WaitResult& r) { return Tuple{{pid_value(r.pid), Int{r.status}}}; }

PyValue wait4_result(const os::Wait4Result& r) {
  return Tuple{
      {pid_value(r.pid), Int{r.status}, ObjectPtr(std::make_shared<RusageObject>(r.rusage))}};
}

// The shape of a result only the run can tell, of these kinds.
std::function<PyValue(const Bound&, const PyValue&)> opaque(unsigned kinds) {
  return [kinds](const Bound&, const PyValue&) { return PyValue(Opaque{kinds}); };
}
std::function<PyValue(const Bound&, const PyValue&)> shape_of(PyValue value) {
  return [value](const Bound&, const PyValue&) { return value; };
}
const auto kNothing = shape_of(PyValue());

Function function(Signature signature, Run run,
                  std::function<PyValue(const Bound&, const PyValue&)> shape) {
  return Function{std::move(signature), std::move(run), std::move(shape)};
}

// exec*, _exit, abort: they return only by raising. Coverage counters are
// written first, since the process image goes away without exit handlers.
Function ending(Signature signature, std::function<void(const Bound&)> run) {
  return Function{std::move(signature),
                  [run](const Bound& args, const PyValue&) {
                    flush_coverage();
                    run(args);
                    return PyValue();
                  },
                  kNothing, true};
}

// The l variants (execl(path, arg0, arg1, ...)) are parameter packs in
// pyproc: execl(path, args...) is execv(path, Args{args...}) (os_exec.hpp).
// The driver holds the arguments as a list, so it calls that form.
os::Args rest_args(const Bound& a) {
  os::Args args;
  for (const PyValue& value : a.rest) args.push_back(to_string(value));
  return args;
}

// spawn*: the pid of a P_NOWAIT launch, else an exit code (§4.11).
PyValue spawned(int mode, int result) {
  return mode == os::P_NOWAIT ? pid_value(result) : PyValue(Int{result});
}

os::PopenFile& file_of(const PyValue& self) {
  return *static_cast<PopenObject&>(*std::get<ObjectPtr>(self.v)).file;
}

void add_exec(std::map<std::string, Function>& t) {
  const Param path{"path", P::FsString};
  const Param args{"args", P::Args};
  const Param env{"env", P::Env};
  t["os.execv"] = ending({{path, args}}, [](const Bound& a) {
    os::execv(to_string(a.params[0]), to_args(a.params[1]));
  });
  t["os.execve"] = ending({{{"path", P::PathOrFd}, args, env}}, [](const Bound& a) {
    if (a.params[0].get_if<std::string>() || a.params[0].get_if<Bytes>())
      os::execve(to_string(a.params[0]), to_args(a.params[1]), to_env(a.params[2]));
    os::execve(to_int(a.params[0]), to_args(a.params[1]), to_env(a.params[2]));
  });
  t["os.execvp"] = ending({{{"file", P::FsString}, args}}, [](const Bound& a) {
    os::execvp(to_string(a.params[0]), to_args(a.params[1]));
  });
  t["os.execvpe"] = ending({{{"file", P::FsString}, args, env}}, [](const Bound& a) {
    os::execvpe(to_string(a.params[0]), to_args(a.params[1]), to_env(a.params[2]));
  });
  const Signature l{.params = {path}, .rest = P::FsString};
  const Signature le{.params = {path}, .rest = P::FsString, .env_last = true};
  t["os.execl"] =
      ending(l, [](const Bound& a) { os::execv(to_string(a.params[0]), rest_args(a)); });
  t["os.execle"] = ending(
      le, [](const Bound& a) { os::execve(to_string(a.params[0]), rest_args(a), to_env(a.env)); });
  t["os.execlp"] =
      ending(l, [](const Bound& a) { os::execvp(to_string(a.params[0]), rest_args(a)); });
  t["os.execlpe"] = ending(
      le, [](const Bound& a) { os::execvpe(to_string(a.params[0]), rest_args(a), to_env(a.env)); });
}

void add_spawn(std::map<std::string, Function>& t) {
  const Param mode{"mode", P::Int};
  const Param path{"path", P::FsString};
  const Param file{"file", P::FsString};
  const Param args{"args", P::Args};
  const Param env{"env", P::Env};
  const auto result = opaque(kInt);
  t["os.spawnv"] = function(
      {{mode, path, args}},
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnv(m, to_string(a.params[1]), to_args(a.params[2])));
      },
      result);
  t["os.spawnve"] = function(
      {{mode, path, args, env}},
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(
            m, os::spawnve(m, to_string(a.params[1]), to_args(a.params[2]), to_env(a.params[3])));
      },
      result);
  t["os.spawnvp"] = function(
      {{mode, file, args}},
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnvp(m, to_string(a.params[1]), to_args(a.params[2])));
      },
      result);
  t["os.spawnvpe"] = function(
      {{mode, file, args, env}},
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(
            m, os::spawnvpe(m, to_string(a.params[1]), to_args(a.params[2]), to_env(a.params[3])));
      },
      result);
  const Signature l{.params = {mode, path}, .rest = P::FsString};
  const Signature le{.params = {mode, path}, .rest = P::FsString, .env_last = true};
  t["os.spawnl"] = function(
      l,
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnv(m, to_string(a.params[1]), rest_args(a)));
      },
      result);
  t["os.spawnle"] = function(
      le,
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnve(m, to_string(a.params[1]), rest_args(a), to_env(a.env)));
      },
      result);
  t["os.spawnlp"] = function(
      l,
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnvp(m, to_string(a.params[1]), rest_args(a)));
      },
      result);
  t["os.spawnlpe"] = function(
      le,
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnvpe(m, to_string(a.params[1]), rest_args(a), to_env(a.env)));
      },
      result);
}

void add_wait(std::map<std::string, Function>& t) {
  const Param options{"options", P::Int};
  const PyValue waited = Tuple{{Opaque{kInt}, Opaque{kInt}}};
  const PyValue waited4 =
      Tuple{{Opaque{kInt}, Opaque{kInt}, ObjectPtr(std::make_shared<RusageObject>(os::Rusage{}))}};
  t["os.wait"] = function(
      {}, [](const Bound&, const PyValue&) { return wait_result(os::wait()); }, shape_of(waited));
  t["os.waitpid"] = function(
      {{{"pid", P::Int}, options}},
      [](const Bound& a, const PyValue&) {
        return wait_result(os::waitpid(to_int(a.params[0]), to_int(a.params[1])));
      },
      shape_of(waited));
  t["os.wait3"] = function(
      {{options}},
      [](const Bound& a, const PyValue&) { return wait4_result(os::wait3(to_int(a.params[0]))); },
      shape_of(waited4));
  t["os.wait4"] = function(
      {{{"pid", P::Int}, options}},
      [](const Bound& a, const PyValue&) {
        return wait4_result(os::wait4(to_int(a.params[0]), to_int(a.params[1])));
      },
      shape_of(waited4));
  t["os.waitid"] = function(
      {{{"idtype", P::Int}, {"id", P::Id}, options}},
      [](const Bound& a, const PyValue&) -> PyValue {
        const auto result =
            os::waitid(to_int(a.params[0]), to_id(a.params[1]), to_int(a.params[2]));
        if (!result) return {};
        return ObjectPtr(std::make_shared<WaitidObject>(*result));
      },
      opaque(kNone | kObject));
  const Param status{"status", P::Int};
  t["os.waitstatus_to_exitcode"] = function(
      {{status}},
      [](const Bound& a, const PyValue&) {
        return PyValue(Int{os::waitstatus_to_exitcode(to_int(a.params[0]))});
      },
      opaque(kInt));
  using Predicate = bool (*)(int);
  for (const auto& [name, test] : std::initializer_list<std::pair<const char*, Predicate>>{
           {"os.WCOREDUMP", os::WCOREDUMP},
           {"os.WIFCONTINUED", os::WIFCONTINUED},
           {"os.WIFSTOPPED", os::WIFSTOPPED},
           {"os.WIFSIGNALED", os::WIFSIGNALED},
           {"os.WIFEXITED", os::WIFEXITED}})
    t[name] = function(
        {{status}},
        [test](const Bound& a, const PyValue&) { return PyValue(test(to_int(a.params[0]))); },
        opaque(kBool));
  using Field = int (*)(int);
  for (const auto& [name, read] :
       std::initializer_list<std::pair<const char*, Field>>{{"os.WEXITSTATUS", os::WEXITSTATUS},
                                                            {"os.WSTOPSIG", os::WSTOPSIG},
                                                            {"os.WTERMSIG", os::WTERMSIG}})
    t[name] = function(
        {{status}},
        [read](const Bound& a, const PyValue&) { return PyValue(Int{read(to_int(a.params[0]))}); },
        opaque(kInt));
}

void add_process(std::map<std::string, Function>& t) {
  t["os.system"] = function(
      {{{"command", P::FsString}}},
      [](const Bound& a, const PyValue&) {
        return PyValue(Int{os::system(to_string(a.params[0]))});
      },
      opaque(kInt));
  t["os.popen"] = function(
      {.params = {{"cmd", P::Str},
                  {"mode", P::Str, std::string("r")},
                  {"buffering", P::Int, Int{-1}}},
       .keywords = true},
      [](const Bound& a, const PyValue&) {
        auto file = std::make_unique<os::PopenFile>(
            os::popen(to_string(a.params[0]), to_string(a.params[1]), to_int(a.params[2])));
        return PyValue(ObjectPtr(std::make_shared<PopenObject>(std::move(file))));
      },
      shape_of(ObjectPtr(std::make_shared<PopenObject>(nullptr))));
  t["os._exit"] = ending({{{"n", P::Int}}}, [](const Bound& a) { os::_exit(to_int(a.params[0])); });
  t["os.abort"] = ending({}, [](const Bound&) { os::abort(); });
  const Param sig{"signal", P::Int};
  t["os.kill"] = function(
      {{{"pid", P::Int}, sig}},
      [](const Bound& a, const PyValue&) {
        os::kill(to_int(a.params[0]), to_int(a.params[1]));
        return PyValue();
      },
      kNothing);
  t["os.killpg"] = function(
      {{{"pgid", P::Int}, sig}},
      [](const Bound& a, const PyValue&) {
        os::killpg(to_int(a.params[0]), to_int(a.params[1]));
        return PyValue();
      },
      kNothing);
  t["os.nice"] = function(
      {{{"increment", P::Int}}},
      [](const Bound& a, const PyValue&) { return PyValue(Int{os::nice(to_int(a.params[0]))}); },
      opaque(kInt));
  t["os.times"] = function(
      {},
      [](const Bound&, const PyValue&) {
        return PyValue(ObjectPtr(std::make_shared<TimesObject>(os::times())));
      },
      shape_of(ObjectPtr(std::make_shared<TimesObject>(os::TimesResult{}))));
}

// What cases use to set a scene, not what pyproc implements: a file to exec
// through its descriptor (os.open/os.close), a child that drops root
// (os.setuid), a signal handler that logs (signal.signal). The driver makes
// these calls itself, with the errors of pyproc's errno mapping.
void add_scaffolding(std::map<std::string, Function>& t) {
  t["os.open"] = function(
      {.params = {{"path", P::FsString}, {"flags", P::Int}, {"mode", P::Int, Int{0777}}},
       .keywords = true},
      [](const Bound& a, const PyValue&) {
        // Not inheritable, as Python makes every descriptor it opens (PEP 446).
        const int fd = ::open(to_string(a.params[0]).c_str(), to_int(a.params[1]) | O_CLOEXEC,
                              static_cast<mode_t>(to_int(a.params[2])));
        if (fd < 0) raise_os_error(errno, repr(a.params[0]).value_or(""));
        return PyValue(Int{fd, Tag::fd});
      },
      opaque(kInt));
  t["os.close"] = function(
      {{{"fd", P::Int}}},
      [](const Bound& a, const PyValue&) {
        if (::close(to_int(a.params[0])) != 0) raise_os_error(errno);
        return PyValue();
      },
      kNothing);
  t["os.setuid"] = function(
      {{{"uid", P::Id}}},
      [](const Bound& a, const PyValue&) {
        if (::setuid(static_cast<uid_t>(to_id(a.params[0]))) != 0) raise_os_error(errno);
        return PyValue();
      },
      kNothing);
  t["signal.signal"] = function(
      {{{"signalnum", P::Int}, {"handler", P::Handler}}},
      [](const Bound& a, const PyValue&) {
        return hooks::set_signal_handler(to_int(a.params[0]), a.params[1]);
      },
      opaque(kInt | kObject | kNone));
}

const std::map<std::string, Function>& functions() {
  static const std::map<std::string, Function> table = [] {
    std::map<std::string, Function> t;
    add_exec(t);
    add_spawn(t);
    add_wait(t);
    add_process(t);
    add_scaffolding(t);
    return t;
  }();
  return table;
}

// The methods of os.popen's file object (pyproc::os::PopenFile).
const std::map<std::string, Function>& popen_methods() {
  static const std::map<std::string, Function> table = [] {
    std::map<std::string, Function> t;
    t["read"] = function(
        {{{"size", P::Int, Int{-1}}}},
        [](const Bound& a, const PyValue& self) {
          return PyValue(file_of(self).read(to_int(a.params[0])));
        },
        opaque(kStr));
    t["write"] = function(
        {{{"text", P::Str}}},
        [](const Bound& a, const PyValue& self) {
          return PyValue(
              Int{static_cast<std::int64_t>(file_of(self).write(to_string(a.params[0])))});
        },
        opaque(kInt));
    t["close"] = function(
        {},
        [](const Bound&, const PyValue& self) -> PyValue {
          const auto status = file_of(self).close();
          if (!status) return {};
          return Int{*status};
        },
        opaque(kInt | kNone));
    // `with os.popen(...) as f:` is a scope in C++: the object itself, then
    // its close() as the scope ends (the destructor's, minus its silence).
    t["__enter__"] = function(
        {}, [](const Bound&, const PyValue& self) { return self; },
        [](const Bound&, const PyValue& self) { return self; });
    t["__exit__"] = function(
        {.rest = P::Ignored},
        [](const Bound&, const PyValue& self) {
          file_of(self).close();
          return PyValue();
        },
        kNothing);
    return t;
  }();
  return table;
}

const std::map<std::string, std::int64_t>& constants() {
  static const std::map<std::string, std::int64_t> table = [] {
    std::map<std::string, std::int64_t> t = {
        {"os.EX_OK", os::EX_OK},
        {"os.EX_USAGE", os::EX_USAGE},
        {"os.EX_DATAERR", os::EX_DATAERR},
        {"os.EX_NOINPUT", os::EX_NOINPUT},
        {"os.EX_NOUSER", os::EX_NOUSER},
        {"os.EX_NOHOST", os::EX_NOHOST},
        {"os.EX_UNAVAILABLE", os::EX_UNAVAILABLE},
        {"os.EX_SOFTWARE", os::EX_SOFTWARE},
        {"os.EX_OSERR", os::EX_OSERR},
        {"os.EX_OSFILE", os::EX_OSFILE},
        {"os.EX_CANTCREAT", os::EX_CANTCREAT},
        {"os.EX_IOERR", os::EX_IOERR},
        {"os.EX_TEMPFAIL", os::EX_TEMPFAIL},
        {"os.EX_PROTOCOL", os::EX_PROTOCOL},
        {"os.EX_NOPERM", os::EX_NOPERM},
        {"os.EX_CONFIG", os::EX_CONFIG},
        {"os.P_WAIT", os::P_WAIT},
        {"os.P_NOWAIT", os::P_NOWAIT},
        {"os.P_NOWAITO", os::P_NOWAITO},
        {"os.P_ALL", os::P_ALL},
        {"os.P_PID", os::P_PID},
        {"os.P_PGID", os::P_PGID},
        {"os.P_PIDFD", os::P_PIDFD},
        {"os.WNOHANG", os::WNOHANG},
        {"os.WUNTRACED", os::WUNTRACED},
        {"os.WSTOPPED", os::WSTOPPED},
        {"os.WEXITED", os::WEXITED},
        {"os.WCONTINUED", os::WCONTINUED},
        {"os.WNOWAIT", os::WNOWAIT},
        {"os.CLD_EXITED", os::CLD_EXITED},
        {"os.CLD_KILLED", os::CLD_KILLED},
        {"os.CLD_DUMPED", os::CLD_DUMPED},
        {"os.CLD_TRAPPED", os::CLD_TRAPPED},
        {"os.CLD_STOPPED", os::CLD_STOPPED},
        {"os.CLD_CONTINUED", os::CLD_CONTINUED},
        // For os.open (scaffolding): the platform's flags.
        {"os.O_RDONLY", O_RDONLY},
        {"os.O_WRONLY", O_WRONLY},
        {"os.O_RDWR", O_RDWR},
        {"os.O_CREAT", O_CREAT},
        {"os.O_EXCL", O_EXCL},
        {"os.O_TRUNC", O_TRUNC},
        {"os.O_APPEND", O_APPEND},
        {"os.O_NONBLOCK", O_NONBLOCK},
        {"os.O_CLOEXEC", O_CLOEXEC},
        // signal.signal's handlers, as CPython numbers them (an IntEnum).
        {"signal.SIG_DFL", 0},
        {"signal.SIG_IGN", 1},
    };
    for (const std::string& name : signal_names())
      if (auto number = find_signal(name)) t["signal." + name] = *number;
    return t;
  }();
  return table;
}

// What CPython on Linux lacks too (os.hpp lists pyproc's side of it).
const std::set<std::string>& absent() {
  static const std::set<std::string> names = {"os.EX_NOTFOUND", "os.P_DETACH", "os.P_OVERLAY",
                                              "os.plock", "os.startfile"};
  return names;
}

// What pyproc does not have yet (others are writing it): one adapter each
// above once it exists.
std::optional<std::string> missing_in_pyproc(const std::string& dotted) {
  static const std::set<std::string> os_functions = {
      "os.fork",    "os.forkpty", "os.register_at_fork", "os.getpid", "os.getppid", "os.getpgrp",
      "os.getpgid", "os.getsid",  "os.setpgid",          "os.setsid", "os.getcwd",  "os.chdir",
      "os.getuid",  "os.geteuid", "os.getgid",           "os.getegid"};
  if (os_functions.count(dotted)) return "pyproc::os has no " + dotted.substr(3) + "() yet";
  if (dotted.starts_with("subprocess."))
    return "pyproc::subprocess does not exist yet (" + dotted + ")";
  return std::nullopt;
}

}  // namespace

Lookup lookup(const std::string& dotted) {
  Lookup found;
  if (auto it = functions().find(dotted); it != functions().end()) {
    found.function = &it->second;
  } else if (auto c = constants().find(dotted); c != constants().end()) {
    found.constant = c->second;
  } else if (absent().count(dotted)) {
    found.absent = true;
  } else if (auto why = missing_in_pyproc(dotted)) {
    found.missing = *why;
  }
  return found;
}

const Function* find_method(const PyValue& self, const std::string& name) {
  const auto* object = self.get_if<ObjectPtr>();
  if (!object || !dynamic_cast<const PopenObject*>(object->get())) return nullptr;
  const auto it = popen_methods().find(name);
  return it == popen_methods().end() ? nullptr : &it->second;
}

ForkAdapter fork_adapter() {
  // pyproc::os::fork() and forkpty() are being written. Once they exist:
  //   return [](bool pty) {
  //     if (!pty) return ForkResult{os::fork(), -1};
  //     const auto [pid, fd] = os::forkpty();
  //     return ForkResult{pid, fd};
  //   };
  // and os.fork/os.forkpty leave missing_in_pyproc().
  return nullptr;
}

void raise_absent(const std::string& dotted) {
  const auto dot = dotted.find('.');
  throw AttributeError("module '" + dotted.substr(0, dot) + "' has no attribute '" +
                       dotted.substr(dot + 1) + "'");
}

std::optional<std::string> unsupported_name(const std::string& dotted) {
  const Lookup found = lookup(dotted);
  if (!found.missing.empty()) return found.missing;
  if (!found.present() && !found.absent) return "the C++ driver knows no " + dotted;
  return std::nullopt;
}

}  // namespace pyproc::driver
