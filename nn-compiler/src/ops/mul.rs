//! MUL: two quantized inputs (int8 or int16) or two float32 inputs, broadcasting, fused
//! activation; one requantization of the product by `s1 * s2 / s_out`
//! (computed in `f64`, as TFLM's `CalculateOpDataMul`).

use super::{broadcast, check_activation};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{Activation, DType, Op, Options};
use crate::quant::activation_range;

/// Checks and lowers one MUL.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 2, 1)?;
    let activation = match op.options {
        Options::Mul { activation } => activation,
        _ => Activation::None,
    };
    check_activation(cx, op, activation)?;
    let (a, b, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    if cx.tensor(a).dtype == DType::F32 {
        return super::lower_binary_f32(cx, op, crate::ir::BinaryF32::Mul, activation);
    }
    let types = [DType::I8, DType::I16];
    let (a_shape, dtype, a_scale, a_zp) = cx.quantized_activation(op, a, "first input", &types)?;
    let (b_shape, b_type, b_scale, b_zp) = cx.quantized_activation(op, b, "second input", &types)?;
    let (y_shape, y_type, y_scale, y_zp) = cx.quantized_activation(op, y, "output", &types)?;
    if b_type != dtype || y_type != dtype {
        return Err(cx.err(op, "inputs and output must have the same type"));
    }
    let broadcast = broadcast(cx, op, &a_shape, &b_shape, &y_shape)?;
    let m = a_scale as f64 * b_scale as f64 / y_scale as f64;
    let multiplier = super::multiplier(cx, op, m, "output")?;
    let (qmin, qmax) = if dtype == DType::I16 { (-32768, 32767) } else { (-128, 127) };
    let act = activation_range(activation, y_scale, y_zp, qmin, qmax);
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::Mul { dtype, input_offsets: (-a_zp, -b_zp), output_offset: y_zp, multiplier, act, broadcast },
        inputs: vec![a, b],
        output: y,
    }))
}
