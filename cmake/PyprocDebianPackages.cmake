# Debian packages of the install components, made by cpack in a build tree
# (`cpack -G DEB`, README's "Installing"):
#   libpyproc-dev  component library: the library, headers, CMake package,
#                  pkg-config file. A distribution would move a shared
#                  libpyproc.so.0.1 to a runtime package of its own
#                  (libpyproc0.1); one package keeps this project's two.
#   pyproc-suite   component suite: runner, C++ driver, warden, helper
#                  program, cases, expected files, spec, oracle. Its programs
#                  link the library statically, so it does not depend on
#                  libpyproc-dev; python3 runs the oracle and the Python
#                  drivers it installs.
# Depends: what dpkg-shlibdeps finds the binaries need (libc6, libstdc++6,
# libgcc-s1), and what is stated below.
set(PYPROC_DEB_MAINTAINER
    "The pyproc developers <maintainers@users.noreply.b-seed-58227394.example>"
    CACHE STRING "Maintainer field of the Debian packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pyproc)
set(CPACK_PACKAGE_VENDOR "The pyproc developers")
# No package-wide summary: CPack would put it before each component's own.
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL library)
if(PYPROC_BUILD_SUITE)
  list(APPEND CPACK_COMPONENTS_ALL suite)
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PYPROC_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_LIBRARY_PACKAGE_NAME libpyproc-dev)
set(CPACK_DEBIAN_LIBRARY_PACKAGE_SECTION libdevel)
# A C++20 compiler's C and C++ library headers, for the programs built with it.
set(CPACK_DEBIAN_LIBRARY_PACKAGE_DEPENDS "libc6-dev | libc-dev, libstdc++-dev")
set(CPACK_DEBIAN_LIBRARY_DESCRIPTION [[
Python's process semantics in C++20 (development files)
pyproc::Process behaves like Python's multiprocessing.Process (fork start
method), pyproc::os like Python's os process management and
pyproc::subprocess like its subprocess module, down to the exception types
and messages. This package holds the library, its headers, the CMake
package (find_package(pyproc)) and the pkg-config file (pyproc.pc).]])
if(PYPROC_SHARED)
  # ldconfig by a trigger (as debhelper does), not by maintainer scripts:
  # a package without scripts also installs under dpkg --root.
  set(CPACK_DEBIAN_LIBRARY_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/cmake/debian/triggers)
endif()

set(CPACK_DEBIAN_SUITE_PACKAGE_NAME pyproc-suite)
set(CPACK_DEBIAN_SUITE_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_SUITE_PACKAGE_DEPENDS "python3 (>= 3.8)")
set(CPACK_DEBIAN_SUITE_PACKAGE_SUGGESTS "libpyproc-dev")
set(CPACK_DEBIAN_SUITE_DESCRIPTION [[
conformance suite for Python's process semantics
Numbered, language-neutral cases for multiprocessing.Process, os process
management and subprocess, each with the result CPython gives; the runner
(pyproc-conform) that runs them against any implementation's driver, the
driver of the C++ implementation (pyproc-driver), the specification and the
CPython oracle.]])

include(CPack)
