#!/usr/bin/env bash
# library_only.sh SOURCE_DIR WORK_DIR CXX — see packaging/CMakeLists.txt.
set -euo pipefail
source_dir=$1
work=$2
cxx=$3
# shellcheck source=packaging/lib.sh
source "$source_dir/packaging/lib.sh"
rm -rf "$work"
mkdir -p "$work"
build=$work/build

echo "== the library alone, shared: no nlohmann-json, CLI11, GoogleTest or Google Benchmark"
# A find_package() of any of them is now an error (REQUIRED and disabled);
# CMake would warn that it never read these variables: none is looked for.
cmake -S "$source_dir" -B "$build" -G Ninja --no-warn-unused-cli -DCMAKE_CXX_COMPILER="$cxx" \
  -DPYPROC_BUILD_SUITE=OFF -DBUILD_SHARED_LIBS=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON >/dev/null
cmake --build "$build" -j2 >/dev/null
# Their headers are on this machine, so the compiler would find them: no
# object of the library may have read one.
if ninja -C "$build" -t deps | grep -E "/(nlohmann|CLI|gtest|gmock|benchmark)/"; then
  fail "the library's sources include the suite's or the tests' dependencies"
fi
targets=$(cmake --build "$build" --target help)
if grep -E "^(pyproc-conform|pyproc-driver|pyproc-warden|pyproc-helper):" <<<"$targets"; then
  fail "the suite is built without PYPROC_BUILD_SUITE"
fi

echo "== installed: the library component is the whole install"
cmake --install "$build" --prefix "$work/prefix" --component library >/dev/null
cmake --install "$build" --prefix "$work/whole" >/dev/null
diff <(cd "$work/prefix" && find . | sort) <(cd "$work/whole" && find . | sort) ||
  fail "the library-only build installs more than the library component"
lib=$work/prefix/lib
ls -l "$lib"/libpyproc.*

echo "== SONAME libpyproc.so.0.1 (0.x: a minor version may break the ABI), bound at load"
[[ -f "$lib/libpyproc.so.0.1.0" && -L "$lib/libpyproc.so.0.1" && -L "$lib/libpyproc.so" ]] ||
  fail "not libpyproc.so.0.1.0 with its two links"
readelf -d "$lib/libpyproc.so.0.1.0" | grep -E "SONAME|FLAGS"
readelf -d "$lib/libpyproc.so.0.1.0" | grep -q "Library soname: \[libpyproc.so.0.1\]" ||
  fail "SONAME is not libpyproc.so.0.1"
readelf -d "$lib/libpyproc.so.0.1.0" | grep -q "BIND_NOW" || fail "libpyproc.so is not -z now"

echo "== exported: the API and its classes' type information, nothing of namespace detail"
exports=$(nm -D --defined-only --demangle "$lib/libpyproc.so.0.1.0" | cut -d' ' -f3-)
echo "$(wc -l <<<"$exports") symbols"
# The entity's own name, before its parameters (each line's).
# shellcheck disable=SC2001
if sed 's/(.*//' <<<"$exports" | grep "::detail::"; then fail "namespace detail is exported"; fi
if grep -vE "^((typeinfo name|typeinfo|vtable) for )?pyproc::" <<<"$exports"; then
  fail "symbols outside namespace pyproc are exported"
fi
for wanted in "pyproc::subprocess::run(" "pyproc::Process::start()" \
               "typeinfo for pyproc::subprocess::CalledProcessError" "vtable for pyproc::ValueError"; do
  grep -qF "$wanted" <<<"$exports" || fail "not exported: $wanted"
done

echo "== consumers: CMake, pkg-config; both load libpyproc.so.0.1"
consume_with_cmake "$work/prefix" "$work/consumer-cmake"
consume_with_pkg_config "$lib/pkgconfig" "$work/consumer-pkg-config"
for consumer in "$work/consumer-cmake/consumer" "$work/consumer-pkg-config/consumer"; do
  readelf -d "$consumer" | grep -q "Shared library: \[libpyproc.so.0.1\]" ||
    fail "$consumer does not link libpyproc.so.0.1"
done

echo "== libpyproc-dev of the shared library: cpack, then installed by dpkg"
cpack --config "$build/CPackConfig.cmake" -B "$work/debs" >/dev/null
deb=$work/debs/libpyproc-dev_0.1.0_$(dpkg --print-architecture).deb
dpkg-deb -I "$deb"
# The shared library's, computed by dpkg-shlibdeps; the headers' users'.
has_depends "$deb" libc6 libstdc++6 libc6-dev libstdc++-dev
files=$(dpkg-deb -c "$deb")
grep -q "usr/lib/libpyproc.so.0.1.0$" <<<"$files" || fail "no libpyproc.so.0.1.0 in $deb"
install_debs "$work/root" "$deb"
consume_with_cmake "$work/root/usr" "$work/consumer-deb"
