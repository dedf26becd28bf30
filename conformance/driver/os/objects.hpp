// The objects pyproc::os returns, as the views of spec/protocol.md §4.9 see
// them. Each keeps the pyproc value itself; type_name() is the Python class
// the pyproc type documents itself as standing for (pyproc/os/process_management.hpp:
// TimesResult is os.times_result, …), which is what the protocol's `type`
// view and `{"object": …}` value name (§4.9: "their type view is CPython's
// class name").
#pragma once

#include <memory>
#include <string>

#include "core/py_value.hpp"
#include "pyproc/os/popen.hpp"
#include "pyproc/os/process_management.hpp"
#include "pyproc/os/wait.hpp"

namespace pyproc::driver {

// os.times(): pyproc::os::TimesResult.
class TimesObject : public Object {
 public:
  explicit TimesObject(os::TimesResult times) : times_(times) {}
  [[nodiscard]] std::string type_name() const override { return "times_result"; }
  [[nodiscard]] std::vector<std::pair<std::string, PyValue>> fields() const override;

 private:
  os::TimesResult times_;
};

// The rusage of wait3()/wait4(): pyproc::os::Rusage.
class RusageObject : public Object {
 public:
  explicit RusageObject(const os::Rusage& rusage) : rusage_(rusage) {}
  [[nodiscard]] std::string type_name() const override { return "struct_rusage"; }
  [[nodiscard]] std::vector<std::pair<std::string, PyValue>> fields() const override;

 private:
  os::Rusage rusage_;
};

// os.waitid(): pyproc::os::WaitidResult.
class WaitidObject : public Object {
 public:
  explicit WaitidObject(const os::WaitidResult& result) : result_(result) {}
  [[nodiscard]] std::string type_name() const override { return "waitid_result"; }
  [[nodiscard]] std::vector<std::pair<std::string, PyValue>> fields() const override;

 private:
  os::WaitidResult result_;
};

// os.popen(): pyproc::os::PopenFile (os._wrap_close). `file` is empty in the
// static check, where only the type matters.
class PopenObject : public Object {
 public:
  explicit PopenObject(std::unique_ptr<os::PopenFile> file) : file(std::move(file)) {}
  [[nodiscard]] std::string type_name() const override { return "_wrap_close"; }
  std::unique_ptr<os::PopenFile> file;
};

}  // namespace pyproc::driver
