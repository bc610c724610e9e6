//! CONV_2D: int8 activations, int8 weights (per-tensor or per-output-channel
//! scales), int32 bias, SAME/VALID padding, any stride and dilation, groups;
//! 16x8; float32.

use super::{bias, check_activation, conv_requant, nhwc};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};

/// Checks and lowers one CONV_2D.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 3, 1)?;
    let Options::Conv2d { padding, stride, dilation, activation } = op.options else {
        return Err(cx.err(op, "has no Conv2DOptions"));
    };
    check_activation(cx, op, activation)?;
    let (x, w, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    let types = [DType::I8, DType::I16];
    let (in_shape, dtype, in_scale, in_zp, out_shape, out_type, out_scale, out_zp) = if cx.tensor(x).dtype == DType::F32
    {
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
    if fic == 0 || ic % fic != 0 || foc != oc || on != n || kh == 0 || kw == 0 {
        return Err(cx.err(
            op,
            format_args!(
                "shapes do not match: input {in_shape:?}, filter {:?}, output {out_shape:?}",
                cx.tensor(w).shape
            ),
        ));
    }
    let groups = ic / fic;
    if oc % groups != 0 {
        return Err(cx.err(op, format_args!("{oc} output channels cannot be split into {groups} groups")));
    }
    let window = super::window(cx, op, padding, stride, dilation, n, (ih, iw, ic), (oh, ow, oc), (kh, kw))?;
    if dtype == DType::F32 {
        // TFLM's reference float Conv: sum over ky, kx, ic, then the bias,
        // then the activation clamp.
        let filter = super::const_f32_bytes(cx, op, w, "filter")?;
        let bias = super::f32_bias(cx, op, 2, oc)?;
        return Ok(Lowered::Step(Step {
            state: Vec::new(),
            scratch: Vec::new(),
            op_index: op.index,
            op_name: op.name.clone(),
            kernel: Kernel::Conv2dF32 {
                window,
                filter_in_c: fic,
                filter,
                bias,
                act: super::f32_activation(activation),
            },
            inputs: vec![x],
            output: y,
        }));
    }
    let filter = cx.const_i8(op, w, "filter")?;
    let scales = cx.weight_scales(op, w, oc, 0)?;
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
            kernel: Kernel::Conv2d16x8 { window, filter_in_c: fic, filter, bias, requant },
            inputs: vec![x],
            output: y,
        }));
    }
    let bias = bias(cx, op, 2, oc)?;
    super::check_accumulator(cx, op, &super::abs_sums_rows(&filter, oc), -in_zp, &bias)?;
    let requant = conv_requant(cx, op, in_scale, &scales, oc, (out_scale, out_zp), activation)?;
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::Conv2d { window, filter_in_c: fic, input_offset: -in_zp, filter, bias, requant },
        inputs: vec![x],
        output: y,
    }))
}
