#!/usr/bin/env bash
# debian.sh SOURCE_DIR BUILD_DIR WORK_DIR CXX — see packaging/CMakeLists.txt.
set -euo pipefail
source_dir=$1
build_dir=$2
work=$3
cxx=$4
# shellcheck source=packaging/lib.sh
source "$source_dir/packaging/lib.sh"
rm -rf "$work"
mkdir -p "$work"
arch=$(dpkg --print-architecture)

echo "== cpack: the two packages of this build"
cpack --config "$build_dir/CPackConfig.cmake" -B "$work/debs" >/dev/null
library=$work/debs/libpyproc-dev_0.1.0_$arch.deb
suite=$work/debs/pyproc-suite_0.1.0_$arch.deb
for deb in "$library" "$suite"; do
  dpkg-deb -I "$deb"
  [[ -n "$(dpkg-deb -f "$deb" Maintainer)" ]] || fail "$deb has no maintainer"
done

has_depends "$library" libc6-dev libstdc++-dev
# The suite's programs, computed by dpkg-shlibdeps; the oracle's python3.
has_depends "$suite" libc6 libstdc++6 python3
# The suite's programs link the library statically: it needs no libpyproc-dev.
if dpkg-deb -f "$suite" Depends | grep -q libpyproc; then fail "pyproc-suite depends on libpyproc-dev"; fi

# contents DEB: the files it installs, one a line.
contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | grep -v '/$'; }
contents "$library" >"$work/library.files"
contents "$suite" >"$work/suite.files"
for path in ./usr/include/pyproc/pyproc.hpp ./usr/lib/cmake/pyproc/pyprocConfig.cmake \
            ./usr/lib/pkgconfig/pyproc.pc ./usr/share/doc/pyproc/LICENSE; do
  grep -qx "$path" "$work/library.files" || fail "missing from libpyproc-dev: $path"
done
grep -qE "^\./usr/lib/libpyproc\.(a|so)" "$work/library.files" || fail "no library in libpyproc-dev"
for path in ./usr/bin/pyproc-conform ./usr/bin/pyproc-driver ./usr/libexec/pyproc/pyproc-warden \
            ./usr/libexec/pyproc/pyproc-helper ./usr/share/pyproc/conformance/cases/0001.json \
            ./usr/share/pyproc/oracle/driver.py ./usr/lib/cmake/pyproc/pyprocSuite.cmake; do
  grep -qx "$path" "$work/suite.files" || fail "missing from pyproc-suite: $path"
done
if grep -E "^\./usr/(bin|libexec|share/pyproc)/" "$work/library.files"; then
  fail "libpyproc-dev holds some of the suite"
fi
# dpkg refuses a file that two packages both install.
if comm -12 <(sort "$work/library.files") <(sort "$work/suite.files") | grep .; then
  fail "both packages install the files above"
fi

echo "== installed by dpkg into a scratch root"
install_debs "$work/root" "$library" "$suite"
for package in libpyproc-dev pyproc-suite; do
  dpkg --root="$work/root" -l "$package" | grep -q "^ii  $package " || fail "$package is not installed"
done
prefix=$work/root/usr

echo "== consumers of the installed tree: CMake, pkg-config"
consume_with_cmake "$prefix" "$work/consumer-cmake"
consume_with_pkg_config "$prefix/lib/pkgconfig" "$work/consumer-pkg-config"

echo "== the installed runner with the installed driver"
cd "$work"
"$prefix/bin/pyproc-conform" --only 0001 \
  --deviations "$prefix/share/pyproc/conformance/deviations/cpp.json" -- "$prefix/bin/pyproc-driver"
