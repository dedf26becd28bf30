#include "core/document.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "core/py_value.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::driver {

using nlohmann::json;

namespace {

// "{...}" without its closing brace, so that more members can follow.
std::string opened(const json& object) {
  std::string text = exact_json_text(object);
  text.pop_back();
  return text;
}

}  // namespace

StreamedDocument::StreamedDocument(const json& head, bool has_main)
    : fd_(::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)), owner_(::getpid()), has_main_(has_main) {
  if (fd_ < 0) raise_os_error(errno);
  write(opened(head) + (head.empty() ? "" : ",") + "\"streams\":{" +
        (has_main ? "\"main\":[" : ""));
}

StreamedDocument::~StreamedDocument() { ::close(fd_); }

void StreamedDocument::observation(const json& observation) {
  // A child forked by the case has a copy of this object: never its to print.
  if (::getpid() != owner_) return;
  write((observed_ ? "," : "") + exact_json_text(observation));
  observed_ = true;
}

void StreamedDocument::close_streams(const json& streams) {
  std::string text = has_main_ ? "]" : "";
  bool first = !has_main_;
  for (const auto& [path, stream] : streams.items()) {
    if (path == "main") continue;
    text += (first ? "" : ",") + exact_json_text(json(path)) + ":" + exact_json_text(stream);
    first = false;
  }
  write(text + "}");
}

void StreamedDocument::finish(const json& rest) {
  std::string text;
  for (const auto& [name, value] : rest.items())
    text += "," + exact_json_text(json(name)) + ":" + exact_json_text(value);
  write(text + "}\n");
}

void StreamedDocument::write(const std::string& text) const {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) raise_os_error(errno);
    done += static_cast<size_t>(n);
  }
}

}  // namespace pyproc::driver
