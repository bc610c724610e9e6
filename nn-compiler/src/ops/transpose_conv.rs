//! TRANSPOSE_CONV: int8 (int32 bias), 16x8 (int16 activations, int64
//! bias) and float32, per-channel weights, SAME/VALID padding, any stride,
//! fused activations (TFLM applies them to every type). The output
//! shape comes from the output tensor; the `output_shape` input (often a
//! graph input in exported models) is not read, as in TFLM.

use super::{check_activation, conv_requant, nhwc};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step, Window};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};
use crate::quant::{out_size, pad_before};

/// Checks and lowers one TRANSPOSE_CONV.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 3, 4, 1)?;
    let Options::TransposeConv { padding, stride, activation } = op.options else {
        return Err(cx.err(op, "has no TransposeConvOptions"));
    };
    check_activation(cx, op, activation)?;
    let (w, x, y) = (cx.input(op, 1)?, cx.input(op, 2)?, op.outputs[0]);
    let types = [DType::I8, DType::I16];
    let float = cx.tensor(x).dtype == DType::F32;
    let (in_shape, dtype, in_scale, in_zp, out_shape, out_type, out_scale, out_zp) = if float {
        super::check_all_f32(cx, op, &[(w, "filter"), (y, "output")])?;
        (cx.tensor(x).shape.clone(), DType::F32, 0.0, 0, cx.tensor(y).shape.clone(), DType::F32, 0.0, 0)
    } else {
        let (in_shape, dtype, in_scale, in_zp) = cx.quantized_activation(op, x, "input", &types)?;
        let (out_shape, out_type, out_scale, out_zp) = cx.quantized_activation(op, y, "output", &types)?;
        (in_shape, dtype, in_scale, in_zp, out_shape, out_type, out_scale, out_zp)
    };
    if out_type != dtype {
        return Err(cx.err(
            op,
            format_args!("the input is {} but the output {}; they must match", dtype.name(), out_type.name()),
        ));
    }
    let [n, ih, iw, ic] = nhwc(cx, op, &in_shape, "the input")?;
    let [on, oh, ow, oc] = nhwc(cx, op, &out_shape, "the output")?;
    let [foc, kh, kw, fic] = nhwc(cx, op, &cx.tensor(w).shape, "the filter")?;
    if foc != oc || fic != ic || on != n {
        return Err(cx.err(
            op,
            format_args!(
                "shapes do not match: input {in_shape:?}, filter {:?}, output {out_shape:?}",
                cx.tensor(w).shape
            ),
        ));
    }
    let (sh, sw) = (cx.positive(op, stride.0, "stride_h")?, cx.positive(op, stride.1, "stride_w")?);
    // The input must be what a convolution of the output would produce.
    if (out_size(padding, oh, kh, sh, 1), out_size(padding, ow, kw, sw, 1)) != (ih, iw) {
        return Err(cx.err(op, format_args!("a {oh}x{ow} output is inconsistent with a {ih}x{iw} input")));
    }
    let window = Window {
        batches: n,
        input: (ih, iw, ic),
        output: (oh, ow, oc),
        kernel: (kh, kw),
        stride: (sh, sw),
        dilation: (1, 1),
        pad: (pad_before(oh, kh, sh, 1, ih), pad_before(ow, kw, sw, 1, iw)),
    };
    if float {
        // TFLM's reference float TransposeConv: products scattered into a
        // zeroed output, then the bias (if any) and the activation clamp.
        let filter = super::const_f32_bytes(cx, op, w, "filter")?;
        let bias = super::f32_bias(cx, op, 3, oc)?;
        return Ok(Lowered::Step(Step {
            state: Vec::new(),
            scratch: Vec::new(),
            op_index: op.index,
            op_name: op.name.clone(),
            kernel: Kernel::TransposeConvF32 { window, filter, bias, act: super::f32_activation(activation) },
            inputs: vec![x],
            output: y,
        }));
    }
    let filter = cx.const_i8(op, w, "filter")?;
    let scales = cx.weight_scales(op, w, oc, 0)?;
    let bias: Vec<i64> = match cx.optional_input(op, 3) {
        None => Vec::new(),
        Some(t) if dtype == DType::I16 => cx.const_i64(op, t, "bias")?,
        Some(t) => cx.const_i32(op, t, "bias")?.into_iter().map(i64::from).collect(),
    };
    if !bias.is_empty() && bias.len() != oc {
        return Err(cx.err(op, format_args!("the bias has {} values; expected {oc}", bias.len())));
    }
    // Each output gathers at most ceil(k/stride) taps per axis.
    let taps = kh.div_ceil(sh) * kw.div_ceil(sw);
    let abs: Vec<i64> =
        super::abs_sums_rows(&filter, oc).into_iter().map(|s| s.min(taps as i64 * ic as i64 * 128)).collect();
    if dtype == DType::I8 {
        let bias32: Vec<i32> = bias.iter().map(|&b| b as i32).collect();
        super::check_accumulator(cx, op, &abs, -in_zp, &bias32)?;
    }
    let mut requant = conv_requant(cx, op, in_scale, &scales, oc, (out_scale, out_zp), activation)?;
    if dtype == DType::I16 {
        requant = super::requant_16x8(cx, op, requant, (out_scale, out_zp), activation)?;
    }
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::TransposeConv { dtype, window, input_offset: -in_zp, filter, bias, requant },
        inputs: vec![x],
        output: y,
    }))
}
