// subprocess.call, check_call, check_output, run, getoutput and
// getstatusoutput on pyproc::subprocess (pyproc/subprocess.hpp), with the
// CompletedProcess they return and the attributes of the exceptions they
// raise.
#include "subprocess/functions.hpp"

#include <memory>

#include "core/function_table.hpp"
#include "pyproc/subprocess.hpp"
#include "subprocess/arguments.hpp"
#include "subprocess/popen.hpp"

namespace pyproc::driver {

namespace {

namespace sp = pyproc::subprocess;

// getoutput(cmd, *, encoding=None, errors=None) and getstatusoutput: the
// same options, so that pyproc refuses any other with CPython's TypeError.
Signature getoutput_signature() {
  Signature signature = options_signature();
  signature.params[0].name = "cmd";
  return signature;
}

// The options of a call bound with options_signature() or
// getoutput_signature() (the same parameters).
sp::Options options_of(const Bound& a) {
  static const Signature signature = options_signature();
  return driver::options_of(signature, a);
}

sp::Options text_options_of(const Bound& a) {
  static const Signature signature = getoutput_signature();
  return driver::options_of(signature, a);
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
        return PyValue(sp::getoutput(to_command(a.params[0]), text_options_of(a)));
      },
      opaque(kStr));
  t["subprocess.getstatusoutput"] = function(
      with_text_options,
      [](const Bound& a, const PyValue&) {
        const auto [status, output] =
            sp::getstatusoutput(to_command(a.params[0]), text_options_of(a));
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
  register_popen(r);
  r.constants.insert({{"subprocess.PIPE", sp::PIPE},
                      {"subprocess.STDOUT", sp::STDOUT},
                      {"subprocess.DEVNULL", sp::DEVNULL}});
  r.exception_attributes.emplace_back(subprocess_error_attribute);
}

}  // namespace pyproc::driver
