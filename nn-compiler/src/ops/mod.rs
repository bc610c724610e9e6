//! One module per TFLite builtin operator: checks and lowering. Names match
//! `nn-runtime/src/kernels`.

pub mod add;
pub mod average_pool_2d;
pub mod batch_matmul;
pub mod concatenation;
pub mod conv_2d;
pub mod depthwise_conv_2d;
pub mod dequantize;
pub mod fully_connected;
pub mod gather;
pub mod hard_swish;
pub mod leaky_relu;
pub mod logistic;
pub mod lstm;
pub mod max_pool_2d;
pub mod maximum_minimum;
pub mod mean;
pub mod mul;
pub mod pad;
pub mod prelu;
pub mod quantize;
pub mod relu;
pub mod reshape;
pub mod resize;
pub mod softmax;
pub mod strided_slice;
pub mod sub;
pub mod svdf;
pub mod tanh;
pub mod transpose_conv;

use crate::diag::Diagnostic;
use crate::ir::{Broadcast, Requant};
use crate::lower::Cx;
use crate::parse::{Activation, Op};
use crate::quant::{activation_range, quantize_multiplier};

/// Rejects fused activations the runtime does not implement.
pub(crate) fn check_activation(cx: &Cx, op: &Op, act: Activation) -> Result<(), Diagnostic> {
    match act {
        Activation::Other(name) => Err(cx.err(
            op,
            format_args!("the fused activation {name} is not supported (NONE, RELU, RELU6, RELU_N1_TO_1 are)"),
        )),
        _ => Ok(()),
    }
}

/// The float bounds of a fused activation, as TFLM's
/// `CalculateActivationRange` gives them.
pub(crate) fn f32_activation(act: Activation) -> (f32, f32) {
    match act {
        Activation::Relu => (0.0, f32::MAX),
        Activation::Relu6 => (0.0, 6.0),
        Activation::ReluN1To1 => (-1.0, 1.0),
        _ => (f32::MIN, f32::MAX),
    }
}

/// The bytes of a constant float32 tensor.
pub(crate) fn const_f32_bytes(cx: &Cx, op: &Op, t: usize, role: &str) -> Result<Vec<u8>, Diagnostic> {
    let tensor = cx.tensor(t);
    if tensor.dtype != crate::parse::DType::F32 {
        return Err(cx.err(op, format_args!("{role} {} must be float32", cx.describe(t))));
    }
    let data = tensor.data.ok_or_else(|| cx.err(op, format_args!("{role} {} must be a constant", cx.describe(t))))?;
    if Some(data.len()) != tensor.elements().checked_mul(4) {
        return Err(cx.err(op, format_args!("{role} {} has the wrong number of bytes", cx.describe(t))));
    }
    Ok(data.to_vec())
}

/// The optional float32 bias of a float layer with `channels` outputs, as
/// bytes (empty for none).
pub(crate) fn f32_bias(cx: &Cx, op: &Op, index: usize, channels: usize) -> Result<Vec<u8>, Diagnostic> {
    match cx.optional_input(op, index) {
        Some(t) => {
            let b = const_f32_bytes(cx, op, t, "bias")?;
            if b.len() != 4 * channels {
                return Err(cx.err(op, format_args!("the bias must have {channels} float32 values")));
            }
            Ok(b)
        }
        None => Ok(Vec::new()),
    }
}

/// Checks that the tensors of a float32 operator are all float32 (TFLM has
/// no mixed or hybrid float kernels for it).
pub(crate) fn check_all_f32(cx: &Cx, op: &Op, tensors: &[(usize, &str)]) -> Result<(), Diagnostic> {
    for &(t, role) in tensors {
        let dtype = cx.tensor(t).dtype;
        if dtype != crate::parse::DType::F32 {
            return Err(cx.err(
                op,
                format_args!(
                    "the input is float32, but the {role} {} has type {}; mixed-type (hybrid) models are not supported",
                    cx.describe(t),
                    dtype.name()
                ),
            ));
        }
    }
    Ok(())
}

/// ADD, SUB or MUL of two float32 tensors (TFLM's reference float kernels:
/// the exact sum, difference or product, then the activation clamp), with
/// broadcasting.
pub(crate) fn lower_binary_f32(
    cx: &Cx,
    op: &Op,
    kind: crate::ir::BinaryF32,
    activation: Activation,
) -> Result<crate::lower::Lowered, Diagnostic> {
    let (a, b, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    check_all_f32(cx, op, &[(b, "second input"), (y, "output")])?;
    let (sa, sb, sy) = (&cx.tensor(a).shape, &cx.tensor(b).shape, &cx.tensor(y).shape);
    let broadcast = broadcast(cx, op, sa, sb, sy)?;
    Ok(crate::lower::Lowered::Step(crate::ir::Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: crate::ir::Kernel::BinaryF32 { kind, act: f32_activation(activation), broadcast },
        inputs: vec![a, b],
        output: y,
    }))
}

/// A float32 element-wise activation operator (RELU, RELU6, LEAKY_RELU):
/// input and output float32 with the same number of elements.
pub(crate) fn lower_unary_f32(
    cx: &Cx,
    op: &Op,
    kind: crate::ir::UnaryF32,
) -> Result<crate::lower::Lowered, Diagnostic> {
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    check_all_f32(cx, op, &[(y, "output")])?;
    if cx.tensor(x).elements() != cx.tensor(y).elements() {
        return Err(cx.err(op, "input and output differ in size"));
    }
    Ok(crate::lower::Lowered::Step(crate::ir::Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: crate::ir::Kernel::UnaryF32 { kind },
        inputs: vec![x],
        output: y,
    }))
}

/// Quantizes `m`, rejecting results the kernels cannot apply (shift outside
/// `-31..=30`, which TFLM would also mishandle).
pub(crate) fn multiplier(cx: &Cx, op: &Op, m: f64, what: &str) -> Result<(i32, i32), Diagnostic> {
    if !(m.is_finite() && m >= 0.0) {
        return Err(cx.err(op, format_args!("the {what} scale ratio is {m}; the quantization parameters are broken")));
    }
    let (q, shift) = quantize_multiplier(m);
    if shift > 30 {
        return Err(cx.err(
            op,
            format_args!("the {what} scale ratio {m:e} is too large to requantize exactly; check the tensors' scales"),
        ));
    }
    Ok((q, shift))
}

/// Per-channel requantization of a convolution-like int8 output, computed as
/// TFLM's `PopulateConvolutionQuantizationParams` does: in `f64`,
/// `input_scale * filter_scale / output_scale`.
pub(crate) fn conv_requant(
    cx: &Cx,
    op: &Op,
    input_scale: f32,
    filter_scales: &[f32],
    channels: usize,
    output: (f32, i32),
    act: Activation,
) -> Result<Requant, Diagnostic> {
    let mut multiplier_v = Vec::with_capacity(channels);
    let mut shift_v = Vec::with_capacity(channels);
    for c in 0..channels {
        let fs = if filter_scales.len() > 1 { filter_scales[c] } else { filter_scales[0] };
        let m = input_scale as f64 * fs as f64 / output.0 as f64;
        let (q, s) = multiplier(cx, op, m, "output")?;
        multiplier_v.push(q);
        shift_v.push(s);
    }
    let (act_min, act_max) = activation_range(act, output.0, output.1, -128, 127);
    Ok(Requant { multiplier: multiplier_v, shift: shift_v, output_offset: output.1, act_min, act_max })
}

/// Rejects weights whose int32 accumulator could overflow for some input:
/// TFLM's would then be undefined behaviour and ours would wrap, so no
/// exact answer exists. `abs_sums[c]` is the sum of `|w|` feeding output `c`.
pub(crate) fn check_accumulator(
    cx: &Cx,
    op: &Op,
    abs_sums: &[i64],
    input_offset: i32,
    bias: &[i32],
) -> Result<(), Diagnostic> {
    // The largest |x + input_offset| over int8 inputs.
    let max_x = (input_offset as i64 - 128).abs().max((input_offset as i64 + 127).abs());
    for (c, &s) in abs_sums.iter().enumerate() {
        let b = bias.get(c).map_or(0, |&b| (b as i64).abs());
        let bound = s * max_x + b;
        if bound > i32::MAX as i64 {
            return Err(cx.err(
                op,
                format_args!(
                    "output channel {c} can accumulate up to {bound}, beyond int32: the result would overflow \
                     in TFLM too; check the weights (a filter this large is not meant for int8 inference)"
                ),
            ));
        }
    }
    Ok(())
}

/// Sums of `|w|` per output channel for weights laid out `[channels][n]`.
pub(crate) fn abs_sums_rows(filter: &[i8], channels: usize) -> Vec<i64> {
    let n = filter.len().checked_div(channels).unwrap_or(0);
    (0..channels).map(|c| filter[c * n..(c + 1) * n].iter().map(|&w| (w as i64).abs()).sum()).collect()
}

/// The bias of a convolution-like operator: int32 with one value per output
/// channel, or empty when absent.
pub(crate) fn bias(cx: &Cx, op: &Op, index: usize, channels: usize) -> Result<Vec<i32>, Diagnostic> {
    let Some(t) = cx.optional_input(op, index) else {
        return Ok(Vec::new());
    };
    let b = cx.const_i32(op, t, "bias")?;
    if b.len() != channels {
        return Err(cx.err(op, format_args!("bias {} has {} values; expected {channels}", cx.describe(t), b.len())));
    }
    Ok(b)
}

/// The int64 bias of a 16x8 operator (int16 activations): one value per
/// output channel, or empty when absent.
pub(crate) fn bias_i64(cx: &Cx, op: &Op, index: usize, channels: usize) -> Result<Vec<i64>, Diagnostic> {
    let Some(t) = cx.optional_input(op, index) else {
        return Ok(Vec::new());
    };
    let b = cx.const_i64(op, t, "bias")?;
    if b.len() != channels {
        return Err(cx.err(op, format_args!("bias {} has {} values; expected {channels}", cx.describe(t), b.len())));
    }
    Ok(b)
}

/// Turns an int8-style requantization into a 16x8 one: the fused
/// activation's range in int16, and every shift within what TFLM's 64-bit
/// `MultiplyByQuantizedMultiplier` accepts (at most 7 to the left).
pub(crate) fn requant_16x8(
    cx: &Cx,
    op: &Op,
    mut requant: Requant,
    output: (f32, i32),
    act: Activation,
) -> Result<Requant, Diagnostic> {
    if requant.shift.iter().any(|&s| s > 7) {
        return Err(cx.err(op, "a requantization shift exceeds TFLM's 16x8 range"));
    }
    (requant.act_min, requant.act_max) = activation_range(act, output.0, output.1, -32768, 32767);
    Ok(requant)
}

/// Checks an NHWC shape of rank 4 and returns it.
pub(crate) fn nhwc(cx: &Cx, op: &Op, shape: &[usize], role: &str) -> Result<[usize; 4], Diagnostic> {
    match <[usize; 4]>::try_from(shape) {
        Ok(s) if s.iter().all(|&d| d > 0) => Ok(s),
        _ => Err(cx
            .err(op, format_args!("{role} has shape {shape:?}; a 4-D NHWC shape without zero dimensions is required"))),
    }
}

/// NumPy broadcasting of two input shapes to the output shape (at most 6
/// dimensions), or `None` when all three shapes are equal.
pub(crate) fn broadcast(
    cx: &Cx,
    op: &Op,
    a: &[usize],
    b: &[usize],
    out: &[usize],
) -> Result<Option<Broadcast>, Diagnostic> {
    if a == b && a == out {
        return Ok(None);
    }
    let bad = || cx.err(op, format_args!("input shapes {a:?} and {b:?} do not broadcast to the output shape {out:?}"));
    if a.len() > 6 || b.len() > 6 || out.len() > 6 || a.len() > out.len() || b.len() > out.len() {
        return Err(bad());
    }
    let pad = |s: &[usize]| {
        let mut d = [1usize; 6];
        d[6 - s.len()..].copy_from_slice(s);
        d
    };
    let (a, b, dims) = (pad(a), pad(b), pad(out));
    let strides = |s: &[usize; 6]| {
        let mut st = [0usize; 6];
        let mut acc = 1;
        for d in (0..6).rev() {
            st[d] = if s[d] == 1 { 0 } else { acc };
            acc *= s[d];
        }
        st
    };
    for d in 0..6 {
        if (a[d] != dims[d] && a[d] != 1) || (b[d] != dims[d] && b[d] != 1) {
            return Err(bad());
        }
    }
    Ok(Some(Broadcast { dims, a_strides: strides(&a), b_strides: strides(&b) }))
}

/// The geometry of a windowed operator (CONV_2D, DEPTHWISE_CONV_2D): checks
/// strides and dilations, checks that padding, stride and dilation give the
/// output size, and computes TFLM's padding.
#[allow(clippy::too_many_arguments)]
pub(crate) fn window(
    cx: &Cx,
    op: &Op,
    padding: crate::parse::Padding,
    stride: (i32, i32),
    dilation: (i32, i32),
    batches: usize,
    input: (usize, usize, usize),
    output: (usize, usize, usize),
    kernel: (usize, usize),
) -> Result<crate::ir::Window, Diagnostic> {
    use crate::quant::{out_size, pad_before};
    let (sh, sw) = (cx.positive(op, stride.0, "stride_h")?, cx.positive(op, stride.1, "stride_w")?);
    let (dh, dw) = (cx.positive(op, dilation.0, "dilation_h")?, cx.positive(op, dilation.1, "dilation_w")?);
    let ((ih, iw, _), (oh, ow, _), (kh, kw)) = (input, output, kernel);
    let (eh, ew) = (out_size(padding, ih, kh, sh, dh), out_size(padding, iw, kw, sw, dw));
    if (eh, ew) != (oh, ow) {
        return Err(
            cx.err(op, format_args!("the output is {oh}x{ow} but the padding, stride and dilation give {eh}x{ew}"))
        );
    }
    Ok(crate::ir::Window {
        batches,
        input,
        output,
        kernel,
        stride: (sh, sw),
        dilation: (dh, dw),
        pad: (pad_before(ih, kh, sh, dh, oh), pad_before(iw, kw, sw, dw, ow)),
    })
}
