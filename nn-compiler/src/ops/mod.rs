//! One module per TFLite builtin operator: checks and lowering. Names match
//! `nn-runtime/src/kernels`.

pub mod add;
pub mod average_pool_2d;
pub mod conv_2d;
pub mod depthwise_conv_2d;
pub mod dequantize;
pub mod fully_connected;
pub mod max_pool_2d;
pub mod quantize;
pub mod reshape;
pub mod softmax;

use crate::diag::Diagnostic;
use crate::ir::Requant;
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

/// Checks an NHWC shape of rank 4 and returns it.
pub(crate) fn nhwc(cx: &Cx, op: &Op, shape: &[usize], role: &str) -> Result<[usize; 4], Diagnostic> {
    match <[usize; 4]>::try_from(shape) {
        Ok(s) if s.iter().all(|&d| d > 0) => Ok(s),
        _ => Err(cx
            .err(op, format_args!("{role} has shape {shape:?}; a 4-D NHWC shape without zero dimensions is required"))),
    }
}
