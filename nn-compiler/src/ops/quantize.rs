//! QUANTIZE: float32 to int8 at the graph's edge, and int8 to int8 (a change
//! of scale).

use super::multiplier;
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};

/// Checks and lowers one QUANTIZE.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 1, 1, 1)?;
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    if tx.elements() != ty.elements() {
        return Err(cx.err(op, "input and output element counts differ"));
    }
    let (out_scale, out_zp) = if ty.dtype == DType::I8 {
        let (_, s, z) = cx.int8_activation(op, y, "output")?;
        (s, z)
    } else {
        cx.quant_of(op, y, "output")?
    };
    let kernel = match (tx.dtype, ty.dtype) {
        (DType::F32, DType::I8) => Kernel::QuantizeF32 { scale: out_scale, zero_point: out_zp },
        (DType::I8, DType::I8) => {
            let (_, in_scale, in_zp) = cx.int8_activation(op, x, "input")?;
            let (m, s) = multiplier(cx, op, in_scale as f64 / out_scale as f64, "requantization")?;
            Kernel::Requantize { multiplier: m, shift: s, input_zero_point: in_zp, output_zero_point: out_zp }
        }
        (a, b) => {
            return Err(cx.err(
                op,
                format_args!(
                    "quantizing {} to {} is not supported (float32 -> int8 and int8 -> int8 are)",
                    a.name(),
                    b.name()
                ),
            ))
        }
    };
    Ok(Lowered::Step(Step { op_index: op.index, op_name: op.name.clone(), kernel, inputs: vec![x], output: y }))
}
