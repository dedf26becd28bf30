// subprocess.call, check_call, check_output, run, getstatusoutput and
// getoutput (Lib/subprocess.py, CPython 3.11), on detail::Child.
#include <optional>
#include <string>
#include <utility>

#include "pyproc/subprocess.hpp"
#include "subprocess/child.hpp"
#include "subprocess/communicate.hpp"
#include "subprocess/text.hpp"

namespace pyproc::subprocess {
namespace {

// call() and check_call() pass their options to Popen(), which has no such
// keyword arguments.
// CPython's TypeError for a keyword argument `function` does not take.
[[noreturn]] void unexpected_keyword(const char* function, const char* name) {
  throw TypeError(std::string(function) + "() got an unexpected keyword argument '" + name + "'");
}

void refuse_run_only_options(const Options& options) {
  const char* unexpected = options.input               ? "input"
                           : options.capture_output    ? "capture_output"
                           : options.check.has_value() ? "check"
                                                       : nullptr;
  if (unexpected) unexpected_keyword("Popen.__init__", unexpected);
}

// getoutput(cmd, *, encoding=None, errors=None) and getstatusoutput take
// nothing else. Options left at their defaults cannot be told from options
// not given: only those set otherwise are refused.
void refuse_all_but_text_options(const char* function, const Options& options) {
  const std::pair<bool, const char*> others[] = {
      {options.input.has_value(), "input"},
      {options.stdin.has_value(), "stdin"},
      {options.stdout.has_value(), "stdout"},
      {options.stderr.has_value(), "stderr"},
      {options.capture_output, "capture_output"},
      {options.text, "text"},
      {options.check.has_value(), "check"},
      {options.timeout.has_value(), "timeout"},
      {options.cwd.has_value(), "cwd"},
      {options.env.has_value(), "env"},
      {options.shell, "shell"},
      {options.executable.has_value(), "executable"},
  };
  for (const auto& [given, name] : others) {
    if (given) unexpected_keyword(function, name);
  }
}

}  // namespace

int call(const Command& args, const Options& options) {
  refuse_run_only_options(options);
  detail::Child child(args, options);
  try {
    return options.timeout ? child.wait(*options.timeout) : child.wait();
  } catch (...) {
    child.kill();  // ~Child reaps it, as Popen.__exit__ waits
    throw;
  }
}

int check_call(const Command& args, const Options& options) {
  const int returncode = call(args, options);
  if (returncode != 0) throw CalledProcessError(returncode, args);
  return 0;
}

std::string check_output(const Command& args, const Options& options) {
  if (options.stdout) throw ValueError("stdout argument not allowed, it will be overridden.");
  if (options.check.has_value())
    throw ValueError("check argument not allowed, it will be overridden.");
  Options run_options = options;
  run_options.stdout = PIPE;
  run_options.check = true;
  return *run(args, run_options).stdout;
}

CompletedProcess run(const Command& args, const Options& options) {
  Options popen = options;
  if (options.input) {
    if (options.stdin) throw ValueError("stdin and input arguments may not both be used.");
    popen.stdin = PIPE;
  }
  if (options.capture_output) {
    if (options.stdout || options.stderr) {
      throw ValueError("stdout and stderr arguments may not be used with capture_output.");
    }
    popen.stdout = PIPE;
    popen.stderr = PIPE;
  }
  // Popen's text_mode; its TextIOWrappers, made before the launch, look the
  // encoding up.
  const bool text = options.text || options.encoding || options.errors;
  const bool piped = popen.stdin == PIPE || popen.stdout == PIPE || popen.stderr == PIPE;
  std::optional<detail::Codec> codec;
  if (text && piped) codec.emplace(options.encoding, options.errors);
  detail::Output output;
  int returncode;
  {
    detail::Child child(args, popen);
    try {
      output =
          detail::communicate(child, options.input, options.timeout, codec ? &*codec : nullptr);
    } catch (const TimeoutExpired&) {
      child.kill();
      child.wait();
      throw;
    } catch (...) {
      child.kill();  // ~Child reaps it
      throw;
    }
    returncode = child.wait();
  }
  if (options.check.value_or(false) && returncode != 0) {
    throw CalledProcessError(returncode, args, std::move(output.stdout), std::move(output.stderr));
  }
  return {args, returncode, std::move(output.stdout), std::move(output.stderr), text};
}

std::pair<int, std::string> getstatusoutput(const Command& cmd, const Options& options) {
  refuse_all_but_text_options("getstatusoutput", options);
  std::string data;
  int exitcode = 0;
  try {
    data = check_output(cmd, {.stderr = STDOUT,
                              .text = true,
                              .encoding = options.encoding,
                              .errors = options.errors,
                              .shell = true});
  } catch (const CalledProcessError& e) {
    data = e.output().value_or("");
    exitcode = e.returncode();
  }
  if (!data.empty() && data.back() == '\n') data.pop_back();
  return {exitcode, std::move(data)};
}

std::string getoutput(const Command& cmd, const Options& options) {
  refuse_all_but_text_options("getoutput", options);
  return getstatusoutput(cmd, options).second;
}

}  // namespace pyproc::subprocess
