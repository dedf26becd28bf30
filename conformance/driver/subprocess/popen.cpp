// subprocess.Popen (§4.12) on pyproc::subprocess::Popen: the object keeps
// the C++ Popen; its pipe files are views of the Popen's PipeFiles that keep
// the Popen alive, as a Python file object outlives nothing it needs.
#include "subprocess/popen.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/exception_identity.hpp"
#include "core/expressions.hpp"
#include "core/function_table.hpp"
#include "pyproc/subprocess.hpp"
#include "subprocess/arguments.hpp"

namespace pyproc::driver {
namespace {

namespace sp = pyproc::subprocess;
using P = ParamType;

// A Popen object. `popen` is empty in the static check, where only the
// type (and so the methods) matters.
class PopenInstance : public Object {
 public:
  explicit PopenInstance(std::unique_ptr<sp::Popen> popen) : popen(std::move(popen)) {}
  [[nodiscard]] std::string type_name() const override { return "Popen"; }
  [[nodiscard]] std::vector<std::pair<std::string, PyValue>> fields() const override;
  [[nodiscard]] std::optional<std::string> repr() const override {
    if (!popen) return std::nullopt;
    return popen->repr();
  }
  [[nodiscard]] std::vector<std::int64_t> pids() const override {
    if (!popen) return {};
    return {popen->pid()};
  }
  std::unique_ptr<sp::Popen> popen;
};

// One of its pipe files (empty in the static check). It keeps the file,
// not the Popen, alive, as a Python file object does.
class PopenPipe : public Object {
 public:
  explicit PopenPipe(std::shared_ptr<sp::PipeFile> file) : file_(std::move(file)) {}
  [[nodiscard]] std::string type_name() const override {
    if (!file_) return "PipeFile";
    return file_->type_name();
  }
  [[nodiscard]] std::vector<std::pair<std::string, PyValue>> fields() const override {
    if (!file_) return {{"closed", Opaque{kBool}}};
    return {{"closed", file_->closed()}};
  }
  [[nodiscard]] sp::PipeFile& file() const { return *file_; }
  [[nodiscard]] std::optional<int> fileno() const override {
    if (!file_) return std::nullopt;
    return file_->fileno();
  }
  // What a read returns: a str in text mode, else bytes.
  [[nodiscard]] PyValue data(std::string bytes) const {
    return output_value(bytes, file_->kind() == sp::PipeFile::Kind::TextIOWrapper);
  }

 private:
  std::shared_ptr<sp::PipeFile> file_;
};

std::vector<std::pair<std::string, PyValue>> PopenInstance::fields() const {
  if (!popen) {
    const auto pipe = [](int) -> PyValue {
      return ObjectPtr(std::make_shared<PopenPipe>(nullptr));
    };
    return {{"args", Opaque{}},           {"pid", Opaque{kInt}},
            {"returncode", Opaque{}},     {"stdin", pipe(0)},
            {"stdout", pipe(1)},          {"stderr", pipe(2)},
            {"text_mode", Opaque{kBool}}, {"universal_newlines", Opaque{kBool}}};
  }
  const auto pipe = [](const std::shared_ptr<sp::PipeFile>& file, int) -> PyValue {
    if (!file) return {};
    return ObjectPtr(std::make_shared<PopenPipe>(file));
  };
  const std::optional<int> code = popen->returncode();
  return {{"args", command_value(popen->args())},
          {"pid", Int{popen->pid()}},
          {"returncode", code ? PyValue(Int{*code}) : PyValue()},
          {"stdin", pipe(popen->stdin(), 0)},
          {"stdout", pipe(popen->stdout(), 1)},
          {"stderr", pipe(popen->stderr(), 2)},
          // CPython's is `encoding or errors or text or universal_newlines`,
          // a value of whichever was given; C++ has the bool.
          {"text_mode", popen->text_mode()},
          {"universal_newlines", popen->text_mode()}};
}

sp::Popen& popen_of(const PyValue& self) {
  return *static_cast<PopenInstance&>(*std::get<ObjectPtr>(self.v)).popen;
}

const PopenPipe& pipe_of(const PyValue& self) {
  return static_cast<const PopenPipe&>(*std::get<ObjectPtr>(self.v));
}

PyValue optional_int(const std::optional<int>& value) {
  if (!value) return {};
  return Int{*value};
}

// A pipe file's write() takes bytes, or a str in text mode; the other is a
// TypeError in Python, a call C++ cannot write.
std::string data_for(const PopenPipe& pipe, const PyValue& value) {
  const bool text = pipe.file().kind() == sp::PipeFile::Kind::TextIOWrapper;
  if (text != (value.get_if<std::string>() != nullptr)) {
    throw Unexpressible(std::string("PipeFile::write() takes ") +
                        (text ? "UTF-8 text in text mode" : "bytes in bytes mode") + ", not " +
                        describe(value));
  }
  return to_string(value);
}

long long size_of(const PyValue& value) {
  if (value.is_none()) return -1;
  return to_int(value);
}

const Table& popen_object_methods() {
  static const Table table = [] {
    Table t;
    t["poll"] = function(
        {}, [](const Bound&, const PyValue& self) { return optional_int(popen_of(self).poll()); },
        opaque(kInt | kNone));
    t["wait"] = function(
        {.params = {{"timeout", P::Number, PyValue(), true}}, .keywords = true},
        [](const Bound& a, const PyValue& self) {
          return PyValue(Int{popen_of(self).wait(to_optional_timeout(a.params[0]))});
        },
        opaque(kInt));
    t["communicate"] = function(
        {.params = {{"input", P::Data, PyValue(), true}, {"timeout", P::Number, PyValue(), true}},
         .keywords = true},
        [](const Bound& a, const PyValue& self) {
          sp::Popen& p = popen_of(self);
          std::optional<std::string> input;
          if (!a.params[0].is_none()) input = to_string(a.params[0]);
          const sp::Communicated out =
              p.communicate(input ? std::optional<std::string_view>(*input) : std::nullopt,
                            to_optional_timeout(a.params[1]));
          return PyValue(Tuple{{optional_output(out.stdout, p.text_mode()),
                                optional_output(out.stderr, p.text_mode())}});
        },
        shape_of(Tuple{{Opaque{kStr | kBytes | kNone}, Opaque{kStr | kBytes | kNone}}}));
    t["send_signal"] = function(
        {{{"sig", P::Int}}},
        [](const Bound& a, const PyValue& self) {
          popen_of(self).send_signal(to_int(a.params[0]));
          return PyValue();
        },
        nothing());
    t["terminate"] = function(
        {},
        [](const Bound&, const PyValue& self) {
          popen_of(self).terminate();
          return PyValue();
        },
        nothing());
    t["kill"] = function(
        {},
        [](const Bound&, const PyValue& self) {
          popen_of(self).kill();
          return PyValue();
        },
        nothing());
    // `with Popen(...) as p:` is subprocess::with() in C++; the step pair
    // is the object itself, then exit() as the scope ends.
    t["__enter__"] = function(
        {}, [](const Bound&, const PyValue& self) { return self; },
        [](const Bound&, const PyValue& self) { return self; });
    t["__exit__"] = function(
        {.params = {}, .rest = P::Ignored},
        [](const Bound&, const PyValue& self) {
          popen_of(self).exit();
          return PyValue();
        },
        nothing());
    return t;
  }();
  return table;
}

const Table& pipe_methods() {
  static const Table table = [] {
    Table t;
    t["write"] = function(
        {{{"data", P::Data}}},
        [](const Bound& a, const PyValue& self) {
          const PopenPipe& pipe = pipe_of(self);
          const std::string data = data_for(pipe, a.params[0]);
          return PyValue(Int{static_cast<std::int64_t>(pipe.file().write(data))});
        },
        opaque(kInt));
    t["flush"] = function(
        {},
        [](const Bound&, const PyValue& self) {
          pipe_of(self).file().flush();
          return PyValue();
        },
        nothing());
    t["close"] = function(
        {},
        [](const Bound&, const PyValue& self) {
          pipe_of(self).file().close();
          return PyValue();
        },
        nothing());
    t["read"] = function(
        {{{"size", P::Int, Int{-1}, true}}},
        [](const Bound& a, const PyValue& self) {
          const PopenPipe& pipe = pipe_of(self);
          return pipe.data(pipe.file().read(size_of(a.params[0])));
        },
        opaque(kStr | kBytes));
    t["readline"] = function(
        {{{"size", P::Int, Int{-1}, true}}},
        [](const Bound& a, const PyValue& self) {
          const PopenPipe& pipe = pipe_of(self);
          return pipe.data(pipe.file().readline(size_of(a.params[0])));
        },
        opaque(kStr | kBytes));
    t["readlines"] = function(
        {},
        [](const Bound&, const PyValue& self) {
          const PopenPipe& pipe = pipe_of(self);
          List lines;
          for (std::string& line : pipe.file().readlines()) {
            lines.items.push_back(pipe.data(std::move(line)));
          }
          return PyValue(std::move(lines));
        },
        opaque(kList));
    t["__iter__"] = function(
        {},
        [](const Bound&, const PyValue& self) {
          pipe_of(self).file().iter();
          return self;
        },
        [](const Bound&, const PyValue& self) { return self; });
    t["__next__"] = function(
        {},
        [](const Bound&, const PyValue& self) {
          const PopenPipe& pipe = pipe_of(self);
          std::optional<std::string> line = pipe.file().next();
          if (!line) throw StopIteration();
          return pipe.data(std::move(*line));
        },
        opaque(kStr | kBytes));
    return t;
  }();
  return table;
}

}  // namespace

void register_popen(Registry& r) {
  static const Signature signature = popen_signature();
  r.functions["subprocess.Popen"] = function(
      signature,
      [](const Bound& a, const PyValue&) {
        auto popen = std::make_unique<sp::Popen>(to_command(a.params[0]), options_of(signature, a));
        return PyValue(ObjectPtr(std::make_shared<PopenInstance>(std::move(popen))));
      },
      shape_of(ObjectPtr(std::make_shared<PopenInstance>(nullptr))));
  r.methods.emplace_back([](const PyValue& self, const std::string& name) -> const Function* {
    const auto* object = self.get_if<ObjectPtr>();
    if (!object) return nullptr;
    const Table* table = nullptr;
    if (dynamic_cast<const PopenInstance*>(object->get())) table = &popen_object_methods();
    if (dynamic_cast<const PopenPipe*>(object->get())) table = &pipe_methods();
    if (!table) return nullptr;
    const auto it = table->find(name);
    return it == table->end() ? nullptr : &it->second;
  });
}

}  // namespace pyproc::driver
