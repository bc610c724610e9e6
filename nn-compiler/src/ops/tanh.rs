//! TANH: int8, int16 and float32; the checks and constants are LOGISTIC's
//! (TFLM's tanh.cc `Prepare` differs only in accepting an int16 input scale
//! of 2^-11 as a power of two, and in not checking the int8 output).

use crate::diag::Diagnostic;
use crate::lower::{Cx, Lowered};
use crate::parse::Op;

/// Checks and lowers one TANH.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    super::logistic::lower_activation(cx, op, true)
}
