#!/bin/sh
# build-release-rocksdb.sh - build Debian's own RocksDB 7.8.3 (same source,
# same Debian patches, same compiler flags and compression libraries) with
# -DNDEBUG, i.e. without the assertions Debian's librocksdb is built with.
#
#   bench/build-release-rocksdb.sh [DIR]      (default /var/tmp/rocksdb-release)
#
# Downloads the source package with `apt-get source rocksdb` (needs a
# deb-src entry), builds only the shared library (`rocksdb-shared`) with
# CMake at nice 19 and ONE job (about 16 CPU-minutes on a 2-core machine;
# it stays out of the way of other work), and installs it as
#   DIR/install/lib/librocksdb.so.7.8*   DIR/install/include/rocksdb/
#   DIR/install/lib/pkgconfig/rocksdb.pc
# Nothing is written into the repository. Then either
#   meson setup build-release -Drocksdb_prefix=DIR/install   (rpath is set)
# or, for any program linked with Debian's librocksdb.so.7.8 (same ABI):
#   LD_LIBRARY_PATH=DIR/install/lib ptingestd ...
# Set JOBS=2 to build faster when the machine is otherwise idle.
set -eu
dir=${1:-/var/tmp/rocksdb-release}
jobs=${JOBS:-1}
ver=7.8.3

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
need=
for p in cmake g++ dpkg-dev libsnappy-dev liblz4-dev libzstd-dev libbz2-dev zlib1g-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need="$need $p"
done
if [ -n "$need" ]; then
    echo "installing:$need" >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

mkdir -p "$dir"
cd "$dir"
if [ ! -d "rocksdb-$ver" ]; then
    if ! apt-get source --print-uris "rocksdb=$ver-2" >/dev/null 2>&1 &&
       ! apt-get source --print-uris rocksdb >/dev/null 2>&1; then
        cat >&2 <<'EOF'
apt-get source needs a deb-src entry. On Debian 12 add "deb-src" to the
Types: line of /etc/apt/sources.list.d/debian.sources (or a
"deb-src http://deb.debian.org/debian bookworm main" line to
/etc/apt/sources.list), run apt-get update, and run this again.
EOF
        exit 2
    fi
    apt-get source rocksdb >/dev/null
fi
[ -d "rocksdb-$ver" ] || { echo "no rocksdb-$ver source directory in $dir" >&2; exit 2; }

# Debian builds with CMAKE_BUILD_TYPE=None and dpkg-buildflags (-g -O2 ...,
# no -DNDEBUG). Keep all of that and add -DNDEBUG (and drop -g: debug info
# does not change the code, only the build time and size).
cflags="$(dpkg-buildflags --get CFLAGS | sed 's/-g //') -DNDEBUG"
cxxflags="$(dpkg-buildflags --get CXXFLAGS | sed 's/-g //') -DNDEBUG"
ldflags=$(dpkg-buildflags --get LDFLAGS)
mkdir -p build
cd build
if [ ! -f CMakeCache.txt ]; then
    CFLAGS=$cflags CXXFLAGS=$cxxflags LDFLAGS=$ldflags \
    cmake "../rocksdb-$ver" -DCMAKE_BUILD_TYPE=None \
        -DWITH_BZ2=ON -DWITH_LZ4=ON -DWITH_ZLIB=ON -DWITH_ZSTD=ON -DWITH_SNAPPY=ON \
        -DROCKSDB_BUILD_SHARED=ON -DWITH_GFLAGS=OFF -DWITH_TESTS=OFF \
        -DWITH_BENCHMARK_TOOLS=OFF -DWITH_CORE_TOOLS=OFF -DWITH_TOOLS=OFF \
        -DWITH_TRACE_TOOLS=OFF -DPORTABLE=ON -DFAIL_ON_WARNINGS=OFF >cmake.log
fi
t0=$(date +%s)
nice -n 19 cmake --build . --target rocksdb-shared -j "$jobs" >build.log 2>&1 ||
    { tail -30 build.log >&2; exit 1; }
echo "built in $(( $(date +%s) - t0 )) s" >&2

inst="$dir/install"
rm -rf "$inst"
mkdir -p "$inst/lib/pkgconfig" "$inst/include"
cp -P librocksdb.so* "$inst/lib/"
cp -R "../rocksdb-$ver/include/rocksdb" "$inst/include/"
cat >"$inst/lib/pkgconfig/rocksdb.pc" <<EOF
prefix=$inst
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: rocksdb
Description: RocksDB $ver (Debian source, built with -DNDEBUG)
Version: $ver
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -lrocksdb
Cflags: -I\${includedir}
EOF
if nm -D "$inst/lib/librocksdb.so.$ver" | grep -q __assert_fail; then
    echo "warning: the library still imports __assert_fail" >&2
fi
echo "$inst"
