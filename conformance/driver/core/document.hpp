// The protocol document (spec/protocol.md §5), printed as the case goes: its
// beginning and each observation of the main process as soon as it is made,
// the rest once the case is over. What is printed in the end is the one JSON
// object §5 asks for; a case that hangs shows what its main process had
// observed (§7, HUNG), where a document printed only at the end shows nothing.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace pyproc::driver {

class StreamedDocument {
 public:
  // Prints `head` (protocol, case, implementation) and opens "streams", and
  // "main" in it if `has_main`, on a copy of the current fd 1 (taken before
  // the case's capture files replace it).
  StreamedDocument(const nlohmann::json& head, bool has_main);
  StreamedDocument(const StreamedDocument&) = delete;
  StreamedDocument& operator=(const StreamedDocument&) = delete;
  ~StreamedDocument();

  // The main process's next observation.
  void observation(const nlohmann::json& observation);
  // The other processes' streams ("main" is printed already) close
  // "streams"; then `rest`'s members (pids, leaks) and the end of the object.
  void close_streams(const nlohmann::json& streams);
  void finish(const nlohmann::json& rest);
  [[nodiscard]] int descriptor() const { return fd_; }

 private:
  void write(const std::string& text) const;

  int fd_ = -1;
  pid_t owner_;
  bool has_main_;
  bool observed_ = false;
};

}  // namespace pyproc::driver
