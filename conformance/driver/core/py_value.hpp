// The values of protocol 2 (spec/protocol.md §4.9): what a value expression
// evaluates to, what a function adapter returns, what a variable holds and
// what a view reads. They model the Python values the protocol speaks of, so
// that one observation means the same in every driver; the C++ values of
// pyproc are converted into them at the edge (os_functions.cpp).
//
// The same type describes a value *before* the case runs: the static check
// (case_check.cpp) evaluates every expression it can, and stands in an
// Opaque for what only the run can tell (a variable bound to a result), so
// that one set of conversion rules decides both "does this fit pyproc's C++
// parameter" up front and "convert it" when the step runs.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pyproc::driver {

struct PyValue;
class Object;

// §4.11: what an int is, when it is one of the things the harness renumbers.
enum class Tag : std::uint8_t { none, pid, fd, uid, gid };

struct Int {
  std::int64_t value = 0;
  Tag tag = Tag::none;
};
// A Python int beyond 64 bits that a case wrote (spec/protocol.md §5.3): it
// comes back exact wherever it is only a value (`value`, `bind`, a view); C++
// cannot pass it to pyproc, so a call given one observes Unexpressible.
struct BigInt {
  std::string digits;  // decimal, with a leading '-' when negative
};
struct Bytes {
  std::string data;
};
struct List {
  std::vector<PyValue> items;
};
struct Tuple {
  std::vector<PyValue> items;
};
// Python's dict keeps insertion order; so does this one.
struct Dict {
  std::vector<std::pair<std::string, PyValue>> items;
};

// The kinds of values, as bits, so that an Opaque can say "one of these".
enum Kind : unsigned {
  kNone = 1U << 0,
  kBool = 1U << 1,
  kInt = 1U << 2,
  kFloat = 1U << 3,
  kStr = 1U << 4,
  kBytes = 1U << 5,
  kList = 1U << 6,
  kTuple = 1U << 7,
  kDict = 1U << 8,
  kObject = 1U << 9,
  kAnyKind = (1U << 10) - 1,
};

// Before the run: a value only the run can tell, of one of `kinds`.
struct Opaque {
  unsigned kinds = kAnyKind;
};

using ObjectPtr = std::shared_ptr<Object>;

struct PyValue {
  std::variant<std::monostate, bool, Int, double, std::string, Bytes, List, Tuple, Dict, ObjectPtr,
               Opaque, BigInt>
      v;

  PyValue() = default;
  template <class T>
  requires(!std::is_same_v<std::decay_t<T>, PyValue>) PyValue(T&& value)
      : v(std::forward<T>(value)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool is_none() const { return std::holds_alternative<std::monostate>(v); }
  [[nodiscard]] bool is_opaque() const { return std::holds_alternative<Opaque>(v); }
  template <class T>
  [[nodiscard]] const T* get_if() const {
    return std::get_if<T>(&v);
  }
  // The Kind bit of this value; an Opaque's possible kinds.
  [[nodiscard]] unsigned kinds() const;
};

// A result object of pyproc::os seen through views (§4.9): a tuple-like
// record (times, rusage, waitid), a file object (popen), a hook.
class Object {
 public:
  virtual ~Object() = default;
  // The class name a `type` view and an `{"object": …}` value show: the
  // Python class the pyproc type stands for, as its header documents it.
  [[nodiscard]] virtual std::string type_name() const = 0;
  // The named fields of a tuple-like record, in order; empty for the rest.
  [[nodiscard]] virtual std::vector<std::pair<std::string, PyValue>> fields() const { return {}; }
  // repr(); std::nullopt where the pyproc type has no text form.
  [[nodiscard]] virtual std::optional<std::string> repr() const { return std::nullopt; }
  // The process ids the object stands for (a Popen's child), which the
  // document's `pids` lists whether or not the case reads them (§4.12).
  [[nodiscard]] virtual std::vector<std::int64_t> pids() const { return {}; }
  // f.fileno() of a file object (a Popen's pipe), which subprocess takes
  // for a stream; std::nullopt for an object that is not a file.
  [[nodiscard]] virtual std::optional<int> fileno() const { return std::nullopt; }
};

// A {"pathlike": e} (§4.9): an os.PathLike whose __fspath__() is `path`, a
// str or bytes. C++ takes it where it takes a path (FsString), as a porter
// passes a std::filesystem::path.
class PathLikeObject : public Object {
 public:
  explicit PathLikeObject(PyValue path) : path(std::move(path)) {}
  [[nodiscard]] std::string type_name() const override { return "FakePath"; }
  [[nodiscard]] std::optional<std::string> repr() const override;
  const PyValue path;
};

// The value of a field of a record (`attr`), tagged as §4.9 says (`pid`,
// `ident` and `si_pid` hold pids, `si_uid` a uid); std::nullopt if absent.
std::optional<PyValue> field(const PyValue& value, const std::string& name);
// A value as a driver prints it (§4.5). Opaque values are never printed.
// A BigInt is the string big_int_marker() + digits inside the driver (in the
// report channel too); exact_json_text() prints it as the JSON integer.
nlohmann::json encode(const PyValue& value);

// Case files and driver documents with integers of any size
// (spec/protocol.md §5.3): nlohmann reads an integer beyond 64 bits as a
// double, so read_exact_json() turns each into the marker string first.
const std::string& big_int_marker();
// The digits of a marker string, or nullptr.
const char* big_int_digits(const nlohmann::json& value);
nlohmann::json read_exact_json(const std::string& text,
                               const nlohmann::json::parser_callback_t& callback = nullptr);
std::string exact_json_text(const nlohmann::json& document);
// The message of a value C++ cannot hold.
std::string beyond_64_bits(const std::string& digits);
// Every pid a value holds (a tuple holds the pid of wait()).
std::vector<std::int64_t> pids_in(const PyValue& value);
// `type(r).__name__`; a tagged int is an int.
std::string type_name(const PyValue& value);
// repr() and str(); std::nullopt where the value has no text form in C++.
std::optional<std::string> repr(const PyValue& value);
std::optional<std::string> str(const PyValue& value);
// The value of a Python literal that repr() printed: an int, a str ('…' or
// "…") or a bytes (b'…'). Throws std::invalid_argument for anything else.
PyValue from_repr(const std::string& literal);

// The comparisons of a `compare` view: ==, !=, <, <=, >, >=. std::nullopt
// when Python would refuse to order the two (TypeError), which no C++
// comparison expresses either.
std::optional<bool> compare(const PyValue& left, const std::string& op, const PyValue& right);
// Whether compare() can answer for values of these kinds (the static check).
bool comparable(const PyValue& left, const std::string& op, const PyValue& right);

}  // namespace pyproc::driver
