// Value expressions and observe views (spec/protocol.md §4.9).
//
// One Evaluator serves twice. Before the case runs, in static mode, it
// evaluates every expression with the variables bound to the *shapes* of the
// results (Opaque where only the run can tell), without side effects, so
// that what C++ cannot express is found before any step runs. When a step
// runs, it evaluates for real.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "core/events.hpp"
#include "core/py_value.hpp"

namespace pyproc::driver {

// What one step asks of C++ that no C++ program can write: a value no C++
// parameter holds (Python raises TypeError there; pyproc's typed API has no
// such call), an index beyond a struct's fields, a view of a type without
// that member. The step observes it as {"raised": {"type": "Unexpressible",
// "message": why}} and the process goes on, so the rest of the case is still
// checked; the difference from CPython is a declared deviation
// (conformance/deviations/cpp.json) naming that step.
class Unexpressible : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What pyproc lacks (a function not written yet) or this driver does not
// know: the whole case is reported unsupported with this reason, before any
// step runs (spec/protocol.md §5).
class Missing : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The values of `bind` and `fork`, by name: this process's variables.
using Variables = std::map<std::string, PyValue>;

// The paths a case names: the helper program, its directory, the scratch
// directory (§4.9, from PYPROC_HELPER and PYPROC_CASE_TMP, §5.1).
struct Paths {
  std::string helper;
  std::string helper_dir;
  std::string tmp;
  static Paths from_environment();
};

class Evaluator {
 public:
  // `events` may be null in static mode (event_fd then only has a type).
  Evaluator(Events* events, const Paths& paths, bool static_mode)
      : events_(events), paths_(paths), static_(static_mode) {}

  [[nodiscard]] bool static_mode() const { return static_; }

  // The value of expression `e`. A `const` the platform lacks raises
  // AttributeError when the step runs (an observation), and is an Opaque in
  // static mode. std::invalid_argument for what is not an expression.
  PyValue eval(const nlohmann::json& e, const Variables& vars) const;

  // The value of view `v` of result `r` (one element of `observe`).
  PyValue view(const PyValue& r, const nlohmann::json& v, const Variables& vars) const;

  // r[i] and r.a as a `var` expression and a view read them.
  static PyValue index(const PyValue& r, std::int64_t i);
  static PyValue attribute(const PyValue& r, const std::string& name);

 private:
  PyValue eval_object(const nlohmann::json& e, const Variables& vars) const;
  std::string text(const std::string& pattern) const;
  std::string event_fd(const std::string& name, const std::string& end) const;

  Events* events_;
  const Paths& paths_;
  bool static_;
};

}  // namespace pyproc::driver
