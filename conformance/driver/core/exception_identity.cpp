#include "core/exception_identity.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <type_traits>

#include "pyproc/subprocess/errors.hpp"

namespace pyproc::driver {
namespace {

namespace sp = pyproc::subprocess;

template <class... Ts>
struct TypeList {
  static constexpr std::size_t size = sizeof...(Ts);
};

// How many classes of the list T is (or derives from): its depth in the
// hierarchy, which orders a chain of bases nearest first.
template <class T, class... Ts>
constexpr int depth_in(TypeList<Ts...> /*list*/) {
  return (0 + ... + static_cast<int>(std::is_base_of_v<Ts, T>));
}

// Every Python exception class a pyproc exception can be an instance of.
using Catalogued =
    TypeList<BaseException, Exception, AssertionError, ValueError, TypeError, RuntimeError,
             KeyboardInterrupt, SystemExit, AttributeError, ArithmeticError, OverflowError,
             LookupError, KeyError, IndexError, UnsupportedOperation, UnicodeError,
             UnicodeDecodeError, UnicodeEncodeError, OSError, ProcessLookupError, ChildProcessError,
             InterruptedError, BlockingIOError, ConnectionError, BrokenPipeError,
             ConnectionAbortedError, ConnectionRefusedError, ConnectionResetError, FileExistsError,
             FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError,
             TimeoutError, sp::SubprocessError, sp::CalledProcessError, sp::TimeoutExpired,
             StopIteration>;

struct Entry {
  std::string_view name;  // as user code catches it: builtins bare (§4.6)
  bool (*is_instance)(const BaseException&);
  int depth;
};

template <class T>
bool is_instance(const BaseException& e) {
  if constexpr (std::is_same_v<T, BaseException>) {
    return true;
  } else {
    return dynamic_cast<const T*>(&e) != nullptr;
  }
}

template <class T>
constexpr Entry entry(std::string_view name) {
  static_assert(depth_in<T>(Catalogued{}) >= 1, "a catalogue entry missing from Catalogued");
  return {name, &is_instance<T>, depth_in<T>(Catalogued{})};
}

constexpr Entry kCatalogue[] = {
    entry<BaseException>("BaseException"),
    entry<Exception>("Exception"),
    entry<AssertionError>("AssertionError"),
    entry<ValueError>("ValueError"),
    entry<TypeError>("TypeError"),
    entry<RuntimeError>("RuntimeError"),
    entry<KeyboardInterrupt>("KeyboardInterrupt"),
    entry<SystemExit>("SystemExit"),
    entry<AttributeError>("AttributeError"),
    entry<ArithmeticError>("ArithmeticError"),
    entry<OverflowError>("OverflowError"),
    entry<LookupError>("LookupError"),
    entry<KeyError>("KeyError"),
    entry<IndexError>("IndexError"),
    entry<UnsupportedOperation>("io.UnsupportedOperation"),
    entry<UnicodeError>("UnicodeError"),
    entry<UnicodeDecodeError>("UnicodeDecodeError"),
    entry<UnicodeEncodeError>("UnicodeEncodeError"),
    entry<OSError>("OSError"),
    entry<ProcessLookupError>("ProcessLookupError"),
    entry<ChildProcessError>("ChildProcessError"),
    entry<InterruptedError>("InterruptedError"),
    entry<BlockingIOError>("BlockingIOError"),
    entry<ConnectionError>("ConnectionError"),
    entry<BrokenPipeError>("BrokenPipeError"),
    entry<ConnectionAbortedError>("ConnectionAbortedError"),
    entry<ConnectionRefusedError>("ConnectionRefusedError"),
    entry<ConnectionResetError>("ConnectionResetError"),
    entry<FileExistsError>("FileExistsError"),
    entry<FileNotFoundError>("FileNotFoundError"),
    entry<IsADirectoryError>("IsADirectoryError"),
    entry<NotADirectoryError>("NotADirectoryError"),
    entry<PermissionError>("PermissionError"),
    entry<TimeoutError>("TimeoutError"),
    entry<sp::SubprocessError>("subprocess.SubprocessError"),
    entry<sp::CalledProcessError>("subprocess.CalledProcessError"),
    entry<sp::TimeoutExpired>("subprocess.TimeoutExpired"),
    entry<StopIteration>("StopIteration"),
};
static_assert(std::size(kCatalogue) == Catalogued::size, "every catalogued class has an entry");

// "subprocess.TimeoutExpired" -> "TimeoutExpired".
std::string_view bare(std::string_view name) { return name.substr(name.rfind('.') + 1); }

}  // namespace

const char* StopIteration::type_name() const noexcept { return "StopIteration"; }

ExceptionIdentity identify(const BaseException& e) {
  // pyproc's hierarchy is single inheritance: the classes e is an instance
  // of form one chain, which depth orders from e's own class to the root.
  std::vector<const Entry*> chain;
  for (const Entry& candidate : kCatalogue)
    if (candidate.is_instance(e)) chain.push_back(&candidate);
  std::stable_sort(chain.begin(), chain.end(),
                   [](const Entry* a, const Entry* b) { return a->depth > b->depth; });
  ExceptionIdentity identity;
  auto first_base = chain.begin();
  if (!chain.empty() && bare(chain.front()->name) == e.type_name()) {
    identity.class_name = chain.front()->name;
    ++first_base;
  } else {
    identity.class_name = std::string("pyproc.") + e.type_name();
  }
  for (auto it = first_base; it != chain.end(); ++it) identity.bases.emplace_back((*it)->name);
  return identity;
}

}  // namespace pyproc::driver
