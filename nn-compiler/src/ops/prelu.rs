//! PRELU: `x >= 0 ? x : x * alpha`, with `alpha` broadcast against the
//! input (typically one slope per channel, shape `[1, 1, C]` or `[C]`).
//! int8 follows TFLM's `BroadcastPrelu4DSlow`: two requantizations, the
//! identity `s_in / s_out` and the product `s_in * s_alpha / s_out`, both
//! formed in `f64` as `CalculatePreluParams` does. float32 follows
//! `BroadcastPrelu4DSlowFloat`, which handles at most 4 dimensions.

use super::broadcast;
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};

/// Checks and lowers one PRELU.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 2, 1)?;
    let (x, alpha, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    let step = |kernel| {
        Ok(Lowered::Step(Step {
            state: Vec::new(),
            scratch: Vec::new(),
            op_index: op.index,
            op_name: op.name.clone(),
            kernel,
            inputs: vec![x, alpha],
            output: y,
        }))
    };
    if cx.tensor(x).dtype == DType::F32 {
        let (tx, ta, ty) = (cx.tensor(x), cx.tensor(alpha), cx.tensor(y));
        if ta.dtype != DType::F32 || ty.dtype != DType::F32 {
            return Err(cx.err(
                op,
                format_args!(
                    "the input is float32 but alpha is {} and the output {}; all three must be float32",
                    ta.dtype.name(),
                    ty.dtype.name()
                ),
            ));
        }
        if tx.shape.len() > 4 || ta.shape.len() > 4 || ty.shape.len() > 4 {
            return Err(cx.err(op, "float32 PRELU supports tensors of rank at most 4 (as TFLM)"));
        }
        let broadcast = broadcast(cx, op, &tx.shape, &ta.shape, &ty.shape)?;
        return step(Kernel::PreluF32 { broadcast });
    }
    let (x_shape, _, x_scale, x_zp) = cx.quantized_activation(op, x, "input", &[DType::I8])?;
    let (a_shape, _, a_scale, a_zp) = cx.quantized_activation(op, alpha, "alpha", &[DType::I8])?;
    let (y_shape, _, y_scale, y_zp) = cx.quantized_activation(op, y, "output", &[DType::I8])?;
    let broadcast = broadcast(cx, op, &x_shape, &a_shape, &y_shape)?;
    let identity = super::multiplier(cx, op, x_scale as f64 / y_scale as f64, "identity")?;
    let product = super::multiplier(cx, op, x_scale as f64 * a_scale as f64 / y_scale as f64, "alpha")?;
    step(Kernel::Prelu {
        input_offset: -x_zp,
        alpha_offset: -a_zp,
        output_offset: y_zp,
        identity,
        alpha: product,
        broadcast,
    })
}
