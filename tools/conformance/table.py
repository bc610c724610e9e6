#!/usr/bin/env python3
"""Print what the conformance suite covers, per operator, as a Markdown table.

Reads ``tests/conformance/manifest.json`` (written by ``generate.py``) and
summarizes, for every operator, the types and the parameter variants its cases
exercise (paddings, strides, kernel sizes, dilations, depth multipliers,
channel counts, activations, weight quantization, bias, batch, ranks, beta
values, ...) and how many cases contain it. Plain python3, no dependencies.

Usage (from the repository root):
    python3 tools/conformance/table.py            # print the table
    python3 tools/conformance/table.py --write    # replace the table in README.md
    python3 tools/conformance/table.py --check    # exit 1 if README.md is out of date

The README table lives between the marker lines
``<!-- conformance-table:start -->`` and ``<!-- conformance-table:end -->``
(``--write`` inserts them before ``## Verified models`` if they are missing).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_MANIFEST = os.path.join(REPO_ROOT, "tests", "conformance", "manifest.json")
DEFAULT_README = os.path.join(REPO_ROOT, "README.md")
START = "<!-- conformance-table:start -->"
END = "<!-- conformance-table:end -->"
ANCHOR = "## Verified models"

# The row of the shape arithmetic nn evaluates at compile time (nn-compiler/src/fold.rs).
FOLDED = "shape arithmetic (folded)"
# The README's order of the supported operators; anything else follows, sorted.
ORDER = ["CONV_2D", "DEPTHWISE_CONV_2D", "TRANSPOSE_CONV", "FULLY_CONNECTED", "BATCH_MATMUL", "SVDF", "ADD", "SUB",
         "MUL", "MAXIMUM", "MINIMUM", "AVERAGE_POOL_2D", "MAX_POOL_2D", "SOFTMAX", "LEAKY_RELU", "PRELU", "HARD_SWISH",
         "RELU", "RELU6", "LOGISTIC", "TANH", "PAD", "PADV2",
         "STRIDED_SLICE", "CONCATENATION", "PACK", "UNPACK", "SPLIT", "SPLIT_V", "SLICE", "TRANSPOSE", "MEAN",
         "SUM", "RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR", "UNIDIRECTIONAL_SEQUENCE_LSTM",
         "RESHAPE", "SQUEEZE", "QUANTIZE", "DEQUANTIZE", FOLDED]
# Rows of one operator: int8 first, then the wider types, then float32.
TYPE_ORDER = ["int8", "16x8", "int16", "int32", "float32"]
ACT_ORDER = ["NONE", "RELU", "RELU6", "RELU_N1_TO_1", "TANH", "SIGN_BIT", "SIGMOID"]


# ---------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------

def _num(x) -> str:
    """1.0 -> "1", 0.5 -> "0.5", 2.4999999 -> "2.5"."""
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return str(x)
    return f"{x:.3g}"


def _pair(p) -> str:
    """[3, 3] -> "3", [1, 2] -> "1x2"."""
    return str(p[0]) if p[0] == p[1] else f"{p[0]}x{p[1]}"


def _window(p) -> str:
    """[3, 3] -> "3x3"."""
    return f"{p[0]}x{p[1]}"


def _shape(s) -> str:
    return "[" + ",".join(map(str, s)) + "]"


def _sorted(values, key=None) -> list:
    return sorted(set(values), key=key)


def _join(values) -> str:
    return ", ".join(values)


def _nums(values) -> str:
    return _join(_num(v) for v in _sorted(values))


def _acts(values) -> str:
    vals = _sorted(values, key=lambda a: (ACT_ORDER.index(a) if a in ACT_ORDER else len(ACT_ORDER), a))
    return _join(vals)


def _dims_key(s: str):
    """Square values ("2") before non-square ones ("1x2"), each numerically."""
    parts = [int(x) for x in s.split("x")]
    return len(parts), parts


def _same_pads(o: dict, kernel: list[int], dilation: list[int]) -> list[str]:
    """TFLite's SAME padding (before/after, per axis) of a 2-D window op; [] for VALID."""
    if o.get("padding") != "SAME" or not o.get("input_shapes"):
        return []
    ins, outs = o["input_shapes"][0], o["output_shape"]
    pads = []
    for ax in (0, 1):
        n_in, n_out, k, s, d = ins[1 + ax], outs[1 + ax], kernel[ax], o["stride"][ax], dilation[ax]
        total = max((n_out - 1) * s + (k - 1) * d + 1 - n_in, 0)
        pads.append(f"{total // 2}/{total - total // 2}")
    return pads


def _pad_text(ops: list[dict], pads: set[str]) -> str:
    kinds = _sorted(o["padding"] for o in ops)
    out = []
    for k in kinds:
        if k == "SAME" and pads:
            out.append(f"SAME (before/after {_join(sorted(pads, key=_dims_key_pad))})")
        else:
            out.append(k)
    return _join(out)


def _dims_key_pad(s: str):
    a, b = s.split("/")
    return int(a), int(b)


def _weights(ops: list[dict], out_axis_len) -> str:
    """per-channel (scale spread) / per-tensor (and whether only with one output channel); the type of
    unquantized (float) weights."""
    pc = [o for o in ops if o["weights"].get("per_channel")]
    pt = [o for o in ops if "per_channel" in o["weights"] and not o["weights"]["per_channel"]]
    parts = [f"{t} (unquantized)" for t in _sorted(o["weights"]["dtype"] for o in ops if "dtype" in o["weights"])]
    if pc:
        spread = max(o["weights"]["scale_ratio"] for o in pc)
        parts.append(f"per-channel (scales up to {spread:.0f}x apart)" if spread >= 2 else "per-channel")
    if pt:
        if all(out_axis_len(o) == 1 for o in pt):
            parts.append("one scale (1 output channel)")
        else:
            parts.append("per-tensor")
    return _join(parts)


def _bias(ops: list[dict]) -> str:
    has = _sorted(bool(o["bias"]) for o in ops)
    types = _sorted(o["bias_dtype"] for o in ops if o.get("bias_dtype"))
    with_bias = f"with bias ({_join(types)})" if types else "with bias"
    return _join([with_bias if h else "without bias" for h in sorted(has, reverse=True)])


def _items(pairs: list[tuple[str, str]]) -> str:
    return "; ".join(f"{k} {v}" if k else v for k, v in pairs if v)


# ---------------------------------------------------------------------------
# Per-operator summaries
# ---------------------------------------------------------------------------

def _conv_like(ops: list[dict], depthwise: bool) -> str:
    kernels, pads, chans_in, chans_out, mults, batches = set(), set(), [], [], [], []
    for o in ops:
        w = o["weights"]["shape"]  # conv [out, kh, kw, in]; depthwise [1, kh, kw, in * mult]
        kernels.add(_window(w[1:3]))
        pads.update(_same_pads(o, w[1:3], o["dilation"]))
        if depthwise:
            m = o["depth_multiplier"]
            mults.append(m)
            chans_in.append(w[3] // m)
        else:
            chans_in.append(w[3])
        chans_out.append(w[0] if not depthwise else w[3])
        if o.get("input_shapes"):
            batches.append(o["input_shapes"][0][0])
    items = [
        ("padding", _pad_text(ops, pads)),
        ("strides", _join(_sorted((_pair(o["stride"]) for o in ops), key=_dims_key))),
        ("kernels", _join(_sorted(kernels, key=_dims_key))),
        ("dilations", _join(_sorted((_pair(o["dilation"]) for o in ops), key=_dims_key))),
    ]
    if depthwise:
        items += [("depth multipliers", _nums(mults)), ("channels", _nums(chans_in)),
                  ("output channels", _nums(chans_out))]
    else:
        items += [("input channels", _nums(chans_in)), ("output channels", _nums(chans_out))]
    out_len = (lambda o: o["weights"]["shape"][3]) if depthwise else (lambda o: o["weights"]["shape"][0])
    items += [
        ("activations", _acts(o["activation"] for o in ops)),
        ("weights", _weights(ops, out_len)),
        ("", _bias(ops)),
        ("batch", _nums(batches)),
    ]
    return _items(items)


def _fully_connected(ops: list[dict]) -> str:
    shapes = _sorted((tuple(o["input_shapes"][0]) for o in ops if o.get("input_shapes")),
                     key=lambda s: (len(s), s))
    rows = []
    for s in shapes:
        n = 1
        for d in s[:-1]:
            n *= d
        rows.append(n)
    return _items([
        ("input shapes", _join(_shape(s) for s in shapes)),
        ("rows", _nums(rows)),
        ("input depth", _nums(o["weights"]["shape"][1] for o in ops)),
        ("units", _nums(o["weights"]["shape"][0] for o in ops)),
        ("keep_num_dims", _nums(bool(o["keep_num_dims"]) for o in ops)),
        ("activations", _acts(o["activation"] for o in ops)),
        ("weights", _weights(ops, lambda o: o["weights"]["shape"][0])),
        ("", _bias(ops)),
    ])


def _svdf(ops: list[dict]) -> str:
    """SVDF: input shapes, filters, ranks, memory sizes, state types (with zero points), activations."""
    states = []
    for o in ops:
        zp = o.get("state_zero_point", 0)
        states.append(o["state_dtype"] + (f" (zero point {zp})" if zp else ""))
    return _items([
        ("input shapes", _join(_shape(s) for s in _sorted((tuple(o["input_shapes"][0]) for o in ops),
                                                           key=lambda s: (len(s), s)))),
        ("filters", _nums(o["filters"] for o in ops)),
        ("ranks", _nums(o["rank"] for o in ops)),
        ("memory", _nums(o["memory"] for o in ops)),
        ("state", _join(_sorted(states))),
        ("activations", _acts(o["activation"] for o in ops)),
    ])


def _add(ops: list[dict]) -> str:
    """ADD, SUB and MUL: the shapes of same-shape operands, the broadcast pairs, scale ratios, activations."""
    # float32 operands have no scales.
    ratios = [o["scale_ratio"] for o in ops if "scale_ratio" in o]
    return _items(_operand_items(ops) + [
        ("input scale ratio", _ratio_range(ratios) if ratios else ""),
        ("activations", _acts(o["activation"] for o in ops)),
    ])


def _maximum(ops: list[dict]) -> str:
    """MAXIMUM and MINIMUM: operand shapes as for ADD; whether inputs and output share one quantization."""
    same = _sorted(bool(o["same_quantization"]) for o in ops if "same_quantization" in o)  # none for float32
    return _items(_operand_items(ops) + [
        ("", _join("inputs and output share one quantization" if q else "inputs and output quantized differently"
                   for q in sorted(same, reverse=True))),
    ])


def _relu(ops: list[dict]) -> str:
    """RELU and RELU6 operators: shapes, input/output scale ratios and zero points."""
    zps = _sorted(tuple(o["zero_points"]) for o in ops if "zero_points" in o)
    ratios = [o["scale_ratio"] for o in ops if "scale_ratio" in o]  # float32 has no scales
    return _items([
        ("shapes", _join(_shape(s) for s in _sorted(tuple(o["output_shape"]) for o in ops))),
        ("input/output scale ratio", _ratio_range(ratios) if ratios else ""),
        ("zero points (input/output)", _join(f"{a}/{b}" for a, b in zps)),
    ])


def _operand_items(ops: list[dict]) -> list[tuple[str, str]]:
    """The shapes of same-shape operands, the broadcast pairs and the constant operands."""
    same, bcast, const = [], [], []
    for o in ops:
        shapes = [tuple(s) for s in o.get("input_shapes", [])]
        if o.get("constant_shapes"):
            const.append(tuple(o["constant_shapes"][0]))
            shapes += [tuple(s) for s in o["constant_shapes"] if s]  # a scalar is not a broadcast shape
        if len(set(shapes)) <= 1:
            same.append(tuple(o["output_shape"]))
        else:
            bcast.append((shapes[0], shapes[1], tuple(o["output_shape"])))
    bcast_text = _join(f"{_shape(a)} with {_shape(b)} → {_shape(y)}"
                       for a, b, y in _sorted(bcast, key=lambda t: (len(t[2]), t[2], len(t[1]), t[1], t[0])))
    return [
        ("shapes", _join(_shape(s) for s in _sorted(same))),
        ("broadcasting", bcast_text),
        ("constant operand", _join(_shape(s) if s else "scalar" for s in _sorted(const, key=lambda s: (len(s), s)))),
    ]


def _ratio_range(ratios: list[float]) -> str:
    """"4.0x to 29.2x", or "4.0x" when both ends print alike."""
    if not ratios:
        return ""
    lo, hi = f"{min(ratios):.1f}x", f"{max(ratios):.1f}x"
    return lo if lo == hi else f"{lo} to {hi}"


def _transpose_conv(ops: list[dict]) -> str:
    kernels, pads, chans_in, chans_out, shapes = set(), set(), [], [], set()
    for o in ops:
        w = o["weights"]["shape"]  # [out, kh, kw, in]
        kernels.add(_window(w[1:3]))
        chans_in.append(w[3])
        chans_out.append(w[0])
        if o.get("input_shapes"):
            ins, outs = o["input_shapes"][0], o["output_shape"]
            shapes.add((tuple(ins[1:3]), tuple(outs[1:3])))
            if o["padding"] == "SAME":  # the padding of the convolution it transposes (output -> input)
                for ax in (0, 1):
                    total = max((ins[1 + ax] - 1) * o["stride"][ax] + w[1 + ax] - outs[1 + ax], 0)
                    pads.add(f"{total // 2}/{total - total // 2}")
    given = _sorted(o.get("output_shape_input", "") for o in ops)
    return _items([
        ("padding", _pad_text(ops, pads)),
        ("strides", _join(_sorted((_pair(o["stride"]) for o in ops), key=_dims_key))),
        ("kernels", _join(_sorted(kernels, key=_dims_key))),
        ("spatial", _join(f"{a[0]}x{a[1]} → {b[0]}x{b[1]}" for a, b in sorted(shapes))),
        ("input channels", _nums(chans_in)),
        ("output channels", _nums(chans_out)),
        ("activations", _acts(o["activation"] for o in ops)),
        ("weights", _weights(ops, lambda o: o["weights"]["shape"][0])),
        ("", _bias(ops)),
        ("output_shape input", _join(g for g in given if g)),
    ])


def _leaky_relu(ops: list[dict]) -> str:
    return _items([
        ("alpha", _nums(o["alpha"] for o in ops)),
        ("shapes", _join(_shape(s) for s in _sorted(tuple(o["output_shape"]) for o in ops if "output_shape" in o))),
    ])


def _prelu(ops: list[dict]) -> str:
    """PRELU: input shapes with their alpha shapes, the alpha values' range and zero points."""
    rows = _sorted((tuple(o["input_shapes"][0]), tuple(o["alpha_shape"])) for o in ops if o.get("input_shapes"))
    rows = sorted(rows, key=lambda r: (len(r[0]), r[0], len(r[1]), r[1]))
    ranges = [o["alpha_range"] for o in ops if "alpha_range" in o]
    return _items([
        ("", _join(f"{_shape(x)} with alpha {_shape(a)}" for x, a in rows)),
        ("alpha values", f"{_num(min(r[0] for r in ranges))} to {_num(max(r[1] for r in ranges))}" if ranges else ""),
        ("alpha zero points", _nums(o["alpha_zero_point"] for o in ops if "alpha_zero_point" in o)),
        ("", _join("constant alpha" if c else "alpha an activation" for c in _sorted(o["alpha_constant"] for o in ops))),
    ])


def _hard_swish(ops: list[dict]) -> str:
    """HARD_SWISH: shapes, input scales, input/output scale ratios, zero points."""
    zps = _sorted(tuple(o["zero_points"]) for o in ops if "zero_points" in o)
    scales = [o["input_scale"] for o in ops if "input_scale" in o]
    return _items([
        ("shapes", _join(_shape(s) for s in _sorted((tuple(o["output_shape"]) for o in ops),
                                                     key=lambda s: (len(s), s)))),
        ("input scales", f"{_num(min(scales))} to {_num(max(scales))}" if scales else ""),
        ("input/output scale ratio", _ratio_range([o["scale_ratio"] for o in ops if "scale_ratio" in o])),
        ("zero points (input/output)", _join(f"{a}/{b}" for a, b in zps)),
    ])


def _resize(ops: list[dict]) -> str:
    """RESIZE_*: input shape -> output size, and which coordinate options."""
    rows = _sorted((tuple(o["input_shapes"][0]), tuple(o["size"])) for o in ops if o.get("input_shapes"))
    names = {(False, False): "neither option", (True, False): "align_corners",
             (False, True): "half-pixel centres", (True, True): "align_corners with half-pixel centres"}
    order = list(names)
    opts = _sorted(((o["align_corners"], o["half_pixel_centers"]) for o in ops), key=order.index)
    return _items([
        ("", _join(f"{_shape(x)} → {h}x{w}" for x, (h, w) in sorted(rows))),
        ("", _join(names[k] for k in opts)),
    ])


def _logistic(ops: list[dict]) -> str:
    """LOGISTIC and TANH: shapes, input scales (power-of-two ones as 2^k) and input zero points."""
    def scale(o):
        k = o["input_scale_log2"]
        return f"2^{round(k)}" if abs(k - round(k)) < 1e-6 else f"{o['input_scale']:.3g}"
    quantized = [o for o in ops if "input_scale" in o]
    return _items([
        ("shapes", _join(_shape(s) for s in _sorted(tuple(o["output_shape"]) for o in ops))),
        ("input scales", _join(dict.fromkeys(scale(o) for o in sorted(quantized, key=lambda o: o["input_scale"])))),
        ("input zero points", _nums(o["zero_points"][0] for o in quantized)),
    ])


def _lstm(ops: list[dict]) -> str:
    """UNIDIRECTIONAL_SEQUENCE_LSTM: input shapes and layout, units, cell clip; for int8 the cell scales
    and the input and hidden-state zero points."""
    def layout(o):
        return "time-major" if o["time_major"] else "batch-major"
    quantized = [o for o in ops if "cell_scale" in o]
    return _items([
        ("inputs", _join(f"{_shape(s)} {l}" for s, l in _sorted((tuple(o["input_shapes"][0]), layout(o))
                                                                for o in ops))),
        ("units", _nums(o["output_shape"][-1] for o in ops)),
        ("cell clip", _nums(o["cell_clip"] for o in ops)),
        ("cell scales", _join(f"2^{k}" for k in _sorted(round(math.log2(o["cell_scale"])) for o in quantized))),
        ("input zero points", _nums(o["input_zero_point"] for o in quantized)),
        ("hidden-state zero points", _nums(o["hidden_zero_point"] for o in quantized)),
    ])


def _pad(ops: list[dict]) -> str:
    pads = _sorted(tuple(tuple(p) for p in o["paddings"]) for o in ops)
    items = [
        ("paddings", _join("[" + ",".join(f"[{a},{b}]" for a, b in p) + "]"
                           for p in sorted(pads, key=lambda p: (len(p), p)))),
        ("ranks", _nums(len(o["paddings"]) for o in ops)),
    ]
    values = _sorted((o["constant_real"], o["constant_value"]) for o in ops if "constant_real" in o)
    if values:
        items.append(("constant values", _join(f"{_num(r)} (quantized {v})" for r, v in values)))
    floats = _sorted(o["constant_value"] for o in ops if "constant_value" in o and "constant_real" not in o)
    if floats:  # float32 fills have no quantization
        items.append(("float constant values", _join(_num(v) for v in floats)))
    return _items(items)


def _slice_text(o: dict) -> str:
    """The slice as Python indexing, e.g. "[:, 1:7:2, -5:-1, ::2]" (masked bounds left out)."""
    parts = []
    for d, (b, e, s) in enumerate(zip(o["begin"], o["end"], o["strides"])):
        if o["shrink_axis_mask"] >> d & 1:
            parts.append(str(b))
            continue
        lo = "" if o["begin_mask"] >> d & 1 else str(b)
        hi = "" if o["end_mask"] >> d & 1 else str(e)
        parts.append(f"{lo}:{hi}" + (f":{s}" if s != 1 else ""))
    return "[" + ", ".join(parts) + "]"


def _strided_slice(ops: list[dict]) -> str:
    slices = _sorted((tuple(o["input_shapes"][0]), _slice_text(o)) for o in ops if o.get("input_shapes"))
    slices = sorted(slices, key=lambda st: (st[0], st[1]))
    masks = [k for k in ("begin_mask", "end_mask", "shrink_axis_mask") if any(o[k] for o in ops)]
    negative = any(v < 0 for o in ops for v in o["begin"] + o["end"])
    return _items([
        ("slices", _join(f"x{t} of {_shape(s)}" for s, t in slices)),
        ("strides", _nums(v for o in ops for v in o["strides"])),
        ("", "negative begin/end" if negative else ""),
        ("masks", _join(masks)),
    ])


def _list(v) -> str:
    return "[" + ",".join(map(str, v)) + "]"


def _concat(ops: list[dict]) -> str:
    """CONCATENATION and PACK: input shapes -> output shape on an axis (as stored, negative kept)."""
    rows = _sorted((tuple(tuple(s) for s in o["input_shapes"]), tuple(o["output_shape"]), o["axis"]) for o in ops)
    # None (or absent) for float32, which has no quantization.
    same = _sorted(bool(o["same_quantization"]) for o in ops if o.get("same_quantization") is not None)
    return _items([
        ("", _join(f"{' + '.join(_shape(s) for s in ins)} → {_shape(y)} on axis {a}"
                   for ins, y, a in sorted(rows, key=lambda r: (len(r[1]), r[2], r)))),
        ("inputs", _nums(len(o["input_shapes"]) for o in ops)),
        ("axes", _nums(o["axis"] for o in ops)),
        ("", _join("inputs and output share one quantization" if q else "inputs and output quantized differently"
                   for q in sorted(same, reverse=True))),
    ])


def _split(ops: list[dict]) -> str:
    """UNPACK, SPLIT and SPLIT_V: input shape -> output shapes on an axis (SPLIT_V's size_splits)."""
    rows = []
    for o in ops:
        outs = o.get("output_shapes", [o["output_shape"]])
        sizes = f" sizes {_list(o['size_splits'])}" if "size_splits" in o else ""
        parts = f"{len(outs)}× {_shape(outs[0])}" if len({tuple(s) for s in outs}) == 1 \
            else " + ".join(_shape(s) for s in outs)
        rows.append(f"{_shape(o['input_shapes'][0])}{sizes} on axis {o['axis']} → {parts}")
    return _items([
        ("", _join(_sorted(rows))),
        ("outputs", _nums(len(o.get("output_shapes", [0])) for o in ops)),
        ("axes", _nums(o["axis"] for o in ops)),
    ])


def _slice(ops: list[dict]) -> str:
    rows = _sorted(f"{_shape(o['input_shapes'][0])} begin {_list(o['begin'])} size {_list(o['size'])} → "
                   f"{_shape(o['output_shape'])}" for o in ops)
    return _items([
        ("", _join(rows)),
        ("ranks", _nums(len(o["begin"]) for o in ops)),
        ("", "size -1" if any(v == -1 for o in ops for v in o["size"]) else ""),
    ])


def _transpose(ops: list[dict]) -> str:
    rows = _sorted(f"{_shape(o['input_shapes'][0])} perm {_list(o['perm'])} → {_shape(o['output_shape'])}"
                   for o in ops)
    return _items([("", _join(rows)), ("ranks", _nums(len(o["perm"]) for o in ops))])


def _batch_matmul(ops: list[dict]) -> str:
    """BATCH_MATMUL: operand shapes (ᵀ marks adj_x/adj_y, "const" a constant operand) and output shape."""
    rows = []
    for o in ops:
        a, b = (_shape(s) + ("ᵀ" if o[f"adj_{v}"] else "") + (" const" if k in o.get("constant_operands", []) else "")
                for k, (s, v) in enumerate(zip(o["operand_shapes"], "xy")))
        rows.append(f"{a} × {b} → {_shape(o['output_shape'])}")
    return _items([("", _join(_sorted(rows))),
                   ("adj_x/adj_y", _join(_sorted(f"{_num(o['adj_x'])}/{_num(o['adj_y'])}" for o in ops)))])


def _reduce(ops: list[dict]) -> str:
    """MEAN and SUM: the reduced axes, keep_dims, input/output scale ratios."""
    rows = _sorted(f"{_shape(o['input_shapes'][0])} axes {_list(o['axes'])} → {_shape(o['output_shape'])}"
                   for o in ops)
    return _items([
        ("", _join(rows)),
        ("keep_dims", _nums(bool(o["keep_dims"]) for o in ops)),
        ("input/output scale ratio", _ratio_range([o["scale_ratio"] for o in ops if "scale_ratio" in o])),
    ])


def _pool(ops: list[dict]) -> str:
    pads, chans = set(), []
    for o in ops:
        pads.update(_same_pads(o, o["filter"], [1, 1]))
        if o.get("output_shape"):
            chans.append(o["output_shape"][-1])
    return _items([
        ("windows", _join(_sorted((_window(o["filter"]) for o in ops), key=_dims_key))),
        ("strides", _join(_sorted((_pair(o["stride"]) for o in ops), key=_dims_key))),
        ("padding", _pad_text(ops, pads)),
        ("channels", _nums(chans)),
        ("activations", _acts(o["activation"] for o in ops)),
    ])


def _softmax(ops: list[dict]) -> str:
    shapes = [o["input_shapes"][0] for o in ops if o.get("input_shapes")]
    return _items([
        ("beta", _nums(o["beta"] for o in ops)),
        ("ranks", _nums(len(s) for s in shapes)),
        ("depths (last axis)", _nums(s[-1] for s in shapes)),
    ])


def _reshape(ops: list[dict]) -> str:
    # A target computed by folded shape arithmetic may leave the converter's guess as the output shape.
    pairs = _sorted((tuple(o["input_shapes"][0]), tuple(o["output_shape"])) for o in ops
                    if o.get("input_shapes") and not o.get("computed_target"))
    items = [("shapes", _join(f"{_shape(a)} → {_shape(b)}" for a, b in pairs))]
    computed = sum(1 for o in ops if o.get("computed_target"))
    if computed:
        items.append(("", f"target shape computed from SHAPE (folded) in {computed}"))
    dims = [tuple(o["squeeze_dims"]) for o in ops if "squeeze_dims" in o]
    if dims:
        items.append(("squeeze_dims", _join(_shape(d) for d in _sorted(dims))))
    return _items(items)


DTYPE_ORDER = ["float32", "int8", "int16", "int32"]


def _dtype_pair_key(p: tuple[str, str]):
    """float32 first, then int8, int16, int32 (by input type, then output type)."""
    return tuple(DTYPE_ORDER.index(t) if t in DTYPE_ORDER else len(DTYPE_ORDER) for t in p), p


def _quantize(entries: list[tuple[dict, int, int]]) -> str:
    """entries: (op, index in its case, number of ops in its case)."""
    parts = []
    conv = _sorted((o["input_dtype"], o["output_dtype"]) for o, _, _ in entries)
    for a, b in sorted(conv, key=_dtype_pair_key):
        sel = [(o, i, n) for o, i, n in entries if (o["input_dtype"], o["output_dtype"]) == (a, b)]
        where = []
        for o, i, n in sel:
            where.append("graph input" if i == 0 else "graph output" if i == n - 1 else "between operators")
        order = ["graph input", "between operators", "graph output"]
        desc = f"{a} → {b} at {_join(_sorted(where, key=order.index))}"
        ratios = [o["scale_ratio"] for o, _, _ in sel if "scale_ratio" in o]
        if ratios:
            desc += f" (scale ratio{'s' if len(set(ratios)) > 1 else ''} {_nums(ratios)})"
        parts.append(desc)
    return "; ".join(parts)


def _folded(ops: list[dict]) -> str:
    """The operators evaluated at compile time, with how often each occurs."""
    names = [o["op"] for o in ops]
    return _join(f"{n} ×{names.count(n)}" for n in _sorted(names))


def _types(ops: list[dict]) -> str:
    if all("type" in o for o in ops):  # one row per activation type (see table())
        return _join(_sorted(o["type"] for o in ops))
    pairs = _sorted((o.get("input_dtype", "int8"), o.get("output_dtype", "int8")) for o in ops)
    if all(a == b for a, b in pairs):
        return _join(_sorted(a for a, _ in pairs))
    return _join(f"{a} → {b}" for a, b in sorted(pairs, key=_dtype_pair_key))


# ---------------------------------------------------------------------------
# Table
# ---------------------------------------------------------------------------

def _row_key(o: dict) -> tuple[str, str]:
    """(operator, activation type): one table row each; QUANTIZE and DEQUANTIZE keep one row
    (their types are the input/output pairs)."""
    if o.get("folded"):
        return FOLDED, ""
    if o["op"] in ("QUANTIZE", "DEQUANTIZE"):
        return o["op"], ""
    return o["op"], o.get("type", "int8")


def _compiled(manifest: dict) -> list[dict]:
    """The cases the suite compiles and runs (not those marked `compile_error`)."""
    return [c for c in manifest["cases"] if not c.get("compile_error")]


def table(manifest: dict) -> str:
    by_op: dict[tuple[str, str], list[tuple[dict, int, int]]] = {}
    cases: dict[tuple[str, str], set[str]] = {}
    patched: dict[tuple[str, str], set[str]] = {}
    for case in _compiled(manifest):
        for i, o in enumerate(case["ops"]):
            key = _row_key(o)
            by_op.setdefault(key, []).append((o, i, len(case["ops"])))
            cases.setdefault(key, set()).add(case["name"])
            if case.get("patched"):
                patched.setdefault(key, set()).add(case["name"])

    def order(key):
        name, typ = key
        return (ORDER.index(name) if name in ORDER else len(ORDER), name,
                TYPE_ORDER.index(typ) if typ in TYPE_ORDER else len(TYPE_ORDER), typ)
    keys = sorted(by_op, key=order)
    lines = ["| operator | types | variants covered | cases |", "|---|---|---|---|"]
    for key in keys:
        name = key[0]
        entries = by_op[key]
        ops = [o for o, _, _ in entries]
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            variants = _conv_like(ops, name == "DEPTHWISE_CONV_2D")
        elif name == "TRANSPOSE_CONV":
            variants = _transpose_conv(ops)
        elif name == "FULLY_CONNECTED":
            variants = _fully_connected(ops)
        elif name == "SVDF":
            variants = _svdf(ops)
        elif name in ("ADD", "SUB", "MUL"):
            variants = _add(ops)
        elif name in ("MAXIMUM", "MINIMUM"):
            variants = _maximum(ops)
        elif name in ("RELU", "RELU6"):
            variants = _relu(ops)
        elif name == "LEAKY_RELU":
            variants = _leaky_relu(ops)
        elif name == "PRELU":
            variants = _prelu(ops)
        elif name == "HARD_SWISH":
            variants = _hard_swish(ops)
        elif name in ("RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR"):
            variants = _resize(ops)
        elif name in ("LOGISTIC", "TANH"):
            variants = _logistic(ops)
        elif name == "UNIDIRECTIONAL_SEQUENCE_LSTM":
            variants = _lstm(ops)
        elif name in ("PAD", "PADV2"):
            variants = _pad(ops)
        elif name == "STRIDED_SLICE":
            variants = _strided_slice(ops)
        elif name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            variants = _pool(ops)
        elif name in ("CONCATENATION", "PACK"):
            variants = _concat(ops)
        elif name in ("UNPACK", "SPLIT", "SPLIT_V"):
            variants = _split(ops)
        elif name == "SLICE":
            variants = _slice(ops)
        elif name == "TRANSPOSE":
            variants = _transpose(ops)
        elif name in ("MEAN", "SUM"):
            variants = _reduce(ops)
        elif name == "BATCH_MATMUL":
            variants = _batch_matmul(ops)
        elif name == FOLDED:
            variants = _folded(ops)
        elif name == "SOFTMAX":
            variants = _softmax(ops)
        elif name in ("RESHAPE", "SQUEEZE"):
            variants = _reshape(ops)
        elif name in ("QUANTIZE", "DEQUANTIZE"):
            variants = _quantize(entries)
        else:
            variants = ""
        n, p = len(cases[key]), len(patched.get(key, ()))
        count = f"{n} ({p} patched)" if p else str(n)
        if name in ("QUANTIZE", "DEQUANTIZE"):
            typ = _types(ops)
        elif name == FOLDED:
            typ = _join(_sorted(t for o in ops for t in o.get("output_dtypes", [])))
        else:
            typ = key[1]
        lines.append(f"| {name} | {typ} | {variants} | {count} |")
    return "\n".join(lines) + "\n"


def section(manifest: dict) -> str:
    """The README text between the markers: one sentence, then the table."""
    compiled = _compiled(manifest)
    n = len(compiled)
    p = sum(1 for c in compiled if c.get("patched"))
    samples = manifest.get("samples", 3)
    failing = [c["name"] for c in manifest["cases"] if c.get("compile_error")]
    not_yet = ""
    if failing:
        one = len(failing) == 1
        not_yet = (f"; {len(failing)} more ({_join(f'`{f}`' for f in failing)}) {'is' if one else 'are'} "
                   f"in the suite but not compiled yet, as `include_model!` rejects {'it' if one else 'them'}")
    stateful = sum(1 for c in compiled if c.get("stateful"))
    seq = (f" (the {stateful} stateful ones on {manifest['sequence']}, each input run fresh and all of them as one "
           "sequence)") if stateful and "sequence" in manifest else ""
    twins = sum(1 for c in compiled if c.get("reference_model"))
    twin_text = (f", {twins} of them dynamic-batch models that TFLM cannot run, compared with TFLM on an equivalent "
                 "static model" if twins else "")
    sentence = (f"What the operator conformance suite covers ({n} generated models in `tests/conformance/`, "
                f"{p} of them patched after conversion{twin_text}, each compared bit for bit with TFLM on {samples} "
                f"inputs{seq} by `cargo test -p nn-tests --test conformance`{not_yet}; "
                "see `tools/conformance/README.md`), "
                "generated from the suite by `python3 tools/conformance/table.py --write`:")
    return sentence + "\n\n" + table(manifest)


# ---------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------

def replace_region(readme: str, body: str) -> str:
    """README text with `body` between the markers (inserted, with the
    markers, before the ANCHOR heading if they are absent)."""
    block = f"{START}\n{body}\n{END}"
    if START in readme and END in readme:
        head, rest = readme.split(START, 1)
        return head + block + rest.split(END, 1)[1]
    at = readme.find("\n" + ANCHOR + "\n")
    if at < 0:
        raise SystemExit(f"README has neither the {START} markers nor a '{ANCHOR}' heading")
    return readme[:at + 1] + block + "\n\n" + readme[at + 1:]


def current_region(readme: str) -> str | None:
    """The text between the markers, without the newlines next to them."""
    if START not in readme or END not in readme:
        return None
    inner = readme.split(START, 1)[1].split(END, 1)[0]
    return inner[1:-1] if inner.startswith("\n") and inner.endswith("\n") else inner


def check_readme(manifest: dict, readme_path: str) -> bool:
    """True if the README's table matches the manifest."""
    with open(readme_path, encoding="utf-8") as f:
        return current_region(f.read()) == section(manifest)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--manifest", default=DEFAULT_MANIFEST, help="suite manifest (default: %(default)s)")
    ap.add_argument("--readme", default=DEFAULT_README, help="README to update or check (default: %(default)s)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help="replace the table between the README markers")
    g.add_argument("--check", action="store_true", help="exit 1 if the README table is out of date")
    a = ap.parse_args(argv)
    with open(a.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    if a.check:
        if check_readme(manifest, a.readme):
            print(f"README table OK ({len(manifest['cases'])} cases)")
            return 0
        print("README table out of date: run python3 tools/conformance/table.py --write", file=sys.stderr)
        return 1
    if a.write:
        with open(a.readme, encoding="utf-8") as f:
            readme = f.read()
        new = replace_region(readme, section(manifest))
        if new != readme:
            with open(a.readme, "w", encoding="utf-8") as f:
                f.write(new)
            print(f"wrote the conformance table into {a.readme}")
        else:
            print(f"{a.readme} already up to date")
        return 0
    sys.stdout.write(table(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
