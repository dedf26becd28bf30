// One running list of steps (spec/protocol.md §4.1): the names its steps
// created and the captures of its children. A child's list reaches its
// creator's names as `^name`.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/capture.hpp"

namespace pyproc::driver {

// What a list keeps under a name a step gave (a `new` step's process): each
// family keeps its own kind and knows it.
class Local {
 public:
  Local() = default;
  Local(const Local&) = delete;
  Local& operator=(const Local&) = delete;
  Local(Local&&) = delete;
  Local& operator=(Local&&) = delete;
  virtual ~Local() = default;
};

struct Frame {
  std::string path;          // "main", or the path of the process running it
  Frame* creator = nullptr;  // the frame of the list that created this process
  std::map<std::string, std::unique_ptr<Local>> locals;
  std::map<std::string, int> captured_stderr;     // local name -> capture file
  std::map<std::string, CaptureFiles> own_files;  // "capture": true (§4.10)

  explicit Frame(std::string path);
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;
  Frame(Frame&&) = delete;
  Frame& operator=(Frame&&) = delete;
  ~Frame();

  // The local `name`, or the creator's for `^name`; std::invalid_argument
  // for a name no step created.
  Local& local(const std::string& name);
  // The path of a process this list names `name` (§5 "streams").
  [[nodiscard]] std::string child_path(const std::string& name) const;
};

}  // namespace pyproc::driver
