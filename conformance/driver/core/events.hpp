// Named events shared by every process of a case (spec/protocol.md §4.2): a
// pipe each, created before the first step so that forked children inherit
// them. notify() posts one token, wait() takes one, blocking until there is.
#pragma once

#include <map>
#include <string>

namespace pyproc::driver {

class Events {
 public:
  Events() = default;
  Events(const Events&) = delete;
  Events& operator=(const Events&) = delete;
  ~Events();

  void create(const std::string& name);  // idempotent
  void notify(const std::string& name);
  void wait(const std::string& name);
  // The file descriptor of one end of the pipe (spec/protocol.md §4.9
  // event_fd), for a program the case runs to notify or await.
  int descriptor(const std::string& name, bool write_end) const;

 private:
  struct Pipe {
    int read_fd;
    int write_fd;
  };
  const Pipe& find(const std::string& name) const;
  std::map<std::string, Pipe> pipes_;
};

}  // namespace pyproc::driver
