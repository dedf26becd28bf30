# shellcheck shell=bash
# What the packaging tests share (sourced; packaging/CMakeLists.txt says what
# each test checks). The caller sets source_dir and cxx (the build's compiler).
# shellcheck disable=SC2154

# The consumer program's output, the same against every kind of install.
expected_consumer_output="child exitcode 3
popen read: hello from sh
Popen communicate: sh got a line
caught CalledProcessError, returncode 5
caught FileNotFoundError"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# run_consumer PROGRAM: runs it and compares its output.
run_consumer() {
  local output
  output=$("$1") || fail "$1 exited with status $?"
  echo "$output"
  [[ "$output" == "$expected_consumer_output" ]] || fail "$1 printed something else"
}

# consume_with_cmake PREFIX_PATH BUILD_DIR: packaging/consumer, which names
# only find_package(pyproc) and pyproc::pyproc, built against PREFIX_PATH and run.
consume_with_cmake() {
  cmake -S "$source_dir/packaging/consumer" -B "$2" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$1" >/dev/null
  cmake --build "$2"
  run_consumer "$2/consumer"
}

# consume_with_pkg_config PKGCONFIG_DIR BUILD_DIR: the same program compiled
# with `pkg-config --cflags --libs pyproc` and nothing else (no -std).
consume_with_pkg_config() {
  local flags libdir
  flags=$(PKG_CONFIG_LIBDIR=$1 pkg-config --cflags --libs pyproc)
  libdir=$(PKG_CONFIG_LIBDIR=$1 pkg-config --variable=libdir pyproc)
  echo "pkg-config --cflags --libs pyproc: $flags"
  mkdir -p "$2"
  # shellcheck disable=SC2086  # the flags are words
  "$cxx" -o "$2/consumer" "$source_dir/packaging/consumer/main.cpp" $flags
  LD_LIBRARY_PATH=$libdir run_consumer "$2/consumer"
}

# install_debs ROOT DEB...: dpkg installs the packages under ROOT, with a
# package database of its own that holds, of this system's, only the
# packages their Depends name (and those that provide them), so that dpkg
# refuses a package whose Depends this system does not satisfy. The system's
# own database and files are not touched. Maintainer scripts would run in a
# chroot of ROOT, which has no shell: a package with one (libpyproc-dev of a
# shared library runs ldconfig) is unpacked and its Depends checked, not
# configured.
install_debs() {
  local root=$1 admin=$1/var/lib/dpkg names packages package
  shift
  mkdir -p "$admin/info" "$admin/updates" "$admin/triggers"
  touch "$admin/available"
  names=$(for deb in "$@"; do dpkg-deb -f "$deb" Depends; done | tr ',|' '\n' |
    sed 's/(.*//; s/ //g' | grep . | sort -u | tr '\n' ' ')
  packages=$(dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package} ${Package} ${Provides}\n' |
    awk -v names="$names" '
      BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
      $1 == "ii" { if ($3 in want) print $2
                   for (i = 4; i <= NF; i++) { p = $i; gsub(/,/, "", p); if (p in want) print $2 } }' |
    sort -u)
  # shellcheck disable=SC2086
  dpkg-query -s $packages >"$admin/status"
  for package in $packages; do touch "$admin/info/$package.list"; done

  dpkg --root="$root" --force-not-root --unpack "$@"
  dpkg --root="$root" --force-not-root --no-act --configure --pending ||
    fail "dpkg refuses to configure the packages (their Depends, above)"
  for deb in "$@"; do
    package=$(dpkg-deb -f "$deb" Package)
    if ! compgen -G "$admin/info/$package.p*" >/dev/null; then
      dpkg --root="$root" --force-not-root --configure "$package"
    fi
  done
  dpkg --root="$root" -l | grep -E "^[a-z][a-zA-Z] "
}

# has_depends DEB NAME...: each NAME is among the package's Depends, or
# among the alternatives of one of them.
has_depends() {
  local deb=$1 names
  shift
  names=$(dpkg-deb -f "$deb" Depends | tr ',|' '\n' | sed 's/(.*//; s/ //g')
  for name in "$@"; do
    grep -qxF "$name" <<<"$names" || fail "$(basename "$deb") does not depend on $name"
  done
}
