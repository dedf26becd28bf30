// Popen.communicate() and Popen._communicate() (Lib/subprocess.py, POSIX),
// with poll() where CPython uses a selector.
#include "subprocess/communicate.hpp"

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
#include "subprocess/buffer.hpp"

namespace pyproc::subprocess::detail {
namespace {

pyproc::detail::Syscalls& sys() { return pyproc::detail::syscalls(); }

// Bytes asked of one read(2): a default pipe's whole buffer.
constexpr std::size_t kReadSize = std::size_t{64} * 1024;

// One output pipe: what was read, and whether any read returned (CPython's
// list of chunks, whose emptiness decides whether TimeoutExpired carries
// b'' or None).
struct Collected {
  ReadBuffer data;
  bool read_once = false;
  [[nodiscard]] std::optional<std::string> partial() const {
    return read_once ? std::optional<std::string>(data.copy()) : std::nullopt;
  }
};

// Reads what is there; closes `fd` at end of file.
void read_some(OwnedFd& fd, Collected& into) {
  const ssize_t n = sys().read(fd.get(), into.data.room(kReadSize), kReadSize);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    raise_os_error(errno);
  }
  into.data.commit(static_cast<std::size_t>(n));
  into.read_once = true;
  if (n == 0) fd.reset();
}

// Writes what the pipe takes (it is non-blocking); closes `fd` once all is
// written or the reader has gone (communicate() ignores BrokenPipeError; the
// SIGPIPE it queued is the Exchange's SigpipeBlocked's to take).
void write_some(OwnedFd& fd, std::string_view& pending) {
  const ssize_t n = sys().write(fd.get(), pending.data(), pending.size());
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN) return;
    if (errno != EPIPE) raise_os_error(errno);
    fd.reset();
    return;
  }
  pending.remove_prefix(static_cast<std::size_t>(n));
  if (pending.empty()) fd.reset();
}

// The exchange of _communicate(): until every pipe is closed.
class Exchange {
 public:
  Exchange(Child& child, const std::optional<std::string>& input,
           const std::optional<Timeout>& timeout)
      : child_(child), timeout_(timeout), sigpipe_(child.stdin_pipe() && input && !input->empty()) {
    if (timeout) endtime_ = pyproc::detail::monotonic() + timeout->seconds();
    OwnedFd& in = child.stdin_pipe();
    if (!in) return;
    if (!input || input->empty()) {
      in.reset();  // nothing to send: the child sees end of file at once
      return;
    }
    pending_ = *input;
    // Never block on a full pipe while the child waits for us to read.
    const int flags = ::fcntl(in.get(), F_GETFL);
    if (flags < 0 || ::fcntl(in.get(), F_SETFL, flags | O_NONBLOCK) < 0) raise_os_error(errno);
  }

  void run() {
    for (;;) {
      std::array<pollfd, 3> polled{};
      std::size_t count = 0;
      OwnedFd* owners[3];
      const auto add = [&](OwnedFd& fd, short events) {
        if (!fd) return;
        polled.at(count) = {fd.get(), events, 0};
        owners[count++] = &fd;
      };
      add(child_.stdin_pipe(), POLLOUT);
      add(child_.stdout_pipe(), POLLIN);
      add(child_.stderr_pipe(), POLLIN);
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
        OwnedFd& fd = *owners[i];
        if (&fd == &child_.stdin_pipe()) {
          write_some(fd, pending_);
        } else {
          read_some(fd, &fd == &child_.stdout_pipe() ? out_ : err_);
        }
      }
    }
  }

  [[nodiscard]] const std::optional<double>& endtime() const { return endtime_; }
  Collected& out() { return out_; }
  Collected& err() { return err_; }

 private:
  [[noreturn]] void raise_timeout() {
    throw TimeoutExpired(child_.args(), *timeout_, out_.partial(), err_.partial());
  }

  Child& child_;
  const std::optional<Timeout>& timeout_;
  std::optional<double> endtime_;
  std::string_view pending_;
  // SIGPIPE blocked while input may be written, and any it queued taken.
  pyproc::detail::SigpipeBlocked sigpipe_;
  Collected out_;
  Collected err_;
};

}  // namespace

Output communicate(Child& child, const std::optional<std::string>& input,
                   const std::optional<Timeout>& timeout, const Codec* codec) {
  const bool has_out = static_cast<bool>(child.stdout_pipe());
  const bool has_err = static_cast<bool>(child.stderr_pipe());
  // CPython's shortcut for at most one pipe and no timeout reads through the
  // text layer, so a decoding error comes before the wait (and run() then
  // kills the child); otherwise the output is decoded after the wait.
  const int pipes = static_cast<int>(static_cast<bool>(child.stdin_pipe())) +
                    static_cast<int>(has_out) + static_cast<int>(has_err);
  const bool decode_before_wait = !timeout && pipes <= 1;

  // _save_input(): text is encoded once the child runs.
  std::optional<std::string> encoded;
  const std::optional<std::string>* to_write = &input;
  if (codec && input && child.stdin_pipe()) {
    encoded = codec->encode(*input);
    to_write = &encoded;
  }
  Exchange exchange(child, *to_write, timeout);
  exchange.run();
  Output output;
  if (has_out) output.stdout = exchange.out().data.take();
  if (has_err) output.stderr = exchange.err().data.take();
  const auto decode = [&] {
    if (!codec) return;
    if (output.stdout) codec->decode(*output.stdout);
    if (output.stderr) codec->decode(*output.stderr);
  };
  if (decode_before_wait) decode();
  if (const auto& endtime = exchange.endtime()) {
    child.wait(Timeout(*endtime - pyproc::detail::monotonic()));
  } else {
    child.wait();
  }
  if (!decode_before_wait) decode();
  return output;
}

}  // namespace pyproc::subprocess::detail
