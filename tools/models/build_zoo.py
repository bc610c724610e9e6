#!/usr/bin/env python3
"""Build the project's own large int8 test models (the "zoo") and their TFLM goldens.

Two networks of published architectures, with seeded (untrained) weights; what
they exercise is operators, size and memory, not accuracy:

* ``mobilefacenet``: MobileFaceNet (Chen et al., "MobileFaceNets: Efficient
  CNNs for Accurate Real-Time Face Verification on Mobile Devices", 2018),
  Table 1: 112x112x3 -> 128-d embedding, PReLU after every non-linear conv,
  residual ADDs, a linear global depthwise conv (GDConv 7x7). About 1.0 M
  parameters and 221 M MACs.
* ``mobilenet_v2``: ``keras.applications.MobileNetV2`` (Sandler et al. 2018)
  with alpha 0.35, a 96x96x3 input and a 10-class softmax head (ReLU6,
  inverted residuals, global average pool). Its ZeroPadding2D + VALID
  stride-2 depthwise convs pad exactly as SAME does, and the converter folds
  them into SAME convs (no PAD operator).

Sources (installed from PyPI, nothing is downloaded at run time):

* images: the 20 ImageNet sample JPEGs ``foolbox/data/imagenet_<ii>_<label>.jpg``
  bundled in the PyPI package ``foolbox`` (read with Pillow; foolbox itself is
  never imported). Images 0..15 calibrate, images 16..19 are the test inputs.

Pipeline, per model:

1. Build the Keras model with batch size 1 and fixed layer names.
2. Draw every weight from a numpy generator seeded with ``[SEED, tag]``:
   conv/dense kernels He-normal, BN gamma U(0.5, 1.5) and beta N(0, 0.25),
   PReLU alphas U(0.1, 0.35) per channel, dense bias N(0, 0.1).
3. Re-estimate every BatchNormalization's moving statistics on the 16
   calibration images: momentum 0 and one forward pass in training mode, so
   each BN's moving mean and variance become the batch statistics of its input
   (with all upstream BNs already normalising), and inference reproduces the
   training-mode activations exactly. Random weights therefore give
   unit-scale activations at every layer instead of exploding or vanishing.
4. Convert with ``tf.lite.TFLiteConverter`` to full int8 (Optimize.DEFAULT,
   representative dataset = the 16 calibration images, TFLITE_BUILTINS_INT8,
   int8 input and output). The converter folds BN into the conv weights
   (per-channel int8) and maps Keras PReLU to PRELU. The op set is checked.
5. Quantize the 4 test images with the model's input scale / zero point:
   q = clip(round(x / scale) + zero_point, -128, 127) (numpy round-half-even).
   The float input is x = (pixel - 128) / 128, which calibrates to scale 1/128
   and zero point 0, so q = pixel - 128 exactly (checked, recorded).
6. Run them through the TFLM reference kernels (PyPI ``tflite-micro``) in a
   subprocess (``--tflm-worker``), a fresh interpreter per sample.
7. Write ``tests/models/<name>/{model.tflite, input.npy,
   reference_output.npy, manifest.json}`` (manifest with sha256 of the rest).

Usage:
    python tools/models/build_zoo.py                      # (re)write tests/models/*
    python tools/models/build_zoo.py --models mobilenet_v2
    python tools/models/build_zoo.py --check              # regenerate in a temp dir, compare
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile

# Determinism knobs; must be set before TensorFlow is imported. They are
# forced, not defaulted: oneDNN's float kernels round differently, and over
# MobileFaceNet's 50 layers that moves calibrated ranges (a oneDNN build gives
# a different model.tflite).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_DETERMINISTIC_OPS"] = "1"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import numpy as np  # noqa: E402

SEED = 0
N_IMAGES = 20  # foolbox ships exactly 20 ImageNet sample images
N_CALIB = 16  # images 0..15 calibrate, 16..19 are the test inputs
# TFLM arena for the worker; MobileFaceNet needs about 0.6 MiB of activations.
TFLM_ARENA_BYTES = 8 << 20
# Size bound per model file. MobileFaceNet is 1.32 MB: 0.98 MB of int8 weights plus
# 0.24 MB of per-channel quantization parameters (a float32 scale and an int64
# zero point per output channel, for the weights and again for the biases).
MAX_MODEL_BYTES = 1_350_000

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "models")

# Files written per model directory (manifest.json last: it hashes the rest).
DATA_FILES = ["model.tflite", "input.npy", "reference_output.npy"]


def sha256_bytes(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return sha256_bytes(f.read())


def npy_bytes(a: np.ndarray) -> bytes:
    """A .npy file (format 1.0, C order) as bytes; numpy writes no timestamps."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------

def package_dir(name: str) -> str:
    """Directory of an installed top-level package, without importing it."""
    import importlib.util
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"package {name!r} is not installed in {sys.executable}")
    return list(spec.submodule_search_locations)[0]


def dist_version(dist: str) -> str:
    from importlib import metadata
    return metadata.version(dist)


def load_images(size: int):
    """The 20 ImageNet samples of foolbox/data, centre-cropped square, resized.

    Sample i is the file whose name contains ``imagenet_<ii>_`` (foolbox's
    ``samples()`` convention). Each is centre-cropped to a square (one of them
    is 1024x683) and resized to ``size`` x ``size`` with Pillow's bicubic
    filter. Returns uint8 N x size x size x 3 and the file names.
    """
    from PIL import Image
    data_dir = os.path.join(package_dir("foolbox"), "data")
    names = os.listdir(data_dir)
    images, files = [], []
    for i in range(N_IMAGES):
        matches = sorted(n for n in names if n.startswith(f"imagenet_{i:02d}_"))
        if len(matches) != 1:
            raise SystemExit(f"expected one imagenet_{i:02d}_*.jpg in {data_dir}, got {matches}")
        fname = matches[0]
        with Image.open(os.path.join(data_dir, fname)) as im:
            if im.mode != "RGB":
                raise SystemExit(f"{fname}: unexpected mode {im.mode}")
            w, h = im.size
            s = min(w, h)
            left, top = (w - s) // 2, (h - s) // 2
            im = im.crop((left, top, left + s, top + s))
            im = im.resize((size, size), resample=Image.Resampling.BICUBIC)
            arr = np.asarray(im, dtype=np.uint8).copy()
        images.append(arr)
        files.append(fname)
    return np.stack(images), files


def preprocess(images_u8: np.ndarray) -> np.ndarray:
    """Float input of both models: (pixel - 128) / 128, in [-1, 127/128]."""
    return (images_u8.astype(np.float32) - 128.0) / 128.0


# ---------------------------------------------------------------------------
# Architectures
# ---------------------------------------------------------------------------

# MobileFaceNet bottlenecks (Chen et al. 2018, Table 1): expansion t,
# output channels c, repeats n, stride s of the first repeat.
MFN_BOTTLENECKS = [(2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1)]


def build_mobilefacenet():
    """MobileFaceNet, 112x112x3 -> 128, batch size 1, all layers named."""
    import keras
    from keras import layers as L

    def conv_bn(x, filters, kernel, stride, name, prelu=True, depthwise=False, padding="same"):
        if depthwise:
            x = L.DepthwiseConv2D(kernel, strides=stride, padding=padding, use_bias=False,
                                  name=f"{name}_dw")(x)
        else:
            x = L.Conv2D(filters, kernel, strides=stride, padding=padding, use_bias=False,
                         name=f"{name}_conv")(x)
        x = L.BatchNormalization(epsilon=1e-3, name=f"{name}_bn")(x)
        if prelu:
            x = L.PReLU(shared_axes=[1, 2], name=f"{name}_prelu")(x)
        return x

    inp = keras.Input(shape=(112, 112, 3), batch_size=1, name="input")
    x = conv_bn(inp, 64, 3, 2, "conv1")                        # 56x56x64
    x = conv_bn(x, 64, 3, 1, "dwconv1", depthwise=True)        # 56x56x64
    block = 0
    for t, c, n, s in MFN_BOTTLENECKS:
        for r in range(n):
            stride = s if r == 0 else 1
            cin = x.shape[-1]
            name = f"block{block}"
            y = conv_bn(x, cin * t, 1, 1, f"{name}_expand")
            y = conv_bn(y, 0, 3, stride, f"{name}_dw", depthwise=True)
            y = conv_bn(y, c, 1, 1, f"{name}_project", prelu=False)
            if stride == 1 and cin == c:
                y = L.Add(name=f"{name}_add")([x, y])
            x = y
            block += 1
    x = conv_bn(x, 512, 1, 1, "conv2")                         # 7x7x512
    x = conv_bn(x, 0, 7, 1, "gdconv", prelu=False, depthwise=True, padding="valid")  # 1x1x512
    x = conv_bn(x, 128, 1, 1, "linear", prelu=False)           # 1x1x128
    x = L.Flatten(name="embedding")(x)                         # 128
    return keras.Model(inp, x, name="mobilefacenet")


def build_mobilenet_v2():
    """keras.applications.MobileNetV2, alpha 0.35, 96x96x3, 10-class softmax."""
    import keras
    inp = keras.Input(shape=(96, 96, 3), batch_size=1, name="input")
    with contextlib.redirect_stdout(sys.stderr):
        return keras.applications.MobileNetV2(
            input_tensor=inp, alpha=0.35, include_top=True, weights=None, classes=10,
            classifier_activation="softmax", name="mobilenet_v2_035_96")


MODELS = {
    "mobilefacenet": {
        "tag": 1,
        "size": 112,
        "build": build_mobilefacenet,
        "ops": {"CONV_2D", "DEPTHWISE_CONV_2D", "PRELU", "ADD", "RESHAPE"},
        "description": "MobileFaceNet (Chen et al. 2018, Table 1) with seeded weights, "
                       "full int8: 112x112x3 -> 128-d embedding",
        "architecture": "conv3x3 s2 64 + BN + PReLU; depthwise 3x3 64 + BN + PReLU; "
                        "bottlenecks (t, c, n, s) = (2,64,5,2), (4,128,1,2), (2,128,6,1), "
                        "(4,128,1,2), (2,128,2,1), each expand 1x1 + BN + PReLU, depthwise "
                        "3x3 + BN + PReLU, linear project 1x1 + BN, residual ADD when stride 1 "
                        "and same channels; conv1x1 512 + BN + PReLU; linear GDConv 7x7 VALID "
                        "+ BN; linear conv1x1 128 + BN; flatten. Convs 'same'-padded, no bias "
                        "(BN follows); PReLU per channel (shared over H and W).",
        "output_meaning": "128-d face embedding (not L2-normalised)",
    },
    "mobilenet_v2": {
        "tag": 2,
        "size": 96,
        "build": build_mobilenet_v2,
        "ops": {"PAD", "CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MEAN", "FULLY_CONNECTED",
                "SOFTMAX", "RESHAPE"},
        "description": "MobileNetV2 (keras.applications, alpha 0.35) with seeded weights, "
                       "full int8: 96x96x3 -> 10-class softmax",
        "architecture": "keras.applications.MobileNetV2(alpha=0.35, input 96x96x3, "
                        "include_top=True, classes=10, classifier_activation='softmax', "
                        "weights=None): ReLU6, ZeroPadding2D + VALID before stride-2 "
                        "depthwise convs (folded into SAME by the converter), inverted "
                        "residuals, conv1x1 1280, global average pool, dense 10, softmax",
        "output_meaning": "softmax probabilities of 10 (meaningless) classes",
    },
}


# ---------------------------------------------------------------------------
# Seeded weights and BatchNorm statistics
# ---------------------------------------------------------------------------

def seed_weights(model, rng) -> None:
    """Overwrite every trainable weight from ``rng`` (in layer order)."""
    for layer in model.layers:
        kind = type(layer).__name__
        ws = layer.get_weights()
        if not ws:
            continue
        if kind == "Conv2D":
            k = ws[0]
            fan_in = k.shape[0] * k.shape[1] * k.shape[2]
            new = [rng.normal(0.0, np.sqrt(2.0 / fan_in), k.shape)]
            new += [rng.normal(0.0, 0.1, w.shape) for w in ws[1:]]
        elif kind == "DepthwiseConv2D":
            k = ws[0]  # kh, kw, channels, multiplier
            new = [rng.normal(0.0, np.sqrt(2.0 / (k.shape[0] * k.shape[1])), k.shape)]
            new += [rng.normal(0.0, 0.1, w.shape) for w in ws[1:]]
        elif kind == "Dense":
            k = ws[0]
            new = [rng.normal(0.0, np.sqrt(1.0 / k.shape[0]), k.shape)]
            new += [rng.normal(0.0, 0.1, w.shape) for w in ws[1:]]
        elif kind == "BatchNormalization":
            if not (layer.scale and layer.center) or len(ws) != 4:
                raise SystemExit(f"{layer.name}: expected gamma, beta, mean, variance")
            c = ws[0].shape
            # Moving statistics are placeholders until estimate_bn_statistics.
            new = [rng.uniform(0.5, 1.5, c), rng.normal(0.0, 0.25, c), np.zeros(c), np.ones(c)]
        elif kind == "PReLU":
            new = [rng.uniform(0.1, 0.35, ws[0].shape)]
        else:
            raise SystemExit(f"layer {layer.name} ({kind}) has weights the seeder does not know")
        layer.set_weights([w.astype(np.float32) for w in new])


def estimate_bn_statistics(model, calib: np.ndarray) -> int:
    """Set each BN's moving mean/variance to the batch statistics of its input.

    One forward pass in training mode with momentum 0: every BN normalises
    with the batch statistics of its own input (computed after the upstream
    BNs have normalised) and stores exactly those as its moving statistics, so
    the inference-mode model reproduces the training-mode forward pass.
    Returns the number of BN layers.
    """
    bns = [layer for layer in model.layers if type(layer).__name__ == "BatchNormalization"]
    for bn in bns:
        bn.momentum = 0.0
    model(calib, training=True)
    return len(bns)


def count_macs(model) -> int:
    """Multiply-accumulates of the float Keras graph (conv, depthwise, dense)."""
    macs = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            k = layer.kernel.shape
            _, h, w, _ = layer.output.shape
            macs += h * w * k[0] * k[1] * k[2] * k[3]
        elif kind == "DepthwiseConv2D":
            k = layer.kernel.shape
            _, h, w, _ = layer.output.shape
            macs += h * w * k[0] * k[1] * k[2] * k[3]
        elif kind == "Dense":
            k = layer.kernel.shape
            macs += k[0] * k[1]
    return int(macs)


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------

def convert_int8(model, calib: np.ndarray) -> bytes:
    import tensorflow as tf

    def representative_dataset():
        for i in range(calib.shape[0]):
            yield [calib[i:i + 1]]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative_dataset
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return bytes(conv.convert())


def inspect_tflite(buf: bytes):
    """Op counts and input/output tensor details, read from the flatbuffer."""
    from tensorflow.lite.python import schema_py_generated as schema

    names = {v: k for k, v in vars(schema.BuiltinOperator).items()
             if not k.startswith("_") and isinstance(v, int)}
    dtypes = {v: k.lower() for k, v in vars(schema.TensorType).items()
              if not k.startswith("_") and isinstance(v, int)}
    m = schema.Model.GetRootAsModel(buf, 0)
    if m.SubgraphsLength() != 1:
        raise SystemExit(f"expected 1 subgraph, got {m.SubgraphsLength()}")
    g = m.Subgraphs(0)
    ops = {}
    for i in range(g.OperatorsLength()):
        oc = m.OperatorCodes(g.Operators(i).OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        name = names.get(code, str(code))
        if name == "CUSTOM":
            name = "CUSTOM:" + oc.CustomCode().decode()
        ops[name] = ops.get(name, 0) + 1

    def tensor(idx):
        t = g.Tensors(idx)
        q = t.Quantization()
        return {
            "shape": [int(d) for d in t.ShapeAsNumpy()],
            "dtype": dtypes[t.Type()],
            "scale": float(q.Scale(0)),
            "zero_point": int(q.ZeroPoint(0)),
        }

    return {
        "ops": dict(sorted(ops.items())),
        "n_ops": g.OperatorsLength(),
        "inputs": [tensor(int(i)) for i in g.InputsAsNumpy()],
        "outputs": [tensor(int(i)) for i in g.OutputsAsNumpy()],
    }


def quantize(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """q = clip(round(x / scale) + zero_point, -128, 127), as int8."""
    q = np.round(x.astype(np.float64) / scale) + zero_point
    return np.clip(q, -128, 127).astype(np.int8)


# ---------------------------------------------------------------------------
# TFLM reference run (subprocess)
# ---------------------------------------------------------------------------

def tflm_worker(model_path: str, inputs_path: str, out_path: str) -> int:
    """Run every sample of inputs_path (int8 .npy, N x H x W x C) through TFLM."""
    from tflite_micro import runtime

    with open(model_path, "rb") as f:
        model = f.read()
    x = np.load(inputs_path)
    outs = []
    for i in range(x.shape[0]):
        # A fresh interpreter per sample: no state can leak between samples.
        it = runtime.Interpreter.from_bytes(model, arena_size=TFLM_ARENA_BYTES)
        d = it.get_input_details(0)
        if np.dtype(d["dtype"]) != np.int8 or list(d["shape"]) != [1, *x.shape[1:]]:
            raise SystemExit(f"unexpected TFLM input {d}")
        it.set_input(x[i:i + 1].copy(), 0)
        it.invoke()
        y = np.asarray(it.get_output(0))
        if y.dtype != np.int8 or y.shape[0] != 1:
            raise SystemExit(f"unexpected TFLM output {y.dtype} {y.shape}")
        outs.append(y[0].copy())
    np.save(out_path, np.stack(outs).astype(np.int8))
    return 0


def run_tflm(tflm_python: str, model: bytes, inputs_i8: np.ndarray) -> np.ndarray:
    with tempfile.TemporaryDirectory() as td:
        mp, ip, op = (os.path.join(td, n) for n in ("m.tflite", "in.npy", "out.npy"))
        with open(mp, "wb") as f:
            f.write(model)
        np.save(ip, inputs_i8)
        subprocess.run([tflm_python, os.path.abspath(__file__), "--tflm-worker", mp, ip, op],
                       check=True)
        return np.load(op)


def tflm_version(tflm_python: str) -> str:
    code = "from importlib import metadata; print(metadata.version('tflite-micro'))"
    return subprocess.run([tflm_python, "-c", code], check=True, capture_output=True,
                          text=True).stdout.strip()


# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------

def setup_tf():
    import random
    random.seed(SEED)
    np.random.seed(SEED)
    import tensorflow as tf
    import keras
    # One thread: float reductions (BN statistics, calibration) then sum in
    # one fixed order whatever the machine's core count.
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    return tf, keras


def build_one(name: str, out_dir: str, tflm_python: str) -> None:
    import tensorflow as tf
    import keras
    spec = MODELS[name]
    keras.utils.set_random_seed(SEED)
    keras.backend.clear_session()

    images_u8, files = load_images(spec["size"])
    x = preprocess(images_u8)
    calib, test = x[:N_CALIB], x[N_CALIB:]

    model = spec["build"]()
    rng = np.random.default_rng([SEED, spec["tag"]])
    seed_weights(model, rng)
    n_bn = estimate_bn_statistics(model, calib)
    params = int(model.count_params())
    macs = count_macs(model)

    float_calib = np.concatenate([model(calib[i:i + 1], training=False).numpy()
                                  for i in range(N_CALIB)])
    float_test = np.concatenate([model(test[i:i + 1], training=False).numpy()
                                 for i in range(test.shape[0])])

    with contextlib.redirect_stdout(sys.stderr):  # the converter prints its SavedModel
        tflite = convert_int8(model, calib)
    if len(tflite) > MAX_MODEL_BYTES:
        raise SystemExit(f"{name}: model is {len(tflite)} bytes (> {MAX_MODEL_BYTES})")
    info = inspect_tflite(tflite)
    bad = sorted(set(info["ops"]) - spec["ops"])
    if bad:
        raise SystemExit(f"{name}: converted model has unexpected ops {bad}: {info['ops']}")
    (inp,), (outp,) = info["inputs"], info["outputs"]
    shape = [1, spec["size"], spec["size"], 3]
    if inp["dtype"] != "int8" or outp["dtype"] != "int8" or inp["shape"] != shape:
        raise SystemExit(f"{name}: unexpected model I/O: {inp} {outp}")

    inputs_i8 = quantize(test, inp["scale"], inp["zero_point"])
    lossless = bool(np.array_equal(
        (inputs_i8.astype(np.float64) - inp["zero_point"]) * inp["scale"], test))
    ref = run_tflm(tflm_python, tflite, inputs_i8)
    if ref.dtype != np.int8 or list(ref.shape) != [test.shape[0], *outp["shape"][1:]]:
        raise SystemExit(f"{name}: unexpected TFLM output {ref.dtype} {ref.shape}")

    # How far int8 is from float: per-sample cosine similarity of the outputs,
    # and the largest difference in output LSBs.
    ref_f = (ref.astype(np.float64) - outp["zero_point"]) * outp["scale"]
    ff = float_test.reshape(ref_f.shape).astype(np.float64)
    cos = [float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
           for a, b in zip(ref_f.reshape(len(ref_f), -1), ff.reshape(len(ff), -1))]
    max_lsb = float(np.max(np.abs(ref_f - ff)) / outp["scale"])

    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    blobs = {
        "model.tflite": tflite,
        "input.npy": npy_bytes(inputs_i8),
        "reference_output.npy": npy_bytes(ref.astype(np.int8)),
    }
    assert list(blobs) == DATA_FILES
    for fname, b in blobs.items():
        with open(os.path.join(d, fname), "wb") as f:
            f.write(b)

    manifest = {
        "description": spec["description"],
        "generator": "tools/models/build_zoo.py",
        "model": {
            "file": "model.tflite",
            "architecture": spec["architecture"],
            "weights": f"seeded, numpy default_rng([{SEED}, {spec['tag']}]): conv/dense "
                       "kernels He-normal, BN gamma U(0.5, 1.5), beta N(0, 0.25), PReLU "
                       "alphas U(0.1, 0.35), dense bias N(0, 0.1); BN moving statistics "
                       "re-estimated on the calibration images (one training-mode pass, "
                       "momentum 0); untrained: the outputs mean nothing",
            "float_parameters": params,
            "batchnorm_layers": n_bn,
            "macs": macs,
            "ops": info["ops"],
            "n_ops": info["n_ops"],
            "input": {"shape": inp["shape"], "dtype": "int8",
                      "scale": inp["scale"], "zero_point": inp["zero_point"]},
            "output": {"shape": outp["shape"], "dtype": "int8",
                       "scale": outp["scale"], "zero_point": outp["zero_point"],
                       "meaning": spec["output_meaning"]},
        },
        "preprocessing": {
            "image": f"centre crop to a square, Pillow bicubic resize to "
                     f"{spec['size']}x{spec['size']}, RGB",
            "float_input": "x = (pixel - 128) / 128",
            "quantization": "q = clip(round(x / scale) + zero_point, -128, 127) as int8 "
                            "(numpy round-half-to-even)",
            "input_quantization_lossless": lossless,
        },
        "images": {
            "source": "foolbox/data/imagenet_<ii>_<label>.jpg (PyPI foolbox): 20 ImageNet "
                      "samples",
            "calibration": files[:N_CALIB],
            "test_inputs": files[N_CALIB:],
        },
        "int8_vs_float": {
            "cosine_similarity_per_sample": [round(c, 6) for c in cos],
            "max_abs_diff_output_lsb": round(max_lsb, 3),
        },
        "files": {
            "model.tflite": {"sha256": sha256_bytes(tflite), "bytes": len(tflite)},
            "input.npy": {"shape": list(inputs_i8.shape), "dtype": "int8",
                          "sha256": sha256_bytes(blobs["input.npy"])},
            "reference_output.npy": {
                "shape": list(ref.shape), "dtype": "int8",
                "produced_by": "TFLM reference kernels (tflite_micro.runtime.Interpreter)",
                "sha256": sha256_bytes(blobs["reference_output.npy"])},
        },
        "versions": {
            "python": "%d.%d" % sys.version_info[:2],
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "pillow": dist_version("pillow"),
            "tflite-micro": tflm_version(tflm_python),
            "foolbox": dist_version("foolbox"),
        },
    }
    with open(os.path.join(d, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    act = float(np.std(float_calib))
    print(f"{name}: {params} float parameters, {macs} MACs, {n_bn} BN layers")
    print(f"  ops ({info['n_ops']}): {info['ops']}")
    print(f"  input  int8: scale={inp['scale']!r} zero_point={inp['zero_point']} "
          f"(lossless: {lossless})")
    print(f"  output int8: scale={outp['scale']!r} zero_point={outp['zero_point']}")
    print(f"  float output std on calibration images: {act:.3g}")
    print(f"  int8 vs float cosine per test sample: {[round(c, 4) for c in cos]}, "
          f"max |diff| = {max_lsb:.1f} LSB")
    if ref.ndim == 2 and name == "mobilenet_v2":
        print(f"  TFLM argmax {ref.argmax(1).tolist()}, float argmax "
              f"{float_test.argmax(1).tolist()}")
    for fname in DATA_FILES + ["manifest.json"]:
        print(f"  {fname:22s} {os.path.getsize(os.path.join(d, fname)):9d} bytes")


def build(out_dir: str, tflm_python: str, names) -> None:
    setup_tf()
    for name in names:
        build_one(name, out_dir, tflm_python)


def check(committed: str, tflm_python: str, names) -> int:
    bad = []
    with tempfile.TemporaryDirectory() as td:
        build(td, tflm_python, names)
        for name in names:
            for fname in DATA_FILES + ["manifest.json"]:
                a, b = os.path.join(committed, name, fname), os.path.join(td, name, fname)
                if not os.path.exists(a):
                    bad.append(f"{name}/{fname}: missing in {committed}")
                elif sha256_file(a) != sha256_file(b):
                    bad.append(f"{name}/{fname}: differs (committed {sha256_file(a)[:16]}, "
                               f"regenerated {sha256_file(b)[:16]})")
    if bad:
        print("CHECK FAILED:\n  " + "\n  ".join(bad))
        return 1
    print(f"CHECK OK: regenerated files are byte-identical to {committed}/{{{','.join(names)}}}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    ap.add_argument("--models", default=",".join(MODELS),
                    help="comma-separated subset of: %(default)s")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with --out; exit 1 on difference")
    ap.add_argument("--tflm-python", default=sys.executable,
                    help="Python interpreter that has tflite-micro installed "
                         "(default: this one)")
    ap.add_argument("--tflm-worker", nargs=3, metavar=("MODEL", "INPUTS", "OUT"),
                    help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.tflm_worker:
        return tflm_worker(*a.tflm_worker)
    names = [n for n in a.models.split(",") if n]
    unknown = sorted(set(names) - set(MODELS))
    if unknown:
        ap.error(f"unknown models {unknown}; known: {sorted(MODELS)}")
    if a.check:
        return check(a.out, a.tflm_python, names)
    build(a.out, a.tflm_python, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
