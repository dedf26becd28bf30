// subprocess.call, check_call, check_output, run, getstatusoutput and
// getoutput (Lib/subprocess.py, CPython 3.11), on detail::Child.
#include "pyproc/subprocess.hpp"

#include <string>
#include <utility>

#include "subprocess_child.hpp"
#include "subprocess_communicate.hpp"

namespace pyproc::subprocess {
namespace {

// call() and check_call() pass their options to Popen(), which has no such
// keyword arguments.
void refuse_run_only_options(const Options& options) {
  const char* unexpected = options.input            ? "input"
                           : options.capture_output ? "capture_output"
                           : options.check          ? "check"
                                                    : nullptr;
  if (unexpected) {
    throw TypeError(std::string("Popen.__init__() got an unexpected keyword argument '") +
                    unexpected + "'");
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
  if (options.check) throw ValueError("check argument not allowed, it will be overridden.");
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
  detail::Output output;
  int returncode;
  {
    detail::Child child(args, popen);
    try {
      output = detail::communicate(child, options.input, options.timeout, options.text);
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
  if (options.check && returncode != 0) {
    throw CalledProcessError(returncode, args, std::move(output.stdout), std::move(output.stderr));
  }
  return {args, returncode, std::move(output.stdout), std::move(output.stderr), options.text};
}

std::pair<int, std::string> getstatusoutput(const std::string& cmd) {
  std::string data;
  int exitcode = 0;
  try {
    data = check_output(cmd, {.stderr = STDOUT, .text = true, .shell = true});
  } catch (const CalledProcessError& e) {
    data = e.output().value_or("");
    exitcode = e.returncode();
  }
  if (!data.empty() && data.back() == '\n') data.pop_back();
  return {exitcode, std::move(data)};
}

std::string getoutput(const std::string& cmd) { return getstatusoutput(cmd).second; }

}  // namespace pyproc::subprocess
