#!/usr/bin/env python3
"""Build the tiny .tflite files used by the compile-fail (trybuild) UI tests.

Every file is a few KB at most and is generated from seeded numpy data only
(no downloads, no Keras initialisers), so the output is byte-identical from run
to run. Files written to ``tests/ui/models/``:

* ``tiny_int8.tflite``      valid full-int8 model: int8 input [1,8,8,3] ->
                            CONV_2D 3x3, 4 filters, fused RELU -> (RESHAPE) ->
                            FULLY_CONNECTED 5 -> int8 output.
* ``unsupported_op.tflite`` valid full-int8 model: int8 input [1,8] ->
                            FULLY_CONNECTED 4 -> ARG_MAX (int32 output), so the
                            compiler must reject ARG_MAX.
* ``float_fc.tflite``       float32 model, no optimisation: input [1,4] ->
                            FULLY_CONNECTED 3.
* ``two_subgraphs.tflite``  float32 tf.function with a tf.while_loop: a WHILE
                            op plus its cond and body subgraphs (3 subgraphs).
* ``truncated.tflite``      the first TRUNCATE_AT bytes of tiny_int8.tflite.
* ``not_a_model.tflite``    a line of ASCII text.

Usage (from the repository root, with the TensorFlow venv of README.md):
    python tools/models/build_test_models.py            # (re)write tests/ui/models
    python tools/models/build_test_models.py --check    # regenerate in a temp dir, compare
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import sys
import tempfile

# Determinism knobs; must be set before TensorFlow is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

SEED = 0
N_CALIB = 16            # representative-dataset samples per int8 model
TRUNCATE_AT = 600       # length of truncated.tflite
NOT_A_MODEL = b"this is not a TensorFlow Lite model\n"

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "ui", "models")

FILES = [
    "tiny_int8.tflite",
    "unsupported_op.tflite",
    "float_fc.tflite",
    "hybrid_conv.tflite",
    "two_subgraphs.tflite",
    "truncated.tflite",
    "not_a_model.tflite",
]
MAX_BYTES = 8 * 1024    # sanity bound: "a few KB at most"


def sha256_bytes(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------------------
# Flatbuffer inspection (TensorFlow's bundled generated schema)
# ---------------------------------------------------------------------------

def inspect_tflite(buf: bytes) -> list[dict]:
    """Per subgraph: ops (index, name, input/output tensor types), I/O types."""
    from tensorflow.lite.python import schema_py_generated as schema

    names = {v: k for k, v in vars(schema.BuiltinOperator).items()
             if not k.startswith("_") and isinstance(v, int)}
    dtypes = {v: k.lower() for k, v in vars(schema.TensorType).items()
              if not k.startswith("_") and isinstance(v, int)}
    m = schema.Model.GetRootAsModel(buf, 0)
    out = []
    for si in range(m.SubgraphsLength()):
        g = m.Subgraphs(si)

        def ttype(i, g=g):
            return "-" if i < 0 else dtypes[g.Tensors(i).Type()]

        ops = []
        for oi in range(g.OperatorsLength()):
            op = g.Operators(oi)
            oc = m.OperatorCodes(op.OpcodeIndex())
            code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
            name = names.get(code, str(code))
            if name == "CUSTOM":
                name = "CUSTOM:" + oc.CustomCode().decode()
            ins = [int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else []
            outs = [int(x) for x in op.OutputsAsNumpy()] if op.OutputsLength() else []
            ops.append({"index": oi, "op": name,
                        "inputs": [ttype(i) for i in ins],
                        "outputs": [ttype(i) for i in outs]})
        out.append({
            "subgraph": si,
            "ops": ops,
            "inputs": [ttype(int(i)) for i in g.InputsAsNumpy()],
            "outputs": [ttype(int(i)) for i in g.OutputsAsNumpy()],
        })
    return out


def op_names(info: list[dict], subgraph: int = 0) -> list[str]:
    return [o["op"] for o in info[subgraph]["ops"]]


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def _rng(tag: int) -> np.random.Generator:
    """An independent, seeded generator per model (order-independent)."""
    return np.random.default_rng([SEED, tag])


def _convert(conv, *, int8: bool, int8_output: bool = True,
             calib: np.ndarray | None = None) -> bytes:
    import tensorflow as tf
    if int8:
        def representative_dataset():
            for i in range(calib.shape[0]):
                yield [calib[i:i + 1]]
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative_dataset
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = tf.int8
        if int8_output:
            conv.inference_output_type = tf.int8
    with contextlib.redirect_stdout(sys.stderr):  # the converter prints its SavedModel
        return bytes(conv.convert())


def build_tiny_int8() -> bytes:
    """int8 [1,8,8,3] -> Conv2D(4, 3x3, VALID, ReLU) -> Flatten -> Dense(5)."""
    import keras
    import tensorflow as tf
    rng = _rng(1)
    x = keras.Input(shape=(8, 8, 3), batch_size=1, name="input")
    conv = keras.layers.Conv2D(4, 3, padding="valid", activation="relu", name="conv")
    fc = keras.layers.Dense(5, name="fc")
    y = fc(keras.layers.Flatten(name="flatten")(conv(x)))
    model = keras.Model(x, y, name="tiny_int8")
    conv.set_weights([rng.uniform(-0.5, 0.5, (3, 3, 3, 4)).astype(np.float32),
                      rng.uniform(-0.1, 0.1, (4,)).astype(np.float32)])
    fc.set_weights([rng.uniform(-0.2, 0.2, (6 * 6 * 4, 5)).astype(np.float32),
                    rng.uniform(-0.1, 0.1, (5,)).astype(np.float32)])
    calib = rng.uniform(-1.0, 1.0, (N_CALIB, 8, 8, 3)).astype(np.float32)
    buf = _convert(tf.lite.TFLiteConverter.from_keras_model(model), int8=True, calib=calib)
    info = inspect_tflite(buf)
    ops = op_names(info)
    if len(info) != 1 or not set(ops) <= {"CONV_2D", "FULLY_CONNECTED", "RESHAPE"} \
            or ops.count("CONV_2D") != 1 or ops.count("FULLY_CONNECTED") != 1:
        raise SystemExit(f"tiny_int8: unexpected ops {ops}")
    if info[0]["inputs"] != ["int8"] or info[0]["outputs"] != ["int8"]:
        raise SystemExit(f"tiny_int8: unexpected I/O {info[0]}")
    return buf


def build_unsupported_op() -> bytes:
    """int8 [1,8] -> Dense(4) -> argmax (int32): contains an ARG_MAX op."""
    import tensorflow as tf
    rng = _rng(2)
    w = tf.constant(rng.uniform(-0.5, 0.5, (8, 4)).astype(np.float32))
    b = tf.constant(rng.uniform(-0.1, 0.1, (4,)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32, name="input")])
    def f(x):
        return tf.math.argmax(tf.matmul(x, w) + b, axis=-1, output_type=tf.int32)

    calib = rng.uniform(-1.0, 1.0, (N_CALIB, 8)).astype(np.float32)
    # The output is an int32 index, so there is no float output to make int8.
    conv = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    buf = _convert(conv, int8=True, int8_output=False, calib=calib)
    info = inspect_tflite(buf)
    ops = op_names(info)
    if len(info) != 1 or "ARG_MAX" not in ops or info[0]["inputs"] != ["int8"]:
        raise SystemExit(f"unsupported_op: unexpected model {info}")
    return buf


def build_float_fc() -> bytes:
    """float32 [1,4] -> Dense(3); no optimisation, no quantisation."""
    import keras
    import tensorflow as tf
    rng = _rng(3)
    x = keras.Input(shape=(4,), batch_size=1, name="input")
    fc = keras.layers.Dense(3, name="fc")
    model = keras.Model(x, fc(x), name="float_fc")
    fc.set_weights([rng.uniform(-1.0, 1.0, (4, 3)).astype(np.float32),
                    rng.uniform(-0.1, 0.1, (3,)).astype(np.float32)])
    buf = _convert(tf.lite.TFLiteConverter.from_keras_model(model), int8=False)
    info = inspect_tflite(buf)
    if len(info) != 1 or op_names(info) != ["FULLY_CONNECTED"] \
            or info[0]["inputs"] != ["float32"] or info[0]["outputs"] != ["float32"]:
        raise SystemExit(f"float_fc: unexpected model {info}")
    return buf


def build_hybrid_conv() -> bytes:
    """float32 [1,6,6,16] -> Conv2D(8, 3x3) with dynamic-range (int8) weights:
    a hybrid convolution, float activations with int8 weights, which nn (like
    TFLM) does not support."""
    import keras
    import tensorflow as tf
    rng = _rng(5)
    x = keras.Input(shape=(6, 6, 16), batch_size=1, name="input")
    conv = keras.layers.Conv2D(8, 3, name="conv")
    model = keras.Model(x, conv(x), name="hybrid_conv")
    conv.set_weights([rng.uniform(-1.0, 1.0, (3, 3, 16, 8)).astype(np.float32),
                      rng.uniform(-0.1, 0.1, (8,)).astype(np.float32)])
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]  # no dataset: weights only
    buf = _convert(converter, int8=False)
    info = inspect_tflite(buf)
    if op_names(info) != ["CONV_2D"] or info[0]["inputs"] != ["float32"]:
        raise SystemExit(f"hybrid_conv: unexpected model {info}")
    return buf


def build_two_subgraphs() -> bytes:
    """float32 [1,4]: x <- 0.5 * x + 1, three times, in a tf.while_loop (WHILE op)."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([1, 4], tf.float32, name="input")])
    def f(x):
        _, y = tf.while_loop(lambda i, v: i < 3,
                             lambda i, v: (i + 1, v * 0.5 + 1.0),
                             (tf.constant(0), x))
        return y

    conv = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    buf = _convert(conv, int8=False)
    info = inspect_tflite(buf)
    if len(info) < 2 or "WHILE" not in op_names(info):
        raise SystemExit(f"two_subgraphs: unexpected model {info}")
    return buf


# ---------------------------------------------------------------------------
# Build / check
# ---------------------------------------------------------------------------

def build(out_dir: str, verbose: bool = True) -> dict[str, bytes]:
    import random
    random.seed(SEED)
    np.random.seed(SEED)
    import tensorflow as tf
    import keras
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()

    blobs = {}
    blobs["tiny_int8.tflite"] = build_tiny_int8()
    blobs["unsupported_op.tflite"] = build_unsupported_op()
    blobs["float_fc.tflite"] = build_float_fc()
    blobs["hybrid_conv.tflite"] = build_hybrid_conv()
    blobs["two_subgraphs.tflite"] = build_two_subgraphs()
    tiny = blobs["tiny_int8.tflite"]
    if not 8 <= TRUNCATE_AT < len(tiny):
        raise SystemExit(f"tiny_int8.tflite is {len(tiny)} bytes; cannot truncate at {TRUNCATE_AT}")
    blobs["truncated.tflite"] = tiny[:TRUNCATE_AT]
    assert blobs["truncated.tflite"][4:8] == b"TFL3"
    blobs["not_a_model.tflite"] = NOT_A_MODEL
    assert list(blobs) == FILES

    os.makedirs(out_dir, exist_ok=True)
    for name, b in blobs.items():
        if len(b) > MAX_BYTES:
            raise SystemExit(f"{name} is {len(b)} bytes (> {MAX_BYTES})")
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(b)

    if verbose:
        for name, b in blobs.items():
            print(f"{name:24s} {len(b):6d} bytes  sha256 {sha256_bytes(b)[:16]}")
            if name.endswith(".tflite") and name not in ("truncated.tflite", "not_a_model.tflite"):
                for sg in inspect_tflite(b):
                    print(f"    subgraph {sg['subgraph']}: inputs {sg['inputs']} "
                          f"outputs {sg['outputs']}")
                    for o in sg["ops"]:
                        print(f"      op {o['index']}: {o['op']:16s} "
                              f"in {o['inputs']} out {o['outputs']}")
    return blobs


def check(committed: str) -> int:
    with tempfile.TemporaryDirectory() as td:
        fresh = build(td, verbose=False)
    bad = []
    for name, b in fresh.items():
        path = os.path.join(committed, name)
        if not os.path.exists(path):
            bad.append(f"{name}: missing in {committed}")
            continue
        with open(path, "rb") as f:
            old = f.read()
        if old != b:
            bad.append(f"{name}: differs (committed {sha256_bytes(old)[:16]}, "
                       f"{len(old)} bytes; regenerated {sha256_bytes(b)[:16]}, {len(b)} bytes)")
    if bad:
        print("CHECK FAILED:\n  " + "\n  ".join(bad))
        return 1
    print(f"CHECK OK: regenerated files are byte-identical to {committed}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with --out; exit 1 on difference")
    a = ap.parse_args(argv)
    if a.check:
        return check(a.out)
    build(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
