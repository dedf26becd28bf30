#include "core/report_channel.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <map>
#include <stdexcept>

#include "pyproc/exceptions.hpp"

namespace pyproc::driver {

using nlohmann::json;

ReportChannel::ReportChannel() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) raise_os_error(errno);
  read_fd_ = fds[0];
  write_fd_ = fds[1];
  // Children report while the main process may still be busy with its own
  // steps (not reading); a roomy pipe keeps them from blocking on a full one.
  ::fcntl(write_fd_, F_SETPIPE_SZ, 1 << 20);
}

ReportChannel::~ReportChannel() {
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
}

void ReportChannel::send(const json& message) {
  // ASCII only, so that a fragment can be cut anywhere; invalid UTF-8 (a
  // str result that is not text) is replaced, not thrown.
  const std::string line = message.dump(-1, ' ', true, json::error_handler_t::replace);
  if (line.size() + 1 < PIPE_BUF) return write_line(line);
  // Too long for one atomic write (a child's output): fragments, each one
  // atomic, joined by collect(). Escaped once more, a chunk at most doubles.
  constexpr size_t kChunk = (PIPE_BUF - 128) / 2;
  const std::string ident = std::to_string(::getpid()) + "." + std::to_string(serial_++);
  for (size_t start = 0; start < line.size(); start += kChunk) {
    const bool last = start + kChunk >= line.size();
    write_line(json{{"frag", ident}, {"last", last}, {"data", line.substr(start, kChunk)}}.dump());
  }
}

void ReportChannel::write_line(const std::string& text) {
  const std::string line = text + "\n";
  ssize_t n;
  do {
    n = ::write(write_fd_, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(line.size())) raise_os_error(errno);
}

void ReportChannel::send_pid(pid_t pid) { send(json{{"pid", pid}}); }

void ReportChannel::send_stream(const std::string& path) { send(json{{"stream", path}}); }

void ReportChannel::send_observation(const std::string& path, size_t index,
                                     const json& observation) {
  send(json{{"path", path}, {"index", index}, {"obs", observation}});
}

void ReportChannel::send_error(const std::string& path, const std::string& message) {
  // Cut to fit one atomic write: the start of the message says what failed.
  send(json{{"error", path}, {"message", message.substr(0, PIPE_BUF / 2)}});
}

void ReportChannel::collect(json& streams, json& pids) {
  ::close(write_fd_);
  write_fd_ = -1;
  std::string text;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(read_fd_, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      raise_os_error(errno);
    }
  }
  std::map<std::string, std::map<size_t, json>> by_path;
  std::map<std::string, std::string> pieces;  // fragments by sender, in order
  std::string errors;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    json message = json::parse(text.substr(start, end - start));
    if (message.contains("frag")) {
      const std::string ident = message["frag"];
      pieces[ident] += message["data"].get<std::string>();
      if (!message["last"].get<bool>()) continue;
      message = json::parse(pieces[ident]);
      pieces.erase(ident);
    }
    if (message.contains("pid"))
      pids.push_back(message["pid"]);
    else if (message.contains("error"))
      errors += (errors.empty() ? "" : "; ") + message["error"].get<std::string>() + ": " +
                message["message"].get<std::string>();
    else if (message.contains("stream"))
      by_path[message["stream"]];
    else
      by_path[message["path"]][message["index"]] = message["obs"];
  }
  if (!errors.empty()) throw std::runtime_error(errors);
  for (auto& [path, observations] : by_path) {
    json& stream = streams[path] = json::array();
    for (auto& [index, observation] : observations) stream.push_back(observation);
  }
}

}  // namespace pyproc::driver
