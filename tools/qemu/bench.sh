#!/usr/bin/env bash
# Instruction counts per inference of the Cortex-M firmware (../../firmware),
# measured in QEMU with ../shared/tools/qemu-measure (a TCG plugin counting
# executed instructions exactly), next to the TFLM + CMSIS-NN baselines of
# issue 6 measured with the same tool on the same board.
#
# Usage: tools/qemu/bench.sh [TARGET]
#   TARGET: thumbv7em-none-eabihf (default; Cortex-M4F, mps2-an386, the board
#           of the baselines), thumbv7m-none-eabi (Cortex-M3, mps2-an385) or
#           thumbv6m-none-eabi (ARMv6-M code run on mps2-an385).
#   QEMU_MEASURE: path of measure.sh (default ../shared/tools/qemu-measure/measure.sh
#           beside the repository).
#
# Every inference of every sample runs between the firmware's bench_start and
# bench_end markers; "instructions / inference" is the window total divided by
# the number of inferences (they differ by a few hundred instructions between
# samples). The firmware still checks every output against TFLM: a model whose
# outputs differ fails the run.
#
# "inference code" is read from the ELF by tools/qemu/code_size.py: the
# functions reachable from the binary's `nn_infer` (direct branches and
# function pointers) plus the model's constants that are not weights; the
# harness (vector table, reset, semihosting output, panic handler, the test
# vectors) is not in it. `code_size.py ELF --weight-bytes N --list` shows
# where the bytes go.
#
# Needs: qemu-system-arm (apt-get install qemu-system-arm), gcc (the plugin),
# arm-none-eabi-{nm,size,readelf,objdump} (apt-get install binutils-arm-none-eabi),
# python3.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fw="$root/firmware"
target="${1:-thumbv7em-none-eabihf}"
measure="${QEMU_MEASURE:-$root/../shared/tools/qemu-measure/measure.sh}"
[ -f "$measure" ] || { echo "bench.sh: $measure is missing (../shared beside the repository)" >&2; exit 2; }
case "$target" in
    thumbv7em-none-eabihf) board=mps2-an386 ;;
    thumbv7m-none-eabi | thumbv6m-none-eabi) board=mps2-an385 ;;
    *) echo "bench.sh: unknown target $target" >&2; exit 2 ;;
esac

# model (firmware binary), TFLM + CMSIS-NN and TFLM reference-kernel
# instructions per inference on mps2-an386 (issue 6; "-" = not measured).
models=(
    "resnet8 29862019 107291201"
    "person_detect 22928450 95591614"
    "micro_speech 1495362 -"
    "hello_world 3528 -"
    "cifar10 - -"
)

(cd "$fw" && cargo build --release --bins --target "$target" >&2)

echo "date: $(date -u +%Y-%m-%d)"
echo "firmware: $target on QEMU $board ($(qemu-system-arm --version | head -1 | sed 's/.*version //'))"
echo "rustc: $(rustc --version)"
echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD -- nn-runtime nn-compiler nn-macro firmware 2>/dev/null || echo ' (with uncommitted changes)')"
echo
echo "| model | instructions / inference | MACs | MAC / instr | TFLM + CMSIS-NN | ratio | TFLM reference kernels | ratio | inference code (B) | firmware less weights and vectors (B) | weights (B) | arena (B) | stack (B) | bit-exact |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
status=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for entry in "${models[@]}"; do
    read -r bin cmsis ref <<<"$entry"
    set +e
    bash "$measure" --board "$board" "$fw/target/$target/release/$bin" >"$log" 2>&1
    rc=$?
    set -e
    if [ "$rc" != 0 ]; then
        echo "bench.sh: $bin failed (exit status $rc):" >&2
        cat "$log" >&2
        status=1
        continue
    fi
    [ "$target" = thumbv7em-none-eabihf ] || { cmsis=-; ref=-; }
    weights="$(sed -n 's/^fw| .* MACs, \([0-9][0-9]*\) bytes of weights, .*/\1/p' "$log")"
    infer="$(python3 "$root/tools/qemu/code_size.py" "$fw/target/$target/release/$bin" --weight-bytes "$weights" --bytes)"
    awk -v bin="$bin" -v cmsis="$cmsis" -v ref="$ref" -v infer="$infer" '
        function group(n,   s, r) { s = sprintf("%d", n); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } return s r }
        function ratio(x, base) { return base == "-" ? "-" : sprintf("%.2f×", x / base) }
        /^fw\| .* MACs, / {
            split($0, a, /[:,;] /); name = a[1]; sub(/^fw\| /, "", name)
            macs = a[2] + 0; weights = a[3] + 0; arena = a[4] + 0; vectors = a[5] + 0
        }
        /^fw\| .* outputs bit-exact with TFLM/ { split($3, e, "/"); exact = $3 }
        $1 == "insns_window:" { window = $2; match($0, /windows=[0-9]+/); n = substr($0, RSTART + 8, RLENGTH - 8) }
        $1 == "text:" { text = $2 } $1 == "data:" { data = $2 }
        $1 == "stack_peak_bytes_window:" { stack = $2 }
        END {
            per = window / n
            printf "| %s | %s | %s | %.3f | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                name, group(per + 0.5), group(macs), macs / per,
                cmsis == "-" ? "-" : group(cmsis), ratio(per, cmsis),
                ref == "-" ? "-" : group(ref), ratio(per, ref),
                group(infer), group(text + data - weights - vectors), group(weights), group(arena), group(stack), exact
        }' "$log"
done
cat <<'NOTE'

ratio: our instructions / theirs (lower is better; issue 6 targets ≤ 0.50× TFLM + CMSIS-NN).
inference code: the flash one inference takes besides its weights, measured in the ELF by
tools/qemu/code_size.py: the functions reachable from nn_infer (branches and function
pointers: the generated code, the kernels, their assembly, memcpy/memset) plus the
model's layer parameter structs and the other data the code references (e.g. kernel
tables); the model's arrays count only where they exceed WEIGHT_BYTES.
firmware less weights and vectors: flash (text + data) less WEIGHT_BYTES and the
embedded test vectors: the inference code plus the harness (vector table of 192 B,
reset, the sample loop with its semihosting output, about 2 KB with padding; no
panic handler or core::fmt: nothing panics), less the WEIGHT_BYTES that LLVM left out
of flash (arrays no kernel reads, small ones folded into instructions: cifar10 6.3 KB,
others < 0.5 KB).
stack: peak during inference; RAM = arena + stack.
NOTE
exit "$status"
