// The constructors and destructors of the seam's mocks, out of line: gMock
// generates the bulk of a mock's code where these are defined, so here once
// rather than in every test file that includes the headers (gMock cookbook,
// "Making the Compilation Faster").
#include "support/os_test_support.hpp"
#include "support/test_support.hpp"

namespace pyproc::testing {

MockSyscalls::MockSyscalls() {
  using ::testing::Invoke;
  detail::Syscalls& real = detail::real_syscalls();
  ON_CALL(*this, fork()).WillByDefault(Invoke(&real, &Syscalls::fork));
  ON_CALL(*this, pidfd_open).WillByDefault(Invoke(&real, &Syscalls::pidfd_open));
  ON_CALL(*this, pipe2).WillByDefault(Invoke(&real, &Syscalls::pipe2));
  ON_CALL(*this, waitpid).WillByDefault(Invoke(&real, &Syscalls::waitpid));
  ON_CALL(*this, waitid).WillByDefault(Invoke(&real, &Syscalls::waitid));
  ON_CALL(*this, kill).WillByDefault(Invoke(&real, &Syscalls::kill));
  ON_CALL(*this, pidfd_send_signal).WillByDefault(Invoke(&real, &Syscalls::pidfd_send_signal));
  ON_CALL(*this, poll).WillByDefault(Invoke(&real, &Syscalls::poll));
  ON_CALL(*this, write).WillByDefault(Invoke(&real, &Syscalls::write));
  ON_CALL(*this, close).WillByDefault(Invoke(&real, &Syscalls::close));
  ON_CALL(*this, getpid()).WillByDefault(Invoke(&real, &Syscalls::getpid));
  detail::set_syscalls(this);
}
MockSyscalls::~MockSyscalls() { detail::set_syscalls(nullptr); }

OsMockSyscalls::OsMockSyscalls() {
  using ::testing::Invoke;
  detail::Syscalls& real = detail::real_syscalls();
  ON_CALL(*this, clone_vfork).WillByDefault(Invoke(&real, &Syscalls::clone_vfork));
  ON_CALL(*this, waitid).WillByDefault(Invoke(&real, &Syscalls::waitid));
  ON_CALL(*this, wait4).WillByDefault(Invoke(&real, &Syscalls::wait4));
  ON_CALL(*this, read).WillByDefault(Invoke(&real, &Syscalls::read));
  ON_CALL(*this, killpg).WillByDefault(Invoke(&real, &Syscalls::killpg));
  ON_CALL(*this, nice).WillByDefault(Invoke(&real, &Syscalls::nice));
  ON_CALL(*this, times).WillByDefault(Invoke(&real, &Syscalls::times));
}

OsMockSyscalls::~OsMockSyscalls() = default;

}  // namespace pyproc::testing
