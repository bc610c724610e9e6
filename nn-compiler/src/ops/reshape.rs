//! RESHAPE and SQUEEZE: no code, the output shares the input's storage.

use crate::diag::Diagnostic;
use crate::lower::{Cx, Lowered};
use crate::parse::Op;

/// Checks one RESHAPE or SQUEEZE and aliases its output to its input.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    // RESHAPE may carry its target shape as a second (constant) input.
    cx.arity(op, 1, 2, 1)?;
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    if tx.data.is_some() {
        return Err(cx.err(op, "reshapes a constant; fold it into the consumer when converting"));
    }
    if tx.dtype != ty.dtype || tx.elements() != ty.elements() {
        return Err(cx.err(
            op,
            format_args!(
                "input {:?} {} and output {:?} {} differ in type or element count",
                tx.shape,
                tx.dtype.name(),
                ty.shape,
                ty.dtype.name()
            ),
        ));
    }
    if tx.scalar_quant() != ty.scalar_quant() {
        return Err(cx.err(op, "input and output quantization differ"));
    }
    if [tx, ty].iter().any(|t| t.quant.as_ref().is_some_and(|q| q.scale.len() > 1)) {
        return Err(cx.err(op, "the input or output is quantized per channel; activations must be per tensor"));
    }
    Ok(Lowered::Alias { input: x, output: y })
}
