// How observations made in child processes reach the driver's main process:
// one pipe, inherited by every child. Each message is a single JSON line,
// written with one write(2) of less than PIPE_BUF bytes, so messages from
// concurrent children never interleave; a longer one is cut into fragments
// that are each written so and joined again by the reader (the CPython
// driver's oracle/channel.py does the same).
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

namespace pyproc::driver {

class ReportChannel {
 public:
  ReportChannel();
  ReportChannel(const ReportChannel&) = delete;
  ReportChannel& operator=(const ReportChannel&) = delete;
  ~ReportChannel();

  // Any process of the case: a pid the driver must list in "pids" (§5).
  void send_pid(pid_t pid);
  // A child announces its stream as it starts, so that it exists even if the
  // child ends before its first observation.
  void send_stream(const std::string& path);
  void send_observation(const std::string& path, size_t index, const nlohmann::json& observation);
  // A child that could not run a step (a driver failure, not an observation).
  void send_error(const std::string& path, const std::string& message);

  // Main side, once its own steps are done: closes its write end and reads
  // until every child has closed theirs (that is, has ended). Merges the
  // children's streams into `streams` and their pids into `pids`. Throws
  // std::runtime_error naming every child that sent an error.
  void collect(nlohmann::json& streams, nlohmann::json& pids);

 private:
  void send(const nlohmann::json& message);
  void write_line(const std::string& text);
  int read_fd_ = -1;
  int write_fd_ = -1;
  unsigned long serial_ = 0;  // of this process's fragmented messages
};

}  // namespace pyproc::driver
