// The value types and exceptions of pyproc::subprocess, with CPython's str()
// and repr() (Lib/subprocess.py: CalledProcessError.__str__,
// TimeoutExpired.__str__, CompletedProcess.__repr__).
#include <climits>
#include <string>
#include <utility>

#include "pyproc/py_repr.hpp"
#include "pyproc/subprocess.hpp"

namespace pyproc::subprocess {
namespace {

using pyproc::detail::py_str_repr;

// "Command '%s' returned non-zero exit status %d." % (cmd, returncode), or
// "died with %r." % signal.Signals(-returncode) for a negative one.
std::string called_process_message(int returncode, const Command& cmd) {
  std::string message = "Command '" + cmd.str() + "' ";
  if (returncode < 0) {
    // -INT_MIN does not fit an int; no signal has that number anyway.
    const std::optional<std::string> signal =
        returncode == INT_MIN ? std::nullopt : pyproc::detail::signals_repr(-returncode);
    if (signal) return message + "died with " + *signal + ".";
    return message + "died with unknown signal " +
           std::to_string(-static_cast<long long>(returncode)) + ".";
  }
  return message + "returned non-zero exit status " + std::to_string(returncode) + ".";
}

// repr() of captured output: bytes, or str in text mode.
std::string output_repr(const std::string& data, bool text) {
  return text ? py_str_repr(data) : pyproc::detail::py_bytes_repr(data);
}

}  // namespace

std::string Command::str() const {
  return is_list_ ? pyproc::detail::py_str_list_repr(list_) : text_;
}

std::string Command::repr() const {
  return is_list_ ? pyproc::detail::py_str_list_repr(list_) : py_str_repr(text_);
}

std::string Timeout::str() const {
  return integer_ ? std::to_string(*integer_) : pyproc::detail::py_float_repr(seconds_);
}

const char* SubprocessError::type_name() const noexcept { return "SubprocessError"; }

CalledProcessError::CalledProcessError(int returncode, Command cmd,
                                       std::optional<std::string> output,
                                       std::optional<std::string> stderr)
    : SubprocessError(called_process_message(returncode, cmd)),
      returncode_(returncode),
      cmd_(std::move(cmd)),
      output_(std::move(output)),
      stderr_(std::move(stderr)) {}

const char* CalledProcessError::type_name() const noexcept { return "CalledProcessError"; }

TimeoutExpired::TimeoutExpired(Command cmd, Timeout timeout, std::optional<std::string> output,
                               std::optional<std::string> stderr)
    : SubprocessError("Command '" + cmd.str() + "' timed out after " + timeout.str() + " seconds"),
      cmd_(std::move(cmd)),
      timeout_(timeout),
      output_(std::move(output)),
      stderr_(std::move(stderr)) {}

const char* TimeoutExpired::type_name() const noexcept { return "TimeoutExpired"; }

void CompletedProcess::check_returncode() const {
  if (returncode != 0) throw CalledProcessError(returncode, args, stdout, stderr);
}

std::string CompletedProcess::repr() const {
  std::string out =
      "CompletedProcess(args=" + args.repr() + ", returncode=" + std::to_string(returncode);
  if (stdout) out += ", stdout=" + output_repr(*stdout, text);
  if (stderr) out += ", stderr=" + output_repr(*stderr, text);
  return out + ")";
}

}  // namespace pyproc::subprocess
