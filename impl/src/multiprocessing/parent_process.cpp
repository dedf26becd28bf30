// ParentProcess — multiprocessing.process._ParentProcess as a child sees it.
#include <optional>
#include <string>

#include "pyproc/multiprocessing/connection.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "pyproc/py_repr.hpp"

namespace pyproc {

bool ParentProcess::is_alive() const { return connection::wait({sentinel}, 0.0).empty(); }

void ParentProcess::join(std::optional<double> timeout) const {
  connection::wait({sentinel}, timeout);
}

// _ParentProcess has no popen and parent_pid None, so BaseProcess.__repr__
// always reports it "unknown" and without pid.
std::string ParentProcess::repr() const {
  return "<_ParentProcess name=" + detail::py_str_repr(name) + " parent=None unknown>";
}

[[noreturn]] Bytes ParentProcess::authkey() const { throw KeyError("'authkey'"); }

}  // namespace pyproc
