#!/usr/bin/env bash
# install_and_consume.sh SOURCE_DIR BUILD_DIR WORK_DIR CXX — see packaging/CMakeLists.txt.
set -euo pipefail
source_dir=$1
build_dir=$2
work=$3
cxx=$4
# shellcheck source=packaging/lib.sh
source "$source_dir/packaging/lib.sh"
rm -rf "$work"
mkdir -p "$work"

echo "== without its tests the project needs no GoogleTest, and builds no test"
cmake -S "$source_dir" -B "$work/no-tests" -G Ninja -DPYPROC_BUILD_TESTS=OFF \
  -DPYPROC_BENCHMARKS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_GTest=TRUE >/dev/null
targets=$(cmake --build "$work/no-tests" --target help)
for wanted in pyproc_public pyproc-conform pyproc-driver pyproc-warden pyproc-helper; do
  grep -q "^$wanted:" <<<"$targets" || fail "no target $wanted without tests"
done
if grep -E "_tests?:" <<<"$targets"; then fail "test targets built without tests"; fi
# The small programs are built for real; the rest is the same code this build made.
cmake --build "$work/no-tests" --target pyproc-warden pyproc-helper >/dev/null

echo "== this build installed whole, and component by component"
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake --install "$build_dir" --prefix "$work/library" --component library >/dev/null
cmake --install "$build_dir" --prefix "$work/suite" --component suite >/dev/null
files() { (cd "$1" && find . ! -type d | sort); }
# A file in neither component would be missing from the Debian packages.
diff <(files "$work/prefix") <( (files "$work/library"; files "$work/suite") | sort) ||
  fail "the whole install is not the library and the suite components (diff above)"
for path in include/pyproc/pyproc.hpp include/pyproc/multiprocessing/process.hpp \
            lib/cmake/pyproc/pyprocConfig.cmake lib/pkgconfig/pyproc.pc \
            share/doc/pyproc/LICENSE share/doc/pyproc/NOTICE; do
  [[ -e "$work/library/$path" ]] || fail "missing from the library component: $path"
done
for path in bin/pyproc-conform bin/pyproc-driver libexec/pyproc/pyproc-warden \
            libexec/pyproc/pyproc-helper lib/cmake/pyproc/pyprocSuite.cmake \
            share/pyproc/spec/protocol.md share/pyproc/oracle/driver.py \
            share/pyproc/conformance/cases/0001.json share/pyproc/conformance/expected/0001.json \
            share/pyproc/conformance/deviations/cpp.json share/pyproc/NOTICE; do
  [[ -e "$work/suite/$path" ]] || fail "missing from the suite component: $path"
done
compgen -G "$work/library/lib/libpyproc.[as]*" >/dev/null || fail "no library in the library component"
[[ ! -e "$work/library/bin" && ! -e "$work/library/libexec" && ! -e "$work/library/share/pyproc" ]] ||
  fail "the library component holds some of the suite"
# -z now is this project's choice for its own programs, not its users'.
if grep -rl "z,now" "$work/library/lib/cmake/pyproc"; then fail "the package forces -z now"; fi

echo "== consumers of the library component alone: CMake, pkg-config"
consume_with_cmake "$work/library" "$work/consumer-cmake"
consume_with_pkg_config "$work/library/lib/pkgconfig" "$work/consumer-pkg-config"

echo "== find_package(pyproc COMPONENTS suite): only where the suite is installed"
if cmake -S "$source_dir/packaging/suite_consumer" -B "$work/suite-consumer-missing" -G Ninja \
     -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/library" >/dev/null 2>&1; then
  fail "find_package(pyproc COMPONENTS suite) found a suite in the library alone"
fi
cmake -S "$source_dir/packaging/suite_consumer" -B "$work/suite-consumer" -G Ninja \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cat "$work/suite-consumer/suite-paths.txt"
grep -qx "PYPROC_CONFORM=$work/prefix/bin/pyproc-conform" "$work/suite-consumer/suite-paths.txt" ||
  fail "PYPROC_CONFORM is not the installed runner"

echo "== the installed runner with the installed driver, from elsewhere"
cd "$work"
prefix=$work/prefix
"$prefix/bin/pyproc-conform" --only 0001 --only 0100 \
  --deviations "$prefix/share/pyproc/conformance/deviations/cpp.json" -- "$prefix/bin/pyproc-driver"
