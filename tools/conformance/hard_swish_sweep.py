#!/usr/bin/env python3
"""TFLM's int8 HARD_SWISH over every input byte, for many seeded quantizations.

The compiler turns an int8 HARD_SWISH into a 256-entry table by evaluating
TFLM's integer algorithm itself (nn-compiler/src/ops/hard_swish.rs). This
script records what TFLM computes for all 256 inputs under seeded random
input/output quantizations (scales over six orders of magnitude, any zero
points, output scales up to 2^14 times the input's so that TFLM's 16-bit
rounding shift sees exponents of 16 and more), written to
nn-compiler/tests/data/hard_swish_tflm.txt, which
nn-compiler/tests/hard_swish_tflm.rs compares with the compiler's tables.

One line per quantization: input scale (f32 bits, hex), input zero point,
output scale (f32 bits, hex), output zero point, then the 256 outputs for the
inputs -128..127 as two's-complement hex bytes.

Usage (from the repository root, with the TensorFlow venv of generate.py):
    ~/.cache/nn-tf-venv/bin/python tools/conformance/hard_swish_sweep.py
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(REPO_ROOT, "nn-compiler", "tests", "data", "hard_swish_tflm.txt")
SEED = 0
N = 48

sys.path.insert(0, HERE)
import generate  # noqa: E402  (its converter settings, patching and schema helpers)


def base_model() -> bytes:
    """One int8 HARD_SWISH on [1, 256], converted as generate.py converts its cases."""
    case = generate.Case("hard_swish_sweep", "", generate.hard_swish_model((256,)), ["HARD_SWISH"], {},
                         ranges=[(-4.0, 4.0)], exhaustive=True)
    buf, _, info = generate.build_case(case)
    assert [o["op"] for o in info["ops"]] == ["HARD_SWISH"], info["ops"]
    return buf


def quantizations() -> list[tuple[float, int, float, int]]:
    rng = np.random.default_rng([SEED, 256])
    out = []
    for k in range(N):
        s_in = float(np.float32(10.0 ** rng.uniform(-4.0, 0.5)))
        # Output scale / input scale from 1/128 (TFLM's limit) up; a quarter of the cases far up.
        hi = 14.0 if k % 4 == 3 else 3.0
        s_out = float(np.float32(s_in * 2.0 ** rng.uniform(-6.9, hi)))
        out.append((s_in, int(rng.integers(-128, 128)), s_out, int(rng.integers(-128, 128))))
    return out


def main() -> int:
    from tflite_micro import runtime
    base = base_model()
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    lines = []
    for s_in, z_in, s_out, z_out in quantizations():
        def fn(schema, model):
            g = model.subgraphs[0]
            generate._set_quant(g.tensors[int(g.inputs[0])], s_in, z_in)
            generate._set_quant(g.tensors[int(g.outputs[0])], s_out, z_out)
        buf = generate._patch(base, fn)
        it = runtime.Interpreter.from_bytes(buf, arena_size=1 << 16)
        it.set_input(x, 0)
        it.invoke()
        y = np.array(it.get_output(0)).reshape(256).astype(np.int8)
        bits = lambda f: np.float32(f).view(np.uint32)  # noqa: E731
        lines.append(f"{bits(s_in):08x} {z_in} {bits(s_out):08x} {z_out} {y.view(np.uint8).tobytes().hex()}")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} quantizations to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
