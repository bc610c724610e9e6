#!/usr/bin/env python3
"""Host inference time of nn against TFLM's reference kernels, same machine.

Runs the TFLM Python runtime (PyPI tflite-micro, reference kernels) on the
real models in ../shared/models, then the Rust `host_bench` example, and
prints milliseconds per inference and the ratio. Both take the median over
several rounds of all samples.

    python3 -m venv ~/.cache/nn-oracle-venv   # or: sh ../shared/oracle/setup.sh
    ~/.cache/nn-oracle-venv/bin/python tools/bench/host_vs_tflm.py
"""
import pathlib
import statistics
import subprocess
import time

import numpy as np
from tflite_micro.python.tflite_micro import runtime

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = ROOT.parent / "shared" / "models"
CASES = {
    "person_detect": ("tflite-micro/person_detect/person_detect.tflite", 21),
    "ic_resnet8_int8": ("mlcommons-tiny/ic_resnet8_int8/pretrainedResnet_quant.tflite", 5),
    "micro_speech": ("tflite-micro/micro_speech/micro_speech_quantized.tflite", 51),
}


def tflm_ms(model_path, rounds):
    interp = runtime.Interpreter.from_file(str(model_path))
    samples = np.load(model_path.parent / "input.npy")
    per = []
    for _ in range(rounds):
        start = time.perf_counter()
        for x in samples:
            interp.set_input(x, 0)
            interp.invoke()
            interp.get_output(0)
        per.append((time.perf_counter() - start) / len(samples))
    return statistics.median(per) * 1e3


def main():
    out = subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "nn-tests", "--example", "host_bench"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    ours = {line.split()[0]: float(line.split()[1]) for line in out.splitlines() if line.strip()}
    print(f"{'model':<18}{'TFLM ref ms':>12}{'nn ms':>10}{'TFLM/nn':>10}")
    for name, (rel, rounds) in CASES.items():
        t = tflm_ms(MODELS / rel, rounds)
        print(f"{name:<18}{t:>12.3f}{ours[name]:>10.3f}{t / ours[name]:>9.1f}x")


if __name__ == "__main__":
    main()
