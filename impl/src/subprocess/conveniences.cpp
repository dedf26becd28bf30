// subprocess.call, check_call, check_output, run, getstatusoutput and
// getoutput (Lib/subprocess.py, CPython 3.11): thin functions over Popen,
// as in CPython.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "pyproc/subprocess.hpp"

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
      {options.text.has_value(), "text"},
      {options.universal_newlines.has_value(), "universal_newlines"},
      {options.bufsize.has_value(), "bufsize"},
      {options.pipesize != -1, "pipesize"},
      {!options.close_fds, "close_fds"},
      {!options.pass_fds.empty(), "pass_fds"},
      {!options.restore_signals, "restore_signals"},
      {options.start_new_session, "start_new_session"},
      {options.process_group.has_value(), "process_group"},
      {static_cast<bool>(options.preexec_fn), "preexec_fn"},
      {options.user.has_value(), "user"},
      {options.group.has_value(), "group"},
      {options.extra_groups.has_value(), "extra_groups"},
      {options.umask != -1, "umask"},
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

namespace detail {

// What the conveniences need of Popen: its constructor with their own
// streams (popen.hpp).
struct Conveniences {
  static Popen popen(const Command& args, const Options& options, const Streams& streams) {
    return {args, options, streams};
  }

  // run() with `streams` and `check` in place of the options' own (what
  // check_output overrides), so that the options, and their input, are
  // never copied.
  static CompletedProcess run(const Command& args, const Options& options, Streams streams,
                              bool check, bool empty_for_none = false) {
    // run(): `if input is not None`; check_output() made None an empty input.
    const std::string* given = options.input ? std::get_if<std::string>(&*options.input) : nullptr;
    const bool empty_input = empty_for_none && options.input && !given;
    if (given || empty_input) {
      if (streams.stdin) throw ValueError("stdin and input arguments may not both be used.");
      streams.stdin = PIPE;
    }
    if (options.capture_output) {
      if (streams.stdout || streams.stderr) {
        throw ValueError("stdout and stderr arguments may not be used with capture_output.");
      }
      streams.stdout = PIPE;
      streams.stderr = PIPE;
    }
    std::optional<std::string_view> input;
    if (given) input = *given;
    if (empty_input) input = std::string_view();
    Communicated output;
    int returncode = 0;
    // with Popen(...) as process: ...
    with(popen(args, options, streams), [&](Popen& process) {
      try {
        output = process.communicate(input, options.timeout);
      } catch (const TimeoutExpired&) {
        process.kill();
        process.wait();
        throw;
      } catch (...) {
        process.kill();  // exit() waits
        throw;
      }
      returncode = *process.poll();
    });
    if (check && returncode != 0) {
      throw CalledProcessError(returncode, args, std::move(output.stdout),
                               std::move(output.stderr));
    }
    return {args, returncode, std::move(output.stdout), std::move(output.stderr),
            options.text_mode()};
  }
};

}  // namespace detail

int call(const Command& args, const Options& options) {
  refuse_run_only_options(options);
  // with Popen(...) as p: try: return p.wait(timeout) except: p.kill(); raise
  return with(
      detail::Conveniences::popen(args, options, {options.stdin, options.stdout, options.stderr}),
      [&](Popen& p) {
        try {
          return p.wait(options.timeout);
        } catch (...) {
          p.kill();
          throw;
        }
      });
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
  // "Explicitly passing input=None was previously equivalent to passing an
  // empty string. That is maintained here for backwards compatibility."
  return *detail::Conveniences::run(args, options, {options.stdin, PIPE, options.stderr}, true,
                                    true)
              .stdout;
}

CompletedProcess run(const Command& args, const Options& options) {
  return detail::Conveniences::run(args, options, {options.stdin, options.stdout, options.stderr},
                                   options.check.value_or(false));
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
