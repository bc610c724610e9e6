//! LOGISTIC (and, through `lower_activation`, TANH): int8, int16 and
//! float32, with the constants of TFLM's micro `Prepare`.
//!
//! The int8 kernels are table lookups: TFLM's arithmetic
//! (`nn_runtime::kernels::logistic::logistic_i8_reference`) is evaluated
//! here for all 256 inputs, so the table is exact by construction.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};
use crate::quant::frexp;

/// Checks and lowers one LOGISTIC.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    lower_activation(cx, op, false)
}

/// Checks and lowers one LOGISTIC (`tanh == false`) or TANH.
pub(crate) fn lower_activation(cx: &Cx, op: &Op, tanh: bool) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 1, 1, 1)?;
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    if tx.dtype != ty.dtype || tx.elements() != ty.elements() {
        return Err(cx.err(
            op,
            format_args!(
                "input {} ({}, {:?}) and output {} ({}, {:?}) differ in type or size",
                cx.describe(x),
                tx.dtype.name(),
                tx.shape,
                cx.describe(y),
                ty.dtype.name(),
                ty.shape
            ),
        ));
    }
    let dtype = tx.dtype;
    let (table, int16) = match dtype {
        DType::F32 => (Vec::new(), (0, 0)),
        DType::I8 => {
            let (_, in_scale, in_zp) = cx.int8_activation(op, x, "input")?;
            let (_, _, out_zp) = cx.int8_activation(op, y, "output")?;
            if !tanh && out_zp != -128 {
                return Err(
                    cx.err(op, format_args!("the output has zero point {out_zp}; TFLM's int8 LOGISTIC requires -128"))
                );
            }
            (int8_table(cx, op, in_scale, in_zp, tanh)?, (0, 0))
        }
        DType::I16 => {
            let (_, _, in_scale, _) = cx.quantized_activation(op, x, "input", &[DType::I16])?;
            let (_, _, out_scale, _) = cx.quantized_activation(op, y, "output", &[DType::I16])?;
            (Vec::new(), int16_params(cx, op, in_scale, out_scale, tanh)?)
        }
        other => {
            return Err(cx.err(
                op,
                format_args!(
                    "input {} has type {}; this operator supports int8, int16 and float32",
                    cx.describe(x),
                    other.name()
                ),
            ))
        }
    };
    Ok(Lowered::Step(Step {
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::LogisticTanh { tanh, dtype, table, int16 },
        inputs: vec![x],
        output: y,
        state: Vec::new(),
        scratch: Vec::new(),
    }))
}

/// TFLM's int8 `Prepare` (input rescaled to Q4.27 by a `frexp`-formed
/// multiplier, saturation radius from `CalculateInputRadius`), then the
/// output for every input.
fn int8_table(cx: &Cx, op: &Op, scale: f32, zero_point: i32, tanh: bool) -> Result<Vec<i8>, Diagnostic> {
    const INPUT_INTEGER_BITS: i32 = 4;
    let real = scale as f64 * (1u64 << (31 - INPUT_INTEGER_BITS)) as f64;
    let (q, shift) = frexp(real);
    let multiplier = (q * (1u64 << 31) as f64).round();
    // TFLM shifts by `input_left_shift` as a 64-bit integer, and a rounded
    // multiplier of 2^31 would not fit.
    if !(0..=62).contains(&shift) || multiplier >= (1u64 << 31) as f64 {
        return Err(
            cx.err(op, format_args!("the input scale {scale:e} is outside what TFLM's int8 {} can rescale", op.name))
        );
    }
    let radius = ((((1 << INPUT_INTEGER_BITS) - 1) as f64 * (1u64 << (31 - INPUT_INTEGER_BITS)) as f64)
        / (1u64 << shift) as f64)
        .floor() as i32;
    // LOGISTIC and TANH share their input constants (`TanhI8` is `LogisticI8`).
    let p = nn_runtime::kernels::logistic::LogisticI8 {
        input_zero_point: zero_point,
        input_range_radius: radius,
        input_multiplier: multiplier as i32,
        input_left_shift: shift,
    };
    let table = (0..=255u8).map(|b| {
        let x = b as i8;
        if tanh {
            nn_runtime::kernels::tanh::tanh_i8_reference(&p, x)
        } else {
            nn_runtime::kernels::logistic::logistic_i8_reference(&p, x)
        }
    });
    Ok(table.collect())
}

/// TFLM's `CheckedLog2`, in `f32` as TFLM computes it: the rounded base-2
/// logarithm and whether `x` is within 0.1% (of an octave) of that power of
/// two.
pub(crate) fn checked_log2(x: f32) -> (bool, i32) {
    let log2 = x.ln() * (1.0f32 / 2.0f32.ln());
    let rounded = log2.round();
    ((log2 - rounded).abs() < 1e-3, rounded as i32)
}

/// TFLM's int16 `Prepare`: a power-of-two input scale (2^-12, or 2^-11 for
/// TANH) gets multiplier 0, any other a multiplier to the table's scale of
/// `1 / (3 * 4096)`, doubled until it exceeds 16383.5; the output must be
/// quantized with scale 2^-15.
fn int16_params(cx: &Cx, op: &Op, in_scale: f32, out_scale: f32, tanh: bool) -> Result<(i32, i32), Diagnostic> {
    const INPUT_INTEGER_BITS: i32 = 3;
    let (pot, log2) = checked_log2(in_scale);
    let mut shift = (15 - INPUT_INTEGER_BITS) + log2;
    let params = if pot && (shift == 0 || (tanh && shift == 1)) {
        (0, shift)
    } else {
        let mut m = in_scale as f64 * 4096.0 * 3.0;
        shift = 0;
        while m <= 32767.0 / 2.0 && shift <= 30 {
            shift += 1;
            m *= 2.0;
        }
        // TFLM only asserts this in debug builds; a larger multiplier
        // would overflow its 32-bit products.
        if m > 32767.0 {
            return Err(cx.err(
                op,
                format_args!(
                    "the input scale {in_scale:e} is too large for TFLM's int16 {} (at most about 2.7; \
                     inputs beyond +-8 saturate anyway)",
                    op.name
                ),
            ));
        }
        (m as i32, shift)
    };
    let (out_pot, out_log2) = checked_log2(out_scale);
    if !out_pot || out_log2 != -15 {
        return Err(
            cx.err(op, format_args!("the output scale is {out_scale:e}; TFLM's int16 {} requires 2^-15", op.name))
        );
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::checked_log2;

    #[test]
    fn checked_log2_tolerates_a_little() {
        assert_eq!(checked_log2(1.0 / 4096.0), (true, -12));
        assert_eq!(checked_log2(3.0517578e-5), (true, -15));
        assert_eq!(checked_log2(0.0003), (false, -12));
        assert_eq!(checked_log2(1.0 / 4096.0 * 1.0005), (true, -12));
    }
}
