#!/usr/bin/env python3
"""Generate the operator conformance suite in tests/conformance/.

Every case is a tiny Keras model with seeded random weights that exercises one
operator with one set of parameters. It is converted to a full-integer TFLite
model (seeded representative dataset; int8 weights and activations with int8
input and output unless the case says float I/O, or for the ``i16_*`` cases
the 16x8 mode: int16 activations and I/O, int8 weights, int64 bias; the
``i32_*`` cases are int32 models converted without quantization, the ``f32_*``
cases float32 models converted without optimization), checked to
contain exactly the intended operators with the intended options, and run
through the TFLite Micro reference kernels (PyPI ``tflite-micro``) on 3 seeded
random inputs.

Files written, per case ``tests/conformance/<case>/``:

* ``model.tflite``  the converted model
* ``input.npy``     [samples, *model input shape incl. batch], model input dtype;
                    for a model with two inputs of one shape and dtype
                    [samples, inputs, *input shape], i.e. per sample the inputs
                    in model order, back to back
* ``input0.npy``, ``input1.npy``  instead of ``input.npy`` for two inputs of
                    different shapes (broadcasting ADD/SUB/MUL/MAXIMUM/MINIMUM),
                    in model order
* ``output.npy``    the TFLM outputs, [samples, *model output shape]
* ``output_<k>.npy`` instead of ``output.npy`` for a model with several outputs
                    (SPLIT, SPLIT_V, UNPACK), one per graph output in model order
* ``output_seq.npy`` for a stateful (SVDF) case: the TFLM outputs of its inputs run
                    as one sequence in a single interpreter (``output.npy`` has
                    each input from the reset state)

plus ``tests/conformance/manifest.json`` (every case: operators and their
options, shapes, quantization, sha256 of the files; tool versions) and the
test file ``tests/tests/conformance.rs`` (one ``include_model!`` and one
``#[test]`` per case; a case marked ``compile_error`` is listed in a comment
instead).

Some cases cannot be produced by the converter alone and are patched after
conversion with TensorFlow's flatbuffer object API (``*_patched`` in the name,
``patched`` in the manifest): TF 2.21 always writes SOFTMAX beta = 1.0 (a
``softmax(x * b)`` becomes MUL + SOFTMAX), always rewrites a static-shape
SQUEEZE into RESHAPE, emits no int8 -> int8 QUANTIZE for these graphs (nor one
between int8, int16 and int32), calibrates a fused RELU_N1_TO_1's output to
[-1, 1] (so the clamp sits at the ends of the int8 range; the
``*_wide_patched`` cases widen the output scale), leaves an int16 PADV2's
constant value float32, which TFLM refuses, writes no int8 -> int16 SOFTMAX
and no SVDF (a Dense model's FULLY_CONNECTED is turned into one). Two SVDF
cases are built whole with the object API (crafted effective scales). The
converter never calibrates an int16 LOGISTIC/TANH input to the power-of-two
scale that takes TFLM's other path.
The patched models are run through TFLM like the others.

The README's coverage table is derived from the manifest by ``table.py``;
``--check`` also fails when it is out of date.

Usage (from the repository root; see tools/conformance/README.md):
    ~/.cache/nn-tf-venv/bin/python tools/conformance/generate.py           # (re)write
    ~/.cache/nn-tf-venv/bin/python tools/conformance/generate.py --check   # compare, exit 1 on a difference
    python3 tools/conformance/table.py --write                             # then update the README table
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib
from typing import Callable

# Determinism knobs; must be set before TensorFlow is imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

SEED = 0
N_SAMPLES = 3           # test inputs per case
N_SEQUENCE = 6          # inputs of a stateful (SVDF) case, also run as one sequence
N_CALIB = 16            # representative-dataset samples per case
TFLM_ARENA_BYTES = 1 << 20
MAX_SUITE_BYTES = 2_000_000
RUSTFMT_MAX_WIDTH = 120  # rustfmt.toml
ALLOWED_OPS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "FULLY_CONNECTED", "ADD", "SUB",
    "AVERAGE_POOL_2D", "MAX_POOL_2D", "SOFTMAX", "LEAKY_RELU", "PAD", "PADV2", "STRIDED_SLICE",
    "RESHAPE", "SQUEEZE", "QUANTIZE", "DEQUANTIZE", "MUL", "MAXIMUM", "MINIMUM", "RELU", "RELU6",
    "CONCATENATION", "PACK", "UNPACK", "SLICE", "TRANSPOSE", "SPLIT", "SPLIT_V", "MEAN", "SUM", "SVDF",
    "PRELU", "HARD_SWISH", "RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR",
    "BATCH_MATMUL",
    # Shape arithmetic, folded at compile time (dynamic-batch models).
    "SHAPE", "GATHER", "CAST", "FLOOR_DIV", "REDUCE_PROD",
    "LOGISTIC", "TANH", "UNIDIRECTIONAL_SEQUENCE_LSTM",
}
# Operators nn evaluates at compile time when their inputs are known (nn-compiler/src/fold.rs).
FOLDABLE = {"SHAPE", "CAST", "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "STRIDED_SLICE", "SLICE", "GATHER", "PACK",
            "CONCATENATION", "ADD", "SUB", "MUL", "FLOOR_DIV", "FLOOR_MOD", "MAXIMUM", "MINIMUM", "REDUCE_PROD",
            "SUM", "REDUCE_MAX", "REDUCE_MIN"}
INT16_RANGE = 20000     # int16 test inputs are uniform over -INT16_RANGE..INT16_RANGE
INT32_RANGE = 1 << 21   # int32 test inputs likewise

# The versions the committed suite was generated with (tools/models/requirements.txt).
PINNED = {"tensorflow-cpu": "2.21.0", "keras": "3.15.1", "numpy": "2.4.6",
          "tflite-micro": "0.dev20261023182759", "tf-keras": "2.21.0"}

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_SUITE = os.path.join(REPO_ROOT, "tests", "conformance")
DEFAULT_RS = os.path.join(REPO_ROOT, "tests", "tests", "conformance.rs")
CASE_FILES = ("model.tflite", "input.npy", "output.npy")
# A case with two inputs of different shapes has input0.npy and input1.npy instead of input.npy.
CASE_FILES_2 = ("model.tflite", "input0.npy", "input1.npy", "output.npy")

sys.path.insert(0, HERE)
import table  # noqa: E402  (tools/conformance/table.py: the README's coverage table)


def sha256_bytes(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# ---------------------------------------------------------------------------
# Flatbuffer inspection (TensorFlow's bundled generated schema)
# ---------------------------------------------------------------------------

PADDING = {0: "SAME", 1: "VALID"}
ACTIVATION = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH",
              5: "SIGN_BIT", 6: "SIGMOID"}


def _schema():
    from tensorflow.lite.python import schema_py_generated as schema
    return schema


def _enum_names(cls) -> dict[int, str]:
    return {v: k for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


def _options(schema, op, opt_names):
    t = op.BuiltinOptionsType()
    if not t:
        return None
    cls = getattr(schema, opt_names[t])
    o = cls()
    tab = op.BuiltinOptions()
    o.Init(tab.Bytes, tab.Pos)
    return o


def _quant(t) -> dict | None:
    q = t.Quantization()
    if q is None or q.ScaleLength() == 0:
        return None
    return {"scale": [float(x) for x in q.ScaleAsNumpy()],
            "zero_point": [int(x) for x in q.ZeroPointAsNumpy()],
            "quantized_dimension": int(q.QuantizedDimension())}


def inspect_tflite(buf: bytes) -> dict:
    """Ops with their options and operand summaries; graph inputs/outputs."""
    schema = _schema()
    op_names = _enum_names(schema.BuiltinOperator)
    opt_names = _enum_names(schema.BuiltinOptions)
    dtypes = {k: v.lower() for k, v in _enum_names(schema.TensorType).items()}
    m = schema.Model.GetRootAsModel(buf, 0)
    if m.SubgraphsLength() != 1:
        raise SystemExit(f"expected 1 subgraph, got {m.SubgraphsLength()}")
    g = m.Subgraphs(0)

    def shape(i):
        s = g.Tensors(i).ShapeAsNumpy()
        return [] if isinstance(s, int) else [int(d) for d in s]

    def tensor(i):
        t = g.Tensors(i)
        return {"shape": shape(i), "dtype": dtypes[t.Type()], "quant": _quant(t)}

    def is_const(i):
        return bool(m.Buffers(g.Tensors(i).Buffer()).DataLength())

    def const(i) -> list:
        """The values of constant tensor i, flat."""
        t = g.Tensors(i)
        np_type = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
                   "float32": np.float32}[dtypes[t.Type()]]
        data = m.Buffers(t.Buffer()).DataAsNumpy().tobytes()
        return np.frombuffer(data, dtype=np.dtype(np_type).newbyteorder("<")).tolist()

    ops = []
    graph_outputs = {int(i) for i in g.OutputsAsNumpy()}
    known = {i for i in range(g.TensorsLength()) if is_const(i)}  # values known at compile time
    for oi in range(g.OperatorsLength()):
        op = g.Operators(oi)
        oc = m.OperatorCodes(op.OpcodeIndex())
        name = op_names.get(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()), "?")
        if name == "CUSTOM":
            name = "CUSTOM:" + oc.CustomCode().decode()
        ins = [int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else []
        outs = [int(x) for x in op.OutputsAsNumpy()] if op.OutputsLength() else []
        o = _options(schema, op, opt_names)
        d: dict = {"op": name}
        # Shape arithmetic nn folds (its rule: unquantized int32/int64 outputs that are not graph outputs,
        # computed by SHAPE or from known inputs only).
        if (name in FOLDABLE and outs and (name == "SHAPE" or all(i in known for i in ins if i >= 0))
                and all(dtypes[g.Tensors(i).Type()] in ("int32", "int64") and _quant(g.Tensors(i)) is None
                        and i not in graph_outputs for i in outs)):
            d["folded"] = True
            d["output_dtypes"] = [dtypes[g.Tensors(i).Type()] for i in outs]
            known.update(outs)
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            d.update(padding=PADDING[o.Padding()], stride=[o.StrideH(), o.StrideW()],
                     dilation=[o.DilationHFactor(), o.DilationWFactor()],
                     activation=ACTIVATION[o.FusedActivationFunction()])
            if name == "DEPTHWISE_CONV_2D":
                d["depth_multiplier"] = o.DepthMultiplier()
        elif name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            d.update(padding=PADDING[o.Padding()], stride=[o.StrideH(), o.StrideW()],
                     filter=[o.FilterHeight(), o.FilterWidth()],
                     activation=ACTIVATION[o.FusedActivationFunction()])
        elif name == "FULLY_CONNECTED":
            d.update(activation=ACTIVATION[o.FusedActivationFunction()],
                     keep_num_dims=bool(o.KeepNumDims()))
        elif name in ("ADD", "SUB", "MUL") and _quant(g.Tensors(outs[0])) is None:  # int32 shape arithmetic
            d.update(activation=ACTIVATION[o.FusedActivationFunction()])
        elif name in ("ADD", "SUB", "MUL"):
            scales = [_quant(g.Tensors(i))["scale"][0] for i in ins]
            d.update(activation=ACTIVATION[o.FusedActivationFunction()], input_scales=scales,
                     scale_ratio=max(scales) / min(scales))
            if any(is_const(i) for i in ins):  # a constant operand (not among the activation inputs)
                d["constant_shapes"] = [shape(i) for i in ins if is_const(i)]
            if name != "MUL" and dtypes[g.Tensors(outs[0]).Type()] == "int16":
                d["pot_scale_int16"] = bool(o.PotScaleInt16())
        elif name in ("MAXIMUM", "MINIMUM"):  # inputs and output must share one quantization
            qs = [_quant(g.Tensors(i)) for i in list(ins) + list(outs)]
            if all(q is not None for q in qs):  # float32 has no scales
                d.update(input_scales=[q["scale"][0] for q in qs[:-1]],
                         same_quantization=all((q["scale"], q["zero_point"]) == (qs[0]["scale"], qs[0]["zero_point"])
                                               for q in qs))
            if any(is_const(i) for i in ins):
                d["constant_shapes"] = [shape(i) for i in ins if is_const(i)]
                d["constant_values"] = [const(i) for i in ins if is_const(i)]
        elif name in ("RELU", "RELU6") and _quant(g.Tensors(ins[0])) is not None:  # float32 has no scales
            qi, qo = _quant(g.Tensors(ins[0])), _quant(g.Tensors(outs[0]))
            d.update(scale_ratio=qi["scale"][0] / qo["scale"][0],
                     zero_points=[qi["zero_point"][0], qo["zero_point"][0]])
        elif name == "TRANSPOSE_CONV":
            d.update(padding=PADDING[o.Padding()], stride=[o.StrideH(), o.StrideW()],
                     activation=ACTIVATION[o.FusedActivationFunction()],
                     output_shape_input="constant" if is_const(ins[0]) else "activation")
            if is_const(ins[0]):
                d["output_shape_value"] = const(ins[0])
        elif name == "PRELU":  # inputs: input, alpha
            d.update(alpha_shape=shape(ins[1]), alpha_constant=is_const(ins[1]))
            qa = _quant(g.Tensors(ins[1]))
            if qa is not None:
                d["alpha_zero_point"] = qa["zero_point"][0]
            if is_const(ins[1]):
                alpha = const(ins[1])
                if qa is not None:
                    alpha = [(v - qa["zero_point"][0]) * qa["scale"][0] for v in alpha]
                d["alpha_range"] = [min(alpha), max(alpha)]
        elif name in ("RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR"):
            d.update(size=const(ins[1]), align_corners=bool(o.AlignCorners()),
                     half_pixel_centers=bool(o.HalfPixelCenters()))
        elif name == "HARD_SWISH":
            qi, qo = _quant(g.Tensors(ins[0])), _quant(g.Tensors(outs[0]))
            if qi is not None and qo is not None:
                d.update(input_scale=qi["scale"][0], scale_ratio=qi["scale"][0] / qo["scale"][0],
                         zero_points=[qi["zero_point"][0], qo["zero_point"][0]])
        elif name == "LEAKY_RELU":
            d.update(alpha=float(o.Alpha()))
        elif name == "BATCH_MATMUL":
            d.update(adj_x=bool(o.AdjX()), adj_y=bool(o.AdjY()), operand_shapes=[shape(i) for i in ins])
            if any(is_const(i) for i in ins):
                d["constant_operands"] = [k for k, i in enumerate(ins) if is_const(i)]
        elif name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
            d.update(activation=ACTIVATION[o.FusedActivationFunction()], cell_clip=float(o.CellClip()),
                     time_major=bool(o.TimeMajor()),
                     absent_inputs=[k for k, i in enumerate(ins) if i < 0],
                     variable_inputs=[k for k, i in enumerate(ins) if i >= 0 and g.Tensors(i).IsVariable()],
                     weights={"shape": shape(ins[2]), "dtype": dtypes[g.Tensors(ins[2]).Type()]})
            qc, qh = _quant(g.Tensors(ins[19])), _quant(g.Tensors(ins[18]))
            if qc is not None:
                d.update(cell_dtype=dtypes[g.Tensors(ins[19]).Type()], cell_scale=qc["scale"][0],
                         hidden_zero_point=qh["zero_point"][0], input_zero_point=_quant(g.Tensors(ins[0]))["zero_point"][0])
        elif name in ("LOGISTIC", "TANH"):  # input and output quantization (none for float32)
            qi, qo = _quant(g.Tensors(ins[0])), _quant(g.Tensors(outs[0]))
            if qi is not None and qo is not None:
                d.update(input_scale=qi["scale"][0], output_scale=qo["scale"][0],
                         zero_points=[qi["zero_point"][0], qo["zero_point"][0]],
                         input_scale_log2=float(np.log2(qi["scale"][0])))
        elif name in ("PAD", "PADV2"):
            p = const(ins[1])
            d.update(paddings=[p[k:k + 2] for k in range(0, len(p), 2)])
            if name == "PADV2":  # the fill value (quantized, unless the converter left it float) and its type
                q, (v,) = _quant(g.Tensors(ins[2])), const(ins[2])
                d.update(constant_value=v, constant_dtype=dtypes[g.Tensors(ins[2]).Type()])
                if q is not None:
                    d["constant_real"] = (v - q["zero_point"][0]) * q["scale"][0]
        elif name == "STRIDED_SLICE":
            d.update(begin=const(ins[1]), end=const(ins[2]), strides=const(ins[3]),
                     begin_mask=o.BeginMask(), end_mask=o.EndMask(), shrink_axis_mask=o.ShrinkAxisMask(),
                     ellipsis_mask=o.EllipsisMask(), new_axis_mask=o.NewAxisMask(), offset=bool(o.Offset()))
        elif name in ("CONCATENATION", "PACK"):  # inputs and output must share one quantization
            qs = [_quant(g.Tensors(i)) for i in list(ins) + list(outs)]
            d.update(axis=int(o.Axis()))
            if name == "CONCATENATION":
                d["activation"] = ACTIVATION[o.FusedActivationFunction()]
            else:
                d["values_count"] = int(o.ValuesCount())
            d["same_quantization"] = all((q["scale"], q["zero_point"]) == (qs[0]["scale"], qs[0]["zero_point"])
                                         for q in qs) if all(qs) else None
        elif name == "UNPACK":
            d.update(axis=int(o.Axis()), num=int(o.Num()))
        elif name == "SPLIT":  # inputs: axis (constant), input
            (axis,) = const(ins[0])
            d.update(axis=axis, num_splits=int(o.NumSplits()))
        elif name == "SPLIT_V":  # inputs: input, size_splits, axis (constants)
            (axis,) = const(ins[2])
            d.update(size_splits=const(ins[1]), axis=axis, num_splits=int(o.NumSplits()))
        elif name == "SLICE":
            d.update(begin=const(ins[1]), size=const(ins[2]))
        elif name == "TRANSPOSE":
            d.update(perm=const(ins[1]))
        elif name in ("MEAN", "SUM"):
            d.update(axes=const(ins[1]), keep_dims=bool(o.KeepDims()))
            qi, qo = _quant(g.Tensors(ins[0])), _quant(g.Tensors(outs[0]))
            if qi is not None and qo is not None:
                d.update(scale_ratio=qi["scale"][0] / qo["scale"][0],
                         zero_points=[qi["zero_point"][0], qo["zero_point"][0]])
        elif name == "SOFTMAX":
            d.update(beta=float(o.Beta()))
        elif name == "SVDF":  # inputs: input, weights_feature, weights_time, bias, state (variable)
            wf, wt, st = shape(ins[1]), shape(ins[2]), g.Tensors(ins[4])
            d.update(rank=o.Rank(), activation=ACTIVATION[o.FusedActivationFunction()], filters=wf[0],
                     units=wf[0] // o.Rank(), memory=wt[1], state_dtype=dtypes[st.Type()],
                     state_variable=bool(st.IsVariable()), bias=ins[3] >= 0)
            if _quant(st) is not None:
                d["state_zero_point"] = _quant(st)["zero_point"][0]
        elif name == "SQUEEZE":
            d.update(squeeze_dims=[int(x) for x in o.SqueezeDimsAsNumpy()]
                     if o is not None and o.SqueezeDimsLength() else [])
        elif name in ("QUANTIZE", "DEQUANTIZE"):
            tin, tout = g.Tensors(ins[0]), g.Tensors(outs[0])
            d.update(input_dtype=dtypes[tin.Type()], output_dtype=dtypes[tout.Type()])
            if name == "QUANTIZE" and _quant(tin) is not None:  # int8 -> int8: a change of scale
                qi, qo = _quant(tin), _quant(tout)
                d.update(scale_ratio=qi["scale"][0] / qo["scale"][0],
                         zero_points=[qi["zero_point"][0], qo["zero_point"][0]])
        conv_like = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV")
        if name in conv_like:
            w_in, b_in = (1, 3) if name == "TRANSPOSE_CONV" else (1, 2)
            wq = _quant(g.Tensors(ins[w_in]))
            if wq is None:  # float weights (an unquantized float32 model)
                d["weights"] = {"shape": shape(ins[w_in]), "dtype": dtypes[g.Tensors(ins[w_in]).Type()]}
            else:
                d["weights"] = {"shape": shape(ins[w_in]),
                                "per_channel": len(wq["scale"]) > 1,
                                "scale_ratio": max(wq["scale"]) / min(wq["scale"])}
            d["bias"] = len(ins) > b_in and ins[b_in] >= 0
        if name == "RESHAPE" and len(ins) > 1 and ins[1] in known and not is_const(ins[1]):
            d["computed_target"] = True  # the target shape comes from folded shape arithmetic
        # Activation inputs: neither constants, folded shape values nor variable (state) tensors.
        d["inputs"] = [tensor(i) for i in ins if i >= 0 and i not in known and not g.Tensors(i).IsVariable()]
        # The activation type, recorded when it is not int8 (QUANTIZE/DEQUANTIZE have their
        # input/output types): "int16", "int32", or "16x8" (int16 activations, int8 weights).
        act_types = sorted({t["dtype"] for t in d["inputs"]} | {dtypes[g.Tensors(i).Type()] for i in outs})
        if name == "UNIDIRECTIONAL_SEQUENCE_LSTM" and d.get("cell_dtype") == "int16":
            act_types = [t for t in act_types if t != "int16"]  # the int8 LSTM's cell state is int16
        if name == "SOFTMAX" and act_types == ["int16", "int8"]:
            d["type"] = "int8 → int16"
        elif name not in ("QUANTIZE", "DEQUANTIZE") and act_types != ["int8"]:
            d["type"] = "16x8" if name in conv_like and act_types == ["int16"] else ", ".join(act_types)
            if name in conv_like and d["bias"]:
                d["bias_dtype"] = dtypes[g.Tensors(ins[b_in]).Type()]
        d["outputs"] = [tensor(i) for i in outs]
        # Shapes of the activation operands (kept in the manifest; tools/conformance/table.py).
        d["input_shapes"] = [t["shape"] for t in d["inputs"]]
        d["output_shape"] = d["outputs"][0]["shape"]
        if len(outs) > 1:  # SPLIT, SPLIT_V, UNPACK
            d["output_shapes"] = [t["shape"] for t in d["outputs"]]
        ops.append(d)
    return {"ops": ops,
            "inputs": [tensor(int(i)) for i in g.InputsAsNumpy()],
            "outputs": [tensor(int(i)) for i in g.OutputsAsNumpy()]}


# ---------------------------------------------------------------------------
# Post-conversion patches (TensorFlow's flatbuffer object API)
# ---------------------------------------------------------------------------

def _patch(buf: bytes, fn) -> bytes:
    from tensorflow.lite.tools import flatbuffer_utils
    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(buf))
    fn(_schema(), model)
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def _opcode_name(schema, model, op) -> str:
    oc = model.operatorCodes[op.opcodeIndex]
    return _enum_names(schema.BuiltinOperator)[max(oc.builtinCode, oc.deprecatedBuiltinCode)]


def patch_softmax_beta(beta: float):
    """Sets SoftmaxOptions.beta of every SOFTMAX."""
    def fn(schema, model):
        n = 0
        for op in model.subgraphs[0].operators:
            if _opcode_name(schema, model, op) == "SOFTMAX":
                op.builtinOptions.beta = beta
                n += 1
        assert n == 1, n
    return fn


def patch_softmax_int16_output(scale: float = 1 / 65536):
    """Makes the SOFTMAX's output (the graph output) int16 with zero point
    -32768, as TFLM's int8 -> int16 softmax requires (the converter writes
    int8 -> int8 for an int8 model); `scale` must lie within 0.1% of 1/65536."""
    def fn(schema, model):
        g = model.subgraphs[0]
        ops = [op for op in g.operators if _opcode_name(schema, model, op) == "SOFTMAX"]
        assert len(ops) == 1, len(ops)
        t = g.tensors[int(ops[0].outputs[0])]
        t.type = schema.TensorType.INT16
        t.quantization.scale = [float(np.float32(scale))]
        t.quantization.zeroPoint = [-32768]
        t.quantization.min = t.quantization.max = None
    return fn


def _chain(*patches):
    """Applies several patches in order."""
    def fn(schema, model):
        for p in patches:
            p(schema, model)
    return fn


def patch_reshape_to_squeeze(squeeze_dims: list[int]):
    """Turns the single RESHAPE into SQUEEZE(squeeze_dims) (the converter
    always lowers a static SQUEEZE to RESHAPE). The now unused shape tensor
    stays in the model, unreferenced."""
    def fn(schema, model):
        code = schema.OperatorCodeT()
        code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.SQUEEZE
        code.version = 1
        model.operatorCodes.append(code)
        ops = [op for op in model.subgraphs[0].operators
               if _opcode_name(schema, model, op) == "RESHAPE"]
        assert len(ops) == 1, len(ops)
        op = ops[0]
        op.opcodeIndex = len(model.operatorCodes) - 1
        op.inputs = np.asarray(op.inputs[:1], dtype=np.int32)
        op.builtinOptionsType = schema.BuiltinOptions.SqueezeOptions
        op.builtinOptions = schema.SqueezeOptionsT()
        op.builtinOptions.squeezeDims = list(squeeze_dims)
    return fn


def _set_quant(t, scale: float, zero_point: int) -> None:
    assert -128 <= zero_point <= 127, zero_point
    t.quantization.scale = [float(np.float32(scale))]
    t.quantization.zeroPoint = [int(zero_point)]
    t.quantization.min = t.quantization.max = None


def patch_input_scale(scale: float):
    """Sets the scale of the graph input (zero point kept): an int16 LOGISTIC
    or TANH reading it then takes TFLM's power-of-two path, which the
    converter's calibrated scales never hit."""
    def fn(schema, model):
        g = model.subgraphs[0]
        t = g.tensors[int(g.inputs[0])]
        _set_quant(t, scale, t.quantization.zeroPoint[0])
    return fn


def patch_output_scale(factor: float):
    """Multiplies the scale of the graph output by `factor` (zero point kept):
    a fused RELU_N1_TO_1 then clamps inside the int8 range instead of at its
    ends, as the converter's calibrated [-1, 1] output range makes it."""
    def fn(schema, model):
        g = model.subgraphs[0]
        t = g.tensors[int(g.outputs[0])]
        _set_quant(t, t.quantization.scale[0] * factor, t.quantization.zeroPoint[0])
    return fn


def patch_requantize(where: str, factor: float, zp_shift: int):
    """Inserts an int8 -> int8 QUANTIZE (the converter emits none for these
    graphs). A new tensor gets the quantization of an existing one with the
    scale times `factor` and the zero point plus `zp_shift`, and a QUANTIZE
    converts it to the existing tensor, so every other operator keeps its
    converted quantization (and its bias scale):

    * ``input``: the new tensor becomes the graph input (QUANTIZE first);
    * ``mid``: operator 0 writes the new tensor, QUANTIZE follows it;
    * ``output``: the producer of the graph output writes the new tensor,
      QUANTIZE writes the graph output.

    The new tensor is always the QUANTIZE's input, so its scale ratio
    (input / output) is `factor`."""
    import copy

    def fn(schema, model):
        g = model.subgraphs[0]
        codes = [i for i, c in enumerate(model.operatorCodes)
                 if max(c.builtinCode, c.deprecatedBuiltinCode) == schema.BuiltinOperator.QUANTIZE]
        if codes:
            code_index = codes[0]
        else:
            code = schema.OperatorCodeT()
            code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.QUANTIZE
            code.version = 1
            model.operatorCodes.append(code)
            code_index = len(model.operatorCodes) - 1
        if where == "input":
            old, at = int(g.inputs[0]), 0
        elif where == "mid":
            old, at = int(g.operators[0].outputs[0]), 1
        elif where == "output":
            old = int(g.outputs[0])
            at = 1 + [i for i, op in enumerate(g.operators) if old in list(op.outputs)][0]
        else:
            raise ValueError(where)
        t = copy.deepcopy(g.tensors[old])
        t.name = g.tensors[old].name + b"/requantized"
        _set_quant(t, g.tensors[old].quantization.scale[0] * factor,
                   g.tensors[old].quantization.zeroPoint[0] + zp_shift)
        model.buffers.append(schema.BufferT())
        t.buffer = len(model.buffers) - 1
        g.tensors.append(t)
        new = len(g.tensors) - 1
        op = schema.OperatorT()
        op.opcodeIndex = code_index
        if where == "input":
            g.inputs = np.asarray([new], dtype=np.int32)
            for sig in model.signatureDefs or []:
                for io in sig.inputs:
                    if io.tensorIndex == old:
                        io.tensorIndex = new
        else:
            producer = g.operators[at - 1]
            producer.outputs = np.asarray([new if o == old else o for o in producer.outputs], dtype=np.int32)
        op.inputs = np.asarray([new], dtype=np.int32)
        op.outputs = np.asarray([old], dtype=np.int32)
        g.operators.insert(at, op)
    return fn


def patch_requantize_type(where: str, dtype: str, factor: float, zero_point: int):
    """Inserts a QUANTIZE that changes the type at the graph's edge:

    * ``input``: a new graph input of `dtype` (the old input's scale times
      `factor`, `zero_point`) -> QUANTIZE -> the old graph input;
    * ``output``: the producer of the graph output writes a copy of it, and a
      QUANTIZE converts that into the graph output, which becomes `dtype`
      (scale times `factor`, `zero_point`).

    Every other operator keeps its converted types and quantization."""
    import copy

    def fn(schema, model):
        g = model.subgraphs[0]
        codes = [i for i, c in enumerate(model.operatorCodes)
                 if max(c.builtinCode, c.deprecatedBuiltinCode) == schema.BuiltinOperator.QUANTIZE]
        if codes:
            code_index = codes[0]
        else:
            code = schema.OperatorCodeT()
            code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.QUANTIZE
            code.version = 1
            model.operatorCodes.append(code)
            code_index = len(model.operatorCodes) - 1
        ttype = {"int8": schema.TensorType.INT8, "int16": schema.TensorType.INT16,
                 "int32": schema.TensorType.INT32, "uint8": schema.TensorType.UINT8}[dtype]
        old = int(g.inputs[0]) if where == "input" else int(g.outputs[0])
        t = copy.deepcopy(g.tensors[old])
        t.name = g.tensors[old].name + b"/" + dtype.encode()
        model.buffers.append(schema.BufferT())
        t.buffer = len(model.buffers) - 1
        g.tensors.append(t)
        new = len(g.tensors) - 1
        typed = t if where == "input" else g.tensors[old]  # the tensor that changes type
        scale = float(np.float32(typed.quantization.scale[0] * factor))
        typed.type = ttype
        typed.quantization.scale = [scale]
        typed.quantization.zeroPoint = [int(zero_point)]
        typed.quantization.min = typed.quantization.max = None
        op = schema.OperatorT()
        op.opcodeIndex = code_index
        if where == "input":
            g.inputs = np.asarray([new], dtype=np.int32)
            for sig in model.signatureDefs or []:
                for io in sig.inputs:
                    if io.tensorIndex == old:
                        io.tensorIndex = new
            op.inputs, op.outputs = np.asarray([new], dtype=np.int32), np.asarray([old], dtype=np.int32)
            g.operators.insert(0, op)
        elif where == "output":
            at = 1 + [i for i, o in enumerate(g.operators) if old in list(o.outputs)][0]
            producer = g.operators[at - 1]
            producer.outputs = np.asarray([new if o == old else o for o in producer.outputs], dtype=np.int32)
            op.inputs, op.outputs = np.asarray([new], dtype=np.int32), np.asarray([old], dtype=np.int32)
            g.operators.insert(at, op)
        else:
            raise ValueError(where)
    return fn


def patch_padv2_int16_constant():
    """The converter leaves an int16 PADV2's constant_values float32 (TFLM
    refuses it: "input->type != constant_values->type"); this quantizes it
    like the input (int16, same scale, zero point 0)."""
    import copy

    def fn(schema, model):
        g = model.subgraphs[0]
        ops = [op for op in g.operators if _opcode_name(schema, model, op) == "PADV2"]
        assert len(ops) == 1, len(ops)
        x, c = g.tensors[int(ops[0].inputs[0])], g.tensors[int(ops[0].inputs[2])]
        assert x.type == schema.TensorType.INT16 and c.type == schema.TensorType.FLOAT32
        buf = model.buffers[c.buffer]
        (value,) = np.frombuffer(bytes(bytearray(buf.data)), dtype="<f4")
        scale = float(np.float32(x.quantization.scale[0]))
        q = int(np.clip(np.round(value / scale), -32768, 32767))
        buf.data = np.frombuffer(np.array([q], dtype="<i2").tobytes(), dtype=np.uint8)
        c.type = schema.TensorType.INT16
        c.quantization = copy.deepcopy(x.quantization)
    return fn


def _add_tensor(schema, model, shape, ttype, name: str, data: np.ndarray | None = None,
                quant: tuple[float, int] | None = None, variable: bool = False) -> int:
    """Appends a tensor (and its buffer, with `data` as little-endian bytes) to subgraph 0."""
    g = model.subgraphs[0]
    t = schema.TensorT()
    t.shape = np.asarray(shape, dtype=np.int32)
    t.type = ttype
    t.name = name.encode()
    t.isVariable = variable
    buf = schema.BufferT()
    if data is not None:
        buf.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8)
    model.buffers.append(buf)
    t.buffer = len(model.buffers) - 1
    if quant is not None:
        t.quantization = schema.QuantizationParametersT()
        t.quantization.scale = [float(np.float32(quant[0]))]
        t.quantization.zeroPoint = [int(quant[1])]
    g.tensors.append(t)
    return len(g.tensors) - 1


def _make_svdf(schema, model, op, inputs: list[int], rank: int, act: str) -> None:
    """Turns `op` (and its operator code, which no other operator uses) into an SVDF."""
    code = model.operatorCodes[op.opcodeIndex]
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.SVDF
    # Version 1 is float32 only; version 3 accepts int8 inputs with int16 state.
    code.version = 1 if model.subgraphs[0].tensors[inputs[0]].type == schema.TensorType.FLOAT32 else 3
    op.inputs = np.asarray(inputs, dtype=np.int32)
    op.builtinOptionsType = schema.BuiltinOptions.SVDFOptions
    op.builtinOptions = schema.SVDFOptionsT()
    op.builtinOptions.rank = rank
    op.builtinOptions.fusedActivationFunction = {v: k for k, v in ACTIVATION.items()}[act]


def patch_fc_to_svdf(name: str, rank: int, memory: int, state: str = "int16", act: str = "NONE",
                     out_zp: int = 0):
    """The converter emits no SVDF: this turns the single FULLY_CONNECTED of a
    converted Dense model into one. Its weights become the feature weights
    (`units * rank` filters), its input stays the input; new seeded time
    weights ([filters, memory], symmetric int16 or int8, or float32), a bias
    per unit (int32 at state scale x time scale, as TFLM requires), and a
    variable state tensor ([batch, memory * filters]) are added, and the
    output becomes [batch, units]. Quantized: an int16 state covers the
    calibrated range of the FC output with zero point 0; an int8 state takes
    the FC output's scale and zero point. The output scale is set so that a
    typical time sum spans about half the int8 range around `out_zp`."""
    def fn(schema, model):
        rng = _rng(name, 3)
        g = model.subgraphs[0]
        (op,) = g.operators
        assert _opcode_name(schema, model, op) == "FULLY_CONNECTED"
        x, w = int(op.inputs[0]), int(op.inputs[1])
        ty = g.tensors[int(op.outputs[0])]
        batch, filters = (int(d) for d in ty.shape)
        assert filters % rank == 0, (filters, rank)
        units = filters // rank
        time = rng.uniform(-1.0, 1.0, (filters, memory)).astype(np.float32)
        tt = schema.TensorType
        if ty.type == tt.FLOAT32:
            bias = rng.uniform(-0.5, 0.5, (units,)).astype("<f4")
            t_time = _add_tensor(schema, model, [filters, memory], tt.FLOAT32, "weights_time", time.astype("<f4"))
            t_bias = _add_tensor(schema, model, [units], tt.FLOAT32, "bias", bias)
            t_state = _add_tensor(schema, model, [batch, memory * filters], tt.FLOAT32, "state", variable=True)
        else:
            s_y, z_y = float(ty.quantization.scale[0]), int(ty.quantization.zeroPoint[0])
            reach = s_y * max(abs(-128 - z_y), abs(127 - z_y))  # the calibrated |FC output| bound
            if state == "int16":
                qmax, dtype, ttype, s_s, z_s = 32767, "<i2", tt.INT16, reach / 32767, 0
            else:
                qmax, dtype, ttype, s_s, z_s = 127, "i1", tt.INT8, s_y, z_y
            s_s = float(np.float32(s_s))
            s_t = float(np.float32(np.abs(time).max() / qmax))
            q_time = np.clip(np.round(time / s_t), -qmax, qmax).astype(dtype)
            s_b = float(np.float32(s_s * s_t))
            # A typical |feature| is about a third of the bound; a sum of memory * rank products
            # with uniform time weights grows like its square root.
            typical = reach / 3 * 0.58 * np.sqrt(memory * rank)
            s_o = float(np.float32(2 * typical / 127))
            bias = np.round(rng.uniform(-typical, typical, (units,)) / s_b).astype("<i4")
            t_time = _add_tensor(schema, model, [filters, memory], ttype, "weights_time", q_time, (s_t, 0))
            t_bias = _add_tensor(schema, model, [units], tt.INT32, "bias", bias, (s_b, 0))
            t_state = _add_tensor(schema, model, [batch, memory * filters], ttype, "state", None, (s_s, z_s),
                                  variable=True)
            ty.quantization.scale = [s_o]
            ty.quantization.zeroPoint = [int(out_zp)]
            ty.quantization.min = ty.quantization.max = None
        ty.shape = np.asarray([batch, units], dtype=np.int32)
        _make_svdf(schema, model, op, [x, w, t_time, t_bias, t_state], rank, act)
    return fn


def svdf_scale_model(stage: int):
    """An int8 SVDF built with TensorFlow's flatbuffer object API whose scales
    make the f32 and the f64 effective scale of one stage quantize to
    different multipliers, with weights and inputs that land the affected
    products on rounding ties, so that the outputs show which one TFLM uses
    (the oracle's build forms both in f64; the TFLM sources we mirror form
    them from f32 products).

    * stage 1 (input x feature / state): 32 units of rank 1, each with one
      time weight of 1 on the newest projection and a bias that cancels the
      f32 result, output scale = state x time scale (a multiplier of 1): an
      output of 0 means the f32 multiplier, +-1 the f64 one.
    * stage 2 (state x time / output): zero time weights, so each output is
      its bias requantized; the biases are accumulators whose rounding
      differs between the two multipliers.
    Returns (rng) -> (model bytes, [inputs as [samples, 1, input_size]])."""
    def multiplier(d: float) -> tuple[int, int]:  # TFLite's QuantizeMultiplier
        import math
        m, e = math.frexp(d)
        q = int(math.floor(abs(m) * (1 << 31) + 0.5))
        if q == 1 << 31:
            q, e = q // 2, e + 1
        return q, e

    def requant(x, q: int, shift: int):
        """MultiplyByQuantizedMultiplier (TFLM's double rounding) of int64 numpy values: the doubling high
        multiply with ties toward +infinity (gemmlowp's nudge), then a rounding right shift."""
        x = ((np.asarray(x, dtype=np.int64) << max(shift, 0)) + (1 << 31)) % (1 << 32) - (1 << 31)
        hi = (x * q + (1 << 30)) >> 31
        right = max(-shift, 0)
        mask = (1 << right) - 1
        return (hi >> right) + ((hi & mask) > (mask >> 1) + (hi < 0)).astype(np.int64)

    def f32(v):
        return float(np.float32(v))

    def build(rng):
        from tensorflow.lite.tools import flatbuffer_utils
        schema = _schema()
        tt = schema.TensorType
        units, memory = 32, 2
        n_in = 64 if stage == 1 else 8
        while True:  # scales whose two stage multipliers differ between f32 and f64
            if stage == 1:
                s_i, s_w = f32(rng.uniform(0.01, 0.1)), f32(rng.uniform(1e-3, 1e-2))
                s_s = f32(s_i * s_w / rng.uniform(0.008, 0.012))
                s_t = f32(0.003)
                s_o = f32(np.float32(s_s) * np.float32(s_t))
                a, b = f32(np.float32(s_i) * np.float32(s_w) / np.float32(s_s)), s_i * s_w / s_s
            else:
                s_i, s_w = 0.1, 0.01
                s_s, s_t = f32(rng.uniform(0.001, 0.01)), f32(rng.uniform(1e-4, 1e-3))
                s_o = f32(s_s * s_t / rng.uniform(1e-6, 2e-6))
                a, b = f32(np.float32(s_s) * np.float32(s_t) / np.float32(s_o)), s_s * s_t / s_o
            m32, m64 = multiplier(a), multiplier(b)
            if m32 != m64:
                break
        q32, q64 = (m32[0], m32[1]), (m64[0], m64[1])
        # Accumulators whose requantization differs, spread over the range.
        cand = np.arange(2_000_000) if stage == 1 else np.arange(-int(127 / b), int(127 / b), 7)
        hits = [int(v) for v in cand[requant(cand, *q32) != requant(cand, *q64)]]
        assert len(hits) >= units, len(hits)
        pick = [hits[i] for i in np.linspace(0, len(hits) - 1, units).astype(int)]
        x = np.full(n_in, 127, dtype=np.int64)
        if stage == 1:
            # Input zero point -128: x - zp is 255 everywhere but 1 in the last position, so a
            # feature row's dot product is 255 * sum(row[:-1]) + row[-1], any value up to ~2e6.
            x[-1] = -127
            wf = np.zeros((units, n_in), dtype=np.int64)
            for u, d in enumerate(pick):
                d = d if u % 2 == 0 else -d
                q, r = divmod(d, 255)
                if r > 127:
                    q, r = q + 1, r - 255
                wf[u, -1] = r
                for k in range(n_in - 1):
                    wf[u, k] = max(-127, min(127, q))
                    q -= wf[u, k]
                assert q == 0 and int(np.dot(wf[u], x + 128)) == d
            time = np.zeros((units, memory), dtype=np.int64)
            time[:, -1] = 1
            bias = -requant(wf @ (x + 128), *q32)
        else:
            wf = rng.integers(-127, 128, (units, n_in))
            time = np.zeros((units, memory), dtype=np.int64)
            bias = np.array(pick)
        model = schema.ModelT()
        model.version = 3
        model.buffers = [schema.BufferT()]
        model.subgraphs = [schema.SubGraphT()]
        g = model.subgraphs[0]
        g.tensors = []
        t_x = _add_tensor(schema, model, [1, n_in], tt.INT8, "input", quant=(s_i, -128 if stage == 1 else 0))
        t_w = _add_tensor(schema, model, [units, n_in], tt.INT8, "weights_feature", wf.astype("i1"), (s_w, 0))
        t_t = _add_tensor(schema, model, [units, memory], tt.INT16, "weights_time", time.astype("<i2"), (s_t, 0))
        t_b = _add_tensor(schema, model, [units], tt.INT32, "bias", bias.astype("<i4"), (f32(s_s * s_t), 0))
        t_s = _add_tensor(schema, model, [1, memory * units], tt.INT16, "state", None, (s_s, 0), variable=True)
        t_y = _add_tensor(schema, model, [1, units], tt.INT8, "output", quant=(s_o, 0))
        code = schema.OperatorCodeT()
        model.operatorCodes = [code]
        op = schema.OperatorT()
        op.outputs = np.asarray([t_y], dtype=np.int32)
        g.operators = [op]
        _make_svdf(schema, model, op, [t_x, t_w, t_t, t_b, t_s], 1, "NONE")
        g.inputs, g.outputs = np.asarray([t_x], dtype=np.int32), np.asarray([t_y], dtype=np.int32)
        model.description = b"nn conformance: SVDF effective scales"
        buf = bytes(flatbuffer_utils.convert_object_to_bytearray(model))
        xs = np.stack([x.astype(np.int8).reshape(1, n_in)] + [rng.integers(-128, 128, (1, n_in), dtype=np.int8)
                                                             for _ in range(N_SAMPLES - 1)])
        return buf, [xs]
    return build


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class Case:
    name: str
    doc: str
    build: Callable            # (rng, name) -> keras.Model, weights set from rng
    ops: list[str]             # the exact operator sequence expected
    expect: dict               # op index -> expected subset of inspect_tflite's description
    ranges: list = dataclasses.field(default_factory=lambda: [(-1.0, 1.0)])  # float range per input
    float_io: bool = False
    per_tensor_dense: bool = False
    patch: Callable | None = None
    patch_doc: str = ""
    unbatched: bool | tuple = False  # the Keras input shape has no batch axis (a rank-1 graph input);
    #                                  a tuple gives it per input
    io_type: str = "int8"      # "int16": int16 activations and I/O, int8 weights (the 16x8 converter mode);
    #                            "int32": an int32 model, converted without quantization;
    #                            "float32": a float32 model, converted without any optimization
    io_dtypes: tuple | None = None  # (input, output) dtypes when a patch changes them (typed QUANTIZE)
    # Calibration samples of a two-input model are fed by input name; add_two_inputs predates that and
    # feeds them by position, which pairs them with the converted model's inputs in its order (b, a).
    positional_calibration: bool = False
    # A case nn does not compile yet: the exact message. Its files stay in the suite (TFLM's outputs are
    # the reference for when it does), conformance.rs lists it in a comment instead of compiling it, and
    # the manifest marks it (the README table leaves it out).
    compile_error: str = ""
    # Graph outputs (SPLIT, SPLIT_V, UNPACK cases have several: output_<k>.npy, one per output in model order).
    n_outputs: int = 1
    # Types allowed inside the graph besides the activation and I/O types (an int16 tensor between an
    # int8 -> int16 SOFTMAX and an int16 -> int32 QUANTIZE).
    extra_dtypes: tuple = ()
    # A stateful model (SVDF): N_SEQUENCE inputs, each run in a fresh interpreter (output.npy) and all of
    # them as one sequence in a single interpreter, the state carried from one to the next (output_seq.npy).
    stateful: bool = False
    # A model built without Keras: (rng) -> (model bytes, [inputs, [samples, *shape] per graph input]);
    # `build`, `ranges` and the conversion options are then unused.
    raw: Callable | None = None
    # int8 test inputs that hold every value -128..127 (sample 0 in order, the others seeded permutations),
    # for operators that are a function of each element alone (HARD_SWISH, LOGISTIC, TANH): every input byte
    # is checked.
    exhaustive: bool = False
    # The builder of an equivalent static model (batch 1) for a dynamic-batch model that TFLM refuses or
    # cannot run (a RESHAPE whose output size the converter could not infer; int32 GATHER): TFLM's reference
    # outputs come from it (static.tflite), after a check that the two models have the same operators (but
    # the folded shape arithmetic), quantization and weights.
    twin: Callable | None = None
    # uint8 graph input and output (inference_input_type = inference_output_type = tf.uint8): the converter
    # adds QUANTIZE uint8 -> int8 at the input and int8 -> uint8 at the output.
    uint8_io: bool = False

    def unbatched_input(self, k: int) -> bool:
        return self.unbatched[k] if isinstance(self.unbatched, tuple) else self.unbatched

    @property
    def io_dtype(self) -> str:
        return "float32" if self.float_io else "uint8" if self.uint8_io else self.io_type

    @property
    def in_dtype(self) -> str:
        return self.io_dtypes[0] if self.io_dtypes else self.io_dtype

    @property
    def out_dtype(self) -> str:
        return self.io_dtypes[1] if self.io_dtypes else self.io_dtype


def _u(rng, shape, lo=-0.5, hi=0.5):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def _mix(w: np.ndarray, b: np.ndarray, every: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Scale every `every`-th output channel (last axis) by 100: per-channel
    weight scales that differ by ~100x."""
    w, b = w.copy(), b.copy()
    w[..., ::every] *= 100.0
    b[::every] *= 100.0
    return w, b


def _relu_n1_to_1(x):
    """min(max(x, -1), 1): the converter fuses it as RELU_N1_TO_1."""
    import keras
    return keras.ops.clip(x, -1.0, 1.0)


def _keras_act(act):
    return _relu_n1_to_1 if act == "relu_n1_to_1" else act


def conv_model(hw, cin, cout, k, s=1, pad="same", dil=1, act=None, mixed=False):
    def build(rng, name):
        import keras
        kh, kw = (k, k) if isinstance(k, int) else k
        x = keras.Input(shape=(*hw, cin), batch_size=1, name="input")
        layer = keras.layers.Conv2D(cout, (kh, kw), strides=s, padding=pad, dilation_rate=dil,
                                    activation=_keras_act(act), name="conv")
        y = layer(x)
        w, b = _u(rng, (kh, kw, cin, cout)), _u(rng, (cout,), -0.3, 0.3)
        if mixed:
            w, b = _mix(w, b)
        layer.set_weights([w, b])
        return keras.Model(x, y, name=name)
    return build


def dw_model(hw, c, mult=1, s=1, pad="same", dil=1, act=None, mixed=False, k=3):
    def build(rng, name):
        import keras
        kh, kw = (k, k) if isinstance(k, int) else k
        x = keras.Input(shape=(*hw, c), batch_size=1, name="input")
        layer = keras.layers.DepthwiseConv2D((kh, kw), strides=s, padding=pad, depth_multiplier=mult,
                                             dilation_rate=dil, activation=_keras_act(act), name="dw")
        y = layer(x)
        w, b = _u(rng, (kh, kw, c, mult)), _u(rng, (c * mult,), -0.3, 0.3)
        if mixed:
            w = w.copy()
            w[:, :, ::3, :] *= 100.0
            b = b.reshape(c, mult).copy()
            b[::3, :] *= 100.0
            b = b.reshape(-1)
        layer.set_weights([w, b])
        return keras.Model(x, y, name=name)
    return build


def fc_model(in_shape, units, batch=1, bias=True, act=None, mixed=False):
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=batch, name="input")
        layer = keras.layers.Dense(units, use_bias=bias, activation=act, name="fc")
        y = layer(x)
        k = in_shape[-1]
        w, b = _u(rng, (k, units)), _u(rng, (units,), -0.3, 0.3)
        if mixed:
            w, b = _mix(w, b)
        layer.set_weights([w, b] if bias else [w])
        return keras.Model(x, y, name=name)
    return build


def pool_model(kind, hw, c, k, s, pad, act=None):
    """A pool; `act` "relu6" adds a ReLU(max_value=6), fused into the pool."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(*hw, c), batch_size=1, name="input")
        cls = keras.layers.MaxPooling2D if kind == "max" else keras.layers.AveragePooling2D
        y = cls(k, strides=s, padding=pad, name="pool")(x)
        if act == "relu6":
            y = keras.layers.ReLU(max_value=6.0, name="relu6")(y)
        return keras.Model(x, y, name=name)
    return build


def softmax_model(in_shape, batch=1):
    """SOFTMAX of the input; `in_shape=()` with `batch=n` gives a rank-1
    input [n] (with Case.unbatched)."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=batch, name="input")
        return keras.Model(x, keras.layers.Softmax(name="softmax")(x), name=name)
    return build


def conv_conv_model():
    """Conv 1x1 6x6x3 -> 8, then conv 3x3 SAME 8 -> 5."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(6, 6, 3), batch_size=1, name="input")
        c1 = keras.layers.Conv2D(8, 1, name="conv_a")
        c2 = keras.layers.Conv2D(5, 3, padding="same", name="conv_b")
        y = c2(c1(x))
        c1.set_weights([_u(rng, (1, 1, 3, 8)), _u(rng, (8,), -0.3, 0.3)])
        c2.set_weights([_u(rng, (3, 3, 8, 5)), _u(rng, (5,), -0.3, 0.3)])
        return keras.Model(x, y, name=name)
    return build


def fc_softmax_model():
    """[1,24] -> Dense(10) -> Softmax: the usual classifier head."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(24,), batch_size=1, name="input")
        fc = keras.layers.Dense(10, name="fc")
        y = keras.layers.Softmax(name="softmax")(fc(x))
        fc.set_weights([_u(rng, (24, 10), -1.0, 1.0), _u(rng, (10,), -0.5, 0.5)])
        return keras.Model(x, y, name=name)
    return build


def add_branches_model(act):
    """A 1x1 conv and a 3x3 SAME conv of one input, the second with 8x larger
    weights (so the ADD inputs have scales ~20x apart), added, then the
    activation (fused into the ADD)."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(6, 6, 3), batch_size=1, name="input")
        c1 = keras.layers.Conv2D(8, 1, name="branch_a")
        c2 = keras.layers.Conv2D(8, 3, padding="same", name="branch_b")
        y = keras.layers.Add(name="add")([c1(x), c2(x)])
        if act == "relu":
            y = keras.layers.ReLU(name="relu")(y)
        elif act == "relu6":
            y = keras.layers.ReLU(max_value=6.0, name="relu6")(y)
        c1.set_weights([_u(rng, (1, 1, 3, 8)), _u(rng, (8,), -0.3, 0.3)])
        c2.set_weights([_u(rng, (3, 3, 3, 8), -4.0, 4.0), _u(rng, (8,), -1.0, 1.0)])
        return keras.Model(x, y, name=name)
    return build


def add_inputs_model():
    def build(rng, name):
        import keras
        a = keras.Input(shape=(5, 5, 4), batch_size=1, name="a")
        b = keras.Input(shape=(5, 5, 4), batch_size=1, name="b")
        return keras.Model([a, b], keras.layers.Add(name="add")([a, b]), name=name)
    return build


def reshape_model():
    """Conv 1x1 -> [1,4,4,8] -> Reshape [1,8,4,4] -> Conv 3x3 SAME: the
    reshape moves data between spatial and channel axes, so it cannot be
    folded away."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(4, 4, 3), batch_size=1, name="input")
        c1 = keras.layers.Conv2D(8, 1, name="conv_a")
        c2 = keras.layers.Conv2D(5, 3, padding="same", activation="relu", name="conv_b")
        y = c2(keras.layers.Reshape((8, 4, 4), name="reshape")(c1(x)))
        c1.set_weights([_u(rng, (1, 1, 3, 8)), _u(rng, (8,), -0.3, 0.3)])
        c2.set_weights([_u(rng, (3, 3, 4, 5)), _u(rng, (5,), -0.3, 0.3)])
        return keras.Model(x, y, name=name)
    return build


def reshape_fc_model():
    """Conv 3x3 VALID -> [1,1,4,8] -> squeeze(axis 1) -> [1,4,8] -> Dense(6)
    (FULLY_CONNECTED keep_num_dims). The converter emits the squeeze as
    RESHAPE."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(3, 6, 4), batch_size=1, name="input")
        c = keras.layers.Conv2D(8, 3, name="conv")
        fc = keras.layers.Dense(6, name="fc")
        y = fc(keras.ops.squeeze(c(x), axis=1))
        c.set_weights([_u(rng, (3, 3, 4, 8)), _u(rng, (8,), -0.3, 0.3)])
        fc.set_weights([_u(rng, (8, 6)), _u(rng, (6,), -0.3, 0.3)])
        return keras.Model(x, y, name=name)
    return build


def _keras_activation(y, act):
    """A ReLU/ReLU6 layer after `y` (fused into the ADD/SUB by the converter)."""
    import keras
    if act == "relu":
        return keras.layers.ReLU(name="relu")(y)
    if act == "relu6":
        return keras.layers.ReLU(max_value=6.0, name="relu6")(y)
    return y


def arith_inputs_model(kind, shape_a, shape_b, act=None):
    """ADD or SUB (`kind`) of two model inputs; a shape `()` with a batch of n
    is the rank-1 input [n] (Case.unbatched for that input). Equal shapes use
    keras.layers.Add/Subtract, different ones the broadcasting operators."""
    def build(rng, name):
        import keras

        def inp(shape, n):
            if isinstance(shape, int):  # rank 1: [shape]
                return keras.Input(shape=(), batch_size=shape, name=n)
            return keras.Input(shape=shape, batch_size=1, name=n)
        a, b = inp(shape_a, "a"), inp(shape_b, "b")
        if shape_a == shape_b:
            cls = keras.layers.Add if kind == "add" else keras.layers.Subtract
            y = cls(name=kind)([a, b])
        else:
            y = a + b if kind == "add" else a - b
        return keras.Model([a, b], _keras_activation(y, act), name=name)
    return build


def arith_const_model(kind, hw, c, act=None):
    """ADD or SUB of the input [1, *hw, c] and a constant [c] (a weight-like operand)."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(*hw, c), batch_size=1, name="input")
        k = _u(rng, (c,), -1.5, 1.5)
        y = x + k if kind == "add" else x - k
        return keras.Model(x, _keras_activation(y, act), name=name)
    return build


def sub_branches_model(act):
    """Like add_branches_model, with SUB: a 1x1 conv branch minus a 3x3 SAME
    conv branch with 8x larger weights (input scales ~20x apart)."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(6, 6, 3), batch_size=1, name="input")
        c1 = keras.layers.Conv2D(8, 1, name="branch_a")
        c2 = keras.layers.Conv2D(8, 3, padding="same", name="branch_b")
        y = _keras_activation(keras.layers.Subtract(name="sub")([c1(x), c2(x)]), act)
        c1.set_weights([_u(rng, (1, 1, 3, 8)), _u(rng, (8,), -0.3, 0.3)])
        c2.set_weights([_u(rng, (3, 3, 3, 8), -4.0, 4.0), _u(rng, (8,), -1.0, 1.0)])
        return keras.Model(x, y, name=name)
    return build


def prelu_model(in_shape, shared_axes, alpha_range=(-0.5, 1.5), conv=None):
    """keras.layers.PReLU of the input [1, *in_shape] (or of a 3x3 SAME conv of it with `conv` output
    channels, as in MobileFaceNet), alphas seeded uniform over `alpha_range`; `shared_axes` (Keras axes,
    1 = height) give alpha size 1 on those axes."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=1, name="input")
        h = x
        if conv:
            c = keras.layers.Conv2D(conv, 3, padding="same", name="conv")
            h = c(x)
            c.set_weights([_u(rng, (3, 3, in_shape[-1], conv)), _u(rng, (conv,), -0.3, 0.3)])
        layer = keras.layers.PReLU(shared_axes=shared_axes, name="prelu")
        y = layer(h)
        layer.set_weights([_u(rng, layer.get_weights()[0].shape, *alpha_range)])
        return keras.Model(x, y, name=name)
    return build


def hard_swish_model(in_shape, conv=None):
    """keras.ops.hard_swish of the input [1, *in_shape], or of a 3x3 SAME conv of it with `conv` output
    channels (MobileNetV3's block)."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=1, name="input")
        h = x
        if conv:
            c = keras.layers.Conv2D(conv, 3, padding="same", name="conv")
            h = c(x)
            c.set_weights([_u(rng, (3, 3, in_shape[-1], conv), -1.0, 1.0), _u(rng, (conv,), -0.5, 0.5)])
        return keras.Model(x, keras.ops.hard_swish(h), name=name)
    return build


def _resize(method: str, size, api: str = "v2", **kw):
    """tf.image.resize(x, size, method) (`api` "v2": half-pixel centres), or tf.compat.v1's
    resize_bilinear / resize_nearest_neighbor(x, size, **kw) (`api` "v1": align_corners and
    half_pixel_centers as given, both False by default)."""
    def call(x):
        import tensorflow as tf
        if api == "v2":
            return tf.image.resize(x, size, method=method)
        fn = tf.compat.v1.image.resize_bilinear if method == "bilinear" else tf.compat.v1.image.resize_nearest_neighbor
        return fn(x, size, **kw)
    return call


def patch_resize_options(align_corners: bool, half_pixel_centers: bool):
    """Sets the resize operator's align_corners and half_pixel_centers (TensorFlow refuses both for
    its own kernels; TFLM's RESIZE_NEAREST_NEIGHBOR takes them)."""
    def fn(schema, model):
        ops = [op for op in model.subgraphs[0].operators
               if _opcode_name(schema, model, op).startswith("RESIZE_")]
        assert len(ops) == 1, len(ops)
        ops[0].builtinOptions.alignCorners = align_corners
        ops[0].builtinOptions.halfPixelCenters = half_pixel_centers
    return fn


def patch_prelu_alpha_shape(shape: list[int]):
    """Gives the PRELU's constant alpha the shape `shape` (same values): the converter keeps Keras'
    [1, 1, C], while other exporters write a rank-1 [C]."""
    def fn(schema, model):
        g = model.subgraphs[0]
        ops = [op for op in g.operators if _opcode_name(schema, model, op) == "PRELU"]
        assert len(ops) == 1, len(ops)
        t = g.tensors[int(ops[0].inputs[1])]
        assert int(np.prod(t.shape)) == int(np.prod(shape)), (t.shape, shape)
        t.shape = np.asarray(shape, dtype=np.int32)
        t.shapeSignature = None
    return fn


def patch_prelu_alpha_asymmetric():
    """Requantizes the PRELU's constant int8 alpha asymmetrically (the converter quantizes it
    symmetrically, zero point 0): the same real values over [min(alpha, 0), max(alpha, 0)] mapped onto
    -128..127, so the alpha zero point is not 0."""
    def fn(schema, model):
        g = model.subgraphs[0]
        ops = [op for op in g.operators if _opcode_name(schema, model, op) == "PRELU"]
        assert len(ops) == 1, len(ops)
        t = g.tensors[int(ops[0].inputs[1])]
        buf = model.buffers[t.buffer]
        q = np.frombuffer(bytes(bytearray(buf.data)), dtype=np.int8).astype(np.float64)
        real = (q - t.quantization.zeroPoint[0]) * t.quantization.scale[0]
        lo, hi = min(real.min(), 0.0), max(real.max(), 0.0)
        scale = float(np.float32((hi - lo) / 255.0))
        zp = int(np.clip(np.round(-128 - lo / scale), -128, 127))
        assert zp != 0, zp
        new = np.clip(np.round(real / scale) + zp, -128, 127).astype(np.int8)
        buf.data = np.frombuffer(new.tobytes(), dtype=np.uint8)
        _set_quant(t, scale, zp)
    return fn


def leaky_relu_model(hw, c, alpha):
    """LEAKY_RELU of the input; keras.layers.LeakyReLU refuses a negative
    slope, keras.ops.leaky_relu takes it (and converts to LEAKY_RELU too)."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(*hw, c), batch_size=1, name="input")
        if alpha >= 0:
            y = keras.layers.LeakyReLU(negative_slope=alpha, name="leaky_relu")(x)
        else:
            y = keras.ops.leaky_relu(x, negative_slope=alpha)
        return keras.Model(x, y, name=name)
    return build


def pad_model(in_shape, paddings, value=None):
    """keras.ops.pad of the input [1, *in_shape]: PAD, or PADV2 with a nonzero constant value."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=1, name="input")
        if value is None:
            y = keras.ops.pad(x, paddings)
        else:
            y = keras.ops.pad(x, paddings, constant_values=value)
        return keras.Model(x, y, name=name)
    return build


def slice_model(in_shape, fn, dtype="float32"):
    """`fn` (Python slicing or tf.strided_slice) of the input [1, *in_shape], as a Lambda layer."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=1, name="input", dtype=dtype)
        return keras.Model(x, keras.layers.Lambda(fn, name="slice")(x), name=name)
    return build


def _slice_s2_neg(x):
    return x[:, 1:7:2, -5:-1, ::2]


def _slice_masks(x):
    import tensorflow as tf
    return tf.strided_slice(x, [0, 1, -6, 0], [1, -1, -1, 5], [1, 2, 1, 2], begin_mask=0b0001, end_mask=0b1001)


def _slice_shrink(x):
    return x[:, :, 2:, 1]


def _slice_neg_stride(x):
    return x[:, ::-2, 1:, :3]


def tconv_model(hw, cin, cout, k, s, pad, bias=True, mixed=False, act=None):
    """keras.layers.Conv2DTranspose: TRANSPOSE_CONV with a constant output_shape
    input and, with a bias, the bias as its fourth input; a ReLU/ReLU6 after it
    (which the float32 converter fuses into the TRANSPOSE_CONV)."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(*hw, cin), batch_size=1, name="input")
        layer = keras.layers.Conv2DTranspose(cout, k, strides=s, padding=pad, use_bias=bias, name="tconv")
        y = _keras_activation(layer(x), act)
        w, b = _u(rng, (k, k, cout, cin)), _u(rng, (cout,), -0.3, 0.3)
        if mixed:  # Keras' kernel is [kh, kw, out, in]: scale every 3rd output channel
            w, b = w.copy(), b.copy()
            w[:, :, ::3, :] *= 100.0
            b[::3] *= 100.0
        layer.set_weights([w, b] if bias else [w])
        return keras.Model(x, y, name=name)
    return build


def binary_inputs_model(fn, shape_a, shape_b, act=None):
    """`fn(a, b)` (e.g. keras.ops.multiply/maximum/minimum) of two model inputs;
    a shape given as an int n is the rank-1 input [n] (Case.unbatched)."""
    def build(rng, name):
        import keras

        def inp(shape, n):
            if isinstance(shape, int):
                return keras.Input(shape=(), batch_size=shape, name=n)
            return keras.Input(shape=shape, batch_size=1, name=n)
        a, b = inp(shape_a, "a"), inp(shape_b, "b")
        return keras.Model([a, b], _keras_activation(fn(a, b), act), name=name)
    return build


def binary_const_model(fn, in_shape, const, act=None):
    """`fn(x, k)` of the input [1, *in_shape] and a constant `k`: a float, or a
    shape (tuple) for a seeded random constant of that shape in [-1.5, 1.5]."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=1, name="input")
        k = const if isinstance(const, float) else _u(rng, const, -1.5, 1.5)
        return keras.Model(x, _keras_activation(fn(x, k), act), name=name)
    return build


def mul_branches_model(act):
    """A 1x1 conv branch times a 3x3 SAME conv branch with 8x larger weights
    (different scales), then the activation."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(6, 6, 3), batch_size=1, name="input")
        c1 = keras.layers.Conv2D(8, 1, name="branch_a")
        c2 = keras.layers.Conv2D(8, 3, padding="same", name="branch_b")
        y = _keras_activation(keras.layers.Multiply(name="mul")([c1(x), c2(x)]), act)
        c1.set_weights([_u(rng, (1, 1, 3, 8)), _u(rng, (8,), -0.3, 0.3)])
        c2.set_weights([_u(rng, (3, 3, 3, 8), -4.0, 4.0), _u(rng, (8,), -1.0, 1.0)])
        return keras.Model(x, y, name=name)
    return build


def relu_input_model(in_shape, act):
    """A standalone ReLU (`act` "relu") or ReLU(max_value=6) ("relu6") on the graph input."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=1, name="input")
        return keras.Model(x, _keras_activation(x, act), name=name)
    return build


def activation_model(in_shape, act, conv=False):
    """keras.layers.Activation(act) ("sigmoid" -> LOGISTIC, "tanh" -> TANH) on the graph input, or after a
    3x3 SAME convolution with `in_shape[-1]` output channels (`conv`)."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=1, name="input")
        y = x
        if conv:
            c = in_shape[-1]
            layer = keras.layers.Conv2D(c, 3, padding="same", name="conv")
            y = layer(y)
            layer.set_weights([_u(rng, (3, 3, c, c)), _u(rng, (c,), -0.3, 0.3)])
        return keras.Model(x, keras.layers.Activation(act, name="act")(y), name=name)
    return build


def lstm_model(steps, features, units, sequences=True, time_major=False, batch=1, weight=0.6):
    """A Keras 2 (tf_keras) LSTM layer, which the converter fuses into UNIDIRECTIONAL_SEQUENCE_LSTM (Keras 3's
    becomes a WHILE loop): input [batch, steps, features] ([steps, batch, features] when `time_major`),
    `units` units, every step's output (`sequences`) or the last (the converter adds a STRIDED_SLICE).
    Weights uniform in [-weight, weight], bias in [-0.3, 0.3]."""
    def build(rng, name):
        import tf_keras
        shape = (batch, features) if time_major else (steps, features)
        x = tf_keras.Input(shape=shape, batch_size=steps if time_major else batch, name="input")
        layer = tf_keras.layers.LSTM(units, return_sequences=sequences, time_major=time_major, name="lstm")
        y = layer(x)
        layer.set_weights([_u(rng, (features, 4 * units), -weight, weight),
                           _u(rng, (units, 4 * units), -weight, weight), _u(rng, (4 * units,), -0.3, 0.3)])
        return tf_keras.Model(x, y, name=name)
    return build


def tconv_relu_model(hw, cin, cout, act):
    """TRANSPOSE_CONV 3x3 stride 2 SAME with bias, then ReLU/ReLU6: the converter
    does not fuse the activation into TRANSPOSE_CONV, it stays an operator."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(*hw, cin), batch_size=1, name="input")
        layer = keras.layers.Conv2DTranspose(cout, 3, strides=2, padding="same", name="tconv")
        y = _keras_activation(layer(x), act)
        layer.set_weights([_u(rng, (3, 3, cout, cin)), _u(rng, (cout,), -0.3, 0.3)])
        return keras.Model(x, y, name=name)
    return build


def fn_model(in_shapes, fn, dtype="float32"):
    """`fn(*inputs)` (TensorFlow ops: tf.concat, tf.stack, tf.unstack, tf.slice, tf.transpose, tf.split,
    tf.reduce_mean, tf.reduce_sum) of the inputs [1, *shape], as a Lambda layer; a list result gives a
    model with several outputs. One input is named "input", several "a", "b", ..."""
    def build(rng, name):
        import keras
        names = ["input"] if len(in_shapes) == 1 else [chr(ord("a") + i) for i in range(len(in_shapes))]
        xs = [keras.Input(shape=s, batch_size=1, name=n, dtype=dtype) for s, n in zip(in_shapes, names)]
        if len(xs) == 1:
            y = keras.layers.Lambda(fn, name="op")(xs[0])
            return keras.Model(xs[0], y, name=name)
        y = keras.layers.Lambda(lambda t: fn(*t), name="op")(xs)
        return keras.Model(xs, y, name=name)
    return build


def matmul_model(sa, sb, adj_x=False, adj_y=False, const_b=False):
    """tf.matmul(a, b, transpose_a=adj_x, transpose_b=adj_y) of two inputs whose full shapes (batch first)
    are `sa` and `sb`, or of the input `sa` and a seeded constant `b` of shape `sb` in [-1, 1]."""
    def build(rng, name):
        import keras
        import tensorflow as tf

        def mm(x, y):
            return tf.matmul(x, y, transpose_a=adj_x, transpose_b=adj_y)
        a = keras.Input(shape=sa[1:], batch_size=sa[0], name="a")
        if const_b:
            k = _u(rng, sb, -1.0, 1.0)
            return keras.Model(a, keras.layers.Lambda(lambda t: mm(t, k), name="matmul")(a), name=name)
        b = keras.Input(shape=sb[1:], batch_size=sb[0], name="b")
        return keras.Model([a, b], keras.layers.Lambda(lambda t: mm(t[0], t[1]), name="matmul")([a, b]), name=name)
    return build


def dyn_model(in_shape, reshape, conv=None, conv_after=None, units=None, batch=None):
    """A dynamic-batch model (keras.Input without a batch size; `batch=1` builds its static twin): an optional
    1x1 CONV_2D with `conv` filters, the layer `reshape()` returns (a Keras Reshape/Flatten, or a Lambda whose
    tf.reshape target uses tf.shape), an optional 3x3 SAME CONV_2D with `conv_after` filters, an optional
    Dense(units)."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=in_shape, batch_size=batch, name="input")
        y, layers = x, []
        if conv:
            c = keras.layers.Conv2D(conv, 1, name="conv")
            y = c(y)
            c.set_weights([_u(rng, (1, 1, in_shape[-1], conv)), _u(rng, (conv,), -0.3, 0.3)])
        y = reshape()(y)
        if conv_after:
            c, cin = keras.layers.Conv2D(conv_after, 3, padding="same", name="conv_after"), y.shape[-1]
            y = c(y)
            c.set_weights([_u(rng, (3, 3, cin, conv_after)), _u(rng, (conv_after,), -0.3, 0.3)])
        if units:
            d, cin = keras.layers.Dense(units, name="fc"), y.shape[-1]
            y = d(y)
            d.set_weights([_u(rng, (cin, units)), _u(rng, (units,), -0.3, 0.3)])
        return keras.Model(x, y, name=name)
    return build


def _reshape_fn(fn, output_shape=None):
    """A factory of a Lambda layer applying `fn(tf, t)`; `output_shape` (without the batch) tells Keras the
    shape it cannot infer from a computed target."""
    def make():
        import keras
        import tensorflow as tf
        return keras.layers.Lambda(lambda t: fn(tf, t), output_shape=output_shape, name="reshape")
    return make


def concat_branches_model(hw, cin, branches, axis):
    """Conv branches of one input [1, *hw, cin], SAME, concatenated along `axis`
    (keras.layers.Concatenate). `branches`: (kernel, output channels, weight range) per branch;
    the converter gives every branch output the concatenation's quantization."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(*hw, cin), batch_size=1, name="input")
        convs = [keras.layers.Conv2D(c, k, padding="same", name=f"branch_{i}")
                 for i, (k, c, _) in enumerate(branches)]
        y = keras.layers.Concatenate(axis=axis, name="concat")([c(x) for c in convs])
        for conv, (k, c, r) in zip(convs, branches):
            conv.set_weights([_u(rng, (k, k, cin, c), -r, r), _u(rng, (c,), -0.3, 0.3)])
        return keras.Model(x, y, name=name)
    return build


def mean_head_model(hw, cin, cout, units):
    """A classifier head: CONV_2D 3x3 SAME RELU -> GlobalAveragePooling2D (MEAN over [1,2]) -> Dense."""
    def build(rng, name):
        import keras
        x = keras.Input(shape=(*hw, cin), batch_size=1, name="input")
        conv = keras.layers.Conv2D(cout, 3, padding="same", activation="relu", name="conv")
        fc = keras.layers.Dense(units, name="fc")
        y = fc(keras.layers.GlobalAveragePooling2D(name="gap")(conv(x)))
        conv.set_weights([_u(rng, (3, 3, cin, cout)), _u(rng, (cout,), -0.3, 0.3)])
        fc.set_weights([_u(rng, (cout, units)), _u(rng, (units,), -0.3, 0.3)])
        return keras.Model(x, y, name=name)
    return build


def _tf(fn: str, *args, **kwargs):
    """tf.<fn>(x, *args, **kwargs), looked up when the model is built."""
    def call(*xs):
        import tensorflow as tf
        return getattr(tf, fn)(xs[0] if len(xs) == 1 else list(xs), *args, **kwargs)
    return call


def _ops(fn: str):
    """keras.ops.<fn>, looked up when the model is built."""
    def call(a, b):
        import keras
        return getattr(keras.ops, fn)(a, b)
    return call


def _conv(pad, s, act="NONE", dil=1):
    return {"padding": pad, "stride": [s[0], s[1]] if isinstance(s, tuple) else [s, s],
            "dilation": [dil, dil], "activation": act}


def _pair(v) -> list[int]:
    return [v[0], v[1]] if isinstance(v, tuple) else [v, v]


def _pool(pad, s, k, act="NONE"):
    return {"padding": pad, "stride": _pair(s), "filter": _pair(k), "activation": act}


def _w(shape, per_channel=True, min_ratio=None):
    d = {"weights": {"shape": shape, "per_channel": per_channel}}
    if min_ratio:
        d["weights"]["min_scale_ratio"] = min_ratio
    return d


def cases() -> list[Case]:
    C = []

    def conv(name, doc, hw, cin, cout, k, s=1, pad="same", dil=1, act=None, mixed=False, **kw):
        kh, kw_ = (k, k) if isinstance(k, int) else k
        # One output channel has one weight scale (the manifest then says per-tensor).
        exp = _conv(pad.upper(), s, (act or "none").upper(), dil) | _w([cout, kh, kw_, cin], cout > 1,
                                                                     min_ratio=20 if mixed else None)
        C.append(Case(name, doc, conv_model(hw, cin, cout, k, s, pad, dil, act, mixed),
                      ["CONV_2D"], {0: exp}, **kw))

    # --- CONV_2D ----------------------------------------------------------
    conv("conv_k1_s1_c3_o8", "1x1, stride 1, 6x6x3 -> 8", (6, 6), 3, 8, 1)
    conv("conv_k1_s2_valid_c17_o16", "1x1, stride 2 VALID, 7x7x17 -> 16", (7, 7), 17, 16, 1, 2, "valid")
    conv("conv_k3_s1_valid_c5_o16", "3x3, stride 1, VALID, 7x9x5 -> 16", (7, 9), 5, 16, 3, 1, "valid")
    conv("conv_k3_s2_same_odd", "3x3, stride 2, SAME on 9x9 (symmetric padding 1/1), 3 -> 8",
         (9, 9), 3, 8, 3, 2)
    conv("conv_k3_s2_same_even", "3x3, stride 2, SAME on 8x8 (asymmetric padding 0/1), 3 -> 8",
         (8, 8), 3, 8, 3, 2)
    conv("conv_k3_s2_valid_c17_o17", "3x3, stride 2, VALID, 9x10x17 -> 17", (9, 10), 17, 17, 3, 2, "valid")
    conv("conv_k3_s3_same_c5_o4", "3x3, stride 3, SAME on 11x10 (padding 0/1 and 1/1), 5 -> 4",
         (11, 10), 5, 4, 3, 3)
    conv("conv_k5_s2_same_even_c1_o16", "5x5, stride 2, SAME on 10x10 (asymmetric padding 1/2), 1 -> 16",
         (10, 10), 1, 16, 5, 2)
    conv("conv_k5_s1_valid_c17_o4", "5x5, stride 1, VALID, 7x7x17 -> 4", (7, 7), 17, 4, 5, 1, "valid")
    conv("conv_k1x3_s1_same_c5_o8", "1x3, stride 1, SAME, 5x7x5 -> 8", (5, 7), 5, 8, (1, 3))
    conv("conv_k1x3_s1x2_valid_c3_o17", "1x3, stride 1x2 (non-square), VALID, 5x9x3 -> 17",
         (5, 9), 3, 17, (1, 3), (1, 2), "valid")
    conv("conv_k3_dil2_same_c3_o8", "3x3, dilation 2, SAME (padding 2), 9x9x3 -> 8", (9, 9), 3, 8, 3, dil=2)
    conv("conv_k3_relu6_c5_o8", "3x3 SAME, fused RELU6, 6x6x5 -> 8", (6, 6), 5, 8, 3, act="relu6")
    conv("conv_k3_mix_c3_o16",
         "3x3 SAME, per-channel weight scales differing ~100x (every 3rd filter x100)",
         (6, 6), 3, 16, 3, mixed=True)
    conv("conv_k3_mix_relu_s2_c17_o17",
         "3x3 stride 2 SAME on 8x8, fused RELU, per-channel scales differing ~100x",
         (8, 8), 17, 17, 3, 2, act="relu", mixed=True)
    # Channel counts around the kernels' vector widths: in 4, 8, 16, 64; out 1, 3, 5, 64.
    conv("conv_k3_s1_same_c8_o1", "3x3 SAME, 6x6x8 -> 1 (a single output channel)", (6, 6), 8, 1, 3)
    conv("conv_k5_s2_valid_c4_o3", "5x5, stride 2, VALID, 11x9x4 -> 3", (11, 9), 4, 3, 5, 2, "valid")
    conv("conv_k3_s2_same_c16_o64", "3x3, stride 2, SAME on 6x6 (padding 0/1), 16 -> 64", (6, 6), 16, 64, 3, 2)
    conv("conv_k1_s1_c64_o64", "1x1, stride 1, 4x4x64 -> 64", (4, 4), 64, 64, 1)
    conv("conv_k3_s1_valid_c64_o5", "3x3, stride 1, VALID, 5x5x64 -> 5", (5, 5), 64, 5, 3, 1, "valid")
    conv("conv_k3_relu1_c4_o5",
         "3x3 SAME, fused RELU_N1_TO_1 (keras.ops.clip(x, -1, 1), fused by the converter), 6x6x4 -> 5",
         (6, 6), 4, 5, 3, act="relu_n1_to_1")
    conv("conv_k3_relu1_wide_patched",
         "3x3 SAME, fused RELU_N1_TO_1, 6x6x8 -> 5, output scale x4: the clamp lies inside int8 (patched)",
         (6, 6), 8, 5, 3, act="relu_n1_to_1",
         patch=patch_output_scale(4.0), patch_doc="output scale x4 (zero point kept)")

    # --- DEPTHWISE_CONV_2D ------------------------------------------------
    def dw(name, doc, hw, c, mult=1, s=1, pad="same", dil=1, act=None, mixed=False, k=3, **kw):
        kh, kw_ = (k, k) if isinstance(k, int) else k
        exp = _conv(pad.upper(), s, (act or "none").upper(), dil) | {"depth_multiplier": mult} \
            | _w([1, kh, kw_, c * mult], c * mult > 1, min_ratio=20 if mixed else None)
        C.append(Case(name, doc, dw_model(hw, c, mult, s, pad, dil, act, mixed, k),
                      ["DEPTHWISE_CONV_2D"], {0: exp}, **kw))

    dw("dw_k3_s1_same_c8", "3x3, stride 1, SAME, 7x7x8", (7, 7), 8)
    dw("dw_k3_s2_same_even_c8", "3x3, stride 2, SAME on 8x8 (asymmetric padding 0/1)", (8, 8), 8, s=2)
    dw("dw_k3_s2_same_odd_c17_relu", "3x3, stride 2, SAME on 9x9, fused RELU, 17 channels",
       (9, 9), 17, s=2, act="relu")
    dw("dw_k3_s2_valid_c3_m2", "3x3, stride 2, VALID, depth multiplier 2, 9x8x3 -> 6", (9, 8), 3, 2, 2, "valid")
    dw("dw_k3_s1_same_c8_m2_relu6", "3x3, stride 1, SAME, depth multiplier 2, fused RELU6, 8 -> 16",
       (6, 6), 8, 2, act="relu6")
    dw("dw_k3_dil2_same_c8", "3x3, dilation 2, SAME, 9x9x8", (9, 9), 8, dil=2)
    dw("dw_k3_mix_c17", "3x3 SAME, 17 channels, per-channel scales differing ~100x",
       (6, 6), 17, mixed=True)
    dw("dw_k3_s1_same_c1", "3x3, stride 1, SAME, 6x6x1 (a single channel)", (6, 6), 1)
    dw("dw_k5_s1_same_c4", "5x5, stride 1, SAME (padding 2/2), 7x7x4", (7, 7), 4, k=5)
    dw("dw_k3_s3_same_c5", "3x3, stride 3, SAME on 10x11 (padding 1/1 and 0/1), 5 channels", (10, 11), 5, s=3)
    dw("dw_k1x3_s1_same_c16", "1x3, stride 1, SAME (padding 0/0 and 1/1), 5x7x16", (5, 7), 16, k=(1, 3))
    dw("dw_k3_s1_same_c64", "3x3, stride 1, SAME, 5x5x64 (64 channels)", (5, 5), 64)
    dw("dw_k3_s2_valid_c70", "3x3, stride 2, VALID, 7x7x70 (more than 64 channels)", (7, 7), 70, s=2, pad="valid")
    dw("dw_k3_relu1_c16", "3x3 SAME, fused RELU_N1_TO_1, 6x6x16, input calibrated on [-3,3]",
       (6, 6), 16, act="relu_n1_to_1", ranges=[(-3.0, 3.0)])
    dw("dw_k3_relu1_wide_patched",
       "3x3 SAME, fused RELU_N1_TO_1, 6x6x5, output scale x4: the clamp lies inside int8 (patched)",
       (6, 6), 5, act="relu_n1_to_1", ranges=[(-3.0, 3.0)],
       patch=patch_output_scale(4.0), patch_doc="output scale x4 (zero point kept)")

    # --- FULLY_CONNECTED --------------------------------------------------
    def fc(name, doc, in_shape, units, batch=1, bias=True, act=None, mixed=False, per_tensor=False,
           keep=False):
        exp = {"activation": (act or "none").upper(), "keep_num_dims": keep, "bias": bias} \
            | _w([units, in_shape[-1]], per_channel=not per_tensor, min_ratio=20 if mixed else None)
        C.append(Case(name, doc, fc_model(in_shape, units, batch, bias, act, mixed),
                      ["FULLY_CONNECTED"], {0: exp}, per_tensor_dense=per_tensor))

    fc("fc_per_tensor_k13_o8", "[1,13] -> 8, per-tensor weights (K = 13, not a multiple of 4)",
       (13,), 8, per_tensor=True)
    fc("fc_per_channel_mix_k13_o17", "[1,13] -> 17, per-channel weight scales differing ~100x",
       (13,), 17, mixed=True)
    fc("fc_batch3_k13_o5", "[3,13] -> [3,5]: three rows", (13,), 5, batch=3)
    fc("fc_batch3_per_tensor_relu", "[3,13] -> [3,6], per-tensor weights, fused RELU",
       (13,), 6, batch=3, act="relu", per_tensor=True)
    fc("fc_no_bias_k13_o8", "[1,13] -> 8 without bias (bias input -1)", (13,), 8, bias=False)
    fc("fc_keep_num_dims_3d", "[1,4,13] -> [1,4,6] (keep_num_dims)", (4, 13), 6, keep=True)
    fc("fc_k64_o10_relu6", "[1,64] -> 10, fused RELU6", (64,), 10, act="relu6")

    # --- ADD --------------------------------------------------------------
    add_in = [{"dtype": "int8"}, {"dtype": "int8"}]
    C.append(Case("add_branches_relu",
                  "ADD of two conv branches with different output scales, fused RELU",
                  add_branches_model("relu"), ["CONV_2D", "CONV_2D", "ADD"],
                  {2: {"activation": "RELU", "min_scale_ratio": 4}}))
    C.append(Case("add_branches_relu6",
                  "ADD of two conv branches with different output scales, fused RELU6",
                  add_branches_model("relu6"), ["CONV_2D", "CONV_2D", "ADD"],
                  {2: {"activation": "RELU6", "min_scale_ratio": 4}}))
    C.append(Case("add_two_inputs",
                  "ADD of the two model inputs, calibrated on [-1,1] and [-4,4] (different scales)",
                  add_inputs_model(), ["ADD"], {0: {"activation": "NONE", "inputs": add_in, "min_scale_ratio": 3}},
                  ranges=[(-1.0, 1.0), (-4.0, 4.0)], positional_calibration=True))

    # --- pooling ----------------------------------------------------------
    for kind, op in (("max", "MAX_POOL_2D"), ("avg", "AVERAGE_POOL_2D")):
        for suffix, doc, hw, c, k, s, pad in (
            ("k2_s2_valid", "2x2 stride 2 VALID on 8x7x4", (8, 7), 4, 2, 2, "valid"),
            ("k3_s2_same_odd", "3x3 stride 2 SAME on 9x9x3 (padding 1/1)", (9, 9), 3, 3, 2, "same"),
            ("k3_s2_same_even", "3x3 stride 2 SAME on 8x8x5 (padding 0/1)", (8, 8), 5, 3, 2, "same"),
            ("k3_s1_same", "3x3 stride 1 SAME on 6x7x8 (padding 1/1)", (6, 7), 8, 3, 1, "same"),
        ):
            C.append(Case(f"{kind}pool_{suffix}", f"{op} {doc}", pool_model(kind, hw, c, k, s, pad),
                          [op], {0: _pool(pad.upper(), s, k)}))
    for kind, op in (("max", "MAX_POOL_2D"), ("avg", "AVERAGE_POOL_2D")):
        for suffix, doc, hw, c, k, s, pad, act, rng in (
            ("k1_s2_valid", "1x1 stride 2 VALID on 7x8x4 (subsampling)", (7, 8), 4, 1, 2, "valid", None, 1.0),
            ("k2x3_s2_same", "2x3 window, stride 2, SAME on 7x9x5 (padding 0/1 and 1/1)",
             (7, 9), 5, (2, 3), 2, "same", None, 1.0),
            ("k3_s2_same_relu6", "3x3 stride 2 SAME on 7x7x4, fused RELU6, input calibrated on [-8,8]",
             (7, 7), 4, 3, 2, "same", "relu6", 8.0),
        ):
            C.append(Case(f"{kind}pool_{suffix}", f"{op} {doc}", pool_model(kind, hw, c, k, s, pad, act),
                          [op], {0: _pool(pad.upper(), s, k, (act or "none").upper())}, ranges=[(-rng, rng)]))

    # --- SOFTMAX ----------------------------------------------------------
    C.append(Case("softmax_2d", "SOFTMAX on [1,10], input calibrated on [-4,4]", softmax_model((10,)),
                  ["SOFTMAX"], {0: {"beta": 1.0}}, ranges=[(-4.0, 4.0)]))
    C.append(Case("softmax_4d", "SOFTMAX on [1,2,3,8] (over the last axis)", softmax_model((2, 3, 8)),
                  ["SOFTMAX"], {0: {"beta": 1.0}}, ranges=[(-6.0, 6.0)]))
    C.append(Case("fc_softmax", "FULLY_CONNECTED [1,24] -> 10 then SOFTMAX (classifier head)",
                  fc_softmax_model(), ["FULLY_CONNECTED", "SOFTMAX"], {1: {"beta": 1.0}}))
    C.append(Case("softmax_2d_beta0p5_patched",
                  "SOFTMAX on [1,10] with beta 0.5 (beta patched into the converted model)",
                  softmax_model((10,)), ["SOFTMAX"], {0: {"beta": 0.5}}, ranges=[(-8.0, 8.0)],
                  patch=patch_softmax_beta(0.5), patch_doc="SoftmaxOptions.beta 1.0 -> 0.5"))
    C.append(Case("softmax_4d_beta2_patched",
                  "SOFTMAX on [1,3,2,7] with beta 2.0 (beta patched into the converted model)",
                  softmax_model((3, 2, 7)), ["SOFTMAX"], {0: {"beta": 2.0}}, ranges=[(-3.0, 3.0)],
                  patch=patch_softmax_beta(2.0), patch_doc="SoftmaxOptions.beta 1.0 -> 2.0"))
    C.append(Case("f32_softmax_2d", "float32 SOFTMAX on [1,10], inputs in [-15,15]", softmax_model((10,)),
                  ["SOFTMAX"], {0: {"beta": 1.0, "type": "float32"}}, ranges=[(-10.0, 10.0)], io_type="float32"))
    C.append(Case("f32_softmax_4d_beta2_patched", "float32 SOFTMAX on [1,2,3,8] with beta 2.0 (patched)",
                  softmax_model((2, 3, 8)), ["SOFTMAX"], {0: {"beta": 2.0, "type": "float32"}},
                  ranges=[(-4.0, 4.0)], io_type="float32", patch=patch_softmax_beta(2.0),
                  patch_doc="SoftmaxOptions.beta 1.0 -> 2.0"))
    C.append(Case("softmax_1d", "SOFTMAX on a rank-1 [10] input", softmax_model((), batch=10),
                  ["SOFTMAX"], {0: {"beta": 1.0, "input_shapes": [[10]]}}, ranges=[(-4.0, 4.0)],
                  unbatched=True))
    C.append(Case("softmax_1d_beta3_patched",
                  "SOFTMAX on a rank-1 [16] input with beta 3.0 (beta patched into the converted model)",
                  softmax_model((), batch=16), ["SOFTMAX"], {0: {"beta": 3.0, "input_shapes": [[16]]}},
                  ranges=[(-2.0, 2.0)], unbatched=True,
                  patch=patch_softmax_beta(3.0), patch_doc="SoftmaxOptions.beta 1.0 -> 3.0"))
    # int8 -> int16 (zero point -32768), and on to int32 as keyword_scrambled's head does.
    C.append(Case("softmax_i16_out_patched", "SOFTMAX on [1,10], int8 -> int16 output (scale 1/65536)",
                  softmax_model((10,)), ["SOFTMAX"], {0: {"beta": 1.0, "type": "int8 → int16"}},
                  ranges=[(-4.0, 4.0)], io_dtypes=("int8", "int16"), patch=patch_softmax_int16_output(),
                  patch_doc="SOFTMAX output int8 -> int16 (scale 1/65536, zero point -32768)"))
    C.append(Case("softmax_4d_i16_beta2_patched", "SOFTMAX on [1,3,2,7] with beta 2.0, int8 -> int16 output",
                  softmax_model((3, 2, 7)), ["SOFTMAX"], {0: {"beta": 2.0, "type": "int8 → int16"}},
                  ranges=[(-3.0, 3.0)], io_dtypes=("int8", "int16"),
                  patch=_chain(patch_softmax_beta(2.0), patch_softmax_int16_output()),
                  patch_doc="SoftmaxOptions.beta 1.0 -> 2.0; output int8 -> int16"))
    C.append(Case("softmax_i16_quant_i32_patched",
                  "SOFTMAX [1,4] int8 -> int16 (scale 1/65535), QUANTIZE int16 -> int32 (x2, zero point 0)",
                  softmax_model((4,)), ["SOFTMAX", "QUANTIZE"],
                  {0: {"type": "int8 → int16"}, 1: {"input_dtype": "int16", "output_dtype": "int32"}},
                  ranges=[(-3.0, 3.0)], io_dtypes=("int8", "int32"), extra_dtypes=("int16",),
                  patch=_chain(patch_softmax_int16_output(1 / 65535),
                               patch_requantize_type("output", "int32", 2.0, 0)),
                  patch_doc="SOFTMAX output int8 -> int16 (scale 1/65535, zero point -32768), then a QUANTIZE to int32"))

    # --- RESHAPE / SQUEEZE --------------------------------------------------
    C.append(Case("reshape_conv_conv", "CONV_2D -> RESHAPE [1,4,4,8] to [1,8,4,4] -> CONV_2D (RELU)",
                  reshape_model(), ["CONV_2D", "RESHAPE", "CONV_2D"], {}))
    C.append(Case("reshape_conv_fc_keep_dims",
                  "CONV_2D -> RESHAPE [1,1,4,8] to [1,4,8] -> FULLY_CONNECTED keep_num_dims",
                  reshape_fc_model(), ["CONV_2D", "RESHAPE", "FULLY_CONNECTED"],
                  {2: {"keep_num_dims": True}}))
    C.append(Case("squeeze_conv_fc_patched",
                  "CONV_2D -> SQUEEZE axis 1, [1,1,4,8] to [1,4,8] -> FULLY_CONNECTED keep_num_dims",
                  reshape_fc_model(), ["CONV_2D", "SQUEEZE", "FULLY_CONNECTED"],
                  {1: {"squeeze_dims": [1]}, 2: {"keep_num_dims": True}},
                  patch=patch_reshape_to_squeeze([1]), patch_doc="RESHAPE -> SQUEEZE(squeeze_dims=[1])"))

    # --- QUANTIZE int8 -> int8 ----------------------------------------------
    q8 = {"input_dtype": "int8", "output_dtype": "int8"}
    C.append(Case("quantize_requant_input_patched",
                  "int8 -> int8 QUANTIZE of the graph input (scale ratio 0.75, zero point +20), then "
                  "CONV_2D 3x3 SAME 6x6x3 -> 8",
                  conv_model((6, 6), 3, 8, 3), ["QUANTIZE", "CONV_2D"], {0: q8},
                  patch=patch_requantize("input", 0.75, 20),
                  patch_doc="QUANTIZE inserted: a new graph input (scale x0.75, zero point +20) -> the conv input"))
    C.append(Case("quantize_requant_mid_patched",
                  "CONV_2D 1x1 6x6x3 -> 8, int8 -> int8 QUANTIZE (scale ratio 0.6, zero point -7), "
                  "CONV_2D 3x3 SAME 8 -> 5",
                  conv_conv_model(), ["CONV_2D", "QUANTIZE", "CONV_2D"], {1: q8},
                  patch=patch_requantize("mid", 0.6, -7),
                  patch_doc="QUANTIZE inserted: the first conv writes a new tensor (scale x0.6, zero point -7)"))
    C.append(Case("quantize_requant_output_patched",
                  "FULLY_CONNECTED [1,13] -> 8, then int8 -> int8 QUANTIZE (scale ratio 2.5, zero point +3) "
                  "into the graph output",
                  fc_model((13,), 8), ["FULLY_CONNECTED", "QUANTIZE"], {1: q8},
                  patch=patch_requantize("output", 2.5, 3),
                  patch_doc="QUANTIZE inserted: the FC writes a new tensor (scale x2.5, zero point +3)"))

    # --- float input and output --------------------------------------------
    C.append(Case("float_io_conv",
                  "float32 in/out: QUANTIZE -> CONV_2D 3x3 SAME RELU -> DEQUANTIZE; inputs in [-1.5,1.5]",
                  conv_model((6, 6), 3, 8, 3, 1, "same", 1, "relu"),
                  ["QUANTIZE", "CONV_2D", "DEQUANTIZE"],
                  {0: {"inputs": [{"dtype": "float32"}], "outputs": [{"dtype": "int8"}]},
                   1: _conv("SAME", 1, "RELU"),
                   2: {"inputs": [{"dtype": "int8"}], "outputs": [{"dtype": "float32"}]}},
                  float_io=True))
    C.append(Case("float_io_fc",
                  "float32 in/out: QUANTIZE -> FULLY_CONNECTED [1,13] -> 5 -> DEQUANTIZE",
                  fc_model((13,), 5), ["QUANTIZE", "FULLY_CONNECTED", "DEQUANTIZE"], {},
                  float_io=True))

    # --- SUB, and ADD/SUB with broadcasting ----------------------------------
    def arith(name, doc, kind, sa, sb, act=None, ranges=((-1.0, 1.0), (-4.0, 4.0)), io="int8", **kw):
        op = kind.upper()
        exp = {"activation": (act or "none").upper(), "min_scale_ratio": 3}
        if io == "int16":
            exp["type"] = "int16"
        C.append(Case(name, doc, arith_inputs_model(kind, sa, sb, act), [op], {0: exp}, ranges=list(ranges),
                      unbatched=(isinstance(sa, int), isinstance(sb, int)), io_type=io, **kw))

    arith("sub_two_inputs_relu", "SUB of the two inputs [1,5,5,4], calibrated on [-1,1] and [-4,4], fused RELU",
          "sub", (5, 5, 4), (5, 5, 4), "relu")
    C.append(Case("sub_branches_relu6",
                  "SUB of two conv branches with different output scales (~20x), fused RELU6",
                  sub_branches_model("relu6"), ["CONV_2D", "CONV_2D", "SUB"],
                  {2: {"activation": "RELU6", "min_scale_ratio": 4}}))
    arith("add_bcast_c8", "ADD broadcasting [1,4,4,8] with a rank-1 [8] input", "add", (4, 4, 8), 8)
    arith("sub_bcast_c8_relu", "SUB broadcasting [1,4,4,8] with a rank-1 [8] input, fused RELU",
          "sub", (4, 4, 8), 8, "relu")
    # The converter reshapes the [1,1,1,8] operand of an ADD to [8] (it keeps it for SUB).
    C.append(Case("add_bcast_1118", "ADD of [1,4,4,8] and [1,1,1,8]: the converter makes it RESHAPE to [8], ADD",
                  arith_inputs_model("add", (4, 4, 8), (1, 1, 8)), ["RESHAPE", "ADD"],
                  {1: {"activation": "NONE", "input_shapes": [[1, 4, 4, 8], [8]]}},
                  ranges=[(-1.0, 1.0), (-4.0, 4.0)]))
    arith("sub_bcast_1118", "SUB broadcasting [1,4,4,8] with [1,1,1,8]", "sub", (4, 4, 8), (1, 1, 8))
    arith("sub_bcast_two_way", "SUB [1,4,1,8] - [1,1,4,1]: both operands broadcast, to [1,4,4,8]",
          "sub", (4, 1, 8), (1, 4, 1))
    # ADD [1,4,1,8] + [1,1,4,1] converts to TRANSPOSE, ADD, TRANSPOSE; [1,1,4,8] stays one ADD.
    arith("add_bcast_two_way", "ADD [1,4,1,8] + [1,1,4,8]: both operands broadcast, to [1,4,4,8]",
          "add", (4, 1, 8), (1, 4, 8))
    arith("add_bcast_5d", "ADD of rank-5 [1,2,4,1,8] and [1,1,1,4,1], to [1,2,4,4,8]",
          "add", (2, 4, 1, 8), (1, 1, 4, 1))
    C.append(Case("add_const_c8", "ADD of the input [1,4,4,8] and a constant [8] (a constant operand)",
                  arith_const_model("add", (4, 4), 8), ["ADD"],
                  {0: {"activation": "NONE", "constant_shapes": [[8]]}}))

    # --- LEAKY_RELU -----------------------------------------------------------
    def leaky(name, alpha, io="int8", hw=(5, 6), c=4):
        shape = f"[1,{hw[0]},{hw[1]},{c}]"
        exp = {"alpha": float(np.float32(alpha))} | ({"type": "int16"} if io == "int16" else {})
        C.append(Case(name, f"LEAKY_RELU alpha {alpha} on {shape}" + (" (int16)" if io == "int16" else ""),
                      leaky_relu_model(hw, c, alpha), ["LEAKY_RELU"], {0: exp}, ranges=[(-2.0, 3.0)],
                      io_type=io))

    leaky("leaky_relu_a0p1", 0.1)
    leaky("leaky_relu_a0p3", 0.3, hw=(3, 4), c=16)
    leaky("leaky_relu_neg0p5", -0.5)
    leaky("leaky_relu_a1p5", 1.5)

    # --- PAD / PADV2 ----------------------------------------------------------
    def pad(name, doc, in_shape, paddings, value=None, io="int8", rng=(-0.5, 2.0), **kw):
        op = "PAD" if value is None else "PADV2"
        exp = {"paddings": paddings} | ({"type": io} if io != "int8" else {})
        if value is not None:
            exp["constant_dtype"] = io
        C.append(Case(name, doc, pad_model(in_shape, paddings, value), [op], {0: exp}, ranges=[rng], io_type=io,
                      **kw))

    pad("pad_spatial", "PAD [[0,0],[1,2],[2,1],[0,0]] of [1,5,6,4] (SAME-like), input on [-0.5,2] (zero point -77)",
        (5, 6, 4), [[0, 0], [1, 2], [2, 1], [0, 0]])
    pad("pad_channels", "PAD [[0,0],[0,0],[0,0],[1,3]] of [1,4,5,4] (channels 4 -> 8)",
        (4, 5, 4), [[0, 0], [0, 0], [0, 0], [1, 3]])
    pad("padv2_const", "PADV2 [[0,0],[1,1],[0,2],[0,0]] of [1,5,6,4] with the constant value 0.5",
        (5, 6, 4), [[0, 0], [1, 1], [0, 2], [0, 0]], value=0.5)
    pad("padv2_const_neg_3d", "PADV2 [[0,0],[2,1],[1,1]] of a rank-3 [1,6,5] with the constant value -0.25",
        (6, 5), [[0, 0], [2, 1], [1, 1]], value=-0.25)

    # --- STRIDED_SLICE -----------------------------------------------------------
    def sslice(name, doc, in_shape, fn, exp, io="int8"):
        exp = exp | ({"type": io} if io != "int8" else {})
        C.append(Case(name, doc, slice_model(in_shape, fn, "int32" if io == "int32" else "float32"),
                      ["STRIDED_SLICE"], {0: exp}, io_type=io))

    sslice("slice_s2_neg", "STRIDED_SLICE x[:, 1:7:2, -5:-1, ::2] of [1,8,7,6] (stride 2, negative begin/end)",
           (8, 7, 6), _slice_s2_neg, {"strides": [1, 2, 1, 2], "begin": [0, 1, -5, 0]})
    sslice("slice_masks", "STRIDED_SLICE begin [0,1,-6,0] end [1,-1,-1,5] strides [1,2,1,2], begin_mask 0b0001, "
           "end_mask 0b1001, of [1,8,7,6]", (8, 7, 6), _slice_masks, {"begin_mask": 1, "end_mask": 9})
    sslice("slice_shrink", "STRIDED_SLICE x[:, :, 2:, 1] of [1,8,7,6] (shrink axis 3) -> [1,8,5]",
           (8, 7, 6), _slice_shrink, {"shrink_axis_mask": 8})
    sslice("slice_neg_stride", "STRIDED_SLICE x[:, ::-2, 1:, :3] of [1,8,7,6] (negative stride)",
           (8, 7, 6), _slice_neg_stride, {"strides": [1, -2, 1, 1]})

    # --- TRANSPOSE_CONV ----------------------------------------------------------
    def tconv(name, doc, hw, cin, cout, k, s, pad, bias=True, mixed=False, io="int8"):
        exp = {"padding": pad.upper(), "stride": [s, s], "activation": "NONE", "bias": bias,
               "output_shape_input": "constant"} | _w([cout, k, k, cin], min_ratio=20 if mixed else None)
        if io == "int16":
            exp["type"] = "16x8"
        C.append(Case(name, doc, tconv_model(hw, cin, cout, k, s, pad, bias, mixed), ["TRANSPOSE_CONV"],
                      {0: exp}, io_type=io))

    tconv("tconv_k3_s2_same", "TRANSPOSE_CONV 3x3 stride 2 SAME, 4x5x6 -> 8x10x5, with bias",
          (4, 5), 6, 5, 3, 2, "same")
    tconv("tconv_k3_s2_same_nobias", "TRANSPOSE_CONV 3x3 stride 2 SAME, 4x4x8 -> 8x8x4, without bias",
          (4, 4), 8, 4, 3, 2, "same", bias=False)
    tconv("tconv_k2_s2_valid", "TRANSPOSE_CONV 2x2 stride 2 VALID, 3x5x4 -> 6x10x8, with bias",
          (3, 5), 4, 8, 2, 2, "valid")
    tconv("tconv_k2_s2_valid_nobias", "TRANSPOSE_CONV 2x2 stride 2 VALID, 4x4x3 -> 8x8x6, without bias",
          (4, 4), 3, 6, 2, 2, "valid", bias=False)
    tconv("tconv_k3_s2_valid_mix", "TRANSPOSE_CONV 3x3 stride 2 VALID, 3x4x5 -> 7x9x7, per-channel scales ~100x apart",
          (3, 4), 5, 7, 3, 2, "valid", mixed=True)
    tconv("tconv_k3_s1_same_c16", "TRANSPOSE_CONV 3x3 stride 1 SAME, 5x5x16 -> 5x5x3, with bias",
          (5, 5), 16, 3, 3, 1, "same")

    # --- int16 activations, int8 weights (16x8) -------------------------------------
    def conv16(name, doc, hw, cin, cout, k, s=1, pad="same", act=None, mixed=False):
        exp = _conv(pad.upper(), s, (act or "none").upper()) | _w([cout, k, k, cin], min_ratio=20 if mixed else None) \
            | {"type": "16x8", "bias_dtype": "int64"}
        C.append(Case(name, doc, conv_model(hw, cin, cout, k, s, pad, 1, act, mixed), ["CONV_2D"], {0: exp},
                      io_type="int16"))

    conv16("i16_conv_k3_s1_relu", "16x8 CONV_2D 3x3 stride 1 SAME, fused RELU, 6x6x4 -> 8", (6, 6), 4, 8, 3, act="relu")
    conv16("i16_conv_k3_s2_same", "16x8 CONV_2D 3x3 stride 2 SAME on 8x8 (padding 0/1), 3 -> 8", (8, 8), 3, 8, 3, 2)
    conv16("i16_conv_k3_s2_valid_relu_mix",
           "16x8 CONV_2D 3x3 stride 2 VALID, fused RELU, 9x9x5 -> 7, per-channel scales ~100x apart",
           (9, 9), 5, 7, 3, 2, "valid", "relu", mixed=True)
    conv16("i16_conv_k1_s1_c16_o16", "16x8 CONV_2D 1x1, 4x4x16 -> 16", (4, 4), 16, 16, 1)
    tconv("i16_tconv_k3_s2_same", "16x8 TRANSPOSE_CONV 3x3 stride 2 SAME, 4x5x6 -> 8x10x5, with bias (int64)",
          (4, 5), 6, 5, 3, 2, "same", io="int16")
    tconv("i16_tconv_k2_s2_valid_nobias", "16x8 TRANSPOSE_CONV 2x2 stride 2 VALID, 3x4x4 -> 6x8x6, without bias",
          (3, 4), 4, 6, 2, 2, "valid", bias=False, io="int16")
    def dw16(name, doc, hw, c, mult=1, s=1, pad="same", dil=1, act=None, mixed=False):
        exp = _conv(pad.upper(), s, (act or "none").upper(), dil) | {"depth_multiplier": mult} \
            | _w([1, 3, 3, c * mult], min_ratio=20 if mixed else None) | {"type": "16x8", "bias_dtype": "int64"}
        C.append(Case(name, doc, dw_model(hw, c, mult, s, pad, dil, act, mixed), ["DEPTHWISE_CONV_2D"], {0: exp},
                      io_type="int16"))

    dw16("i16_dw_k3_s1_same_c8_relu", "16x8 DEPTHWISE_CONV_2D 3x3 stride 1 SAME, fused RELU, 6x6x8", (6, 6), 8,
         act="relu")
    dw16("i16_dw_k3_s2_valid_c3_m2", "16x8 DEPTHWISE_CONV_2D 3x3 stride 2 VALID, depth multiplier 2, 9x8x3 -> 6",
         (9, 8), 3, 2, 2, "valid")
    dw16("i16_dw_k3_s2_same_c5_m2_mix",
         "16x8 DEPTHWISE_CONV_2D 3x3 stride 2 SAME on 8x8, depth multiplier 2, 5 -> 10, scales ~100x apart",
         (8, 8), 5, 2, 2, mixed=True)
    dw16("i16_dw_k3_dil2_same_c4", "16x8 DEPTHWISE_CONV_2D 3x3 dilation 2 SAME, 7x7x4", (7, 7), 4, dil=2)

    def fc16(name, doc, in_shape, units, batch=1, bias=True, act=None, mixed=False, per_tensor=False):
        exp = {"activation": (act or "none").upper(), "bias": bias, "type": "16x8"} \
            | _w([units, in_shape[-1]], per_channel=not per_tensor, min_ratio=20 if mixed else None) \
            | ({"bias_dtype": "int64"} if bias else {})
        C.append(Case(name, doc, fc_model(in_shape, units, batch, bias, act, mixed), ["FULLY_CONNECTED"], {0: exp},
                      per_tensor_dense=per_tensor, io_type="int16"))

    fc16("i16_fc_k13_o8", "16x8 FULLY_CONNECTED [1,13] -> 8, per-channel weights, int64 bias", (13,), 8)
    fc16("i16_fc_per_tensor_k13_o8_relu", "16x8 FULLY_CONNECTED [1,13] -> 8, per-tensor weights, fused RELU",
         (13,), 8, act="relu", per_tensor=True)
    fc16("i16_fc_no_bias_k13_o6", "16x8 FULLY_CONNECTED [1,13] -> 6 without bias", (13,), 6, bias=False)
    fc16("i16_fc_batch3_k24_o17_mix",
         "16x8 FULLY_CONNECTED [3,24] -> [3,17], three rows, per-channel scales ~100x apart",
         (24,), 17, batch=3, mixed=True)
    fc16("i16_fc_b3_per_tensor_no_bias", "16x8 FULLY_CONNECTED [3,13] -> [3,5], per-tensor weights, no bias",
         (13,), 5, batch=3, bias=False, per_tensor=True)
    C.append(Case("i16_softmax_2d", "int16 SOFTMAX on [1,10], input calibrated on [-4,4]", softmax_model((10,)),
                  ["SOFTMAX"], {0: {"beta": 1.0, "type": "int16"}}, ranges=[(-4.0, 4.0)], io_type="int16"))
    C.append(Case("i16_softmax_rows8_c32", "int16 SOFTMAX on [8,32]: eight rows, input calibrated on [-8,8]",
                  softmax_model((32,), batch=8), ["SOFTMAX"], {0: {"beta": 1.0, "type": "int16"}},
                  ranges=[(-8.0, 8.0)], io_type="int16"))
    C.append(Case("i16_softmax_4d_beta2_patched", "int16 SOFTMAX on [1,2,3,8] with beta 2.0 (patched)",
                  softmax_model((2, 3, 8)), ["SOFTMAX"], {0: {"beta": 2.0, "type": "int16"}}, ranges=[(-6.0, 6.0)],
                  io_type="int16", patch=patch_softmax_beta(2.0), patch_doc="SoftmaxOptions.beta 1.0 -> 2.0"))
    C.append(Case("i16_softmax_2d_beta0p5_patched", "int16 SOFTMAX on [1,16] with beta 0.5 (patched)",
                  softmax_model((16,)), ["SOFTMAX"], {0: {"beta": 0.5, "type": "int16"}}, ranges=[(-12.0, 12.0)],
                  io_type="int16", patch=patch_softmax_beta(0.5), patch_doc="SoftmaxOptions.beta 1.0 -> 0.5"))
    arith("i16_add_two_inputs", "int16 ADD of the two inputs [1,5,5,4], calibrated on [-1,1] and [-4,4]",
          "add", (5, 5, 4), (5, 5, 4), io="int16")
    arith("i16_add_bcast_c8_relu", "int16 ADD broadcasting [1,4,4,8] with a rank-1 [8] input, fused RELU",
          "add", (4, 4, 8), 8, "relu", io="int16")
    arith("i16_sub_two_inputs_relu", "int16 SUB of the two inputs [1,5,5,4], fused RELU",
          "sub", (5, 5, 4), (5, 5, 4), "relu", io="int16")
    arith("i16_sub_bcast_1118", "int16 SUB broadcasting [1,4,4,8] with [1,1,1,8]",
          "sub", (4, 4, 8), (1, 1, 8), io="int16")
    arith("i16_sub_bcast_two_way", "int16 SUB [1,4,1,8] - [1,1,4,1], to [1,4,4,8]",
          "sub", (4, 1, 8), (1, 4, 1), io="int16")
    leaky("i16_leaky_relu_a0p2", 0.2, io="int16")
    leaky("i16_leaky_relu_neg0p5", -0.5, io="int16")
    pad("i16_pad_spatial", "int16 PAD [[0,0],[1,2],[2,1],[0,0]] of [1,5,6,4]",
        (5, 6, 4), [[0, 0], [1, 2], [2, 1], [0, 0]], io="int16")
    # The converter leaves an int16 PADV2's constant float32, which TFLM refuses; patched to int16.
    pad("i16_padv2_const_patched",
        "int16 PADV2 [[0,0],[1,1],[0,2],[0,0]] of [1,5,6,4] with the constant value 0.5 (quantized by a patch)",
        (5, 6, 4), [[0, 0], [1, 1], [0, 2], [0, 0]], value=0.5, io="int16",
        patch=patch_padv2_int16_constant(),
        patch_doc="PADV2 constant_values float32 0.5 -> int16, quantized with the input's scale")
    sslice("i16_slice_s2_neg", "int16 STRIDED_SLICE x[:, 1:7:2, -5:-1, ::2] of [1,8,7,6]",
           (8, 7, 6), _slice_s2_neg, {"strides": [1, 2, 1, 2]}, io="int16")
    sslice("i16_slice_shrink", "int16 STRIDED_SLICE x[:, :, 2:, 1] of [1,8,7,6] (shrink axis 3)",
           (8, 7, 6), _slice_shrink, {"shrink_axis_mask": 8}, io="int16")

    # --- STRIDED_SLICE int32 (an int32 model, no quantization) ---------------------
    sslice("i32_slice_neg_stride", "int32 STRIDED_SLICE x[:, ::-2, 1:, :3] of [1,8,7,6] (unquantized int32 model)",
           (8, 7, 6), _slice_neg_stride, {"strides": [1, -2, 1, 1]}, io="int32")
    sslice("i32_slice_shrink", "int32 STRIDED_SLICE x[:, :, 2:, 1] of [1,8,7,6] (shrink axis 3)",
           (8, 7, 6), _slice_shrink, {"shrink_axis_mask": 8}, io="int32")

    # --- QUANTIZE between int8, int16 and int32 (patched in at the graph's edge) ----
    def requant(name, doc, io, where, dtype, factor, zp, hw, cin, cout):
        q = {"input_dtype": dtype if where == "input" else io, "output_dtype": io if where == "input" else dtype}
        ops = ["QUANTIZE", "CONV_2D"] if where == "input" else ["CONV_2D", "QUANTIZE"]
        idx = ops.index("QUANTIZE")
        io_dtypes = (dtype, io) if where == "input" else (io, dtype)
        C.append(Case(name, doc, conv_model(hw, cin, cout, 3), ops, {idx: q}, io_type=io, io_dtypes=io_dtypes,
                      patch=patch_requantize_type(where, dtype, factor, zp),
                      patch_doc=f"QUANTIZE inserted: {q['input_dtype']} -> {q['output_dtype']} at the graph {where} "
                                f"(scale x{factor:g}, zero point {zp})"))

    requant("quantize_i8_to_i16_patched",
            "int8 graph input -> QUANTIZE -> int16 (scale ratio 256, zero point 3 -> 0), 16x8 CONV_2D 3x3 5x5x3 -> 4",
            "int16", "input", "int8", 256.0, 3, (5, 5), 3, 4)
    requant("quantize_i16_to_i8_patched",
            "16x8 CONV_2D 3x3 5x5x3 -> 4, QUANTIZE int16 -> int8 graph output (scale x200, zero point 5)",
            "int16", "output", "int8", 200.0, 5, (5, 5), 3, 4)
    requant("quantize_i16_to_i32_patched",
            "16x8 CONV_2D 3x3 5x5x3 -> 4, QUANTIZE int16 -> int32 graph output (scale x1/64, zero point 0)",
            "int16", "output", "int32", 1 / 64, 0, (5, 5), 3, 4)
    requant("quantize_i32_to_i16_patched",
            "int32 graph input (scale x1/64 of the int16 one) -> QUANTIZE -> int16, 16x8 CONV_2D 3x3 5x5x3 -> 4",
            "int16", "input", "int32", 1 / 64, 0, (5, 5), 3, 4)
    requant("quantize_i8_to_i32_patched",
            "CONV_2D 3x3 5x5x3 -> 4, QUANTIZE int8 -> int32 graph output (scale x1/100, zero point 0)",
            "int8", "output", "int32", 1 / 100, 0, (5, 5), 3, 4)
    requant("quantize_i32_to_i8_patched",
            "int32 graph input (scale x1/16384 of the int8 one, zero point 0) -> QUANTIZE -> int8, CONV_2D 3x3",
            "int8", "input", "int32", 1 / 16384, 0, (5, 5), 3, 4)

    # --- MUL -------------------------------------------------------------------------
    def mul(name, doc, sa, sb, act=None, ranges=((-1.0, 1.0), (-4.0, 4.0)), io="int8"):
        exp = {"activation": (act or "none").upper(), "min_scale_ratio": 1.2, "input_shapes": [
            [n] if isinstance(n, int) else [1, *n] for n in (sa, sb)]} | ({"type": "int16"} if io == "int16" else {})
        C.append(Case(name, doc, binary_inputs_model(_ops("multiply"), sa, sb, act), ["MUL"], {0: exp},
                      ranges=list(ranges), unbatched=(isinstance(sa, int), isinstance(sb, int)), io_type=io))

    mul("mul_two_inputs", "MUL of the two inputs [1,5,5,4], calibrated on [-1,1] and [-4,4] (different scales)",
        (5, 5, 4), (5, 5, 4))
    C.append(Case("mul_branches_relu",
                  "MUL of two conv branches with different output scales (~20x), fused RELU",
                  mul_branches_model("relu"), ["CONV_2D", "CONV_2D", "MUL"],
                  {2: {"activation": "RELU", "min_scale_ratio": 4}}))
    mul("mul_bcast_c8", "MUL broadcasting [1,4,4,8] with a rank-1 [8] input", (4, 4, 8), 8)
    mul("mul_bcast_1118_relu6", "MUL broadcasting [1,4,4,8] with [1,1,1,8], inputs on [-3,3] and [-4,4], "
        "fused RELU6", (4, 4, 8), (1, 1, 8), "relu6", ranges=((-3.0, 3.0), (-4.0, 4.0)))
    mul("mul_bcast_two_way", "MUL [1,4,1,8] * [1,1,4,1]: both operands broadcast, to [1,4,4,8]",
        (4, 1, 8), (1, 4, 1))
    C.append(Case("mul_const_c8", "MUL of the input [1,4,4,8] and a constant [8] (x * k)",
                  binary_const_model(_ops("multiply"), (4, 4, 8), (8,)), ["MUL"],
                  {0: {"activation": "NONE", "constant_shapes": [[8]]}}))
    mul("i16_mul_two_inputs", "int16 MUL of the two inputs [1,5,5,4], calibrated on [-1,1] and [-4,4]",
        (5, 5, 4), (5, 5, 4), io="int16")
    mul("i16_mul_bcast_c8", "int16 MUL broadcasting [1,4,4,8] with a rank-1 [8] input", (4, 4, 8), 8, io="int16")
    mul("i16_mul_bcast_two_way_relu", "int16 MUL [1,4,1,8] * [1,1,4,1], to [1,4,4,8], fused RELU",
        (4, 1, 8), (1, 4, 1), "relu", io="int16")

    # --- MAXIMUM / MINIMUM ----------------------------------------------------------------
    # int8: the converter gives both inputs and the output one quantization (the union of the
    # ranges); int16: it requantizes an input whose calibrated range differs from the output's
    # with an int16 -> int16 QUANTIZE (for equal nominal ranges both, as 16 samples differ).
    def maxmin(name, doc, kind, sa, sb, ranges=((-2.0, 2.0), (-2.0, 2.0)), io="int8", ops=None):
        op = {"maximum": "MAXIMUM", "minimum": "MINIMUM"}[kind]
        ops = ops or [op]
        exp = {"same_quantization": True, "input_shapes": [
            [n] if isinstance(n, int) else [1, *n] for n in (sa, sb)]} | ({"type": "int16"} if io == "int16" else {})
        C.append(Case(name, doc, binary_inputs_model(_ops(kind), sa, sb), ops, {ops.index(op): exp},
                      ranges=list(ranges), unbatched=(isinstance(sa, int), isinstance(sb, int)), io_type=io))

    def maxmin_const(name, doc, kind, const, io="int8", ops=None, rng=(-1.0, 1.0)):
        op = {"maximum": "MAXIMUM", "minimum": "MINIMUM"}[kind]
        ops = ops or [op]
        exp = {"same_quantization": True,
               "constant_shapes": [list(const) if isinstance(const, tuple) else []]} \
            | ({"type": "int16"} if io == "int16" else {})
        C.append(Case(name, doc, binary_const_model(_ops(kind), (4, 4, 8), const), ops, {ops.index(op): exp},
                      ranges=[rng], io_type=io))

    maxmin("max_two_inputs", "MAXIMUM of the two inputs [1,5,5,4], calibrated on [-1,1] and [-4,4] "
           "(the converter gives both one quantization)", "maximum", (5, 5, 4), (5, 5, 4),
           ranges=((-1.0, 1.0), (-4.0, 4.0)))
    maxmin("min_two_inputs", "MINIMUM of the two inputs [1,5,5,4]", "minimum", (5, 5, 4), (5, 5, 4))
    maxmin("min_bcast_c8", "MINIMUM broadcasting [1,4,4,8] with a rank-1 [8] input", "minimum", (4, 4, 8), 8)
    maxmin("max_bcast_two_way", "MAXIMUM [1,4,1,8] and [1,1,4,1]: both operands broadcast, to [1,4,4,8]",
           "maximum", (4, 1, 8), (1, 4, 1))
    maxmin_const("max_const_scalar", "MAXIMUM of the input [1,4,4,8] and the scalar constant 0.25",
                 "maximum", 0.25)
    maxmin_const("min_const_c8", "MINIMUM of the input [1,4,4,8] and a constant [8]", "minimum", (8,))
    maxmin("i16_max_two_inputs", "int16 MAXIMUM of two inputs [1,5,5,4] on [-1,1] and [-4,4]; the first requantized "
           "(QUANTIZE int16 -> int16)", "maximum",
           (5, 5, 4), (5, 5, 4), ranges=((-1.0, 1.0), (-4.0, 4.0)), io="int16", ops=["QUANTIZE", "MAXIMUM"])
    maxmin("i16_min_bcast_c8", "int16 MINIMUM of [1,4,4,8] on [-1,1] and a rank-1 [8] on [-4,4]; the first requantized "
           "(QUANTIZE)", "minimum", (4, 4, 8), 8,
           ranges=((-1.0, 1.0), (-4.0, 4.0)), io="int16", ops=["QUANTIZE", "MINIMUM"])
    # int16 with a constant: calibrated so that the output's largest magnitude is the input's (on
    # [-0.9, 1] for MAXIMUM, [-1, 0.9] for MINIMUM), so the converter needs no QUANTIZE.
    maxmin_const("i16_max_const_scalar", "int16 MAXIMUM of the input [1,4,4,8] (calibrated on [-0.9,1]) and the "
                 "scalar constant 0.25", "maximum", 0.25, io="int16", rng=(-0.9, 1.0))
    maxmin_const("i16_min_const_scalar", "int16 MINIMUM of the input [1,4,4,8] (calibrated on [-1,0.9]) and the "
                 "scalar constant -0.25", "minimum", -0.25, io="int16", rng=(-1.0, 0.9))

    # --- RELU / RELU6 as operators ----------------------------------------------------------
    # On the graph input nothing can absorb them; int8 calibration gives the output its own
    # scale ([0, max] instead of [min, max]), so input and output scales differ.
    def relu(name, doc, act, rng, io="int8"):
        op = act.upper()
        exp = {"input_shapes": [[1, 5, 6, 4]]} | ({"type": "int16"} if io == "int16" else {})
        if io == "int8":
            exp["min_scale_ratio"] = 1.5
        C.append(Case(name, doc, relu_input_model((5, 6, 4), act), [op], {0: exp}, ranges=[rng], io_type=io))

    relu("relu_input", "RELU on the graph input [1,5,6,4] (input scale 2x the output scale, zero points 0 / -128)",
         "relu", (-1.0, 1.0))
    relu("relu6_input", "RELU6 on the graph input [1,5,6,4], calibrated on [-8,8] (scales ~2.7x apart)",
         "relu6", (-8.0, 8.0))
    relu("i16_relu_input", "int16 RELU on the graph input [1,5,6,4]", "relu", (-1.0, 1.0), io="int16")
    relu("i16_relu6_input", "int16 RELU6 on the graph input [1,5,6,4], calibrated on [-8,8]",
         "relu6", (-8.0, 8.0), io="int16")

    # --- LOGISTIC / TANH ---------------------------------------------------------------------
    # int8: TFLM's gemmlowp arithmetic (nn: a table; every input byte appears in each sample of the
    # graph-input cases); the converter fixes the outputs (1/256, -128 for LOGISTIC; 1/128, 0 for TANH). int16: the calibrated input scale takes TFLM's multiplier path;
    # the *_pot_patched cases set it to a power of two (multiplier 0). float32: libm expf/tanhf.
    def act(name, doc, op, in_shape, rng, io="int8", conv=False, patch=None, patch_doc=""):
        ops = (["CONV_2D"] if conv else []) + [op]
        exp = {"input_shapes": [[1, *in_shape]]} | ({"type": io} if io != "int8" else {})
        C.append(Case(name, doc, activation_model(in_shape, "tanh" if op == "TANH" else "sigmoid", conv), ops,
                      {len(ops) - 1: exp}, ranges=[rng], io_type=io, patch=patch, patch_doc=patch_doc,
                      exhaustive=io == "int8" and not conv))

    act("logistic_r1", "LOGISTIC on the graph input [1,4,8,8], calibrated on [-1,1]", "LOGISTIC", (4, 8, 8),
        (-1.0, 1.0))
    act("logistic_asym", "LOGISTIC on [1,4,8,8], calibrated on [-2,6] (input zero point -64)", "LOGISTIC",
        (4, 8, 8), (-2.0, 6.0))
    act("logistic_r40", "LOGISTIC on [1,4,8,8], calibrated on [-40,40] (most inputs beyond TFLM's radius)",
        "LOGISTIC", (4, 8, 8), (-40.0, 40.0))
    act("conv_logistic", "CONV_2D 3x3 SAME [1,5,6,4] then LOGISTIC (sigmoid activation, not fused)",
        "LOGISTIC", (5, 6, 4), (-1.0, 1.0), conv=True)
    act("tanh_r1", "TANH on the graph input [1,4,8,8], calibrated on [-1,1]", "TANH", (4, 8, 8), (-1.0, 1.0))
    act("tanh_asym", "TANH on [1,4,8,8], calibrated on [-3,1] (input zero point 63)", "TANH", (4, 8, 8),
        (-3.0, 1.0))
    act("tanh_r20", "TANH on [1,4,8,8], calibrated on [-20,20]", "TANH", (4, 8, 8), (-20.0, 20.0))
    act("conv_tanh", "CONV_2D 3x3 SAME [1,5,6,4] then TANH (not fused)", "TANH", (5, 6, 4), (-1.0, 1.0),
        conv=True)
    act("i16_logistic_r1", "int16 LOGISTIC on [1,4,16], calibrated on [-1,1]", "LOGISTIC", (4, 16),
        (-1.0, 1.0), io="int16")
    act("i16_logistic_r10", "int16 LOGISTIC on [1,4,16], calibrated on [-10,10]", "LOGISTIC", (4, 16),
        (-10.0, 10.0), io="int16")
    act("i16_logistic_pot_patched", "int16 LOGISTIC on [1,4,16], input scale 2^-12 (TFLM's multiplier 0)",
        "LOGISTIC", (4, 16), (-8.0, 8.0), io="int16", patch=patch_input_scale(2.0 ** -12),
        patch_doc="graph input scale set to 2^-12")
    act("i16_tanh_r1", "int16 TANH on [1,4,16], calibrated on [-1,1]", "TANH", (4, 16), (-1.0, 1.0),
        io="int16")
    act("i16_tanh_r6", "int16 TANH on [1,4,16], calibrated on [-6,6]", "TANH", (4, 16), (-6.0, 6.0),
        io="int16")
    act("i16_tanh_pot_patched", "int16 TANH on [1,4,16], input scale 2^-12 (TFLM's multiplier 0, shift 0)",
        "TANH", (4, 16), (-8.0, 8.0), io="int16", patch=patch_input_scale(2.0 ** -12),
        patch_doc="graph input scale set to 2^-12")
    act("i16_tanh_pot11_patched", "int16 TANH on [1,4,16], input scale 2^-11 (TFLM's multiplier 0, shift 1)",
        "TANH", (4, 16), (-16.0, 16.0), io="int16", patch=patch_input_scale(2.0 ** -11),
        patch_doc="graph input scale set to 2^-11")
    act("f32_logistic_r1", "float32 LOGISTIC on [1,4,16], inputs in [-1.5,1.5]", "LOGISTIC", (4, 16),
        (-1.0, 1.0), io="float32")
    act("f32_logistic_r14", "float32 LOGISTIC on [1,4,16], inputs in [-21,21] (past both cut-offs)", "LOGISTIC",
        (4, 16), (-14.0, 14.0), io="float32")
    act("f32_tanh_r1", "float32 TANH on [1,4,16], inputs in [-1.5,1.5]", "TANH", (4, 16), (-1.0, 1.0),
        io="float32")
    act("f32_tanh_r8", "float32 TANH on [1,4,16], inputs in [-12,12]", "TANH", (4, 16), (-8.0, 8.0),
        io="float32")

    # --- UNIDIRECTIONAL_SEQUENCE_LSTM (Keras 2 LSTM layers) -----------------------------------
    # int8: int8 input, output and hidden state, int16 cell state (a power-of-two scale from calibration),
    # int8 weights, int32 bias; float32 unoptimized. The converter writes cell_clip 10 and no peepholes,
    # projection or layer norm. A batch-major batch above 1 fails in the converter's calibration
    # (TFLite's kernel reads the state size per sequence), so batches > 1 are time-major.
    def lstm(name, doc, steps, features, units, sequences=True, time_major=False, batch=1, io="int8",
             rng=(-1.0, 1.0), weight=0.6):
        ops = ["UNIDIRECTIONAL_SEQUENCE_LSTM"] + ([] if sequences else ["STRIDED_SLICE"])
        exp = {"time_major": time_major, "activation": "TANH", "variable_inputs": [18, 19],
               "absent_inputs": [9, 10, 11, 16, 17, 20, 21, 22, 23]}
        exp |= {"cell_dtype": "int16"} if io == "int8" else {"type": io}
        C.append(Case(name, doc, lstm_model(steps, features, units, sequences, time_major, batch, weight), ops,
                      {0: exp}, ranges=[rng], io_type=io, stateful=True))

    lstm("lstm_t5_f6_u4", "int8 LSTM, input [1,5,6], 4 units, every step's output [1,5,4]", 5, 6, 4)
    lstm("lstm_t7_f3_u8_last", "int8 LSTM, input [1,7,3], 8 units, the last step's output (STRIDED_SLICE)",
         7, 3, 8, sequences=False)
    lstm("lstm_time_major_b3", "int8 LSTM, time-major input [4,3,5] (4 steps, batch 3), 6 units", 4, 5, 6,
         time_major=True, batch=3)
    lstm("lstm_asym_wide", "int8 LSTM, input [1,6,4] on [-0.5,3] (asymmetric), weights in [-1.5,1.5], 5 units",
         6, 4, 5, rng=(-0.5, 3.0), weight=1.5)
    lstm("f32_lstm_t5_f6_u4", "float32 LSTM, input [1,5,6], 4 units, every step's output", 5, 6, 4, io="float32",
         rng=(-2.0, 2.0))
    lstm("f32_lstm_last", "float32 LSTM, input [1,6,3], 5 units, the last step's output", 6, 3, 5,
         sequences=False, io="float32", rng=(-2.0, 2.0), weight=1.5)
    lstm("f32_lstm_time_major", "float32 LSTM, time-major input [4,2,5], 3 units", 4, 5, 3, time_major=True,
         batch=2, io="float32", rng=(-3.0, 3.0))

    # --- FULLY_CONNECTED float32 (no optimization: float weights, bias and activations) ------
    def fc32(name, doc, in_shape, units, batch=1, bias=True, act=None, rng=(-1.0, 1.0)):
        exp = {"activation": (act or "none").upper(), "bias": bias, "type": "float32",
               "weights": {"shape": [units, in_shape[-1]], "dtype": "float32"}}
        C.append(Case(name, doc, fc_model(in_shape, units, batch, bias, act), ["FULLY_CONNECTED"], {0: exp},
                      ranges=[rng], io_type="float32"))

    fc32("f32_fc_k13_o8", "float32 FULLY_CONNECTED [1,13] -> 8 with bias", (13,), 8)
    fc32("f32_fc_batch3_k13_o5", "float32 FULLY_CONNECTED [3,13] -> [3,5]: three rows", (13,), 5, batch=3)
    fc32("f32_fc_no_bias_k13_o8", "float32 FULLY_CONNECTED [1,13] -> 8 without bias", (13,), 8, bias=False)
    fc32("f32_fc_batch3_relu", "float32 FULLY_CONNECTED [3,13] -> [3,6], fused RELU", (13,), 6, batch=3,
         act="relu")
    fc32("f32_fc_k64_o10_relu6", "float32 FULLY_CONNECTED [1,64] -> 10, fused RELU6, inputs in [-6,6]",
         (64,), 10, act="relu6", rng=(-4.0, 4.0))

    # --- CONV_2D / DEPTHWISE_CONV_2D float32 (unoptimized float models) ---------------------
    def conv32(name, doc, hw, cin, cout, k, s=1, pad="same", dil=1, act=None, rng=(-1.0, 1.0)):
        kh, kw_ = (k, k) if isinstance(k, int) else k
        exp = _conv(pad.upper(), s, (act or "none").upper(), dil) | {
            "type": "float32", "bias": True, "weights": {"shape": [cout, kh, kw_, cin], "dtype": "float32"}}
        C.append(Case(name, doc, conv_model(hw, cin, cout, k, s, pad, dil, act), ["CONV_2D"], {0: exp},
                      ranges=[rng], io_type="float32"))

    conv32("f32_conv_k3_s2_same_even_relu", "float32 CONV_2D 3x3, stride 2, SAME on 8x8 (padding 0/1), "
           "3 -> 8, fused RELU", (8, 8), 3, 8, 3, 2, act="relu")
    conv32("f32_conv_k1x3_s1x2_valid_c5_o4", "float32 CONV_2D 1x3, stride 1x2, VALID, 5x9x5 -> 4",
           (5, 9), 5, 4, (1, 3), (1, 2), "valid")
    conv32("f32_conv_k3_dil2_relu6_c4_o5", "float32 CONV_2D 3x3, dilation 2, SAME, 7x7x4 -> 5, fused RELU6, "
           "inputs in [-4,4]", (7, 7), 4, 5, 3, dil=2, act="relu6", rng=(-4.0, 4.0))
    conv32("f32_conv_k3_relu1_c4_o3", "float32 CONV_2D 3x3 SAME, fused RELU_N1_TO_1, 5x5x4 -> 3",
           (5, 5), 4, 3, 3, act="relu_n1_to_1")

    def dw32(name, doc, hw, c, mult=1, s=1, pad="same", dil=1, act=None, k=3, rng=(-1.0, 1.0)):
        kh, kw_ = (k, k) if isinstance(k, int) else k
        exp = _conv(pad.upper(), s, (act or "none").upper(), dil) | {
            "type": "float32", "bias": True, "weights": {"shape": [1, kh, kw_, c * mult], "dtype": "float32"}}
        C.append(Case(name, doc, dw_model(hw, c, mult, s, pad, dil, act, False, k), ["DEPTHWISE_CONV_2D"],
                      {0: exp}, ranges=[rng], io_type="float32"))

    dw32("f32_dw_k3_s2_same_c8_relu6", "float32 DEPTHWISE_CONV_2D 3x3, stride 2, SAME on 8x8, 8 channels, "
         "fused RELU6, inputs in [-4,4]", (8, 8), 8, s=2, act="relu6", rng=(-4.0, 4.0))
    dw32("f32_dw_k3_valid_c3_m2", "float32 DEPTHWISE_CONV_2D 3x3, VALID, depth multiplier 2, 6x7x3 -> 6",
         (6, 7), 3, 2, pad="valid")
    dw32("f32_dw_k3_dil2_c5_relu", "float32 DEPTHWISE_CONV_2D 3x3, dilation 2, SAME, 7x7x5, fused RELU",
         (7, 7), 5, dil=2, act="relu")

    # --- ADD / SUB / MUL float32 ------------------------------------------------------------
    def bin32(name, doc, op, build, ranges, act=None, unbatched=False):
        exp = {"activation": (act or "none").upper(), "type": "float32"}
        C.append(Case(name, doc, build, [op], {0: exp}, ranges=list(ranges), unbatched=unbatched,
                      io_type="float32"))

    bin32("f32_add_two_inputs_relu6", "float32 ADD of two inputs [1,4,4,3], fused RELU6, inputs in [-4,4]", "ADD",
          arith_inputs_model("add", (4, 4, 3), (4, 4, 3), "relu6"), ((-4.0, 4.0), (-4.0, 4.0)), "relu6")
    bin32("f32_add_const_c8_relu", "float32 ADD of the input [1,4,4,8] and a constant [8], fused RELU", "ADD",
          arith_const_model("add", (4, 4), 8, "relu"), ((-1.0, 1.0),), "relu")
    bin32("f32_sub_bcast_two_way", "float32 SUB [1,4,1,8] - [1,1,4,1]: both operands broadcast", "SUB",
          arith_inputs_model("sub", (4, 1, 8), (1, 4, 1)), ((-1.0, 1.0), (-4.0, 4.0)))
    bin32("f32_sub_const_c5", "float32 SUB of the input [1,3,4,5] and a constant [5]", "SUB",
          arith_const_model("sub", (3, 4), 5), ((-1.0, 1.0),))
    bin32("f32_mul_bcast_c8_relu", "float32 MUL of [1,4,4,8] and a rank-1 [8] input, fused RELU", "MUL",
          binary_inputs_model(_ops("multiply"), (4, 4, 8), 8, "relu"), ((-2.0, 2.0), (-2.0, 2.0)), "relu",
          unbatched=(False, True))
    bin32("f32_mul_two_inputs", "float32 MUL of two inputs [1,3,5,4]", "MUL",
          binary_inputs_model(_ops("multiply"), (3, 5, 4), (3, 5, 4)), ((-3.0, 3.0), (-3.0, 3.0)))

    # --- PAD / PADV2 float32 ------------------------------------------------------------------
    pad("f32_pad_spatial", "float32 PAD [[0,0],[1,2],[2,1],[0,0]] of [1,5,6,4] (fill 0.0)",
        (5, 6, 4), [[0, 0], [1, 2], [2, 1], [0, 0]], io="float32")
    pad("f32_padv2_const_neg_3d", "float32 PADV2 [[0,0],[2,1],[1,1]] of a rank-3 [1,6,5] with the constant "
        "value -0.25", (6, 5), [[0, 0], [2, 1], [1, 1]], value=-0.25, io="float32")

    # --- MAXIMUM / MINIMUM float32 ---------------------------------------------------------
    def maxmin32(name, doc, kind, build, ranges, unbatched=False):
        op = {"maximum": "MAXIMUM", "minimum": "MINIMUM"}[kind]
        C.append(Case(name, doc, build, [op], {0: {"type": "float32"}}, ranges=list(ranges), unbatched=unbatched,
                      io_type="float32"))

    maxmin32("f32_max_bcast_two_way", "float32 MAXIMUM [1,4,1,8] and [1,1,4,1]: both operands broadcast",
             "maximum", binary_inputs_model(_ops("maximum"), (4, 1, 8), (1, 4, 1)), ((-1.0, 1.0), (-2.0, 2.0)))
    maxmin32("f32_min_const_c8", "float32 MINIMUM of the input [1,4,4,8] and a constant [8]", "minimum",
             binary_const_model(_ops("minimum"), (4, 4, 8), (8,)), ((-1.0, 1.0),))

    # --- TRANSPOSE_CONV float32 (TFLM's scatter order; the converter fuses RELU/RELU6) -----
    def tconv32(name, doc, hw, cin, cout, k, s, pad, bias=True, act=None, rng=(-1.0, 1.0)):
        exp = {"padding": pad.upper(), "stride": [s, s], "activation": (act or "none").upper(), "bias": bias,
               "output_shape_input": "constant", "type": "float32",
               "weights": {"shape": [cout, k, k, cin], "dtype": "float32"}}
        C.append(Case(name, doc, tconv_model(hw, cin, cout, k, s, pad, bias, act=act), ["TRANSPOSE_CONV"],
                      {0: exp}, ranges=[rng], io_type="float32"))

    tconv32("f32_tconv_k3_s2_same_relu", "float32 TRANSPOSE_CONV 3x3 stride 2 SAME, 3x4x3 -> 6x8x4, with bias, "
            "fused RELU", (3, 4), 3, 4, 3, 2, "same", act="relu")
    tconv32("f32_tconv_k2_s2_valid_nobias", "float32 TRANSPOSE_CONV 2x2 stride 2 VALID, 3x3x4 -> 6x6x3, without "
            "bias", (3, 3), 4, 3, 2, 2, "valid", bias=False)
    tconv32("f32_tconv_k3_s1_same_relu6", "float32 TRANSPOSE_CONV 3x3 stride 1 SAME, 4x4x5 -> 4x4x3, with bias, "
            "fused RELU6, inputs in [-6,6]", (4, 4), 5, 3, 3, 1, "same", act="relu6", rng=(-4.0, 4.0))

    # --- AVERAGE_POOL_2D / MAX_POOL_2D float32 ---------------------------------------------
    for kind, op in (("max", "MAX_POOL_2D"), ("avg", "AVERAGE_POOL_2D")):
        for suffix, doc, hw, c, k, s, pad, act, rng in (
            ("k3_s2_same_even", "3x3 stride 2 SAME on 8x8x5 (padding 0/1)", (8, 8), 5, 3, 2, "same", None, 1.0),
            ("k2x3_s2_same_relu6", "2x3 window, stride 2, SAME on 7x9x3, fused RELU6, inputs in [-8,8]",
             (7, 9), 3, (2, 3), 2, "same", "relu6", 8.0),
        ):
            C.append(Case(f"f32_{kind}pool_{suffix}", f"float32 {op} {doc}", pool_model(kind, hw, c, k, s, pad, act),
                          [op], {0: _pool(pad.upper(), s, k, (act or "none").upper()) | {"type": "float32"}},
                          ranges=[(-rng, rng)], io_type="float32"))

    # --- RELU / RELU6 / LEAKY_RELU float32 --------------------------------------------------
    C.append(Case("f32_relu_input", "float32 RELU on the graph input [1,5,6,4]", relu_input_model((5, 6, 4), "relu"),
                  ["RELU"], {0: {"type": "float32"}}, ranges=[(-1.0, 1.0)], io_type="float32"))
    C.append(Case("f32_relu6_input", "float32 RELU6 on the graph input [1,5,6,4], inputs in [-8,8]",
                  relu_input_model((5, 6, 4), "relu6"), ["RELU6"], {0: {"type": "float32"}}, ranges=[(-8.0, 8.0)],
                  io_type="float32"))
    for name, alpha in (("f32_leaky_relu_a0p2", 0.2), ("f32_leaky_relu_a1p5", 1.5)):
        C.append(Case(name, f"float32 LEAKY_RELU alpha {alpha} on [1,5,6,4]", leaky_relu_model((5, 6), 4, alpha),
                      ["LEAKY_RELU"], {0: {"alpha": float(np.float32(alpha)), "type": "float32"}},
                      ranges=[(-2.0, 3.0)], io_type="float32"))

    # --- SVDF (patched: the converter emits none) ---------------------------
    def svdf(name, doc, n_in, filters, rank, memory, batch=1, state="int16", act="NONE", out_zp=0, io="int8",
             stateful=True):
        exp = {"rank": rank, "memory": memory, "filters": filters, "activation": act, "state_variable": True,
               "bias": True, "state_dtype": "float32" if io == "float32" else state}
        if io == "float32":
            exp["type"] = "float32"
        C.append(Case(name, doc, fc_model((n_in,), filters, batch), ["SVDF"], {0: exp},
                      per_tensor_dense=io != "float32", io_type=io, stateful=stateful,
                      patch=patch_fc_to_svdf(name, rank, memory, state, act, out_zp),
                      patch_doc=f"FULLY_CONNECTED -> SVDF (rank {rank}, memory {memory}, {state} state)"))

    svdf("svdf_r1_m4_patched", "[1,12], 8 filters of rank 1, memory 4, int16 state", 12, 8, 1, 4)
    svdf("svdf_r2_m3_patched", "[1,16], 12 filters of rank 2 (6 units), memory 3, int16 state", 16, 12, 2, 3)
    svdf("svdf_r3_b2_patched", "[2,10], 9 filters of rank 3 (3 units), memory 2, batch 2, int16 state",
         10, 9, 3, 2, batch=2)
    svdf("svdf_i8_state_patched", "[1,12], 8 filters of rank 2, memory 3, int8 state and time weights "
         "(state zero point of the FC output)", 12, 8, 2, 3, state="int8", out_zp=-5)
    svdf("svdf_relu_zp20_patched", "[1,12], 6 filters of rank 1, memory 2, fused RELU (ignored by TFLM's int8 SVDF), "
         "output zero point 20", 12, 6, 1, 2, act="RELU", out_zp=20)
    svdf("svdf_m1_patched", "[1,12], 8 filters of rank 2, memory 1 (no history; fresh runs only)",
         12, 8, 2, 1, stateful=False)
    svdf("f32_svdf_r2_m3_patched", "float32 SVDF [1,12], 8 filters of rank 2, memory 3", 12, 8, 2, 3,
         io="float32")
    svdf("f32_svdf_b2_relu6_patched", "float32 SVDF [2,10], 6 filters of rank 1, memory 4, batch 2, fused RELU6",
         10, 6, 1, 4, batch=2, act="RELU6", io="float32")
    svdf("f32_svdf_relu_patched", "float32 SVDF [1,12], 6 filters of rank 3, memory 2, fused RELU", 12, 6, 3, 2,
         act="RELU", io="float32")
    for stage, what in ((1, "input x feature / state"), (2, "state x time / output")):
        C.append(Case(f"svdf_scale{stage}_f64_patched",
                      f"int8 SVDF, effective scale {stage} ({what}) rounds apart in f32 and f64: TFLM's f64 one",
                      None, ["SVDF"], {0: {"rank": 1, "memory": 2, "state_dtype": "int16"}},
                      raw=svdf_scale_model(stage),
                      patch_doc="built with TensorFlow's flatbuffer object API (crafted scales, weights, input)"))

    # --- CONCATENATION / PACK (inputs and output share one quantization) ---------------
    def typed(exp, io):
        return exp | ({"type": io} if io != "int8" else {})

    def concat_br(name, doc, hw, branches, axis, io="int8", quantize=False):
        ops = ["CONV_2D"] * len(branches) + (["QUANTIZE"] if quantize else []) + ["CONCATENATION"]
        exp = typed({"axis": axis, "activation": "NONE", "same_quantization": True}, io)
        C.append(Case(name, doc, concat_branches_model(hw, 3, branches, axis), ops, {len(ops) - 1: exp},
                      io_type=io))

    def packlike(name, doc, op, in_shapes, fn, exp, ranges, io="int8", ops=None, **kw):
        ops = ops or [op]
        C.append(Case(name, doc, fn_model(in_shapes, fn, "int32" if io == "int32" else "float32"), ops,
                      {ops.index(op): typed(exp, io)}, ranges=list(ranges), io_type=io, **kw))

    concat_br("concat_branches_c4_c5", "CONCATENATION on the channel axis of two conv branches (1x1 -> 4, 3x3 -> 5, "
              "8x larger weights), [1,6,6,9]", (6, 6), [(1, 4, 0.5), (3, 5, 4.0)], -1)
    concat_br("concat_branches3_c12", "CONCATENATION on the channel axis of three conv branches (4 + 5 + 3 channels)",
              (6, 6), [(1, 4, 0.5), (3, 5, 4.0), (1, 3, 1.5)], -1)
    concat_br("concat_branches_w_neg", "CONCATENATION of two conv branches [1,5,4,6] on axis -2 (width), "
              "to [1,5,8,6]", (5, 4), [(1, 6, 0.5), (3, 6, 4.0)], -2)
    packlike("concat_inputs_h", "CONCATENATION of the inputs [1,3,5,4] and [1,2,5,4] on axis 1 (height), "
             "calibrated on [-1,1] and [-2,2]", "CONCATENATION", [(3, 5, 4), (2, 5, 4)], _tf("concat", axis=1),
             {"axis": 1, "same_quantization": True}, [(-1.0, 1.0), (-2.0, 2.0)])
    packlike("concat_inputs_neg3", "CONCATENATION of the rank-3 inputs [1,4,5] and [1,4,3] on axis -1",
             "CONCATENATION", [(4, 5), (4, 3)], _tf("concat", axis=-1),
             {"same_quantization": True}, [(-1.0, 1.0), (-1.0, 1.0)])
    concat_br("i16_concat_branches", "int16 CONCATENATION on the channel axis of two 16x8 conv branches; the "
              "converter requantizes one (QUANTIZE)", (6, 6), [(1, 4, 0.5), (3, 5, 4.0)], -1, io="int16",
              quantize=True)
    packlike("i16_concat_inputs_h", "int16 CONCATENATION of the inputs [1,3,5,4] and [1,2,5,4] on axis 1; "
             "the first requantized (QUANTIZE)",
             "CONCATENATION", [(3, 5, 4), (2, 5, 4)], _tf("concat", axis=1),
             {"axis": 1, "same_quantization": True}, [(-1.0, 1.0), (-2.0, 2.0)], io="int16",
             ops=["QUANTIZE", "CONCATENATION"])
    packlike("pack_axis0", "PACK (tf.stack) of two inputs [1,4,5] on axis 0, to [2,1,4,5]", "PACK",
             [(4, 5), (4, 5)], _tf("stack", axis=0), {"axis": 0, "values_count": 2, "same_quantization": True},
             [(-1.0, 1.0), (-1.0, 1.0)])
    packlike("pack_axis2", "PACK (tf.stack) of two inputs [1,4,5] on axis 2, to [1,4,2,5], calibrated on "
             "[-1,1] and [-3,3]", "PACK", [(4, 5), (4, 5)], _tf("stack", axis=2),
             {"axis": 2, "values_count": 2, "same_quantization": True}, [(-1.0, 1.0), (-3.0, 3.0)])
    packlike("i16_pack_axis1", "int16 PACK (tf.stack) of two inputs [1,4,5] on axis 1, to [1,2,4,5]",
             "PACK", [(4, 5), (4, 5)], _tf("stack", axis=1), {"axis": 1, "values_count": 2, "same_quantization": True},
             [(-1.0, 1.0), (-1.0, 1.0)], io="int16", ops=["QUANTIZE", "PACK"])

    # --- UNPACK / SPLIT / SPLIT_V (several outputs) / SLICE / TRANSPOSE ------------------
    def gather(name, doc, op, in_shape, fn, exp, io="int8", n_outputs=1):
        C.append(Case(name, doc, fn_model([in_shape], fn, "int32" if io == "int32" else "float32"), [op],
                      {0: typed(exp, io)}, io_type=io, n_outputs=n_outputs))

    gather("unpack_axis1", "UNPACK (tf.unstack) of [1,3,4,5] on axis 1: three outputs [1,4,5]", "UNPACK",
           (3, 4, 5), _tf("unstack", axis=1), {"axis": 1, "num": 3}, n_outputs=3)
    gather("unpack_axis_neg1", "UNPACK (tf.unstack) of [1,4,5,2] on axis -1: two outputs [1,4,5]", "UNPACK",
           (4, 5, 2), _tf("unstack", axis=-1), {"num": 2}, n_outputs=2)
    gather("i16_unpack_axis1", "int16 UNPACK (tf.unstack) of [1,3,4,5] on axis 1: three outputs [1,4,5]",
           "UNPACK", (3, 4, 5), _tf("unstack", axis=1), {"axis": 1, "num": 3}, io="int16", n_outputs=3)
    gather("split_c3", "SPLIT (tf.split) of [1,4,5,6] into 3 on the last axis: three outputs [1,4,5,2]", "SPLIT",
           (4, 5, 6), _tf("split", 3, axis=-1), {"num_splits": 3}, n_outputs=3)
    gather("split_axis1", "SPLIT (tf.split) of [1,4,5,6] into 2 on axis 1: two outputs [1,2,5,6]", "SPLIT",
           (4, 5, 6), _tf("split", 2, axis=1), {"axis": 1, "num_splits": 2}, n_outputs=2)
    gather("i16_split_c3", "int16 SPLIT (tf.split) of [1,4,5,6] into 3 on the last axis", "SPLIT",
           (4, 5, 6), _tf("split", 3, axis=-1), {"num_splits": 3}, io="int16", n_outputs=3)
    gather("splitv_axis1", "SPLIT_V (tf.split) of [1,6,5,4] into sizes [1,-1,2] on axis 1 (1, 3, 2 rows)", "SPLIT_V",
           (6, 5, 4), _tf("split", [1, -1, 2], axis=1), {"size_splits": [1, -1, 2], "num_splits": 3}, n_outputs=3)
    gather("splitv_last", "SPLIT_V (tf.split) of [1,4,3,7] into sizes [-1,4] on the last axis (3, 4 channels)",
           "SPLIT_V", (4, 3, 7), _tf("split", [-1, 4], axis=-1), {"size_splits": [-1, 4], "num_splits": 2},
           n_outputs=2)
    gather("i16_splitv_axis1", "int16 SPLIT_V (tf.split) of [1,6,5,4] into sizes [1,-1,2] on axis 1", "SPLIT_V",
           (6, 5, 4), _tf("split", [1, -1, 2], axis=1), {"size_splits": [1, -1, 2], "num_splits": 3}, io="int16",
           n_outputs=3)
    gather("slice_size_neg1", "SLICE (tf.slice) of [1,6,7,5], begin [0,1,2,1], size [1,-1,3,3]", "SLICE",
           (6, 7, 5), _tf("slice", [0, 1, 2, 1], [1, -1, 3, 3]), {"begin": [0, 1, 2, 1], "size": [1, -1, 3, 3]})
    gather("slice_3d", "SLICE (tf.slice) of a rank-3 [1,8,6], begin [0,2,1], size [1,4,-1]", "SLICE",
           (8, 6), _tf("slice", [0, 2, 1], [1, 4, -1]), {"begin": [0, 2, 1], "size": [1, 4, -1]})
    gather("i16_slice_size_neg1", "int16 SLICE (tf.slice) of [1,6,7,5], begin [0,1,2,1], size [1,-1,3,3]", "SLICE",
           (6, 7, 5), _tf("slice", [0, 1, 2, 1], [1, -1, 3, 3]), {"begin": [0, 1, 2, 1], "size": [1, -1, 3, 3]},
           io="int16")
    gather("transpose_nchw", "TRANSPOSE of [1,4,5,6] with perm [0,3,1,2] (NHWC -> NCHW)", "TRANSPOSE",
           (4, 5, 6), _tf("transpose", [0, 3, 1, 2]), {"perm": [0, 3, 1, 2]})
    gather("transpose_hw", "TRANSPOSE of [1,4,5,6] with perm [0,2,1,3] (height and width swapped)", "TRANSPOSE",
           (4, 5, 6), _tf("transpose", [0, 2, 1, 3]), {"perm": [0, 2, 1, 3]})
    gather("transpose_3d", "TRANSPOSE of a rank-3 [1,5,6] with perm [0,2,1]", "TRANSPOSE",
           (5, 6), _tf("transpose", [0, 2, 1]), {"perm": [0, 2, 1]})
    gather("i16_transpose_nchw", "int16 TRANSPOSE of [1,4,5,6] with perm [0,3,1,2]", "TRANSPOSE",
           (4, 5, 6), _tf("transpose", [0, 3, 1, 2]), {"perm": [0, 3, 1, 2]}, io="int16")
    # TFLM's TRANSPOSE has no int32 kernel ("Only float32, int8 and int16 are supported").
    gather("f32_transpose_nchw", "float32 TRANSPOSE of [1,4,5,6] with perm [0,3,1,2] (unoptimized float32 model)",
           "TRANSPOSE", (4, 5, 6), _tf("transpose", [0, 3, 1, 2]), {"perm": [0, 3, 1, 2]}, io="float32")
    gather("i32_split_c3", "int32 SPLIT (tf.split) of [1,4,5,6] into 3 on the last axis (unquantized int32 model)",
           "SPLIT", (4, 5, 6), _tf("split", 3, axis=-1), {"num_splits": 3}, io="int32", n_outputs=3)

    # --- MEAN / SUM ----------------------------------------------------------------
    def reduce(name, doc, op, in_shape, axes, keep, io="int8", rng=(-1.0, 1.0)):
        fn = _tf("reduce_mean" if op == "MEAN" else "reduce_sum", axes, keepdims=keep)
        C.append(Case(name, doc, fn_model([in_shape], fn), [op], {0: typed({"keep_dims": keep}, io)},
                      ranges=[rng], io_type=io))

    reduce("mean_hw_keep", "MEAN over axes [1,2] of [1,5,6,8], keep_dims (global average pool to [1,1,1,8])",
           "MEAN", (5, 6, 8), [1, 2], True)
    reduce("mean_hw", "MEAN over axes [1,2] of [1,5,6,8] without keep_dims, to [1,8]", "MEAN", (5, 6, 8), [1, 2], False)
    reduce("mean_last", "MEAN over the last axis of [1,5,6,8], to [1,5,6], input on [-0.5,2]", "MEAN",
           (5, 6, 8), [-1], False, rng=(-0.5, 2.0))
    reduce("mean_axis1", "MEAN over axis 1 of [1,5,6,8], to [1,6,8]", "MEAN", (5, 6, 8), [1], False)
    reduce("mean_axis1_keep_3d", "MEAN over axis 1 of a rank-3 [1,7,6], keep_dims, to [1,1,6]", "MEAN",
           (7, 6), [1], True)
    C.append(Case("mean_conv_head", "Classifier head: CONV_2D 3x3 RELU 6x6x3 -> 16, "
                  "GlobalAveragePooling2D (MEAN [1,2]), FC 16 -> 10", mean_head_model((6, 6), 3, 16, 10),
                  ["CONV_2D", "MEAN", "FULLY_CONNECTED"], {1: {"axes": [1, 2], "keep_dims": False}}))
    reduce("i16_mean_hw_keep", "int16 MEAN over axes [1,2] of [1,5,6,8], keep_dims", "MEAN", (5, 6, 8), [1, 2], True,
           io="int16")
    reduce("i16_mean_hw", "int16 MEAN over axes [1,2] of [1,5,6,8], to [1,8]", "MEAN", (5, 6, 8), [1, 2], False,
           io="int16")
    reduce("i16_mean_last", "int16 MEAN over the last axis of [1,5,6,8], input on [-0.5,2]", "MEAN",
           (5, 6, 8), [-1], False, io="int16", rng=(-0.5, 2.0))
    reduce("i16_mean_axis1", "int16 MEAN over axis 1 of [1,5,6,8], to [1,6,8]", "MEAN", (5, 6, 8), [1], False,
           io="int16")
    reduce("sum_hw", "SUM over axes [1,2] of [1,5,6,8], to [1,8]", "SUM", (5, 6, 8), [1, 2], False)
    reduce("sum_hw_keep", "SUM over axes [1,2] of [1,4,3,8], keep_dims, input on [-0.5,2]", "SUM", (4, 3, 8),
           [1, 2], True, rng=(-0.5, 2.0))
    reduce("i16_sum_hw", "int16 SUM over axes [1,2] of [1,5,6,8], to [1,8]", "SUM", (5, 6, 8), [1, 2], False,
           io="int16")

    # --- MEAN / SUM float32 (TFLM's float Mean / ReduceGeneric) ----------------------------
    reduce("f32_mean_hw_keep", "float32 MEAN over axes [1,2] of [1,5,6,4], keep_dims (TFLM's special 4-D kernel)",
           "MEAN", (5, 6, 4), [1, 2], True, io="float32")
    reduce("f32_mean_hw", "float32 MEAN over axes [1,2] of [1,5,6,4] without keep_dims, to [1,4]", "MEAN",
           (5, 6, 4), [1, 2], False, io="float32", rng=(-0.5, 2.0))
    reduce("f32_mean_last_keep_3d", "float32 MEAN over the last axis of a rank-3 [1,6,7], keep_dims, to [1,6,1]",
           "MEAN", (6, 7), [-1], True, io="float32")
    reduce("f32_sum_hw_keep", "float32 SUM over axes [1,2] of [1,4,3,8], keep_dims", "SUM", (4, 3, 8), [1, 2],
           True, io="float32")
    reduce("f32_sum_axis1", "float32 SUM over axis 1 of [1,5,4,3], to [1,4,3], inputs in [-3,3]", "SUM",
           (5, 4, 3), [1], False, io="float32", rng=(-2.0, 2.0))

    # --- Data movement float32 (values copied unchanged) ------------------------------------
    packlike("f32_concat_inputs_h", "float32 CONCATENATION of the inputs [1,3,5,4] and [1,2,5,4] on axis 1",
             "CONCATENATION", [(3, 5, 4), (2, 5, 4)], _tf("concat", axis=1), {"axis": 1},
             [(-1.0, 1.0), (-2.0, 2.0)], io="float32")
    packlike("f32_pack_axis1", "float32 PACK (tf.stack) of two inputs [1,4,5] on axis 1, to [1,2,4,5]", "PACK",
             [(4, 5), (4, 5)], _tf("stack", axis=1), {"axis": 1, "values_count": 2}, [(-1.0, 1.0), (-1.0, 1.0)],
             io="float32")
    gather("f32_unpack_axis1", "float32 UNPACK (tf.unstack) of [1,3,4,5] on axis 1: three outputs [1,4,5]",
           "UNPACK", (3, 4, 5), _tf("unstack", axis=1), {"axis": 1, "num": 3}, io="float32", n_outputs=3)
    gather("f32_split_c3", "float32 SPLIT (tf.split) of [1,4,5,6] into 3 on the last axis", "SPLIT",
           (4, 5, 6), _tf("split", 3, axis=-1), {"num_splits": 3}, io="float32", n_outputs=3)
    gather("f32_splitv_last", "float32 SPLIT_V (tf.split) of [1,4,3,7] into sizes [-1,4] on the last axis",
           "SPLIT_V", (4, 3, 7), _tf("split", [-1, 4], axis=-1), {"size_splits": [-1, 4], "num_splits": 2},
           io="float32", n_outputs=2)
    gather("f32_slice_3d", "float32 SLICE (tf.slice) of a rank-3 [1,8,6], begin [0,2,1], size [1,4,-1]", "SLICE",
           (8, 6), _tf("slice", [0, 2, 1], [1, 4, -1]), {"begin": [0, 2, 1], "size": [1, 4, -1]}, io="float32")

    # --- PRELU (alpha a constant broadcast against the input) ------------------------
    def prelu(name, doc, in_shape, shared, alpha_shape, io="int8", alpha_range=(-0.5, 1.5), rng=(-1.0, 3.0),
              conv=None, ops=None, **kw):
        ops = ops or ["PRELU"]
        exp = typed({"alpha_shape": alpha_shape, "alpha_constant": True}, io)
        C.append(Case(name, doc, prelu_model(in_shape, shared, alpha_range, conv), ops, {ops.index("PRELU"): exp},
                      ranges=[rng], io_type=io, **kw))

    prelu("prelu_c8_shared_hw", "PRELU of [1,5,6,8] with one alpha per channel ([1,1,8], shared_axes [1,2]), "
          "alphas in [-0.5,1.5], input on [-1,3]", (5, 6, 8), [1, 2], [1, 1, 8])
    prelu("prelu_full", "PRELU of [1,4,5,6] with one alpha per element ([4,5,6], no shared axes)",
          (4, 5, 6), None, [4, 5, 6])
    prelu("prelu_shared_w", "PRELU of [1,4,5,6] with alpha [4,1,6] (shared_axes [2]: per row and channel)",
          (4, 5, 6), [2], [4, 1, 6])
    prelu("prelu_neg_alpha", "PRELU of [1,5,6,8], alphas in [-2,-0.5] (all negative), input on [-2,2]",
          (5, 6, 8), [1, 2], [1, 1, 8], alpha_range=(-2.0, -0.5), rng=(-2.0, 2.0))
    prelu("prelu_big_alpha", "PRELU of [1,5,6,8], alphas in [1,4] (above 1: negative inputs grow), input on [-3,1]",
          (5, 6, 8), [1, 2], [1, 1, 8], alpha_range=(1.0, 4.0), rng=(-3.0, 1.0))
    prelu("prelu_3d", "PRELU of a rank-3 [1,7,8] with alpha [1,8] (shared_axes [1])", (7, 8), [1], [1, 8])
    prelu("prelu_alpha_c_patched", "PRELU of [1,5,6,8] with a rank-1 alpha [8] (reshaped by a patch)",
          (5, 6, 8), [1, 2], [8], patch=patch_prelu_alpha_shape([8]),
          patch_doc="PRELU alpha [1,1,8] -> [8] (same values)")
    prelu("prelu_alpha_zp_patched", "PRELU of [1,5,6,8], alpha [1,1,8] with a nonzero zero point (patched), "
          "input on [-2,1]", (5, 6, 8), [1, 2], [1, 1, 8], rng=(-2.0, 1.0),
          patch=patch_prelu_alpha_asymmetric(), patch_doc="PRELU alpha requantized with a nonzero zero point")
    prelu("conv_prelu", "CONV_2D 3x3 SAME 6x6x3 -> 16, then PRELU with one alpha per channel (MobileFaceNet's "
          "block)", (6, 6, 3), [1, 2], [1, 1, 16], alpha_range=(0.0, 0.5), rng=(-1.0, 1.0), conv=16,
          ops=["CONV_2D", "PRELU"])
    prelu("f32_prelu_c8_shared_hw", "float32 PRELU of [1,5,6,8] with alpha [1,1,8]", (5, 6, 8), [1, 2], [1, 1, 8],
          io="float32")
    prelu("f32_prelu_full", "float32 PRELU of [1,4,5,6] with alpha [4,5,6]", (4, 5, 6), None, [4, 5, 6],
          io="float32")

    # --- HARD_SWISH (int8: every input value; calibrations that move TFLM's reluish exponent) ---------
    def hswish(name, doc, in_shape, rng, io="int8", conv=None):
        ops = ["CONV_2D", "HARD_SWISH"] if conv else ["HARD_SWISH"]
        C.append(Case(name, doc, hard_swish_model(in_shape, conv), ops, {len(ops) - 1: typed({}, io)},
                      ranges=[rng], io_type=io, exhaustive=io == "int8" and not conv))

    hswish("hard_swish_4", "HARD_SWISH of [1,4,8,8] on [-4,4]: every int8 input", (4, 8, 8), (-4.0, 4.0))
    hswish("hard_swish_0p5", "HARD_SWISH of [1,4,8,8] on [-0.5,0.5] (input scale ~0.004: a right shift)",
           (4, 8, 8), (-0.5, 0.5))
    hswish("hard_swish_0p1", "HARD_SWISH of [1,4,8,8] on [-0.1,0.15] (input scale ~0.001)", (4, 8, 8), (-0.1, 0.15))
    hswish("hard_swish_10", "HARD_SWISH of [1,4,8,8] on [-10,10] (input scale ~0.08: a left shift)",
           (4, 8, 8), (-10.0, 10.0))
    hswish("hard_swish_wide", "HARD_SWISH of [1,4,8,8] on [-60,80] (MobileNetV3-like wide range)",
           (4, 8, 8), (-60.0, 80.0))
    hswish("hard_swish_asym", "HARD_SWISH of [1,4,8,8] on [-3.5,7] (asymmetric)", (4, 8, 8), (-3.5, 7.0))
    hswish("hard_swish_neg", "HARD_SWISH of [1,4,8,8] on [-6,1] (mostly negative)", (4, 8, 8), (-6.0, 1.0))
    hswish("hard_swish_2d", "HARD_SWISH of a rank-2 [1,256] on [-3,3]", (256,), (-3.0, 3.0))
    hswish("conv_hard_swish", "CONV_2D 3x3 SAME 6x6x3 -> 8, then HARD_SWISH (MobileNetV3's block)", (6, 6, 3),
           (-1.0, 1.0), conv=8)
    hswish("f32_hard_swish", "float32 HARD_SWISH of [1,5,6,8], inputs in [-7.5,7.5]", (5, 6, 8), (-5.0, 5.0),
           io="float32")

    # --- RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR (constant size) ---------------------------
    def resize(name, doc, op, in_shape, size, api="v2", io="int8", align=False, half=None, **kw):
        method = "bilinear" if op == "RESIZE_BILINEAR" else "nearest"
        if half is None:
            half = api == "v2"
        opts = {"align_corners": align, "half_pixel_centers": half} if api == "v1" else {}
        exp = typed({"size": list(size), "align_corners": align, "half_pixel_centers": half}, io)
        C.append(Case(name, doc, fn_model([in_shape], _resize(method, size, api, **opts)), [op], {0: exp},
                      io_type=io, **kw))

    nn_, bl = "RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR"
    resize("resize_nearest_up2", "RESIZE_NEAREST_NEIGHBOR [1,4,5,3] -> 8x10 (half-pixel centres, tf.image.resize)",
           nn_, (4, 5, 3), (8, 10))
    resize("resize_nearest_odd", "RESIZE_NEAREST_NEIGHBOR [1,5,7,4] -> 8x11 (half-pixel centres)", nn_, (5, 7, 4),
           (8, 11))
    resize("resize_nearest_down", "RESIZE_NEAREST_NEIGHBOR [1,9,8,3] -> 4x3 (downsampling, half-pixel centres)",
           nn_, (9, 8, 3), (4, 3))
    resize("resize_nearest_align", "RESIZE_NEAREST_NEIGHBOR [1,4,5,3] -> 7x9 with align_corners", nn_, (4, 5, 3),
           (7, 9), api="v1", align=True)
    resize("resize_nearest_legacy", "RESIZE_NEAREST_NEIGHBOR [1,4,5,3] -> 7x9, neither option (TF1 default)", nn_,
           (4, 5, 3), (7, 9), api="v1")
    resize("resize_nearest_both_patched", "RESIZE_NEAREST_NEIGHBOR [1,4,5,3] -> 7x9 with align_corners and "
           "half-pixel centres (patched)", nn_, (4, 5, 3), (7, 9), api="v1", align=True, half=True,
           patch=patch_resize_options(True, True), patch_doc="align_corners and half_pixel_centers both set")
    resize("i16_resize_nearest_odd", "int16 RESIZE_NEAREST_NEIGHBOR [1,5,7,4] -> 8x11", nn_, (5, 7, 4), (8, 11),
           io="int16")
    resize("f32_resize_nearest_odd", "float32 RESIZE_NEAREST_NEIGHBOR [1,5,7,4] -> 8x11", nn_, (5, 7, 4), (8, 11),
           io="float32")
    resize("f32_resize_nearest_align", "float32 RESIZE_NEAREST_NEIGHBOR [1,4,5,3] -> 7x9 with align_corners", nn_,
           (4, 5, 3), (7, 9), api="v1", align=True, io="float32")
    resize("resize_bilinear_up2", "RESIZE_BILINEAR [1,4,5,3] -> 8x10 (half-pixel centres, tf.image.resize)",
           bl, (4, 5, 3), (8, 10))
    resize("resize_bilinear_odd", "RESIZE_BILINEAR [1,5,7,4] -> 9x13 (half-pixel centres)", bl, (5, 7, 4), (9, 13))
    resize("resize_bilinear_down", "RESIZE_BILINEAR [1,9,8,3] -> 4x5 (downsampling, half-pixel centres)", bl,
           (9, 8, 3), (4, 5))
    resize("resize_bilinear_x7", "RESIZE_BILINEAR [1,3,3,2] -> 17x23 (large upsampling, half-pixel centres)", bl,
           (3, 3, 2), (17, 23))
    resize("resize_bilinear_align", "RESIZE_BILINEAR [1,4,5,3] -> 7x9 with align_corners", bl, (4, 5, 3), (7, 9),
           api="v1", align=True)
    resize("resize_bilinear_legacy", "RESIZE_BILINEAR [1,4,5,3] -> 7x9, neither option (TF1 default)", bl,
           (4, 5, 3), (7, 9), api="v1")
    resize("resize_bilinear_legacy_up2", "RESIZE_BILINEAR [1,4,5,3] -> 8x10, neither option: weights of exactly "
           "1/2 (rounding ties)", bl, (4, 5, 3), (8, 10), api="v1")
    resize("f32_resize_bilinear_odd", "float32 RESIZE_BILINEAR [1,5,7,4] -> 9x13 (half-pixel centres)", bl,
           (5, 7, 4), (9, 13), io="float32")
    resize("f32_resize_bilinear_down", "float32 RESIZE_BILINEAR [1,9,8,3] -> 4x5 (half-pixel centres)", bl,
           (9, 8, 3), (4, 5), io="float32")
    resize("f32_resize_bilinear_align", "float32 RESIZE_BILINEAR [1,4,5,3] -> 7x9 with align_corners", bl,
           (4, 5, 3), (7, 9), api="v1", align=True, io="float32")
    resize("f32_resize_bilinear_legacy", "float32 RESIZE_BILINEAR [1,4,5,3] -> 7x9, neither option", bl,
           (4, 5, 3), (7, 9), api="v1", io="float32")
    # --- BATCH_MATMUL (tf.matmul) ----------------------------------------------------
    # The converter lists the inputs as (b, a) for two activations; the test inputs follow the model's order.
    def bmm(name, doc, sa, sb, adj_x=False, adj_y=False, const_b=False, io="int8",
            ranges=((-0.5, 2.0), (-1.0, 1.0))):
        exp = typed({"adj_x": adj_x, "adj_y": adj_y}, io)
        if const_b:
            exp["constant_operands"] = [1]
        C.append(Case(name, doc, matmul_model(sa, sb, adj_x, adj_y, const_b), ["BATCH_MATMUL"], {0: exp},
                      ranges=list(ranges[:1] if const_b else ranges), io_type=io))

    bmm("bmm_3x4x5_by_5x6", "BATCH_MATMUL [1,3,4,5] x [1,3,5,6], inputs on [-0.5,2] (zero point -77) and [-1,1]",
        (1, 3, 4, 5), (1, 3, 5, 6))
    bmm("bmm_adj_x", "BATCH_MATMUL adj_x: [1,3,5,4]^T x [1,3,5,6]", (1, 3, 5, 4), (1, 3, 5, 6), adj_x=True)
    bmm("bmm_adj_y", "BATCH_MATMUL adj_y: [1,3,4,5] x [1,3,6,5]^T", (1, 3, 4, 5), (1, 3, 6, 5), adj_y=True)
    bmm("bmm_adj_xy", "BATCH_MATMUL adj_x and adj_y: [1,2,7,4]^T x [1,2,3,7]^T", (1, 2, 7, 4), (1, 2, 3, 7),
        adj_x=True, adj_y=True)
    bmm("bmm_bcast_rank3", "BATCH_MATMUL [1,3,4,5] x a rank-3 [1,5,6]: the second operand broadcast over 3",
        (1, 3, 4, 5), (1, 5, 6))
    bmm("bmm_bcast_two_way", "BATCH_MATMUL [2,1,4,5] x [1,3,5,6] to [2,3,4,6]: both operands broadcast",
        (2, 1, 4, 5), (1, 3, 5, 6))
    bmm("bmm_depth64", "BATCH_MATMUL [1,2,6,64] x [1,2,64,5], depth 64", (1, 2, 6, 64), (1, 2, 64, 5))
    bmm("bmm_const_rhs", "BATCH_MATMUL of the input [1,3,4,5] and a constant [3,5,6]", (1, 3, 4, 5), (3, 5, 6),
        const_b=True)
    bmm("bmm_const_rhs_adj_y", "BATCH_MATMUL adj_y of the input [1,2,4,5] and a constant [2,6,5]",
        (1, 2, 4, 5), (2, 6, 5), adj_y=True, const_b=True)
    bmm("i16_bmm_3x4x5_by_5x6", "int16 BATCH_MATMUL [1,3,4,5] x [1,3,5,6]", (1, 3, 4, 5), (1, 3, 5, 6), io="int16")
    bmm("i16_bmm_adj_y_bcast", "int16 BATCH_MATMUL adj_y [2,1,4,5] x [1,3,6,5]^T to [2,3,4,6]",
        (2, 1, 4, 5), (1, 3, 6, 5), adj_y=True, io="int16")
    bmm("f32_bmm_3x4x5_by_5x6", "float32 BATCH_MATMUL [1,3,4,5] x [1,3,5,6]", (1, 3, 4, 5), (1, 3, 5, 6),
        io="float32")
    bmm("f32_bmm_adj_x_const", "float32 BATCH_MATMUL adj_x of the input [1,2,9,4] and a constant [2,9,3]",
        (1, 2, 9, 4), (2, 9, 3), adj_x=True, const_b=True, io="float32")

    # --- uint8 input and output (QUANTIZE uint8 <-> int8) ---------------------------------------
    u8q_in = {"input_dtype": "uint8", "output_dtype": "int8"}
    u8q_out = {"input_dtype": "int8", "output_dtype": "uint8"}
    C.append(Case("u8_io_conv", "uint8 in/out (inference_input_type tf.uint8): QUANTIZE uint8 -> int8, CONV_2D 3x3 "
                  "SAME RELU, QUANTIZE int8 -> uint8", conv_model((6, 6), 3, 8, 3, act="relu"),
                  ["QUANTIZE", "CONV_2D", "QUANTIZE"], {0: u8q_in, 2: u8q_out}, uint8_io=True))
    C.append(Case("u8_io_fc_softmax", "uint8 in/out: QUANTIZE, FULLY_CONNECTED [1,24] -> 10, SOFTMAX, QUANTIZE",
                  fc_softmax_model(), ["QUANTIZE", "FULLY_CONNECTED", "SOFTMAX", "QUANTIZE"],
                  {0: u8q_in, 3: u8q_out}, ranges=[(-0.5, 2.0)], uint8_io=True))
    C.append(Case("quantize_u8_to_i8_patched", "QUANTIZE uint8 -> int8 of the graph input (scale ratio 0.75, zero "
                  "point 200), then CONV_2D 3x3 SAME 6x6x3 -> 8", conv_model((6, 6), 3, 8, 3), ["QUANTIZE", "CONV_2D"],
                  {0: u8q_in}, io_dtypes=("uint8", "int8"), patch=patch_requantize_type("input", "uint8", 0.75, 200),
                  patch_doc="QUANTIZE inserted: a new uint8 graph input (scale x0.75, zero point 200) -> the conv input"))
    C.append(Case("quantize_i8_to_u8_patched", "CONV_2D 3x3 SAME 6x6x3 -> 8, then QUANTIZE int8 -> uint8 into the "
                  "graph output (scale ratio 0.4, zero point 30)", conv_model((6, 6), 3, 8, 3), ["CONV_2D", "QUANTIZE"],
                  {1: u8q_out}, io_dtypes=("int8", "uint8"), patch=patch_requantize_type("output", "uint8", 2.5, 30),
                  patch_doc="QUANTIZE inserted: the conv writes a copy, the graph output becomes uint8 (scale x2.5, "
                            "zero point 30)"))

    # --- Shape arithmetic of dynamic-batch models, folded at compile time ------------------------
    def dyn(name, doc, ops, in_shape, reshape, twin=False, exp=None, **kw):
        """A dynamic-batch model; with `twin`, TFLM's reference comes from the same model built with batch 1."""
        C.append(Case(name, doc, dyn_model(in_shape, reshape, **kw), ops, exp or {},
                      twin=dyn_model(in_shape, reshape, batch=1, **kw) if twin else None))

    def keras_layer(cls, *args):
        def make():
            import keras
            return getattr(keras.layers, cls)(*args, name="reshape")
        return make

    dyn("dyn_reshape_conv", "Dynamic batch: CONV_2D 1x1, keras Reshape((8,4,4)) (target from SHAPE, STRIDED_SLICE, PACK), "
        "CONV_2D 3x3", ["CONV_2D", "SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE", "CONV_2D"],
        (4, 4, 3), keras_layer("Reshape", (8, 4, 4)), conv=8, conv_after=5,
        exp={k: {"folded": True} for k in (1, 2, 3)})
    dyn("dyn_flatten_fc", "Dynamic batch: keras Flatten of [batch,4,4,3] (SHAPE, STRIDED_SLICE, PACK), Dense(4)",
        ["SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE", "FULLY_CONNECTED"], (4, 4, 3), keras_layer("Flatten"), units=4,
        exp={k: {"folded": True} for k in (0, 1, 2)})
    dyn("dyn_concat_shape", "Dynamic batch: CONV_2D 1x1, tf.reshape to concat(shape[:1], [12, 4]) (int32 CONCATENATION)", ["CONV_2D", "SHAPE", "STRIDED_SLICE", "CONCATENATION", "RESHAPE"], (4, 4, 3),
        _reshape_fn(lambda tf, t: tf.reshape(t, tf.concat([tf.shape(t)[:1], [12, 4]], 0))), conv=3,
        exp={k: {"folded": True} for k in (1, 2, 3)})
    dyn("dyn_gather_twin", "Dynamic batch: tf.reshape to stack(gather(shape, 0), 16, 3) (int32 GATHER, which TFLM lacks; "
        "static twin)",
        ["CONV_2D", "SHAPE", "GATHER", "PACK", "RESHAPE"], (4, 4, 3),
        _reshape_fn(lambda tf, t: tf.reshape(t, tf.stack([tf.gather(tf.shape(t), 0), 16, 3]))), conv=3,
        twin=True, exp={k: {"folded": True} for k in (1, 2, 3)})
    dyn("dyn_flatten_m1_twin", "Dynamic batch: tf.reshape to [batch, -1], Dense(4); RESHAPE output [1,1] resolved to [1,48] "
        "(static twin)",
        ["SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE", "FULLY_CONNECTED"], (4, 4, 3),
        _reshape_fn(lambda tf, t: tf.reshape(t, tf.stack([tf.shape(t)[0], -1])), (48,)), units=4, twin=True,
        exp={k: {"folded": True} for k in (0, 1, 2)})
    dyn("dyn_cast_twin", "Dynamic batch: the target shape computed in int64, CAST to int32, Dense(5) (static twin)", ["SHAPE", "STRIDED_SLICE", "PACK", "CAST", "RESHAPE", "FULLY_CONNECTED"],
        (4, 4, 3), _reshape_fn(lambda tf, t: tf.reshape(t, tf.cast(tf.stack(
            [tf.shape(t, out_type=tf.int64)[0], tf.constant(48, tf.int64)]), tf.int32)), (48,)), units=5, twin=True,
        exp={k: {"folded": True} for k in (0, 1, 2, 3)})
    dyn("dyn_mul_floordiv_twin", "Dynamic batch: CONV_2D 1x1, tf.reshape to [batch*8, batch*16//2] (int32 MUL, FLOOR_DIV) "
        "(static twin)",
        ["CONV_2D", "SHAPE", "STRIDED_SLICE", "MUL", "MUL", "FLOOR_DIV", "PACK", "RESHAPE"], (4, 4, 4),
        _reshape_fn(lambda tf, t: tf.reshape(t, tf.stack([tf.shape(t)[0] * 8, tf.shape(t)[0] * 16 // 2]))),
        conv=4, twin=True, exp={k: {"folded": True} for k in range(1, 7)})
    dyn("dyn_reduce_prod_twin", "Dynamic batch: tf.reshape to [reduce_prod(shape[0:1]), -1] (SLICE, REDUCE_PROD), Dense(4) "
        "(static twin)",
        ["SHAPE", "SLICE", "REDUCE_PROD", "PACK", "RESHAPE", "FULLY_CONNECTED"], (4, 4, 3),
        _reshape_fn(lambda tf, t: tf.reshape(t, tf.stack([tf.reduce_prod(tf.shape(t)[0:1]), -1])), (48,)), units=4,
        twin=True, exp={k: {"folded": True} for k in (0, 1, 2, 3)})

    names = [c.name for c in C]
    assert len(set(names)) == len(names), "duplicate case names"
    return C


# ---------------------------------------------------------------------------
# Conversion and checks
# ---------------------------------------------------------------------------

def _rng(name: str, stream: int) -> np.random.Generator:
    """Independent generator per case and purpose (order-independent)."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode()), stream])


def convert(case: Case, model, calib: list[np.ndarray]) -> bytes:
    import tensorflow as tf

    names = [t.name for t in model.inputs]

    def representative_dataset():
        for i in range(N_CALIB):
            xs = [c[i] if case.unbatched_input(k) else c[i:i + 1] for k, c in enumerate(calib)]
            yield xs if len(xs) == 1 or case.positional_calibration else dict(zip(names, xs))

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if case.io_type in ("int32", "float32"):  # int32 or float32 tensors from the start: nothing to quantize
        with contextlib.redirect_stdout(sys.stderr):
            return bytes(conv.convert())
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative_dataset
    if case.io_type == "int16":  # 16x8: int16 activations, int8 weights, int64 bias
        conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        conv.inference_input_type = tf.int16
        conv.inference_output_type = tf.int16
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if not case.float_io:
            conv.inference_input_type = tf.uint8 if case.uint8_io else tf.int8
            conv.inference_output_type = tf.uint8 if case.uint8_io else tf.int8
    if case.per_tensor_dense:
        if not hasattr(conv, "_experimental_disable_per_channel_quantization_for_dense_layers"):
            raise SystemExit("this TensorFlow has no per-tensor option for dense layers")
        conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    with contextlib.redirect_stdout(sys.stderr):  # the converter prints its SavedModel
        return bytes(conv.convert())


def _matches(want, got) -> bool:
    """`want` is a subset of `got`; a key `min_<k>` requires got[<k>] >= value."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(
            got.get(k[4:], float("-inf")) >= v if k.startswith("min_") else k in got and _matches(v, got[k])
            for k, v in want.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(map(_matches, want, got))
    return want == got


def verify(case: Case, info: dict) -> None:
    ops = [o["op"] for o in info["ops"]]
    bad = [o for o in ops if o not in ALLOWED_OPS]
    if ops != case.ops or bad:
        raise SystemExit(f"{case.name}: ops {ops}, expected {case.ops}")
    for idx, want in case.expect.items():
        if not _matches(want, info["ops"][idx]):
            raise SystemExit(f"{case.name}: op {idx} is {info['ops'][idx]}, expected {want}")
    for want, ts in ((case.in_dtype, info["inputs"]), (case.out_dtype, info["outputs"])):
        for t in ts:
            if t["dtype"] != want:
                raise SystemExit(f"{case.name}: graph input/output dtype {t['dtype']}, expected {want}")
    if len(info["outputs"]) != case.n_outputs:
        raise SystemExit(f"{case.name}: {len(info['outputs'])} outputs, expected {case.n_outputs}")
    if len(info["inputs"]) > 2:
        raise SystemExit(f"{case.name}: {len(info['inputs'])} inputs (at most 2)")
    act = case.io_type if case.io_type in ("int16", "int32", "float32") else "int8"
    for o in info["ops"]:  # int8 (int16 for the 16x8 cases, int32 for int32) everywhere inside the graph
        for t in o["inputs"] + o["outputs"]:
            if t["dtype"] in ("int32", "int64") and t["quant"] is None and (o.get("folded") or o["op"] == "RESHAPE"):
                continue  # shape arithmetic (a RESHAPE's computed target shape)
            if o["op"] == "UNIDIRECTIONAL_SEQUENCE_LSTM" and t["dtype"] == o.get("cell_dtype"):
                continue  # the int8 LSTM's int16 cell state
            if t["dtype"] not in (act, case.in_dtype, case.out_dtype, *case.extra_dtypes):
                raise SystemExit(f"{case.name}: {o['op']} has a {t['dtype']} tensor")


def make_inputs(case: Case, info: dict) -> list[np.ndarray]:
    """N_SAMPLES (N_SEQUENCE for a stateful case) seeded inputs per graph input, [samples, *shape]."""
    rng = _rng(case.name, 2)
    xs = []
    for k, t in enumerate(info["inputs"]):
        shape = (N_SEQUENCE if case.stateful else N_SAMPLES, *t["shape"])
        if t["dtype"] == "int8" and case.exhaustive:
            n = int(np.prod(t["shape"]))
            assert n % 256 == 0, (case.name, t["shape"])
            every = np.arange(-128, 128, dtype=np.int8)
            samples = [np.tile(every, n // 256)] + [rng.permutation(np.tile(every, n // 256))
                                                    for _ in range(N_SAMPLES - 1)]
            xs.append(np.stack(samples).reshape(shape))
        elif t["dtype"] == "int8":
            xs.append(rng.integers(-128, 128, shape, dtype=np.int8))
        elif t["dtype"] == "uint8":
            xs.append(rng.integers(0, 256, shape, dtype=np.uint8))
        elif t["dtype"] == "int16":
            xs.append(rng.integers(-INT16_RANGE, INT16_RANGE + 1, shape, dtype=np.int16))
        elif t["dtype"] == "int32":
            xs.append(rng.integers(-INT32_RANGE, INT32_RANGE + 1, shape, dtype=np.int32))
        else:  # float: the calibrated range, 1.5x wide (some inputs saturate)
            lo, hi = case.ranges[k]
            xs.append(rng.uniform(1.5 * lo, 1.5 * hi, shape).astype(np.float32))
    return xs


def output_files(info: dict) -> list[str]:
    """output.npy, or output_<k>.npy per graph output (in model order) for a model with several."""
    n = len(info["outputs"])
    return ["output.npy"] if n == 1 else [f"output_{k}.npy" for k in range(n)]


def separate_inputs(info: dict) -> bool:
    """Two inputs of different shapes: input0.npy and input1.npy, not one stacked input.npy."""
    return len({tuple(t["shape"]) for t in info["inputs"]}) > 1


def build_case(case: Case) -> tuple[bytes, list[np.ndarray], dict]:
    if case.raw:
        buf, xs = case.raw(_rng(case.name, 0))
        info = inspect_tflite(buf)
        verify(case, info)
        return buf, xs, info
    import keras
    keras.utils.clear_session()
    keras.utils.set_random_seed(SEED)
    model = case.build(_rng(case.name, 0), case.name)
    # Keras model inputs (and case.ranges) are in the order the builder listed
    # them; the converted model may order its inputs differently. convert()
    # feeds the calibration samples by input name; the test inputs
    # (make_inputs) follow the converted model's order.
    crng = _rng(case.name, 1)
    calib = []
    for k, inp in enumerate(model.inputs):
        lo, hi = case.ranges[k]
        shape = inp.shape if case.unbatched_input(k) else inp.shape[1:]
        calib.append(crng.uniform(lo, hi, (N_CALIB, *shape)).astype(np.float32))
    buf = convert(case, model, calib)
    if case.patch:
        buf = _patch(buf, case.patch)
    info = inspect_tflite(buf)
    verify(case, info)
    if case.twin:
        keras.utils.clear_session()
        keras.utils.set_random_seed(SEED)
        twin = convert(case, case.twin(_rng(case.name, 0), case.name), calib)
        twin_info = inspect_tflite(twin)
        if _equivalence(buf) != _equivalence(twin):
            raise SystemExit(f"{case.name}: the static twin differs from the model beyond the shape arithmetic")
        info["twin"] = (twin, twin_info)
    return buf, make_inputs(case, info), info


def _equivalence(buf: bytes) -> list:
    """Per operator that is not folded shape arithmetic: its name and, for every quantized tensor it reads or
    writes, the quantization and (for constants) a hash of the data. A dynamic-batch model and its static
    twin must agree on it."""
    schema = _schema()
    op_names = _enum_names(schema.BuiltinOperator)
    info = inspect_tflite(buf)
    m = schema.Model.GetRootAsModel(buf, 0)
    g = m.Subgraphs(0)
    key = []
    for oi, d in enumerate(info["ops"]):
        if d.get("folded"):
            continue
        op = g.Operators(oi)
        oc = m.OperatorCodes(op.OpcodeIndex())
        tensors = []
        for i in [int(x) for x in op.InputsAsNumpy()] + [int(x) for x in op.OutputsAsNumpy()]:
            if i < 0 or _quant(g.Tensors(i)) is None:
                continue
            data = m.Buffers(g.Tensors(i).Buffer()).DataAsNumpy()
            digest = sha256_bytes(data.tobytes()) if not isinstance(data, int) else None
            tensors.append((_quant(g.Tensors(i)), g.Tensors(i).Type(), digest))
        key.append((op_names[max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())], tensors))
    return key


# ---------------------------------------------------------------------------
# TFLM reference run (subprocess)
# ---------------------------------------------------------------------------

def tflm_worker(jobs_path: str) -> int:
    """Runs every job of jobs_path (JSON list of {model, inputs, output}):
    each sample through a fresh TFLM interpreter; saves the stacked outputs."""
    from tflite_micro import runtime
    with open(jobs_path) as f:
        jobs = json.load(f)
    for job in jobs:
        with open(job["model"], "rb") as f:
            model = f.read()
        xs = [np.load(p) for p in job["inputs"]]
        # "output": one graph output; "outputs": one file per graph output, in model order.
        paths = job["outputs"] if "outputs" in job else [job["output"]]
        outs = [[] for _ in paths]
        for s in range(xs[0].shape[0]):
            it = runtime.Interpreter.from_bytes(model, arena_size=TFLM_ARENA_BYTES)
            for i, x in enumerate(xs):
                d = it.get_input_details(i)
                if np.dtype(d["dtype"]) != x.dtype or list(d["shape"]) != list(x.shape[1:]):
                    raise SystemExit(f"{job['model']}: TFLM input {i} is {d}, data {x.dtype} {x.shape}")
                it.set_input(x[s].copy(), i)
            it.invoke()
            for k in range(len(paths)):
                outs[k].append(np.array(it.get_output(k)).copy())
        for path, o in zip(paths, outs):
            np.save(path, np.stack(o))
        if "output_seq" in job:  # the same inputs as one sequence in one interpreter: the state carries over
            it = runtime.Interpreter.from_bytes(model, arena_size=TFLM_ARENA_BYTES)
            seq = []
            for s in range(xs[0].shape[0]):
                for i, x in enumerate(xs):
                    it.set_input(x[s].copy(), i)
                it.invoke()
                seq.append(np.array(it.get_output(0)).copy())
            np.save(job["output_seq"], np.stack(seq))
    return 0


def run_tflm(tflm_python: str, jobs: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as td:
        path = os.path.join(td, "jobs.json")
        with open(path, "w") as f:
            json.dump(jobs, f)
        subprocess.run([tflm_python, os.path.abspath(__file__), "--tflm-worker", path], check=True)


def tool_versions(tflm_python: str) -> dict:
    from importlib import metadata
    code = "from importlib import metadata; print(metadata.version('tflite-micro'))"
    tflm = subprocess.run([tflm_python, "-c", code], check=True, capture_output=True,
                          text=True).stdout.strip()
    return {"tensorflow-cpu": metadata.version("tensorflow-cpu"), "keras": metadata.version("keras"),
            "numpy": metadata.version("numpy"), "tflite-micro": tflm, "tf-keras": metadata.version("tf-keras")}


# ---------------------------------------------------------------------------
# Rust test file
# ---------------------------------------------------------------------------

def rust_tests(built: list[tuple[Case, dict]]) -> str:
    lines = [
        "//! Operator conformance suite: small generated models that sweep operator",
        "//! parameters, compiled with `include_model!` and compared bit for bit with",
        "//! the TFLM reference outputs of seeded random inputs.",
        "//!",
        "//! GENERATED by `tools/conformance/generate.py` from the cases in that script;",
        "//! do not edit by hand. The models and data are in `tests/conformance/<case>/`.",
        "",
    ]
    if any(separate_inputs(info) for _, info in built):
        lines += [
            "/// Checks a case with two inputs of different shapes (`input0.npy`, `input1.npy`)",
            "/// against `output.npy`.",
            "fn check_case2<I0: nn_tests::Flat, I1: nn_tests::Flat, O: nn_tests::Flat>(",
            "    name: &str,",
            "    infer: impl Fn(&I0, &I1) -> O,",
            ") -> usize {",
            '    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance").join(name);',
            "    let load = |file: &str| nn_tests::Npy::load(&dir.join(file));",
            "    nn_tests::check_samples2(name, (&load(\"input0.npy\"), &load(\"input1.npy\")), "
            "&load(\"output.npy\"), infer)",
            "}",
            "",
        ]
    arities = sorted({len(info["outputs"]) for case, info in built if len(info["outputs"]) > 1})
    if arities:
        lines += [
            "/// The outputs of a model with several outputs (the tuple `infer` returns), as bytes in model order.",
            "trait Outputs {",
            "    fn parts(&self) -> Vec<&[u8]>;",
            "}",
            "",
        ]
        for k in arities:
            params = ", ".join(f"O{i}: nn_tests::Flat" for i in range(k))
            tys = ", ".join(f"O{i}" for i in range(k))
            parts = ", ".join(f"self.{i}.bytes()" for i in range(k))
            lines += [
                f"impl<{params}> Outputs for ({tys}) {{",
                "    fn parts(&self) -> Vec<&[u8]> {",
                f"        vec![{parts}]",
                "    }",
                "}",
                "",
            ]
        lines += [
            "/// Checks a case with several outputs: `input.npy` against `output_<k>.npy`, one file per output.",
            "fn check_outputs<I: nn_tests::Flat, O: Outputs>(name: &str, infer: impl Fn(&I) -> O) -> usize {",
            '    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance").join(name);',
            '    let input = nn_tests::Npy::load(&dir.join("input.npy"));',
            "    let n = input.samples();",
            "    let in_len = input.data.len() / n;",
            "    let mut refs = Vec::new();",
            "    for s in 0..n {",
            "        let mut x = I::zeroed();",
            '        assert_eq!(x.bytes().len(), in_len, "{name}: input size");',
            "        x.bytes_mut().copy_from_slice(&input.data[s * in_len..(s + 1) * in_len]);",
            "        let y = infer(&x);",
            "        let parts = y.parts();",
            "        if refs.is_empty() {",
            "            refs = (0..parts.len())"
            '.map(|k| nn_tests::Npy::load(&dir.join(format!("output_{k}.npy")))).collect();',
            "        }",
            "        for (k, (got, reference)) in parts.iter().zip(&refs).enumerate() {",
            '            assert_eq!(reference.samples(), n, "{name}: output {k}: sample counts differ");',
            "            let len = reference.data.len() / n;",
            "            let want = &reference.data[s * len..(s + 1) * len];",
            "            let diff = got.iter().zip(want).filter(|(a, b)| a != b).count();",
            "            assert!(",
            "                got.len() == len && diff == 0,",
            '                "{name}: sample {s}, output {k} differs from TFLM in {diff} of {len} bytes"',
            "            );",
            "        }",
            "    }",
            "    n",
            "}",
            "",
        ]
    for case, info in built:
        n = case.name
        if case.compile_error:
            continue
        line = f'nn_macro::include_model!({n} = "conformance/{n}/model.tflite");'
        lines.append(line)
    failing = [case for case, _ in built if case.compile_error]
    if failing:
        lines += ["", "// Cases nn does not compile yet (their files stay in tests/conformance/; the manifest",
                  "// marks them `compile_error`):"]
        for case in failing:
            lines.append(f"// - {case.name}: `include_model!` reports")
            words, cur = case.compile_error.split(), "//   "
            for w in words:
                if len(cur) + 1 + len(w) > 100:
                    lines.append(cur)
                    cur = "//   "
                cur += ("" if cur == "//   " else " ") + w
            lines.append(cur)
    for case, info in built:
        n = case.name
        if case.compile_error:
            continue
        lines += ["", f"/// {case.doc}", "#[test]", f"fn {n}() {{"]
        if len(info["outputs"]) > 1:
            assert len(info["inputs"]) == 1, n  # several outputs: one input only
            body = [f'    assert_eq!(check_outputs("{n}", {n}::infer), {N_SAMPLES});']
        elif case.stateful:
            assert len(info["inputs"]) == 1, n  # stateful: one input, one output
            # Fresh runs through `infer`, then the sequence through `infer_in` on one arena, twice (the
            # second time after `Arena::reset`).
            body = [f"    use {n} as m;",
                    f'    assert_eq!(nn_tests::check_case("{n}", m::infer), {N_SEQUENCE});',
                    "    let mut arena = m::Arena::new();",
                    "    for _ in 0..2 {",
                    f'        assert_eq!(nn_tests::check_sequence("{n}", |x, y| m::infer_in(&mut arena, x, y)), '
                    f'{N_SEQUENCE});',
                    "        arena.reset();",
                    "    }"]
        elif len(info["inputs"]) == 1:
            body = [f'    assert_eq!(nn_tests::check_case("{n}", {n}::infer), {N_SAMPLES});']
        elif separate_inputs(info):
            body = [f'    assert_eq!(check_case2("{n}", {n}::infer), {N_SAMPLES});']
        else:
            # Several inputs of one type: input.npy holds them back to back.
            k = len(info["inputs"])
            args = ", ".join(f"&x[{i}]" for i in range(k))
            body = [f"    let infer = |x: &[{n}::Input0; {k}]| {n}::infer({args});",
                    f'    assert_eq!(nn_tests::check_case("{n}", infer), {N_SAMPLES});']
        lines += body + ["}"]
    # Emitted already formatted (as rustfmt would): every line must fit its max_width.
    for line in lines:
        if len(line) > RUSTFMT_MAX_WIDTH:
            raise SystemExit(f"line too long for rustfmt's {RUSTFMT_MAX_WIDTH} columns "
                             f"(shorten the case name): {line}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Build / check
# ---------------------------------------------------------------------------

def build(suite_dir: str, rs_path: str, tflm_python: str, verbose: bool = True) -> None:
    import random
    random.seed(SEED)
    np.random.seed(SEED)
    import tensorflow as tf
    tf.config.experimental.enable_op_determinism()

    all_cases = cases()
    if os.path.isdir(suite_dir):  # stale cases must not survive a rename
        for entry in os.listdir(suite_dir):
            p = os.path.join(suite_dir, entry)
            if os.path.isdir(p) and os.path.exists(os.path.join(p, "model.tflite")):
                shutil.rmtree(p)
    os.makedirs(suite_dir, exist_ok=True)
    built, jobs = [], []
    for case in all_cases:
        buf, xs, info = build_case(case)
        d = os.path.join(suite_dir, case.name)
        os.makedirs(d)
        with open(os.path.join(d, "model.tflite"), "wb") as f:
            f.write(buf)
        if separate_inputs(info):
            for i, xi in enumerate(xs):
                np.save(os.path.join(d, f"input{i}.npy"), xi)
        else:
            x = xs[0] if len(xs) == 1 else np.stack(xs, axis=1)
            np.save(os.path.join(d, "input.npy"), x)
        # The worker gets one file per model input.
        paths = []
        for i, xi in enumerate(xs):
            p = os.path.join(d, f".tflm_input{i}.npy")
            np.save(p, xi)
            paths.append(p)
        job = {"model": os.path.join(d, "model.tflite"), "inputs": paths}
        if case.stateful:
            job["output_seq"] = os.path.join(d, "output_seq.npy")
        if "twin" in info:  # TFLM runs the equivalent static model
            with open(os.path.join(d, "static.tflite"), "wb") as f:
                f.write(info["twin"][0])
            job["model"] = os.path.join(d, "static.tflite")
        outs = output_files(info)
        if len(outs) == 1:
            job["output"] = os.path.join(d, outs[0])
        else:
            job["outputs"] = [os.path.join(d, o) for o in outs]
        jobs.append(job)
        built.append((case, info))
        if verbose:
            print(f"built {case.name:40s} {' '.join(o['op'] for o in info['ops'])}", flush=True)
    run_tflm(tflm_python, jobs)
    for job in jobs:
        for p in job["inputs"]:
            os.remove(p)

    versions = tool_versions(tflm_python)
    if versions != PINNED:
        print(f"warning: tool versions {versions} differ from the pinned {PINNED}; "
              "the generated files may differ", file=sys.stderr)
    manifest = {
        "generator": "tools/conformance/generate.py",
        "seed": SEED, "samples": N_SAMPLES, "sequence": N_SEQUENCE, "calibration_samples": N_CALIB,
        "tools": versions,
        "cases": [],
    }
    total = 0
    for case, info in built:
        d = os.path.join(suite_dir, case.name)
        files = {}
        names = CASE_FILES_2 if separate_inputs(info) else CASE_FILES
        if len(info["outputs"]) > 1:
            names = tuple(n for n in names if n != "output.npy") + tuple(output_files(info))
        if case.stateful:
            names += ("output_seq.npy",)
        if "twin" in info:
            names = ("model.tflite", "static.tflite") + names[1:]
        for fn in names:
            with open(os.path.join(d, fn), "rb") as f:
                b = f.read()
            files[fn] = {"bytes": len(b), "sha256": sha256_bytes(b)}
            total += len(b)
        want = case.out_dtype
        ref_outputs = info["twin"][1]["outputs"] if "twin" in info else info["outputs"]
        for fn, t in zip(output_files(info), ref_outputs):
            y = np.load(os.path.join(d, fn))
            if y.dtype != np.dtype(want) or list(y.shape[1:]) != t["shape"]:
                raise SystemExit(f"{case.name}: TFLM {fn} {y.dtype} {y.shape}")
        if case.stateful:  # the sequence must depend on the state, or it tests nothing the fresh runs do not
            fresh, seq = np.load(os.path.join(d, "output.npy")), np.load(os.path.join(d, "output_seq.npy"))
            if not np.array_equal(fresh[0], seq[0]) or all(np.array_equal(fresh[s], seq[s])
                                                           for s in range(1, len(seq))):
                raise SystemExit(f"{case.name}: the TFLM sequence does not show the state")
        entry = {"name": case.name, "doc": case.doc}
        if case.patch or case.raw:
            entry["patched"] = case.patch_doc
        if case.compile_error:
            entry["compile_error"] = case.compile_error
        if case.stateful:
            entry["stateful"] = True
        if "twin" in info:
            entry["reference_model"] = {"file": "static.tflite", "outputs": info["twin"][1]["outputs"],
                                        "ops": [o["op"] for o in info["twin"][1]["ops"]]}
        entry |= {"inputs": info["inputs"], "outputs": info["outputs"],
                  "ops": [{k: v for k, v in o.items() if k not in ("inputs", "outputs")}
                          for o in info["ops"]],
                  "files": files}
        manifest["cases"].append(entry)
    mbytes = (json.dumps(manifest, indent=1) + "\n").encode()
    with open(os.path.join(suite_dir, "manifest.json"), "wb") as f:
        f.write(mbytes)
    total += len(mbytes)
    if total > MAX_SUITE_BYTES:
        raise SystemExit(f"suite is {total} bytes (> {MAX_SUITE_BYTES})")
    os.makedirs(os.path.dirname(rs_path), exist_ok=True)
    with open(rs_path, "w") as f:
        f.write(rust_tests(built))
    if verbose:
        print(f"{len(built)} cases, {total} bytes in {suite_dir}; wrote {rs_path}")


def _tree(suite_dir: str) -> dict[str, bytes]:
    out = {}
    for root, _, files in os.walk(suite_dir):
        for fn in files:
            p = os.path.join(root, fn)
            with open(p, "rb") as f:
                out[os.path.relpath(p, suite_dir)] = f.read()
    return out


def check(suite_dir: str, rs_path: str, tflm_python: str) -> int:
    with tempfile.TemporaryDirectory() as td:
        tsuite, trs = os.path.join(td, "conformance"), os.path.join(td, "conformance.rs")
        build(tsuite, trs, tflm_python, verbose=False)
        fresh = {os.path.join("tests", "conformance", k): v for k, v in _tree(tsuite).items()}
        with open(trs, "rb") as f:
            fresh[os.path.join("tests", "tests", "conformance.rs")] = f.read()
    old = {os.path.join("tests", "conformance", k): v for k, v in _tree(suite_dir).items()
           if k != "README.md"}
    if os.path.exists(rs_path):
        with open(rs_path, "rb") as f:
            old[os.path.join("tests", "tests", "conformance.rs")] = f.read()
    bad = []
    for name in sorted(set(fresh) | set(old)):
        if name not in old:
            bad.append(f"{name}: missing")
        elif name not in fresh:
            bad.append(f"{name}: not generated any more")
        elif old[name] != fresh[name]:
            bad.append(f"{name}: differs (committed {sha256_bytes(old[name])[:16]}, {len(old[name])} bytes; "
                       f"regenerated {sha256_bytes(fresh[name])[:16]}, {len(fresh[name])} bytes)")
    manifest = json.loads(fresh[os.path.join("tests", "conformance", "manifest.json")])
    if not _readme_table_ok(manifest):
        bad.append(f"{os.path.relpath(table.DEFAULT_README, REPO_ROOT)}: the conformance table is out of date "
                   "(run python3 tools/conformance/table.py --write)")
    if bad:
        print("CHECK FAILED:\n  " + "\n  ".join(bad))
        return 1
    print(f"CHECK OK: {len(fresh)} regenerated files are byte-identical, and the README table is up to date")
    return 0


def _readme_table_ok(manifest: dict) -> bool:
    return os.path.exists(table.DEFAULT_README) and table.check_readme(manifest, table.DEFAULT_README)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_SUITE, help="suite directory (default: %(default)s)")
    ap.add_argument("--rs", default=DEFAULT_RS, help="generated test file (default: %(default)s)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with --out/--rs; exit 1 on a difference")
    ap.add_argument("--tflm-python", default=sys.executable,
                    help="interpreter with tflite-micro for the reference run (default: this one)")
    ap.add_argument("--tflm-worker", metavar="JOBS", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.tflm_worker:
        return tflm_worker(a.tflm_worker)
    if a.check:
        return check(a.out, a.rs, a.tflm_python)
    build(a.out, a.rs, a.tflm_python)
    with open(os.path.join(a.out, "manifest.json")) as f:
        if not _readme_table_ok(json.load(f)):
            print("note: the README's conformance table is out of date; "
                  "run python3 tools/conformance/table.py --write")
    return 0


if __name__ == "__main__":
    sys.exit(main())
