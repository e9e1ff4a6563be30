#!/bin/sh
# build-deps.sh - cross-build ptingestd's Windows dependencies (RocksDB 7.8.3,
# libuv 1.44.2, libyaml 0.2.5, simdjson, inih r59) as static libraries for
# x86_64-w64-mingw32 (posix threads: RocksDB needs std::thread/std::mutex)
# from Debian's own source packages, so the Windows build uses the same
# versions and patches as the Linux one.
#
#   packaging/windows/build-deps.sh [DIR]       (default build-win/deps)
#
# DIR/src holds the unpacked sources, DIR/prefix the result:
#   DIR/prefix/{include,lib}/...  and  DIR/prefix/lib/pkgconfig/*.pc
# Each library is built once; a rerun reuses what is there unless its
# recipe below changed (delete DIR/prefix/.done-NAME to force one).
# RocksDB dominates (about 7 CPU-minutes); it runs at nice 10 with JOBS
# jobs (default 2).
#
# Needs a deb-src entry (added below when missing, with apt-get update) and
# installs the mingw-w64 posix toolchain, cmake, wine, wine64, msitools and wixl.
# inih is the one exception: bookworm's libinih source package does not
# download (404), so it comes from trixie through a sources list of its own
# under DIR/apt (build_inih); the system's apt lists are left alone.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=${1:-$top/build-win/deps}
jobs=${JOBS:-2}
host=x86_64-w64-mingw32
cc=$host-gcc-posix
cxx=$host-g++-posix

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

# wine: /usr/bin/wine, wineserver, winepath (wine64 only recommends it,
# and recommends are not installed)
need=
for p in gcc-mingw-w64-x86-64-posix g++-mingw-w64-x86-64-posix cmake dpkg-dev \
         wine wine64 msitools wixl meson ninja-build pkg-config; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
    echo "installing:$need" >&2
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 || {
        $sudo apt-get update -qq # package lists older than the mirror
        $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
    }
fi

if ! apt-get source --print-uris libyaml >/dev/null 2>&1; then
    # apt-get source needs a deb-src entry: Debian 12 keeps its sources in
    # deb822 form, older set-ups in sources.list.
    echo "adding a deb-src entry" >&2
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        $sudo sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
    else
        echo "deb-src http://deb.debian.org/debian bookworm main" |
            $sudo tee /etc/apt/sources.list.d/ptingestd-deb-src.list >/dev/null
    fi
    $sudo apt-get update -qq
fi

src=$dir/src
prefix=$dir/prefix
mkdir -p "$src" "$prefix/lib/pkgconfig" "$prefix/include"

# fetch PKG DIRGLOB: unpack Debian's source package once (with its patches).
fetch() {
    set -- "$1" "$2"
    # shellcheck disable=SC2086
    if ! ls -d "$src"/$2 >/dev/null 2>&1; then
        (cd "$src" && apt-get source -qq "$1" >/dev/null)
    fi
    # shellcheck disable=SC2086
    ls -d "$src"/$2 | head -n 1
}

toolchain=$dir/toolchain.cmake
cat >"$toolchain" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $cc)
set(CMAKE_CXX_COMPILER $cxx)
set(CMAKE_RC_COMPILER $host-windres)
set(CMAKE_FIND_ROOT_PATH /usr/$host $prefix)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
EOF

pc() { # pc NAME VERSION LIBS [CFLAGS]: a pkg-config file meson can find
    cat >"$prefix/lib/pkgconfig/$1.pc" <<EOF
prefix=$prefix
Name: $1
Description: $1 (static, $host)
Version: $2
Libs: -L\${prefix}/lib $3
Cflags: -I\${prefix}/include ${4:-}
EOF
}

timed() { # timed NAME CMD...: run, and say how long it took
    n=$1; shift
    t0=$(date +%s)
    "$@"
    echo "$n: $(( $(date +%s) - t0 )) s" >&2
}

build_libuv() {
    s=$(fetch libuv1 'libuv1-1.*')
    cmake -S "$s" -B "$dir/build-libuv" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
        -DCMAKE_BUILD_TYPE=Release -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF >/dev/null
    nice -n 10 ninja -C "$dir/build-libuv" -j "$jobs" uv_a >/dev/null
    cp "$dir/build-libuv/libuv_a.a" "$prefix/lib/libuv.a"
    cp -r "$s/include/." "$prefix/include/"
    # Static libuv: its headers must not declare the functions dllimport.
    pc libuv 1.44.2 "-luv -lws2_32 -liphlpapi -luserenv -ldbghelp -lole32 -lshell32 -luuid -luser32" \
        "-DUV_STATIC"
}

build_yaml() {
    s=$(fetch libyaml 'libyaml-0.*')
    cmake -S "$s" -B "$dir/build-yaml" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
        -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTING=OFF \
        -DINSTALL_CMAKE_DIR=lib/cmake/yaml -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
    nice -n 10 ninja -C "$dir/build-yaml" -j "$jobs" install >/dev/null
    # YAML_DECLARE_STATIC: yaml.h otherwise marks its API __declspec(dllimport).
    pc yaml-0.1 0.2.5 "-lyaml" "-DYAML_DECLARE_STATIC"
}

build_simdjson() {
    # Debian's source ships the single-header amalgamation; one .cpp file
    # builds the whole library.
    s=$(fetch simdjson 'simdjson-*')
    $cxx -std=c++17 -O2 -c "$s/singleheader/simdjson.cpp" -I"$s/singleheader" \
        -o "$dir/simdjson.o"
    $host-ar rcs "$prefix/lib/libsimdjson.a" "$dir/simdjson.o"
    cp "$s/singleheader/simdjson.h" "$prefix/include/"
    v=$(sed -n 's/^#define SIMDJSON_VERSION "\{0,1\}\([0-9.]*\).*/\1/p' "$s/singleheader/simdjson.h" | head -n 1)
    pc simdjson "${v:-3}" "-lsimdjson"
}

build_rocksdb() {
    s=$(fetch rocksdb 'rocksdb-7.8.3')
    # No gflags, tools, tests or compression: the daemon needs none of them
    # (without Snappy, RocksDB's default compression is none).
    # RTTI on, as in Debian's build: store_fileio.cpp derives from
    # RocksDB's FileSystemWrapper and needs its typeinfo (RocksDB's CMake
    # leaves RTTI out of Release builds unless asked).
    # A unity build (16 sources per compiler run) takes 7 CPU-minutes
    # instead of 16: most of RocksDB's compile time is its headers. The
    # Windows port's sources redefine Windows API names per file and
    # sst_file_manager_impl.cc calls a method that <windows.h> has a macro
    # for, so those compile alone.
    cat >"$dir/rocksdb-unity.cmake" <<'CMAKE'
file(GLOB _pt_win_src "${CMAKE_CURRENT_SOURCE_DIR}/port/win/*.cc")
set_source_files_properties(${_pt_win_src}
  "${CMAKE_CURRENT_SOURCE_DIR}/file/sst_file_manager_impl.cc"
  PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
CMAKE
    cmake -S "$s" -B "$dir/build-rocksdb" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
        -DWITH_GFLAGS=OFF -DWITH_TESTS=OFF -DWITH_TOOLS=OFF -DWITH_BENCHMARK_TOOLS=OFF \
        -DWITH_CORE_TOOLS=OFF -DWITH_TRACE_TOOLS=OFF -DROCKSDB_BUILD_SHARED=OFF \
        -DPORTABLE=1 -DFAIL_ON_WARNINGS=OFF -DWITH_SNAPPY=OFF -DWITH_LZ4=OFF \
        -DWITH_ZLIB=OFF -DWITH_ZSTD=OFF -DWITH_BZ2=OFF -DWITH_JEMALLOC=OFF -DUSE_RTTI=1 \
        -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 \
        -DCMAKE_PROJECT_INCLUDE="$dir/rocksdb-unity.cmake" >/dev/null
    nice -n 10 ninja -C "$dir/build-rocksdb" -j "$jobs" rocksdb >/dev/null
    cp "$dir/build-rocksdb/librocksdb.a" "$prefix/lib/"
    cp -r "$s/include/rocksdb" "$prefix/include/"
    pc rocksdb 7.8.3 "-lrocksdb -lshlwapi -lrpcrt4"
}

# trixie's libinih (bookworm's 404s). Its own sources list, lists and
# cache under DIR/apt, so neither the system's apt configuration nor its
# lists change; the lists are fetched once. dpkg-source applies Debian's
# patches as apt-get source would, with --no-check as it does: apt has
# already checked the files against the signed index. The download runs
# as root (apt falls back to that anyway, with a warning: its _apt user
# cannot write to DIR).
inih_source() {
    apt=$dir/apt
    mirror=
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources |
                 grep -v security | head -n 1)
    fi
    if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
        mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' /etc/apt/sources.list |
                 grep -v security | head -n 1)
    fi
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror:-http://deb.debian.org/debian} trixie main" \
        >"$apt/sources.list"
    set -- -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
        -o APT::Sandbox::User=root
    if ! ls "$apt/lists/"*Sources* >/dev/null 2>&1; then
        apt-get -qq "$@" update >/dev/null
    fi
    (cd "$src" && apt-get -qq "$@" source --download-only libinih >/dev/null)
    (cd "$src" && dpkg-source --no-check -x "$(ls libinih_*.dsc | tail -n 1)" >/dev/null)
}

build_inih() {
    if ! ls -d "$src"/libinih-[0-9]* >/dev/null 2>&1; then
        inih_source
    fi
    s=$(ls -d "$src"/libinih-[0-9]* | tail -n 1)
    # One C file. Debian builds it with inih's defaults (distro_install:
    # multi-line values, a UTF-8 BOM, ';' inline comments, a 200-byte line
    # buffer on the stack, no stop on the first error) plus
    # INI_HANDLER_LINENO=1. Here the library keeps ini.h's default, a
    # handler without the line number, which is what config/meson.build
    # assumes when cross-building (it runs no probe then), so caller and
    # handler agree on the handler's type.
    $cc -O2 -Wall -DINI_HANDLER_LINENO=0 -c "$s/ini.c" -o "$dir/ini.o"
    rm -f "$prefix/lib/libinih.a"
    $host-ar rcs "$prefix/lib/libinih.a" "$dir/ini.o"
    cp "$s/ini.h" "$prefix/include/"
    pc inih "${s##*-}" "-linih"
}

# DIR/prefix/.done-NAME holds a hash of build_NAME's text as it was
# built: a changed recipe (a new flag) rebuilds that library, nothing else.
for lib in libuv yaml simdjson inih rocksdb; do
    recipe=$(sed -n "/^build_$lib() {/,/^}/p" "$here/build-deps.sh" | sha256sum | cut -c1-16)
    [ "$(cat "$prefix/.done-$lib" 2>/dev/null)" = "$recipe" ] && continue
    timed "$lib" "build_$lib"
    echo "$recipe" >"$prefix/.done-$lib"
done
echo "$prefix"
