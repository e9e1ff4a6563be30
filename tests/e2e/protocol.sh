#!/bin/sh
# Malformed and oversized frames get an ERROR frame and close that
# connection only; the daemon and a concurrent ingest carry on.
. "$(dirname "$0")/lib.sh"
: "${RAWCLIENT:?set by meson}"
start_daemon

"$PTINGEST" gen --entities 400 --seed 11 >"$T/in.ndjson"
"$PTINGEST" ingest "$T/in.ndjson" --no-progress 2>"$T/ingest.err" &
ipid=$!

expect() { # name, expected output fragment, rawclient args...
    name=$1 want=$2
    shift 2
    "$RAWCLIENT" "$SOCK" "$@" >"$T/$name.out" 2>&1 || true
    grep -qF "$want" "$T/$name.out" || fail "$name: got $(cat "$T/$name.out")"
    grep -q '^CLOSED$' "$T/$name.out" || fail "$name: connection not closed"
}
# frame header: u32 length LE, u8 type, u8 flags, u16 reserved
expect no_hello 'ERROR code=1 expected HELLO first, got STATUS' 000000001b000000
expect reserved 'ERROR code=1 malformed frame header' 00000000010000ff
expect oversized 'ERROR code=2 frame larger than ingest.max_frame_bytes' hello ffffff7f0c000000
expect bad_version 'ERROR code=8 protocol version 99 not supported' 1700000001000000 63000000 0f000000 6e6f2d737563682d76657273696f6e
expect unknown_type 'ERROR code=1 unexpected message type 99' hello 0000000063000000
expect short_rows 'ERROR code=1 ROWS outside a running job' hello 040000000c00000001000000
expect truncated_rows 'ERROR code=1 malformed ROWS frame (row 1 of 1)' hello 040000000a00000000000000 0b0000000c000000 01000000 00 0000 05000000
expect bad_rel 'ERROR code=3 row 1: unknown relation index 77' hello 040000000a00000000000000 140000000c000000 01000000 00 4d00 01000000 61 04000000 74727565
# The daemon checks every row itself, whatever the client: a UTF-8 key,
# one compact JSON text as a value, a delete without one. The error names
# the row; the rows before it are stored, as with the CLI's bad lines.
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
u32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24)); }
row() { # op(2 hex) rel(4 hex) key-hex value-hex
    printf '%s%s%s%s%s%s' "$1" "$2" "$(u32 $((${#3} / 2)))" "$3" "$(u32 $((${#4} / 2)))" "$4"
}
rows() { # rows frame of the rows given (hex)
    p="$(u32 $#)$(printf '%s' "$@")"
    printf '%s0c000000%s' "$(u32 $((${#p} / 2)))" "$p"
}
begin=040000000a00000000000000
injected="not json
{\"rel\":\"CodeGraph\",\"key\":\"INJECTED\",\"value\":1}"
expect bad_key 'ERROR code=3 row 1: key is not valid UTF-8 (byte 1)' \
    hello $begin "$(rows "$(row 00 0000 61ff 31)")"
expect injected 'ERROR code=3 row 2: value is not one compact JSON text: bad literal at byte 1' \
    hello $begin "$(rows "$(row 00 0000 "$(hex ok)" 31)" "$(row 00 0000 "$(hex forged)" "$(hex "$injected")")")"
expect spaced 'ERROR code=3 row 1: value is not one compact JSON text: whitespace outside a string' \
    hello $begin "$(rows "$(row 00 0000 "$(hex k)" "$(hex '{"a": 1}')")")"
expect empty_value 'ERROR code=3 row 1: value is not one compact JSON text: a value is missing' \
    hello $begin "$(rows "$(row 00 0000 "$(hex k)" "")")"
expect del_value 'ERROR code=3 row 1: a delete carries no value (1 bytes sent)' \
    hello $begin "$(rows "$(row 01 0000 "$(hex k)" 31)")"

# a GET of an unknown relation index is answered, and the connection stays
"$RAWCLIENT" "$SOCK" hello 070000001400000063000100000078 >"$T/get.out" 2>&1 || true
grep -q 'ERROR code=7 unknown relation index 99' "$T/get.out" || fail "get: $(cat "$T/get.out")"

wait "$ipid" || fail "concurrent ingest failed: $(cat "$T/ingest.err")"
"$PTINGEST" export >"$T/out.ndjson"
{ cat "$T/in.ndjson"; echo '{"rel":"CodeGraph","key":"ok","value":1}'; } >"$T/want.ndjson"
same_sorted "$T/want.ndjson" "$T/out.ndjson" || fail "ingest beside bad clients differs"
"$PTINGEST" metrics | grep -q '^ptingestd_errors_total{kind="protocol"} [1-9]' || fail "protocol errors not counted"
grep -q 'INJECTED\|"key":"forged"' "$T/out.ndjson" && fail "a refused row was stored"
"$PTINGEST" metrics | grep -q '^ptingestd_errors_total{kind="bad_row"} [5-9]' || fail "bad rows not counted"
stop_daemon
echo "protocol: ok"
