# Install component `library` (Debian package libpyproc-dev): besides the
# library and its headers (impl/CMakeLists.txt), the two ways a build finds
# it, CMake's find_package(pyproc) and pkg-config's pyproc.pc, and the
# licence. Nothing here needs the suite or its dependencies.
include(CMakePackageConfigHelpers)
set(PYPROC_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/pyproc)

# find_package(pyproc) gives pyproc::pyproc; find_package(pyproc COMPONENTS
# suite) also the suite's paths, where it is installed (PyprocSuitePackage.cmake).
install(EXPORT pyprocTargets NAMESPACE pyproc:: DESTINATION ${PYPROC_INSTALL_CMAKEDIR}
        COMPONENT library)
configure_package_config_file(cmake/pyprocConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/pyprocConfig.cmake
  INSTALL_DESTINATION ${PYPROC_INSTALL_CMAKEDIR})
# Before 1.0 a minor version may change the API: 0.1 accepts 0.1.x only.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pyprocConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pyprocConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/pyprocConfigVersion.cmake
        DESTINATION ${PYPROC_INSTALL_CMAKEDIR} COMPONENT library)

# pkg-config --cflags --libs pyproc. The prefix is found from the file's own
# place (${pcfiledir}), so an installed tree works wherever it is unpacked.
set(PYPROC_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(PYPROC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH PYPROC_PC_UP /prefix/${PYPROC_PKGCONFIG_DIR} /prefix)
  string(REGEX REPLACE "/$" "" PYPROC_PC_UP "${PYPROC_PC_UP}")
  set(PYPROC_PC_PREFIX "\${pcfiledir}/${PYPROC_PC_UP}")
endif()
# A static library carries no record of what it links with: its users link
# the threads library themselves (pkg-config --static is seldom used).
if(PYPROC_SHARED)
  set(PYPROC_PC_LIBS "")
  set(PYPROC_PC_LIBS_PRIVATE "-pthread")
else()
  set(PYPROC_PC_LIBS " -pthread")
  set(PYPROC_PC_LIBS_PRIVATE "")
endif()
configure_file(cmake/pyproc.pc.in ${CMAKE_CURRENT_BINARY_DIR}/pyproc.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pyproc.pc DESTINATION ${PYPROC_PKGCONFIG_DIR}
        COMPONENT library)

# The licence, the notice for the Python documentation the headers' comments
# quote, the changes.
install(FILES LICENSE NOTICE CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT library)
