# Install component `suite` (Debian package pyproc-suite): what a third party
# needs to run the suite or write a driver, besides the programs that
# conformance/ installs (runner and C++ driver in bin/, warden and helper in
# libexec/pyproc/). The programs link the library statically: the suite
# needs no libpyproc-dev.
install(DIRECTORY spec oracle DESTINATION ${PYPROC_INSTALL_DATADIR} COMPONENT suite
        PATTERN __pycache__ EXCLUDE PATTERN tests EXCLUDE)
# Every overlay: the start methods' and the other Python versions'
# (conformance/expected-py3.9/, ...; oracle/overlay.py).
file(GLOB pyproc_expected_overlays LIST_DIRECTORIES true
     ${PROJECT_SOURCE_DIR}/conformance/expected-*)
install(DIRECTORY conformance/cases conformance/expected conformance/deviations
                  conformance/protocol-vectors ${pyproc_expected_overlays}
        DESTINATION ${PYPROC_INSTALL_DATADIR}/conformance COMPONENT suite)
install(DIRECTORY conformance/drivers DESTINATION ${PYPROC_INSTALL_DATADIR}/conformance
        COMPONENT suite USE_SOURCE_PERMISSIONS)
# The licence with the data it covers: spec/ quotes the Python documentation
# (NOTICE). Not in the docs folder, which is the library's.
install(FILES LICENSE NOTICE DESTINATION ${PYPROC_INSTALL_DATADIR} COMPONENT suite)

# find_package(pyproc COMPONENTS suite): this file, beside pyprocConfig.cmake.
configure_package_config_file(cmake/pyprocSuite.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/pyprocSuite.cmake
  INSTALL_DESTINATION ${PYPROC_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_BINDIR PYPROC_INSTALL_LIBEXECDIR PYPROC_INSTALL_DATADIR)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pyprocSuite.cmake DESTINATION ${PYPROC_INSTALL_CMAKEDIR}
        COMPONENT suite)
