#!/usr/bin/env bash
# install_and_consume.sh SOURCE_DIR BUILD_DIR WORK_DIR — see packaging/CMakeLists.txt.
set -euo pipefail
source_dir=$1
build_dir=$2
work=$3
rm -rf "$work"
mkdir -p "$work"

echo "== without its tests the project needs no GoogleTest, and builds no test"
cmake -S "$source_dir" -B "$work/no-tests" -G Ninja -DPYPROC_BUILD_TESTS=OFF \
  -DPYPROC_BENCHMARKS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_GTest=TRUE >/dev/null
targets=$(cmake --build "$work/no-tests" --target help)
for wanted in pyproc pyproc-conform pyproc-driver pyproc-warden pyproc-helper; do
  grep -q "^$wanted:" <<<"$targets" || { echo "no target $wanted without tests"; exit 1; }
done
if grep -E "_tests?:" <<<"$targets"; then echo "test targets built without tests"; exit 1; fi
# The small programs are built for real; the rest is the same code this build made.
cmake --build "$work/no-tests" --target pyproc-warden pyproc-helper >/dev/null

echo "== install this build"
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
for path in bin/pyproc-conform bin/pyproc-driver libexec/pyproc/pyproc-warden \
            libexec/pyproc/pyproc-helper include/pyproc/multiprocessing/process.hpp include/pyproc/os.hpp \
            lib/cmake/pyproc/pyprocConfig.cmake share/pyproc/spec/protocol.md \
            share/pyproc/oracle/driver.py share/pyproc/conformance/cases/0001.json \
            share/pyproc/conformance/expected/0001.json share/pyproc/conformance/deviations/cpp.json; do
  [[ -e "$work/prefix/$path" ]] || { echo "missing from the installed tree: $path"; exit 1; }
done

echo "== a consumer project: find_package(pyproc), pyproc::pyproc"
cmake -S "$source_dir/packaging/consumer" -B "$work/consumer" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer"
output=$("$work/consumer/consumer" "$(cat "$work/consumer/helper-path.txt")")
echo "$output"
[[ "$output" == "child exitcode 3; helper said: hello from pyproc-helper" ]]

echo "== the installed runner with the installed driver, from elsewhere"
cd "$work"
prefix=$work/prefix
"$prefix/bin/pyproc-conform" --only 0001 --only 0100 \
  --deviations "$prefix/share/pyproc/conformance/deviations/cpp.json" -- "$prefix/bin/pyproc-driver"
