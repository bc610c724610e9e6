//! AVERAGE_POOL_2D: int8 or float32, any window, stride and padding.

use crate::diag::Diagnostic;
use crate::ir::Kernel;
use crate::lower::{Cx, Lowered};
use crate::parse::Op;

/// Checks and lowers one AVERAGE_POOL_2D.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    let (window, act, step) = super::max_pool_2d::pool(cx, op)?;
    // TFLM fails at run time when a window covers only padding; catch it here.
    let covers_input = |k: usize, s: usize, p: usize, n: usize, o: usize| {
        (0..o).all(|i| {
            let origin = (i * s) as isize - p as isize;
            origin + (k as isize) > 0 && origin < n as isize
        })
    };
    if !covers_input(window.kernel.0, window.stride.0, window.pad.0, window.input.0, window.output.0)
        || !covers_input(window.kernel.1, window.stride.1, window.pad.1, window.input.1, window.output.1)
    {
        return Err(cx.err(op, "a pooling window lies entirely in the padding"));
    }
    let kernel = match step.kernel {
        Kernel::Pool2dF32 { act, .. } => Kernel::Pool2dF32 { window, average: true, act },
        _ => Kernel::AveragePool2d { window, act },
    };
    Ok(Lowered::Step(crate::ir::Step { kernel, ..step }))
}
