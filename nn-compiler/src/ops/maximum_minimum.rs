//! MAXIMUM and MINIMUM: element-wise on the stored values (int8, int16,
//! float32), broadcasting; inputs and output must share one quantization.
//! Float32 uses TFLM's `a > b ? a : b` and `a < b ? a : b`, so a NaN in
//! either input yields the second input.

use super::broadcast;
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};

/// Checks and lowers one MAXIMUM or MINIMUM.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 2, 1)?;
    let (a, b, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    if cx.tensor(a).dtype == DType::F32 {
        super::check_all_f32(cx, op, &[(b, "second input"), (y, "output")])?;
        let (sa, sb, sy) = (&cx.tensor(a).shape, &cx.tensor(b).shape, &cx.tensor(y).shape);
        let broadcast = broadcast(cx, op, sa, sb, sy)?;
        return Ok(step(op, (a, b, y), DType::F32, broadcast));
    }
    let types = [DType::I8, DType::I16];
    let (a_shape, dtype, a_scale, a_zp) = cx.quantized_activation(op, a, "first input", &types)?;
    let (b_shape, b_type, b_scale, b_zp) = cx.quantized_activation(op, b, "second input", &types)?;
    let (y_shape, y_type, y_scale, y_zp) = cx.quantized_activation(op, y, "output", &types)?;
    if b_type != dtype || y_type != dtype || (a_scale, a_zp) != (y_scale, y_zp) || (b_scale, b_zp) != (y_scale, y_zp) {
        return Err(cx.err(op, "inputs and output must share one type and quantization"));
    }
    let broadcast = broadcast(cx, op, &a_shape, &b_shape, &y_shape)?;
    Ok(step(op, (a, b, y), dtype, broadcast))
}

/// The step of one MAXIMUM or MINIMUM.
fn step(op: &Op, (a, b, y): (usize, usize, usize), dtype: DType, broadcast: Option<crate::ir::Broadcast>) -> Lowered {
    Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::MaximumMinimum { maximum: op.name == "MAXIMUM", dtype, broadcast },
        inputs: vec![a, b],
        output: y,
    })
}
