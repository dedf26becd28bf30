// The exceptions of Python's subprocess module: SubprocessError,
// CalledProcessError and TimeoutExpired, with CPython's str() as what().
#pragma once

#include <optional>
#include <string>

#include "pyproc/exceptions.hpp"
#include "pyproc/subprocess/options.hpp"

namespace pyproc::subprocess {

class SubprocessError : public Exception {
 public:
  using Exception::Exception;
  [[nodiscard]] const char* type_name() const noexcept override;
};

// "Command '<str(cmd)>' returned non-zero exit status 3." or, for a signal,
// "Command '<str(cmd)>' died with <Signals.SIGKILL: 9>." ("died with unknown
// signal N." where CPython's signal.Signals has no member N). stdout() and
// stderr() are safe beside <cstdio>'s macros: see Options::stdin.
class CalledProcessError : public SubprocessError {
 public:
  CalledProcessError(int returncode, Command cmd, std::optional<std::string> output = std::nullopt,
                     std::optional<std::string> stderr = std::nullopt);
  [[nodiscard]] const char* type_name() const noexcept override;
  [[nodiscard]] int returncode() const { return returncode_; }
  [[nodiscard]] const Command& cmd() const { return cmd_; }
  [[nodiscard]] const std::optional<std::string>& output() const { return output_; }
  [[nodiscard]] const std::optional<std::string>& stdout() const { return output_; }
  [[nodiscard]] const std::optional<std::string>& stderr() const { return stderr_; }

 private:
  int returncode_;
  Command cmd_;
  std::optional<std::string> output_;
  std::optional<std::string> stderr_;
};

// "Command '<str(cmd)>' timed out after <timeout> seconds". output/stderr are
// the bytes read before the timeout (std::nullopt when nothing was read, even
// in text mode: CPython keeps them undecoded).
class TimeoutExpired : public SubprocessError {
 public:
  TimeoutExpired(Command cmd, Timeout timeout, std::optional<std::string> output = std::nullopt,
                 std::optional<std::string> stderr = std::nullopt);
  [[nodiscard]] const char* type_name() const noexcept override;
  [[nodiscard]] const Command& cmd() const { return cmd_; }
  [[nodiscard]] const Timeout& timeout() const { return timeout_; }
  [[nodiscard]] const std::optional<std::string>& output() const { return output_; }
  [[nodiscard]] const std::optional<std::string>& stdout() const { return output_; }
  [[nodiscard]] const std::optional<std::string>& stderr() const { return stderr_; }

 private:
  Command cmd_;
  Timeout timeout_;
  std::optional<std::string> output_;
  std::optional<std::string> stderr_;
};

}  // namespace pyproc::subprocess
