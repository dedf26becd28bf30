// subprocess.call, check_call, check_output, run, getoutput and
// getstatusoutput on pyproc::subprocess (pyproc/subprocess.hpp), with the
// CompletedProcess they return and the attributes of the exceptions they
// raise.
#include "subprocess/functions.hpp"

#include <memory>

#include "core/function_table.hpp"
#include "pyproc/subprocess.hpp"

namespace pyproc::driver {

namespace {

using P = ParamType;
namespace sp = pyproc::subprocess;

// What a str or bytes holds: output in text mode is a str, else bytes.
PyValue output_value(const std::string& data, bool text) {
  if (text) return data;
  return Bytes{data};
}

PyValue optional_output(const std::optional<std::string>& data, bool text) {
  if (!data) return {};
  return output_value(*data, text);
}

// `args` as the Python objects hold it: a list of str, or a str.
PyValue command_value(const sp::Command& command) {
  if (!command.is_list()) return command.string();
  List list;
  for (const std::string& item : command.list()) list.items.emplace_back(item);
  return list;
}

sp::Command to_command(const PyValue& value) {
  if (value.get_if<List>() || value.get_if<Tuple>()) return sp::Command(to_args(value));
  return sp::Command(to_string(value));
}

// A timeout keeps its kind (1 and 1.0 print differently in TimeoutExpired).
sp::Timeout to_timeout(const PyValue& value) {
  if (const auto* d = value.get_if<double>()) return *d;
  return static_cast<long long>(to_int(value));
}

// Python's e.timeout: the number as it was given, read back from its str().
PyValue timeout_value(const sp::Timeout& timeout) {
  const std::string text = timeout.str();
  if (text.find_first_not_of("-0123456789") == std::string::npos) return Int{std::stoll(text)};
  return timeout.seconds();
}

std::optional<int> optional_fd(const PyValue& value) {
  if (value.is_none()) return std::nullopt;
  return to_int(value);
}

bool to_bool(const PyValue& value) { return *value.get_if<bool>(); }

// The keyword arguments every function takes, in the order of Options.
// Python's call() takes no input, capture_output or check; pyproc's raises
// CPython's TypeError for them itself, so one signature serves every function.
Signature options_signature() {
  const PyValue none;
  return {.params = {{"args", P::Command},
                     {"input", P::Data, none, true},
                     {"stdin", P::Int, none, true},
                     {"stdout", P::Int, none, true},
                     {"stderr", P::Int, none, true},
                     {"capture_output", P::Bool, false},
                     {"text", P::Bool, false},
                     {"check", P::Bool, none, true},
                     {"timeout", P::Number, none, true},
                     {"cwd", P::FsString, none, true},
                     {"env", P::Env, none, true},
                     {"shell", P::Bool, false},
                     {"encoding", P::Str, none, true},
                     {"errors", P::Str, none, true},
                     {"executable", P::FsString, none, true}},
          .keywords = true};
}

// getoutput(cmd, *, encoding=None, errors=None) and getstatusoutput: the
// same options, so that pyproc refuses any other with CPython's TypeError.
Signature getoutput_signature() {
  Signature signature = options_signature();
  signature.params[0].name = "cmd";
  return signature;
}

sp::Options options_of(const Bound& a) {
  sp::Options o;
  if (!a.params[1].is_none()) o.input = to_string(a.params[1]);
  o.stdin = optional_fd(a.params[2]);
  o.stdout = optional_fd(a.params[3]);
  o.stderr = optional_fd(a.params[4]);
  o.capture_output = to_bool(a.params[5]);
  o.text = to_bool(a.params[6]);
  // None for check is "not given": the C++ optional cannot hold a given None.
  if (!a.params[7].is_none()) o.check = to_bool(a.params[7]);
  if (!a.params[8].is_none()) o.timeout = to_timeout(a.params[8]);
  if (!a.params[9].is_none()) o.cwd = to_string(a.params[9]);
  if (!a.params[10].is_none()) o.env = to_env(a.params[10]);
  o.shell = to_bool(a.params[11]);
  if (!a.params[12].is_none()) o.encoding = to_string(a.params[12]);
  if (!a.params[13].is_none()) o.errors = to_string(a.params[13]);
  if (!a.params[14].is_none()) o.executable = to_string(a.params[14]);
  return o;
}

// subprocess.CompletedProcess: pyproc::subprocess::CompletedProcess.
class CompletedProcessObject : public Object {
 public:
  explicit CompletedProcessObject(sp::CompletedProcess done) : done_(std::move(done)) {}
  [[nodiscard]] std::string type_name() const override { return "CompletedProcess"; }
  [[nodiscard]] std::vector<std::pair<std::string, PyValue>> fields() const override {
    return {{"args", command_value(done_.args)},
            {"returncode", Int{done_.returncode}},
            {"stdout", optional_output(done_.stdout, done_.text)},
            {"stderr", optional_output(done_.stderr, done_.text)}};
  }
  [[nodiscard]] std::optional<std::string> repr() const override { return done_.repr(); }

 private:
  sp::CompletedProcess done_;
};

void add_subprocess_functions(Table& t) {
  const Signature with_options = options_signature();
  t["subprocess.call"] = function(
      with_options,
      [](const Bound& a, const PyValue&) {
        return PyValue(Int{sp::call(to_command(a.params[0]), options_of(a))});
      },
      opaque(kInt));
  t["subprocess.check_call"] = function(
      with_options,
      [](const Bound& a, const PyValue&) {
        return PyValue(Int{sp::check_call(to_command(a.params[0]), options_of(a))});
      },
      opaque(kInt));
  t["subprocess.check_output"] = function(
      with_options,
      [](const Bound& a, const PyValue&) {
        const sp::Options options = options_of(a);
        const bool text = options.text_mode();
        return output_value(sp::check_output(to_command(a.params[0]), options), text);
      },
      opaque(kStr | kBytes));
  t["subprocess.run"] = function(
      with_options,
      [](const Bound& a, const PyValue&) {
        return PyValue(ObjectPtr(std::make_shared<CompletedProcessObject>(
            sp::run(to_command(a.params[0]), options_of(a)))));
      },
      shape_of(ObjectPtr(std::make_shared<CompletedProcessObject>(sp::CompletedProcess{}))));
  const Signature with_text_options = getoutput_signature();
  t["subprocess.getoutput"] = function(
      with_text_options,
      [](const Bound& a, const PyValue&) {
        return PyValue(sp::getoutput(to_command(a.params[0]), options_of(a)));
      },
      opaque(kStr));
  t["subprocess.getstatusoutput"] = function(
      with_text_options,
      [](const Bound& a, const PyValue&) {
        const auto [status, output] = sp::getstatusoutput(to_command(a.params[0]), options_of(a));
        return PyValue(Tuple{{Int{status}, output}});
      },
      shape_of(Tuple{{Opaque{kInt}, Opaque{kStr}}}));
}

}  // namespace

std::optional<PyValue> subprocess_error_attribute(const BaseException& e, const std::string& name,
                                                  bool text) {
  if (const auto* called = dynamic_cast<const sp::CalledProcessError*>(&e)) {
    if (name == "returncode") return PyValue(Int{called->returncode()});
    if (name == "cmd") return command_value(called->cmd());
    if (name == "output" || name == "stdout") return optional_output(called->output(), text);
    if (name == "stderr") return optional_output(called->stderr(), text);
  }
  if (const auto* expired = dynamic_cast<const sp::TimeoutExpired*>(&e)) {
    // Bytes even in text mode: CPython keeps what it read undecoded.
    if (name == "cmd") return command_value(expired->cmd());
    if (name == "timeout") return timeout_value(expired->timeout());
    if (name == "output" || name == "stdout") return optional_output(expired->output(), false);
    if (name == "stderr") return optional_output(expired->stderr(), false);
  }
  return std::nullopt;
}

void register_subprocess(Registry& r) {
  add_subprocess_functions(r.functions);
  r.constants.insert({{"subprocess.PIPE", sp::PIPE},
                      {"subprocess.STDOUT", sp::STDOUT},
                      {"subprocess.DEVNULL", sp::DEVNULL}});
  r.exception_attributes.emplace_back(subprocess_error_attribute);
}

}  // namespace pyproc::driver
