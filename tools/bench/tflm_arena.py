#!/usr/bin/env python3
"""TFLM's arena size for every model in ../shared/models, next to ours.

Loads each model with the TFLM Python runtime (reference kernels, its
RecordingMicroAllocator) and reads the arena it allocates: the total, and the
"head" (the non-persistent activation plan). TFLM's total also holds
persistent per-layer data (multipliers, node structs) that nn keeps in flash,
and this host build has 64-bit pointers. Then runs `nn plan` for our
ARENA_BYTES (without and with the Cortex-M DSP kernels' scratch) and the
liveness lower bound.

    ~/.cache/nn-oracle-venv/bin/python tools/bench/tflm_arena.py
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = ROOT.parent / "shared" / "models"


def ours(path):
    r = subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "nn-cli", "--", "plan", str(path)],
        cwd=ROOT, capture_output=True, text=True,
    )
    m = re.search(r"Arena: (\d+) bytes; liveness lower bound: (\d+) bytes", r.stdout)
    if not m:
        first = (r.stderr.strip().splitlines() or ["?"])[0]
        return None, None, None, first.split(": ", 2)[-1][:90]
    dsp = re.search(r"ARENA_BYTES: \d+ \((\d+) with the Cortex-M DSP kernels\)", r.stdout)
    return int(m.group(1)), int(dsp.group(1)), int(m.group(2)), ""


def tflm_arena(path):
    """(total, head) bytes of TFLM's arena, from its allocation report."""
    code = (
        "import sys\n"
        "from tflite_micro.python.tflite_micro import runtime\n"
        "runtime.Interpreter.from_file(sys.argv[1]).print_allocations()\n"
    )
    r = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True)
    text = r.stdout + r.stderr
    total = re.search(r"Arena allocation total (\d+) bytes", text)
    head = re.search(r"Arena allocation head (\d+) bytes", text)
    return (int(total.group(1)) if total else None, int(head.group(1)) if head else None)


def main():
    print("| model | nn ARENA_BYTES | with DSP kernels | liveness lower bound | TFLM arena total | TFLM activation plan | note |")
    print("|---|---|---|---|---|---|---|")
    for path in sorted(MODELS.glob("*/*/*.tflite")):
        if "audio_preprocessor" in path.name:
            continue
        total, head = tflm_arena(path)
        arena, dsp, bound, note = ours(path)
        rel = path.parent.relative_to(MODELS)
        fmt = lambda v: "—" if v is None else f"{v:,}"
        print(f"| {rel} | {fmt(arena)} | {fmt(dsp)} | {fmt(bound)} | {fmt(total)} | {fmt(head)} | {note} |")


if __name__ == "__main__":
    main()
