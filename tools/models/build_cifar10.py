#!/usr/bin/env python3
"""Build the CIFAR-10 int8 TFLite model and test data used by examples/cifar10.

Sources (both installed from PyPI, nothing is downloaded at run time):

* model : the trained Keras CNN ``cifar_10_model/trained_models/cnn_model.h5``
          shipped in the PyPI package ``cifar-10-model``.
* images: the 20 CIFAR-10 *test* images ``foolbox/data/cifar10_<i>_<label>.png``
          shipped in the PyPI package ``foolbox`` (the files behind
          ``foolbox.utils.samples(dataset="cifar10")``); read directly with
          Pillow, foolbox itself is never imported.

Pipeline:

1. Load the Keras model and the images. The model was trained on the raw
   CIFAR-10 pixels, i.e. float32 values in [0, 255] with no normalisation
   (see the package's ``Preprocessor.convert_to_tensor``), so that is the
   float input used everywhere here.
2. Fold every BatchNormalization layer away. In this model BN comes *after*
   the ReLU of a convolution, which the converter does not fold: it would
   emit MUL + ADD ops. BN is a per-channel affine y = s*x + t and the fold is
   exact algebra: since every s > 0 (checked), s*relu(z) = relu(s*z), so the
   scale goes into the producing conv's output channels; the shift t commutes
   with max-pooling and folds into the bias of the next VALID-padded
   Conv2D / Dense (b' = b + sum(W*t)). The folded model is checked against the
   original Keras model on the images.
   The folded model also gets a fixed batch size of 1, so Flatten is static
   (no SHAPE/STRIDED_SLICE/PACK); the converter then drops it and the first
   FULLY_CONNECTED reads the 4-D [1,1,1,64] pool output directly.
3. Convert with ``tf.lite.TFLiteConverter`` to a fully int8 model
   (Optimize.DEFAULT, representative dataset = the 20 real images with the
   preprocessing above, TFLITE_BUILTINS_INT8, int8 input and output).
   The op set is checked against the list the project's compiler supports.
4. Quantize each image with the model's input scale / zero point exactly as a
   user would:  q = clip(round(x / scale) + zero_point, -128, 127)
   (numpy round, i.e. round-half-to-even; for this model scale is 1.0 and
   zero_point -128, so q = pixel - 128 exactly and no rounding happens).
5. Run those int8 inputs through the TFLM reference kernels (PyPI
   ``tflite-micro``) in a subprocess (``--tflm-worker``), which keeps the TFLM
   native module out of the TensorFlow process and lets it run under a
   different interpreter (``--tflm-python``).
6. Write the data files and ``manifest.json`` (with sha256 of every file).

Usage:
    python tools/models/build_cifar10.py            # (re)write examples/cifar10/data
    python tools/models/build_cifar10.py --check    # regenerate in a temp dir, compare
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile

# Determinism knobs; must be set before TensorFlow is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

SEED = 0
N_IMAGES = 20  # foolbox ships exactly 20 CIFAR-10 test images
IMAGE_SHAPE = (32, 32, 3)
CLASS_NAMES = [
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
]
ALLOWED_OPS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "ADD",
    "AVERAGE_POOL_2D", "MAX_POOL_2D", "RESHAPE", "SQUEEZE", "SOFTMAX",
    "QUANTIZE", "DEQUANTIZE",
}
# TFLM arena for the worker; the model needs far less (~100 KiB of activations).
TFLM_ARENA_BYTES = 4 << 20

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_OUT = os.path.join(REPO_ROOT, "examples", "cifar10", "data")

# Files written to the output directory (manifest.json last: it hashes the rest).
DATA_FILES = [
    "cifar10.tflite",
    "inputs_int8.bin",
    "labels.bin",
    "reference_output_int8.bin",
]


def sha256_bytes(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return sha256_bytes(f.read())


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


def dist_licence(dist: str) -> str:
    from importlib import metadata
    md = metadata.metadata(dist)
    parts = []
    if md.get("License"):
        parts.append(md["License"].strip().splitlines()[0])
    parts += [c.split("::")[-1].strip() for c in md.get_all("Classifier") or []
              if c.startswith("License ::")]
    return "; ".join(dict.fromkeys(parts)) or "unknown"


def load_images():
    """The 20 CIFAR-10 test images shipped in foolbox/data.

    File names are ``cifar10_<ii>_<label>.png``; sample i is the file whose
    name contains ``cifar10_<ii>_`` and its label is the last ``_`` field, the
    same convention foolbox's ``samples()`` helper uses.
    """
    from PIL import Image
    data_dir = os.path.join(package_dir("foolbox"), "data")
    names = os.listdir(data_dir)
    images, labels, files = [], [], []
    for i in range(N_IMAGES):
        matches = sorted(n for n in names if n.startswith(f"cifar10_{i:02d}_"))
        if len(matches) != 1:
            raise SystemExit(f"expected one cifar10_{i:02d}_*.png in {data_dir}, got {matches}")
        fname = matches[0]
        label = int(os.path.splitext(fname)[0].split("_")[-1])
        with Image.open(os.path.join(data_dir, fname)) as im:
            if im.mode != "RGB" or im.size != (32, 32):
                raise SystemExit(f"{fname}: unexpected image {im.mode} {im.size}")
            arr = np.asarray(im, dtype=np.uint8).copy()
        images.append(arr)
        labels.append(label)
        files.append(fname)
    images = np.stack(images)
    labels = np.asarray(labels, dtype=np.uint8)
    assert images.shape == (N_IMAGES,) + IMAGE_SHAPE
    assert labels.max() < len(CLASS_NAMES)
    return images, labels, files


def keras_model_path() -> str:
    return os.path.join(package_dir("cifar_10_model"), "trained_models", "cnn_model.h5")


def preprocess(images_u8: np.ndarray) -> np.ndarray:
    """What the Keras model expects: raw pixels as float32 in [0, 255]."""
    return images_u8.astype(np.float32)


# ---------------------------------------------------------------------------
# BatchNormalization folding
# ---------------------------------------------------------------------------

def _bn_affine(layer):
    """BatchNormalization at inference as y = s * x + t (per channel, float64)."""
    if int(np.atleast_1d(layer.axis)[0]) not in (-1, 3):
        raise SystemExit(f"{layer.name}: BN over axis {layer.axis} not supported")
    w = {v.path.split("/")[-1]: np.asarray(v.numpy(), np.float64) for v in layer.weights}
    c = w["moving_mean"].shape[0]
    gamma = w.get("gamma", np.ones(c))
    beta = w.get("beta", np.zeros(c))
    s = gamma / np.sqrt(w["moving_variance"] + layer.epsilon)
    t = beta - w["moving_mean"] * s
    return s, t


def fold_batchnorm(model):
    """Return an equivalent functional model (batch size 1) without BN layers.

    In this model every BN directly follows a Conv2D with ReLU:
        BN(relu(conv(x))) = s * relu(conv(x)) + t = relu(conv_s(x)) + t
    where conv_s has its output channels scaled by s (exact because s > 0,
    which is checked). So the scale goes *back* into the producing layer
    (per-output-channel, which per-channel int8 weights represent well and
    which keeps the activation ranges the ones the network was trained with),
    and only the shift t is carried *forward*: it commutes with max-pooling
    (max(h + t) = max(h) + t), is re-indexed by Flatten, and is folded into the
    bias of the next VALID-padded Conv2D / Dense: b' = b + sum(W * t).
    Dropout is dropped (identity at inference).
    """
    import keras

    # 1. Plain list of layer specs.
    specs = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in ("Conv2D", "Dense"):
            kernel, bias = [np.asarray(v, np.float64) for v in layer.get_weights()]
            specs.append({"kind": kind, "config": layer.get_config(),
                          "kernel": kernel, "bias": bias})
        elif kind == "BatchNormalization":
            s, t = _bn_affine(layer)
            specs.append({"kind": "Affine", "s": s, "t": t, "name": layer.name})
        elif kind in ("MaxPooling2D", "Flatten"):
            specs.append({"kind": kind, "config": layer.get_config()})
        elif kind == "Dropout":
            continue
        else:
            raise SystemExit(f"layer {layer.name} ({kind}) not handled by the BN folder")

    # 2. Move each BN scale back into the Conv2D/Dense that produces its input.
    for i, sp in enumerate(specs):
        if sp["kind"] != "Affine":
            continue
        prev = specs[i - 1] if i else None
        if prev is None or prev["kind"] not in ("Conv2D", "Dense"):
            raise SystemExit(f"{sp['name']}: BN not directly after Conv2D/Dense")
        act = prev["config"].get("activation")
        if act not in ("relu", "linear"):
            raise SystemExit(f"{sp['name']}: cannot move BN scale through {act!r}")
        if act == "relu" and not np.all(sp["s"] > 0):
            raise SystemExit(f"{sp['name']}: BN scale not positive, cannot pass ReLU")
        prev["kernel"] = prev["kernel"] * sp["s"]  # last axis = output channels
        prev["bias"] = prev["bias"] * sp["s"]
        sp["s"] = np.ones_like(sp["s"])

    # 3. Carry the remaining shifts forward into the next Conv2D/Dense bias.
    x = inp = keras.Input(shape=IMAGE_SHAPE, batch_size=1, name="input")
    shift = None
    for sp in specs:
        kind = sp["kind"]
        if kind == "Affine":
            shift = sp["t"] if shift is None else shift + sp["t"]
        elif kind == "MaxPooling2D":
            x = keras.layers.MaxPooling2D.from_config(sp["config"])(x)
        elif kind == "Flatten":
            if shift is not None:
                shift = np.tile(shift, int(np.prod(x.shape[1:-1])))
            x = keras.layers.Flatten.from_config(sp["config"])(x)
        else:
            kernel, bias = sp["kernel"], sp["bias"]
            if shift is not None:
                if kind == "Conv2D":
                    if sp["config"]["padding"] != "valid":
                        raise SystemExit(f"{sp['config']['name']}: cannot fold a shift "
                                         "into a zero-padded conv")
                    bias = bias + np.einsum("hwio,i->o", kernel, shift)
                else:
                    bias = bias + shift @ kernel
                shift = None
            cls = keras.layers.Conv2D if kind == "Conv2D" else keras.layers.Dense
            layer = cls.from_config(sp["config"])
            x = layer(x)
            layer.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    if shift is not None:
        raise SystemExit("model ends with a BatchNormalization; nothing to fold it into")
    return keras.Model(inp, x, name="cifar10_cnn_bn_folded")


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
    """Run every sample of inputs_path (int8, N x 32x32x3) through TFLM."""
    from tflite_micro import runtime

    with open(model_path, "rb") as f:
        model = f.read()
    x = np.fromfile(inputs_path, dtype=np.int8).reshape((-1,) + IMAGE_SHAPE)
    outs = []
    for i in range(x.shape[0]):
        # A fresh interpreter per sample: no state can leak between samples.
        it = runtime.Interpreter.from_bytes(model, arena_size=TFLM_ARENA_BYTES)
        d = it.get_input_details(0)
        if np.dtype(d["dtype"]) != np.int8 or list(d["shape"]) != [1, *IMAGE_SHAPE]:
            raise SystemExit(f"unexpected TFLM input {d}")
        it.set_input(x[i:i + 1].copy(), 0)
        it.invoke()
        y = np.asarray(it.get_output(0))
        if y.dtype != np.int8:
            raise SystemExit(f"unexpected TFLM output dtype {y.dtype}")
        outs.append(y.reshape(-1))
    np.stack(outs).astype(np.int8).tofile(out_path)
    return 0


def run_tflm(tflm_python: str, model: bytes, inputs_i8: np.ndarray) -> np.ndarray:
    with tempfile.TemporaryDirectory() as td:
        mp, ip, op = (os.path.join(td, n) for n in ("m.tflite", "in.bin", "out.bin"))
        with open(mp, "wb") as f:
            f.write(model)
        inputs_i8.tofile(ip)
        subprocess.run([tflm_python, os.path.abspath(__file__), "--tflm-worker", mp, ip, op],
                       check=True)
        out = np.fromfile(op, dtype=np.int8)
    return out.reshape(inputs_i8.shape[0], -1)


def tflm_version(tflm_python: str) -> str:
    code = "from importlib import metadata; print(metadata.version('tflite-micro'))"
    return subprocess.run([tflm_python, "-c", code], check=True, capture_output=True,
                          text=True).stdout.strip()


# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------

def build(out_dir: str, tflm_python: str) -> None:
    import random
    random.seed(SEED)
    np.random.seed(SEED)
    import tensorflow as tf
    import keras
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()

    images_u8, labels, files = load_images()
    x = preprocess(images_u8)

    h5 = keras_model_path()
    with contextlib.redirect_stdout(sys.stderr):
        model = keras.models.load_model(h5, compile=False)
    keras_logits = model.predict(x, batch_size=N_IMAGES, verbose=0)
    keras_acc = float(np.mean(keras_logits.argmax(1) == labels))

    folded = fold_batchnorm(model)
    folded_logits = np.concatenate([folded.predict(x[i:i + 1], verbose=0) for i in range(N_IMAGES)])
    fold_err = float(np.max(np.abs(folded_logits - keras_logits)))
    fold_tol = 1e-3 * max(1.0, float(np.max(np.abs(keras_logits))))
    if fold_err > fold_tol or not np.array_equal(folded_logits.argmax(1), keras_logits.argmax(1)):
        raise SystemExit(f"BN folding changed the model: max |diff| = {fold_err}")

    with contextlib.redirect_stdout(sys.stderr):  # the converter prints its SavedModel
        tflite = convert_int8(folded, x)
    info = inspect_tflite(tflite)
    bad = sorted(set(info["ops"]) - ALLOWED_OPS)
    if bad:
        raise SystemExit(f"converted model has unsupported ops {bad}: {info['ops']}")
    (inp,), (outp,) = info["inputs"], info["outputs"]
    if inp["dtype"] != "int8" or outp["dtype"] != "int8" or inp["shape"] != [1, *IMAGE_SHAPE]:
        raise SystemExit(f"unexpected model I/O: {inp} {outp}")
    n_classes = outp["shape"][-1]
    assert n_classes == len(CLASS_NAMES)

    inputs_i8 = quantize(x, inp["scale"], inp["zero_point"])
    lossless = bool(np.array_equal(
        (inputs_i8.astype(np.float64) - inp["zero_point"]) * inp["scale"], x))
    ref = run_tflm(tflm_python, tflite, inputs_i8)
    assert ref.shape == (N_IMAGES, n_classes)
    tflm_acc = float(np.mean(ref.argmax(1) == labels))
    ref_f = (ref.astype(np.float32) - outp["zero_point"]) * outp["scale"]
    max_logit_err = float(np.max(np.abs(ref_f - keras_logits)))

    os.makedirs(out_dir, exist_ok=True)
    blobs = {
        "cifar10.tflite": tflite,
        "inputs_int8.bin": inputs_i8.tobytes(order="C"),
        "labels.bin": labels.tobytes(),
        "reference_output_int8.bin": ref.astype(np.int8).tobytes(order="C"),
    }
    assert list(blobs) == DATA_FILES
    for name, b in blobs.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(b)

    tflm_ver = tflm_version(tflm_python)
    manifest = {
        "description": "CIFAR-10 CNN (PyPI cifar-10-model) converted to full-int8 TFLite, "
                       "20 real CIFAR-10 test images (PyPI foolbox) and TFLM reference outputs",
        "generator": "tools/models/build_cifar10.py",
        "n": N_IMAGES,
        "class_names": CLASS_NAMES,
        "labels": [int(v) for v in labels],
        "model": {
            "file": "cifar10.tflite",
            "source": "cifar-10-model/cifar_10_model/trained_models/cnn_model.h5",
            "source_sha256": sha256_file(h5),
            "transform": "BatchNormalization (which follows Conv2D+ReLU) folded away exactly: "
                         "its scale (all > 0) into the producing conv's output channels, its "
                         "shift through max-pool into the next conv/dense bias; Dropout "
                         "removed; batch size fixed to 1",
            "ops": info["ops"],
            "input": {"shape": inp["shape"], "dtype": "int8",
                      "scale": inp["scale"], "zero_point": inp["zero_point"]},
            "output": {"shape": outp["shape"], "dtype": "int8",
                       "scale": outp["scale"], "zero_point": outp["zero_point"],
                       "meaning": "ReLU logits (the Keras model has no softmax)"},
        },
        "preprocessing": {
            "float_input": "x = float32(pixel), RGB pixel values in [0, 255], no normalisation",
            "quantization": "q = clip(round(x / scale) + zero_point, -128, 127) as int8 "
                            "(numpy round-half-to-even)",
            "input_quantization_lossless": lossless,
            "pixels_from_inputs": "pixel_u8 = (q - zero_point) * scale; with scale 1 and "
                                  "zero_point -128 this is q + 128 exactly",
        },
        "images": {
            "source": "foolbox/data/cifar10_<ii>_<label>.png: CIFAR-10 test images 0..19",
            "files": files,
        },
        "files": {
            "cifar10.tflite": {"sha256": sha256_bytes(blobs["cifar10.tflite"]),
                               "bytes": len(blobs["cifar10.tflite"])},
            "inputs_int8.bin": {"shape": [N_IMAGES, *IMAGE_SHAPE], "dtype": "int8",
                                "layout": "NHWC row-major, raw",
                                "sha256": sha256_bytes(blobs["inputs_int8.bin"])},
            "labels.bin": {"shape": [N_IMAGES], "dtype": "uint8",
                           "sha256": sha256_bytes(blobs["labels.bin"])},
            "reference_output_int8.bin": {
                "shape": [N_IMAGES, n_classes], "dtype": "int8", "layout": "row-major, raw",
                "produced_by": "TFLM reference kernels (tflite_micro.runtime.Interpreter)",
                "sha256": sha256_bytes(blobs["reference_output_int8.bin"])},
        },
        "accuracy": {
            "keras_float": keras_acc,
            "tflm_int8": tflm_acc,
            "n": N_IMAGES,
        },
        "versions": {
            "python": "%d.%d" % sys.version_info[:2],
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "pillow": dist_version("pillow"),
            "tflite-micro": tflm_ver,
            "cifar-10-model": dist_version("cifar-10-model"),
            "foolbox": dist_version("foolbox"),
        },
        "licences": {
            "cifar-10-model": dist_licence("cifar-10-model"),
            "foolbox": dist_licence("foolbox"),
        },
    }
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    print(f"ops: {info['ops']}")
    print(f"input  int8: scale={inp['scale']!r} zero_point={inp['zero_point']}")
    print(f"output int8: scale={outp['scale']!r} zero_point={outp['zero_point']}")
    print(f"input quantization lossless (dequant(q) == pixels): {lossless}")
    print(f"BN folding: max |folded - keras| logit = {fold_err:.3g}")
    print(f"Keras float accuracy : {keras_acc * N_IMAGES:.0f}/{N_IMAGES} = {keras_acc:.3f}")
    print(f"TFLM  int8  accuracy : {tflm_acc * N_IMAGES:.0f}/{N_IMAGES} = {tflm_acc:.3f}")
    print(f"max |dequant(TFLM) - keras| logit = {max_logit_err:.3g}")
    print(f"TFLM vs Keras argmax agreement: "
          f"{int(np.sum(ref.argmax(1) == keras_logits.argmax(1)))}/{N_IMAGES}")
    for name in DATA_FILES + ["manifest.json"]:
        print(f"  {name:28s} {os.path.getsize(os.path.join(out_dir, name)):9d} bytes")


def check(committed: str, tflm_python: str) -> int:
    with tempfile.TemporaryDirectory() as td:
        build(td, tflm_python)
        bad = []
        for name in DATA_FILES + ["manifest.json"]:
            a, b = os.path.join(committed, name), os.path.join(td, name)
            if not os.path.exists(a):
                bad.append(f"{name}: missing in {committed}")
            elif sha256_file(a) != sha256_file(b):
                bad.append(f"{name}: differs (committed {sha256_file(a)[:16]}, "
                           f"regenerated {sha256_file(b)[:16]})")
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
    ap.add_argument("--tflm-python", default=sys.executable,
                    help="Python interpreter that has tflite-micro installed "
                         "(default: this one)")
    ap.add_argument("--tflm-worker", nargs=3, metavar=("MODEL", "INPUTS", "OUT"),
                    help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.tflm_worker:
        return tflm_worker(*a.tflm_worker)
    if a.check:
        return check(a.out, a.tflm_python)
    build(a.out, a.tflm_python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
