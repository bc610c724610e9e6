#!/usr/bin/env bash
# Lists the panic paths left in the release Cortex-M firmware
# (../../firmware): for each binary and target, the functions that contain a
# call (or tail call, or conditional branch) to core's panic entry points
# (`core::panicking::*`, `core::slice::index::*`, `unwrap_failed`,
# `expect_failed`, `len_mismatch_fail`), with the number of call sites, read
# from `arm-none-eabi-objdump -d -C`. Core's own panic and formatting
# machinery and the firmware's test harness (its output line and panic
# handler) are not counted: what is listed is reachable from inference.
#
# Exits with status 1 if a (binary, target) pair of the `clean` list below
# has any panic path, so that one coming back fails CI.
#
# Usage: tools/qemu/panics.sh [TARGET...]
#   TARGET: thumbv7em-none-eabihf, thumbv7m-none-eabi, thumbv6m-none-eabi
#   (default: all three).
#
# The firmware is built with tools/qemu/run.sh's cargo command, so after
# run.sh cargo finds it up to date and rebuilds nothing.
#
# Needs: arm-none-eabi-objdump (apt-get install binutils-arm-none-eabi), the
# rustup targets and ../shared/models beside the repository (as run.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fw="$root/firmware"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(thumbv7em-none-eabihf thumbv7m-none-eabi thumbv6m-none-eabi)

# (binary target) pairs whose inference has no panic path: every model on
# every target. `kernels` is no model but a test of the kernels against
# their portable reference paths, which it calls directly.
clean=()
for target in thumbv7em-none-eabihf thumbv7m-none-eabi thumbv6m-none-eabi; do
    for bin in resnet8 person_detect micro_speech hello_world cifar10 mnist_lstm micro_speech_lstm; do
        clean+=("$bin $target")
    done
done

command -v arm-none-eabi-objdump >/dev/null || {
    echo "panics.sh: arm-none-eabi-objdump is missing (apt-get install binutils-arm-none-eabi)" >&2
    exit 2
}

is_clean() {
    local pair
    for pair in "${clean[@]}"; do
        [ "$pair" = "$1 $2" ] && return 0
    done
    return 1
}

# Prints "count function" for every function of the ELF `$1` with panic
# call sites, most first.
panic_sites() {
    arm-none-eabi-objdump -d -C --no-show-raw-insn "$1" | awk '
        # A function starts with "<address> <name>:".
        /^[0-9a-f]+ <.*>:$/ {
            fn = $0
            sub(/^[0-9a-f]+ </, "", fn)
            sub(/>:$/, "", fn)
            next
        }
        # A branch (b, bl, b.w, bcs.w, ...) to the entry of "<symbol>" (an
        # offset "<symbol+0x..>" is no call: padding between functions
        # decodes as such branches).
        $2 ~ /^bl?x?([a-z][a-z])?(\.[nw])?$/ && match($0, /<[^>+]*>$/) {
            callee = substr($0, RSTART + 1, RLENGTH - 2)
            if (callee ~ /^core::panicking::|^core::slice::index::|unwrap_failed$|expect_failed$|len_mismatch_fail$/)
                count[fn]++
        }
        END { for (f in count) printf "%d %s\n", count[f], f }
    ' | grep -v -E ' (core::panicking::|core::slice::index::|core::fmt::|core::option::|core::result::|core::cell::panic|rust_begin_unwind|nn_firmware::Line|nn_firmware::panic$|<nn_firmware::Line)' |
        sort -k1,1nr -k2 || true
}

status=0
for target in "${targets[@]}"; do
    echo "== $target: cargo build --release (firmware/)"
    (cd "$fw" && cargo build --release --bins --target "$target")
    for f in "$fw"/src/bin/*.rs; do
        bin="$(basename "$f" .rs)"
        sites="$(panic_sites "$fw/target/$target/release/$bin")"
        expect=""
        is_clean "$bin" "$target" && expect=" (listed as clean)"
        if [ -z "$sites" ]; then
            echo "-- $bin ($target): no panic path$expect"
            continue
        fi
        total="$(awk '{ n += $1 } END { print n }' <<<"$sites")"
        echo "-- $bin ($target): $total panic call sites$expect"
        sed 's/^/   /' <<<"$sites"
        if [ -n "$expect" ]; then
            echo "FAILED: $bin on $target is listed as clean"
            status=1
        fi
    done
done
[ "$status" = 0 ] && echo "panics: every pair listed as clean is clean"
exit "$status"
