//! SUB: like ADD (int8 or int16, broadcasting, fused activation), with the
//! difference of the rescaled inputs.

use crate::diag::Diagnostic;
use crate::lower::{Cx, Lowered};
use crate::parse::{Activation, Op, Options};

/// Checks and lowers one SUB.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    let activation = match op.options {
        Options::Sub { activation } => activation,
        _ => Activation::None,
    };
    super::add::lower_arithmetic(cx, op, true, activation)
}
