#!/bin/sh
# build.sh - ptingestd.exe, ptingest.exe and ptingestd-<version>-x64.msi
# for 64-bit Windows, cross-built on Debian with mingw-w64.
#
#   packaging/windows/build.sh OUTDIR        (e.g. build-win/out)
#
# 1. build-deps.sh: RocksDB, libuv, libyaml, simdjson, inih from Debian's
#    source packages into build-win/deps/prefix (cached; RocksDB ~7
#    CPU-minutes the first time, nothing after).
# 2. meson with mingw64.txt in build-win/meson: both programs linked
#    statically (-static: libstdc++, libgcc and winpthread inside), so
#    they need no DLL beyond Windows' own.
# 3. wixl: the MSI (ptingestd.wxs), its tables listed with msiinfo.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
win=$top/build-win

step() { # step NAME CMD...: run, and say how long it took
    n=$1; shift
    t0=$(date +%s)
    "$@"
    echo "build.sh: $n took $(( $(date +%s) - t0 )) s" >&2
}

prefix=$(step deps sh "$here/build-deps.sh" "$win/deps" | tail -n 1)

export PKG_CONFIG_LIBDIR="$prefix/lib/pkgconfig"
opts="-Dini=enabled -Ddefault_library=static -Dbuildtype=release -Db_ndebug=true"
if [ ! -f "$win/meson/build.ninja" ]; then
    # shellcheck disable=SC2086
    meson setup "$win/meson" "$top" --cross-file "$here/mingw64.txt" $opts >/dev/null
else
    # A build dir kept from an earlier run may hold other options (one
    # from before inih was built has -Dini=disabled): set them again.
    # shellcheck disable=SC2086
    meson configure "$win/meson" $opts >/dev/null
fi
step programs ninja -C "$win/meson" daemon/ptingestd.exe client/ptingest.exe wintest.exe >/dev/null
cp "$win/meson/daemon/ptingestd.exe" "$win/meson/client/ptingest.exe" "$out/"
x86_64-w64-mingw32-strip "$out/ptingestd.exe" "$out/ptingest.exe"
# the Wine test's helper (not in the MSI)
mkdir -p "$out/test"
cp "$win/meson/wintest.exe" "$out/test/"

# Only system DLLs: anything else would have to ship beside the programs.
for exe in ptingestd.exe ptingest.exe; do
    dlls=$(x86_64-w64-mingw32-objdump -p "$out/$exe" | sed -n 's/^\tDLL Name: //p' | tr 'A-Z' 'a-z' |
           grep -v -E '^(kernel32|advapi32|user32|ws2_32|iphlpapi|userenv|dbghelp|ole32|shell32|shlwapi|rpcrt4|msvcrt|psapi|api-ms-win-.*)\.dll$' || true)
    [ -z "$dlls" ] || { echo "$exe needs non-system DLLs: $dlls" >&2; exit 1; }
done

version=$(sed -n "s/^ *version: '\([0-9.]*\)',\$/\1/p" "$top/meson.build" | head -n 1)
msi=$out/ptingestd-$version-x64.msi
cp "$here/ptingestd.yaml" "$out/ptingestd.yaml"
# wixl finds the files named in ptingestd.wxs in the current directory.
(cd "$out" && step msi wixl -a x64 -D Version="$version" -o "$msi" "$here/ptingestd.wxs")
# wixl drops Permanent and NeverOverwrite: set them on the configuration's
# component in the built package (msibuild runs SQL on its tables), so an
# upgrade never replaces an edited file and an uninstall leaves it.
# 0x100 64-bit, 0x10 permanent, 0x80 never overwrite.
msibuild "$msi" -q "UPDATE \`Component\` SET \`Attributes\` = $((0x100 | 0x10 | 0x80)) WHERE \`Component\` = 'Config'"
msiinfo export "$msi" Component | grep -q "^Config.*	$((0x100 | 0x10 | 0x80))	" \
    || { echo "$msi: configuration component not permanent" >&2; exit 1; }
msiinfo tables "$msi" | grep -q '^ServiceInstall$' || { echo "$msi: no ServiceInstall table" >&2; exit 1; }
for f in ptingestd.exe ptingest.exe ptingestd.yaml; do
    msiinfo export "$msi" File | grep -q "$f" || { echo "$msi: $f missing" >&2; exit 1; }
done
msiinfo export "$msi" Registry | grep -q 'EventLog.Application.ptingestd.*EventMessageFile' \
    || { echo "$msi: no event log source" >&2; exit 1; }
ls -l "$out"
