#include "core/events.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "pyproc/exceptions.hpp"

namespace pyproc::driver {

Events::~Events() {
  for (const auto& [name, pipe] : pipes_) {
    ::close(pipe.read_fd);
    ::close(pipe.write_fd);
  }
}

void Events::create(const std::string& name) {
  if (pipes_.count(name)) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) raise_os_error(errno);
  pipes_[name] = {fds[0], fds[1]};
}

const Events::Pipe& Events::find(const std::string& name) const {
  auto it = pipes_.find(name);
  if (it == pipes_.end()) throw std::logic_error("event '" + name + "' was not created");
  return it->second;
}

int Events::descriptor(const std::string& name, bool write_end) const {
  const Pipe& pipe = find(name);
  return write_end ? pipe.write_fd : pipe.read_fd;
}

void Events::notify(const std::string& name) {
  const char token = 1;
  ssize_t n;
  do {
    n = ::write(find(name).write_fd, &token, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) raise_os_error(errno);
}

void Events::wait(const std::string& name) {
  char token;
  ssize_t n;
  do {
    n = ::read(find(name).read_fd, &token, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) raise_os_error(n == 0 ? EPIPE : errno);
}

}  // namespace pyproc::driver
