//! DEQUANTIZE: int8 to float32 at the graph's edge.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};

/// Checks and lowers one DEQUANTIZE.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 1, 1, 1)?;
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    if tx.dtype != DType::I8 || ty.dtype != DType::F32 {
        return Err(cx.err(
            op,
            format_args!(
                "dequantizing {} to {} is not supported (int8 -> float32 is)",
                tx.dtype.name(),
                ty.dtype.name()
            ),
        ));
    }
    if tx.elements() != ty.elements() {
        return Err(cx.err(op, "input and output element counts differ"));
    }
    let (_, scale, zero_point) = cx.int8_activation(op, x, "input")?;
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::Dequantize { scale, zero_point },
        inputs: vec![x],
        output: y,
    }))
}
