#!/usr/bin/env bash
# Builds the Cortex-M firmware (../../firmware) in release and runs every
# model binary in QEMU with semihosting. Each binary checks every output
# against the TFLM reference and exits non-zero on any difference; this
# script fails if any binary fails, times out or does not run.
#
# Usage: tools/qemu/run.sh [TARGET...]
#   TARGET: thumbv7em-none-eabihf (Cortex-M4F, QEMU mps2-an386),
#           thumbv7m-none-eabi    (Cortex-M3,  QEMU mps2-an385),
#           thumbv6m-none-eabi    (Cortex-M0+ code: ARMv6-M is a subset of
#                                  ARMv7-M and no QEMU board has an M0+, so it
#                                  runs on the Cortex-M3 board mps2-an385).
#   Default: all three.
#   QEMU_TIMEOUT: seconds per binary (default 300).
#
# Needs (installed by nothing here): qemu-system-arm (Debian/Ubuntu:
# `apt-get install qemu-system-arm`), the rustup targets
# (`rustup target add thumbv7em-none-eabihf thumbv7m-none-eabi thumbv6m-none-eabi`)
# and ../shared/models beside the repository (the firmware embeds its test
# vectors at build time).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fw="$root/firmware"
timeout_s="${QEMU_TIMEOUT:-300}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(thumbv7em-none-eabihf thumbv7m-none-eabi thumbv6m-none-eabi)

command -v qemu-system-arm >/dev/null || {
    echo "run.sh: qemu-system-arm is missing (apt-get install qemu-system-arm)" >&2
    exit 2
}

board_of() {
    case "$1" in
        thumbv7em-none-eabihf) echo mps2-an386 ;;
        thumbv7m-none-eabi | thumbv6m-none-eabi) echo mps2-an385 ;;
        *) echo "run.sh: unknown target $1" >&2; exit 2 ;;
    esac
}

bins=()
for f in "$fw"/src/bin/*.rs; do bins+=("$(basename "$f" .rs)"); done

passed=0 failed=0
for target in "${targets[@]}"; do
    board="$(board_of "$target")"
    echo "== $target: cargo build --release (firmware/)"
    (cd "$fw" && cargo build --release --bins --target "$target")
    for bin in "${bins[@]}"; do
        elf="$fw/target/$target/release/$bin"
        echo "-- $bin on $board ($target)"
        set +e
        timeout "$timeout_s" qemu-system-arm -M "$board" -nographic -monitor none -serial none \
            -semihosting-config enable=on,target=native -kernel "$elf"
        rc=$?
        set -e
        if [ "$rc" = 0 ]; then
            passed=$((passed + 1))
        else
            [ "$rc" = 124 ] && echo "timeout after ${timeout_s}s"
            echo "FAILED: $bin on $board ($target), exit status $rc"
            failed=$((failed + 1))
        fi
    done
done
echo "firmware: $passed passed, $failed failed"
[ "$failed" = 0 ]
