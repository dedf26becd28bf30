// Popen.communicate() and Popen._communicate() (Lib/subprocess.py, POSIX),
// with poll() where CPython uses a selector. What was read survives a
// TimeoutExpired in the Popen, so that the next call goes on from there.
#include <fcntl.h>
#include <poll.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/poll_timeout.hpp"
#include "core/sigpipe_blocked.hpp"
#include "core/syscalls.hpp"
#include "subprocess/popen_state.hpp"

namespace pyproc::subprocess::detail {
namespace {

pyproc::detail::Syscalls& sys() { return pyproc::detail::syscalls(); }

// Bytes asked of one read(2): a default pipe's whole buffer.
constexpr std::size_t kReadSize = std::size_t{64} * 1024;

bool is_open(const std::shared_ptr<PipeFile>& file) { return file && !file->closed(); }

// Reads what is there into `into`; closes the file at end of file.
void read_some(PipeFile& file, Collected& into) {
  const ssize_t n = sys().read(file.fileno(), into.data.room(kReadSize), kReadSize);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    raise_os_error(errno);
  }
  into.data.commit(static_cast<std::size_t>(n));
  into.read_once = true;
  if (n == 0) file.close();
}

// The parent's end of stdin made non-blocking for the exchange (so that a
// write never blocks on a full pipe while the child waits for us to read),
// and blocking again after it, for the file object's own writes. Only while
// the file is open: once the exchange has closed it, its fd number may
// already be another thread's new pipe, whose flags are not ours to touch.
class NonBlocking {
 public:
  explicit NonBlocking(const PipeFile& file)
      : file_(file), fd_(file.fileno()), flags_(::fcntl(fd_, F_GETFL)) {
    if (flags_ < 0 || ::fcntl(fd_, F_SETFL, flags_ | O_NONBLOCK) < 0) raise_os_error(errno);
  }
  ~NonBlocking() {
    if (!file_.closed()) ::fcntl(fd_, F_SETFL, flags_);
  }
  NonBlocking(const NonBlocking&) = delete;
  NonBlocking& operator=(const NonBlocking&) = delete;

 private:
  const PipeFile& file_;
  int fd_;
  int flags_;
};

// The selector loop of _communicate(): until no pipe is left to serve.
class Exchange {
 public:
  Exchange(PopenState& state, std::string_view input, const std::optional<Timeout>& timeout,
           std::optional<double> endtime)
      : state_(state), timeout_(timeout), endtime_(endtime), pending_(input) {}

  void run() {
    // `input` is only ever written by the call that gave it (a later call
    // may not give one), so a stdin left open by a timeout stays so.
    const bool writing = is_open(state_.stdin) && !pending_.empty();
    std::optional<NonBlocking> non_blocking;
    if (writing) non_blocking.emplace(*state_.stdin);
    const pyproc::detail::SigpipeBlocked no_sigpipe(writing);
    bool write_done = !writing;
    for (;;) {
      std::array<pollfd, 3> polled{};
      std::array<int, 3> which{};
      std::size_t count = 0;
      if (!write_done && is_open(state_.stdin)) {
        polled.at(count) = {state_.stdin->fileno(), POLLOUT, 0};
        which.at(count++) = 0;
      }
      if (is_open(state_.stdout)) {
        polled.at(count) = {state_.stdout->fileno(), POLLIN, 0};
        which.at(count++) = 1;
      }
      if (is_open(state_.stderr)) {
        polled.at(count) = {state_.stderr->fileno(), POLLIN, 0};
        which.at(count++) = 2;
      }
      if (count == 0) return;

      int ms = -1;
      if (endtime_) {
        const double remaining = *endtime_ - pyproc::detail::monotonic();
        if (remaining < 0) raise_timeout();
        ms = pyproc::detail::poll_timeout_ms(remaining);
      }
      const int ready = sys().poll(polled.data(), count, ms);
      if (ready < 0 && errno != EINTR) raise_os_error(errno);
      // Checked before what is ready is served, as _check_timeout() is.
      if (endtime_ && pyproc::detail::monotonic() > *endtime_) raise_timeout();
      for (std::size_t i = 0; ready > 0 && i < count; ++i) {
        if (polled.at(i).revents == 0) continue;
        switch (which.at(i)) {
          case 0:
            write_done = write_some();
            break;
          case 1:
            read_some(*state_.stdout, state_.out);
            break;
          default:
            read_some(*state_.stderr, state_.err);
            break;
        }
      }
    }
  }

 private:
  // Writes what the pipe takes: true once all is written or the reader has
  // gone (communicate() ignores BrokenPipeError); stdin is closed then.
  bool write_some() {
    PipeFile& in = *state_.stdin;
    const ssize_t n = sys().write(in.fileno(), pending_.data(), pending_.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return false;
      if (errno != EPIPE) raise_os_error(errno);
      in.close();
      return true;
    }
    pending_.remove_prefix(static_cast<std::size_t>(n));
    if (!pending_.empty()) return false;
    in.close();
    return true;
  }

  [[noreturn]] void raise_timeout() {
    throw TimeoutExpired(state_.args, *timeout_, state_.out.partial(), state_.err.partial());
  }

  PopenState& state_;
  const std::optional<Timeout>& timeout_;
  std::optional<double> endtime_;
  std::string_view pending_;
};

// Popen._stdin_write(): the input through the file object, then close;
// BrokenPipeError ignored in both.
void stdin_write(PipeFile& in, std::optional<std::string_view> input) {
  try {
    if (input && !input->empty()) in.write(*input);
  } catch (const BrokenPipeError&) {  // NOLINT(bugprone-empty-catch): communicate() ignores it
  }
  try {
    in.close();
  } catch (const BrokenPipeError&) {  // NOLINT(bugprone-empty-catch): as above
  }
}

// self.stdout.read(), then close(): CPython's shortcut for one pipe. Bytes
// are gathered in a ReadBuffer (one copy, no doubling); text is decoded at
// the end, as TextIOWrapper.read() decodes everything at once.
std::string read_all_and_close(PipeFile& file) {
  PipeState& s = state_of(file);
  std::string data;
  if (s.codec) {
    data = file.read(-1);
  } else {
    (void)file.read(0);  // read()'s ValueError if closed
    Collected all;
    if (!s.raw_read.empty()) {
      s.raw_read.copy(all.data.room(s.raw_read.size()), s.raw_read.size());
      all.data.commit(s.raw_read.size());
      s.raw_read.clear();
    }
    if (!s.eof) {
      while (!file.closed()) read_some(file, all);
    }
    data = all.data.take();
  }
  file.close();
  return data;
}

}  // namespace

Communicated communicate(PopenState& state, Popen& popen, std::optional<std::string_view> input,
                         std::optional<Timeout> timeout) {
  if (state.communication_started && input && !input->empty()) {
    throw ValueError("Cannot send input after starting communication");
  }
  const int pipes = static_cast<int>(state.stdin != nullptr) +
                    static_cast<int>(state.stdout != nullptr) +
                    static_cast<int>(state.stderr != nullptr);
  Communicated result;
  if (!timeout && !state.communication_started && pipes <= 1) {
    if (state.stdin) {
      stdin_write(*state.stdin, input);
    } else if (state.stdout) {
      result.stdout = read_all_and_close(*state.stdout);
    } else if (state.stderr) {
      result.stderr = read_all_and_close(*state.stderr);
    }
    popen.wait();
    return result;
  }

  const std::optional<double> endtime =
      timeout ? std::optional<double>(pyproc::detail::monotonic() + timeout->seconds())
              : std::nullopt;
  const auto remaining = [&]() -> std::optional<Timeout> {
    if (!endtime) return std::nullopt;
    return Timeout(*endtime - pyproc::detail::monotonic());
  };
  {
    struct Started {
      PopenState& state;
      ~Started() { state.communication_started = true; }
    } started{state};
    if (state.stdin && !state.communication_started) {
      try {
        state.stdin->flush();
      } catch (const BrokenPipeError&) {  // NOLINT(bugprone-empty-catch): ignored, as CPython
      }
      if (!input || input->empty()) {
        try {
          state.stdin->close();
        } catch (const BrokenPipeError&) {  // NOLINT(bugprone-empty-catch): as above
        }
      }
    }
    // _save_input(): text is encoded before the exchange.
    std::string encoded;
    std::string_view to_write;
    if (state.stdin && input && !input->empty()) {
      if (state.text_mode) {
        encoded = state_of(*state.stdin).codec->encode(std::string(*input));
        to_write = encoded;
      } else {
        to_write = *input;
      }
    }
    Exchange(state, to_write, timeout, endtime).run();
    popen.wait(remaining());
  }
  if (state.stdout) result.stdout = state.out.data.take();
  if (state.stderr) result.stderr = state.err.data.take();
  if (state.text_mode) {
    if (result.stdout) state_of(*state.stdout).codec->decode(*result.stdout);
    if (result.stderr) state_of(*state.stderr).codec->decode(*result.stderr);
  }
  popen.wait(remaining());
  return result;
}

}  // namespace pyproc::subprocess::detail
