// Python's exception types as C++ classes, with the same names and the same
// messages, so that a port of Python process code can catch what it caught
// before and a conformance driver can report `type` + `message` exactly as
// CPython would.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <variant>

namespace pyproc {

// Every virtual function below is defined in exceptions.cpp (none inline), so
// each class's vtable and type_info are emitted once, in pyproc's own object
// file, rather than in every file that includes this header.

// Root of the hierarchy, like Python's BaseException. `what()` is `str(exc)`.
class BaseException : public std::exception {
 public:
  explicit BaseException(std::string message = {});
  [[nodiscard]] const char* what() const noexcept override;
  // The Python class name, e.g. "ValueError".
  [[nodiscard]] virtual const char* type_name() const noexcept;

 private:
  std::string message_;
};

// Name and Base are class names, which cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define PYPROC_EXCEPTION(Name, Base)                               \
  class Name : public Base {                                       \
   public:                                                         \
    using Base::Base;                                              \
    [[nodiscard]] const char* type_name() const noexcept override; \
  }
// NOLINTEND(bugprone-macro-parentheses)

PYPROC_EXCEPTION(Exception, BaseException);
PYPROC_EXCEPTION(AssertionError, Exception);
PYPROC_EXCEPTION(ValueError, Exception);
PYPROC_EXCEPTION(TypeError, Exception);
PYPROC_EXCEPTION(RuntimeError, Exception);
PYPROC_EXCEPTION(KeyboardInterrupt, BaseException);
// `p.terminate()` before `p.start()` is `None.terminate()` in CPython, which
// raises AttributeError("'NoneType' object has no attribute 'terminate'").
PYPROC_EXCEPTION(AttributeError, Exception);
// `p.join(float("inf"))` and absurdly long timeouts overflow CPython's poll().
PYPROC_EXCEPTION(ArithmeticError, Exception);
PYPROC_EXCEPTION(OverflowError, ArithmeticError);
// connection::wait() on the same fd twice, as CPython's selector refuses it.
// As in Python, str(KeyError(x)) is repr(x): the message holds the quotes.
PYPROC_EXCEPTION(LookupError, Exception);
PYPROC_EXCEPTION(KeyError, LookupError);
// subprocess.call([]) indexes the empty list: "list index out of range".
PYPROC_EXCEPTION(IndexError, LookupError);
// io.UnsupportedOperation (os.popen(cmd, "r").write(...)): in Python both an
// OSError and a ValueError; here a ValueError, since its message carries no
// errno ("not writable").
PYPROC_EXCEPTION(UnsupportedOperation, ValueError);
// Text-mode subprocess output that is not valid UTF-8: "'utf-8' codec can't
// decode byte 0xff in position 0: invalid start byte".
PYPROC_EXCEPTION(UnicodeError, ValueError);
PYPROC_EXCEPTION(UnicodeDecodeError, UnicodeError);
// Text-mode input that latin-1 or ascii cannot hold: "'latin-1' codec can't
// encode character '\u20ac' in position 0: ordinal not in range(256)".
PYPROC_EXCEPTION(UnicodeEncodeError, UnicodeError);

// OSError carries errno, strerror and filename; str() is "[Errno N]
// strerror", or "[Errno N] strerror: 'filename'" when it names a file, as in
// CPython.
class OSError : public Exception {
 public:
  explicit OSError(int errno_value);
  // OSError(errno, strerror): "[Errno N] strerror".
  OSError(int errno_value, std::string strerror);
  // OSError(errno, strerror, filename) for a str filename: "[Errno N]
  // strerror: 'name'" (the name as Python's repr() shows it).
  OSError(int errno_value, std::string strerror, std::string filename);
  // "[Errno N] strerror: <filename_repr>" for any filename object (bytes,
  // an fd); `filename` is what filename() returns.
  OSError(int errno_value, std::string strerror, std::optional<std::string> filename,
          const std::string& filename_repr);
  [[nodiscard]] int errno_value() const noexcept { return errno_; }
  // Python's e.strerror ("No such file or directory") and e.filename, the
  // str name of the file (std::nullopt when None, or when the file was named
  // by bytes or an fd: then only the message shows it).
  [[nodiscard]] const std::string& strerror() const noexcept { return strerror_; }
  [[nodiscard]] const std::optional<std::string>& filename() const noexcept { return filename_; }
  // Python's repr(e.filename): "'/x'" for a str, "b'/x'" for bytes, "3" for
  // a descriptor, std::nullopt for None (what a driver reports as the
  // attribute, so that a str and a bytes name stay apart as in CPython).
  [[nodiscard]] const std::optional<std::string>& filename_repr() const noexcept {
    return filename_repr_;
  }
  [[nodiscard]] const char* type_name() const noexcept override;

 private:
  int errno_;
  std::string strerror_;
  std::optional<std::string> filename_;
  std::optional<std::string> filename_repr_;
};

PYPROC_EXCEPTION(ProcessLookupError, OSError);
PYPROC_EXCEPTION(ChildProcessError, OSError);
PYPROC_EXCEPTION(InterruptedError, OSError);
PYPROC_EXCEPTION(BlockingIOError, OSError);
// The rest of CPython's errno -> OSError subclass table (PEP 3151), so that
// raise_os_error() picks the class CPython picks for every errno, e.g.
// PermissionError for EPERM from kill().
PYPROC_EXCEPTION(ConnectionError, OSError);
PYPROC_EXCEPTION(BrokenPipeError, ConnectionError);
PYPROC_EXCEPTION(ConnectionAbortedError, ConnectionError);
PYPROC_EXCEPTION(ConnectionRefusedError, ConnectionError);
PYPROC_EXCEPTION(ConnectionResetError, ConnectionError);
PYPROC_EXCEPTION(FileExistsError, OSError);
PYPROC_EXCEPTION(FileNotFoundError, OSError);
PYPROC_EXCEPTION(IsADirectoryError, OSError);
PYPROC_EXCEPTION(NotADirectoryError, OSError);
PYPROC_EXCEPTION(PermissionError, OSError);
PYPROC_EXCEPTION(TimeoutError, OSError);

#undef PYPROC_EXCEPTION

// Raises the OSError subclass CPython would pick for this errno
// (ESRCH -> ProcessLookupError, ECHILD -> ChildProcessError, ...).
[[noreturn]] void raise_os_error(int errno_value);
// The same for an OSError that names a file, as os.execve() and subprocess
// raise it: "[Errno 2] No such file or directory: '/bin/sh'". `filename_repr`
// is Python's repr() of the file name object ("'/x'", "b'/x'", or "3" for an
// fd); filename() stays std::nullopt.
[[noreturn]] void raise_os_error(int errno_value, const std::string& filename_repr);
// The same for a file named by a str, which filename() then holds.
[[noreturn]] void raise_os_error_for_file(int errno_value, const std::string& filename);

// `sys.exit(code)`: thrown inside a Process target it ends the child with the
// exit status CPython derives from `code` (None -> 0, int -> that int,
// anything else -> printed to stderr and 1).
class SystemExit : public BaseException {
 public:
  using Code = std::variant<std::monostate, std::int64_t, std::string>;
  SystemExit() = default;
  explicit SystemExit(std::int64_t code);
  explicit SystemExit(std::string code);
  explicit SystemExit(const char* code) : SystemExit(std::string(code)) {}
  [[nodiscard]] const Code& code() const noexcept { return code_; }
  [[nodiscard]] const char* type_name() const noexcept override;

 private:
  Code code_;
};

}  // namespace pyproc
