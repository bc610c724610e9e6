//! DEPTHWISE_CONV_2D: int8 and 16x8, per-channel weights along dimension 3,
//! any depth multiplier, stride and dilation; float32.

use super::{bias, check_activation, conv_requant, nhwc};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};

/// Checks and lowers one DEPTHWISE_CONV_2D.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 3, 1)?;
    let Options::DepthwiseConv2d { padding, stride, dilation, activation, .. } = op.options else {
        return Err(cx.err(op, "has no DepthwiseConv2DOptions"));
    };
    check_activation(cx, op, activation)?;
    let (x, w, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    let is_f32 = cx.tensor(x).dtype == DType::F32;
    let (in_shape, dtype, in_scale, in_zp, out_shape, out_scale, out_zp) = if is_f32 {
        super::check_all_f32(cx, op, &[(w, "filter"), (y, "output")])?;
        (cx.tensor(x).shape.clone(), DType::F32, 0.0, 0, cx.tensor(y).shape.clone(), 0.0, 0)
    } else {
        let types = [DType::I8, DType::I16];
        let (in_shape, dtype, in_scale, in_zp) = cx.quantized_activation(op, x, "input", &types)?;
        let (out_shape, out_type, out_scale, out_zp) = cx.quantized_activation(op, y, "output", &types)?;
        if out_type != dtype {
            return Err(cx.err(
                op,
                format_args!("the input is {} but the output {}; they must match", dtype.name(), out_type.name()),
            ));
        }
        (in_shape, dtype, in_scale, in_zp, out_shape, out_scale, out_zp)
    };
    let [n, ih, iw, ic] = nhwc(cx, op, &in_shape, "the input")?;
    let [on, oh, ow, oc] = nhwc(cx, op, &out_shape, "the output")?;
    let [one, kh, kw, foc] = nhwc(cx, op, &cx.tensor(w).shape, "the filter")?;
    // The depth multiplier is implied by the shapes (the option field is
    // unreliable in older converters, and TFLM also derives it).
    if one != 1 || foc != oc || on != n || ic == 0 || oc % ic != 0 || kh == 0 || kw == 0 {
        return Err(cx.err(
            op,
            format_args!(
                "shapes do not match: input {in_shape:?}, filter {:?}, output {out_shape:?}",
                cx.tensor(w).shape
            ),
        ));
    }
    let window = super::window(cx, op, padding, stride, dilation, n, (ih, iw, ic), (oh, ow, oc), (kh, kw))?;
    if is_f32 {
        // TFLM's reference float DepthwiseConv: sum over ky, kx, then the
        // bias, then the activation clamp.
        let filter = super::const_f32_bytes(cx, op, w, "filter")?;
        let bias = super::f32_bias(cx, op, 2, oc)?;
        return Ok(Lowered::Step(Step {
            state: Vec::new(),
            scratch: Vec::new(),
            op_index: op.index,
            op_name: op.name.clone(),
            kernel: Kernel::DepthwiseConv2dF32 {
                window,
                depth_multiplier: oc / ic,
                filter,
                bias,
                act: super::f32_activation(activation),
            },
            inputs: vec![x],
            output: y,
        }));
    }
    let filter = cx.const_i8(op, w, "filter")?;
    let scales = cx.weight_scales(op, w, oc, 3)?;
    if dtype == DType::I16 {
        // 16x8: int64 bias and accumulator, TFLM's 64-bit requantization.
        let bias = super::bias_i64(cx, op, 2, oc)?;
        let requant = conv_requant(cx, op, in_scale, &scales, oc, (out_scale, out_zp), activation)?;
        let requant = super::requant_16x8(cx, op, requant, (out_scale, out_zp), activation)?;
        return Ok(Lowered::Step(Step {
            state: Vec::new(),
            scratch: Vec::new(),
            op_index: op.index,
            op_name: op.name.clone(),
            kernel: Kernel::DepthwiseConv2d16x8 { window, depth_multiplier: oc / ic, filter, bias, requant },
            inputs: vec![x],
            output: y,
        }));
    }
    let bias = bias(cx, op, 2, oc)?;
    // Weights are `[taps][out_c]`: sum each column.
    let mut sums = vec![0i64; oc];
    for (i, &w) in filter.iter().enumerate() {
        sums[i % oc] += (w as i64).abs();
    }
    super::check_accumulator(cx, op, &sums, -in_zp, &bias)?;
    let requant = conv_requant(cx, op, in_scale, &scales, oc, (out_scale, out_zp), activation)?;
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::DepthwiseConv2d {
            window,
            depth_multiplier: oc / ic,
            input_offset: -in_zp,
            filter,
            bias,
            requant,
        },
        inputs: vec![x],
        output: y,
    }))
}
