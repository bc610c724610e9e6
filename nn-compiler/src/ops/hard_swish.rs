//! HARD_SWISH: `x * relu6(x + 3) / 6`. float32 runs TFLM's float reference
//! at run time. int8 becomes a 256-entry lookup table: the compiler evaluates
//! TFLM's integer algorithm (`HardSwishPrepare`'s parameters, then
//! `reference_ops::HardSwish<int8_t>` with gemmlowp's 16-bit fixed-point
//! helpers) for every possible input byte, so the runtime does one load per
//! element and stays exact by construction.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};
use crate::quant::quantize_multiplier;

/// Checks and lowers one HARD_SWISH.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 1, 1, 1)?;
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    if tx.elements() != ty.elements() {
        return Err(cx.err(op, format_args!("the input has shape {:?} but the output {:?}", tx.shape, ty.shape)));
    }
    let kernel = if tx.dtype == DType::F32 {
        if ty.dtype != DType::F32 {
            return Err(cx.err(op, format_args!("the input is float32 but the output is {}", ty.dtype.name())));
        }
        Kernel::HardSwishF32
    } else {
        let (_, _, x_scale, x_zp) = cx.quantized_activation(op, x, "input", &[DType::I8])?;
        let (_, _, y_scale, y_zp) = cx.quantized_activation(op, y, "output", &[DType::I8])?;
        let params = Params::new((x_scale, x_zp), (y_scale, y_zp)).map_err(|e| cx.err(op, e))?;
        Kernel::HardSwish { table: params.table() }
    };
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel,
        inputs: vec![x],
        output: y,
    }))
}

/// TFLM's `HardSwishParams` for an int8 layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    input_zero_point: i16,
    output_zero_point: i16,
    reluish_multiplier: i16,
    reluish_exponent: i32,
    output_multiplier: i16,
    output_exponent: i32,
}

impl Params {
    /// `HardSwishPrepare`: the ratios are formed in `f32` and only then
    /// widened, both multipliers are rounded to 16 bits, and the output
    /// exponent must not be positive (TFLM refuses the layer otherwise).
    pub fn new(input: (f32, i32), output: (f32, i32)) -> Result<Self, String> {
        let hires_input_scale = (1.0f32 / 128.0) * input.0;
        let reluish_scale = 3.0f32 / 32768.0;
        let (out_q, output_exponent) = quantize_multiplier((hires_input_scale / output.0) as f64);
        let (rel_q, reluish_exponent) = quantize_multiplier((hires_input_scale / reluish_scale) as f64);
        if output_exponent > 0 {
            return Err(format!(
                "the input scale {} is more than 128 times the output scale {}; TFLM's HARD_SWISH refuses this \
                 (output multiplier exponent {output_exponent} > 0)",
                input.0, output.0
            ));
        }
        // TFLM shifts left by `exponent - 1` in a plain `int`.
        if reluish_exponent > 31 {
            return Err(format!("the input scale {} is too large for TFLM's HARD_SWISH", input.0));
        }
        let (Ok(input_zero_point), Ok(output_zero_point)) = (i16::try_from(input.1), i16::try_from(output.1)) else {
            return Err("a zero point is outside int16".to_string());
        };
        Ok(Params {
            input_zero_point,
            output_zero_point,
            reluish_multiplier: down_scale_to_i16(rel_q),
            reluish_exponent,
            output_multiplier: down_scale_to_i16(out_q),
            output_exponent,
        })
    }

    /// The output for every input byte, indexed by the byte's bits (`x as
    /// u8`).
    pub fn table(&self) -> Vec<i8> {
        (0..=255u8).map(|b| self.apply(b as i8)).collect()
    }

    /// `reference_ops::HardSwish<int8_t>` for one element. Every
    /// intermediate is an `int16_t` in TFLM, so values are narrowed where it
    /// narrows them.
    pub fn apply(&self, x: i8) -> i8 {
        let input_value = (x as i32 - self.input_zero_point as i32) as i16;
        let hires = (input_value as i32 * (1 << 7)) as i16;
        let preshift_output_scale = srdhm(hires, self.output_multiplier);
        let mut reluish = hires;
        if self.reluish_exponent > 0 {
            reluish = saturating_left_shift(reluish, self.reluish_exponent - 1);
        }
        reluish = srdhm(reluish, self.reluish_multiplier);
        if self.reluish_exponent > 0 {
            reluish = saturating_left_shift(reluish, 1);
        }
        if self.reluish_exponent < 0 {
            reluish = rounding_divide_by_pot(reluish, -self.reluish_exponent);
        }
        // From [-1, 1] to [0, 1], in `int` and narrowed back.
        reluish = ((reluish as i32 + (1 << 15)) >> 1) as i16;
        let preshift_output = saturating_doubling_high_mul(reluish, preshift_output_scale);
        let mut out = rounding_divide_by_pot(preshift_output, -self.output_exponent);
        out = (out as i32 + self.output_zero_point as i32) as i16;
        out.clamp(i8::MIN as i16, i8::MAX as i16) as i8
    }
}

/// TFLM's `DownScaleInt32ToInt16Multiplier`: round a Q0.31 multiplier to
/// Q0.15, saturating at the top.
fn down_scale_to_i16(m: i32) -> i16 {
    const ROUNDING: i32 = 1 << 15;
    if m >= i32::MAX - ROUNDING {
        return i16::MAX;
    }
    ((m + ROUNDING) >> 16) as i16
}

/// gemmlowp's 16-bit `SaturatingRoundingDoublingHighMul`: the nudge is
/// `2^14` (or `1 - 2^14` for negative products), then a division by `2^15`
/// that truncates toward zero.
fn srdhm(a: i16, b: i16) -> i16 {
    if a == b && a == i16::MIN {
        return i16::MAX;
    }
    let ab = a as i32 * b as i32;
    let nudge = if ab >= 0 { 1 << 14 } else { 1 - (1 << 14) };
    ((ab + nudge) / (1 << 15)) as i16
}

/// TFLM's `SaturatingDoublingHighMul`: like [`srdhm`] but truncating, with
/// no nudge.
fn saturating_doubling_high_mul(a: i16, b: i16) -> i16 {
    if a == b && a == i16::MIN {
        return i16::MAX;
    }
    ((a as i32 * b as i32) / (1 << 15)) as i16
}

/// gemmlowp's `RoundingDivideByPOT` on `int16_t` (`exponent` in 0..=31):
/// the mask is `2^exponent - 1` narrowed to 16 bits (all ones from 16 on),
/// and every sum is narrowed back to 16 bits.
fn rounding_divide_by_pot(x: i16, exponent: i32) -> i16 {
    let mask = ((1i64 << exponent) - 1) as i16;
    let remainder = x & mask;
    let threshold = ((mask >> 1) as i32 + (x < 0) as i32) as i16;
    let shifted = ((x as i32) >> exponent) as i16;
    (shifted as i32 + (remainder > threshold) as i32) as i16
}

/// TFLM's `SaturatingLeftShift` on `int16_t` (`amount` in 0..=30).
fn saturating_left_shift(v: i16, amount: i32) -> i16 {
    (v as i64 * (1i64 << amount)).clamp(i16::MIN as i64, i16::MAX as i64) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real hard swish, for a sanity bound on the integer algorithm.
    fn real(x: f32) -> f32 {
        x * (x + 3.0).clamp(0.0, 6.0) / 6.0
    }

    #[test]
    fn tables_track_the_real_function() {
        // Typical calibrations: the quantized result stays within a few
        // steps of the real function (TFLM's own tests allow similar).
        for &(si, zi, so, zo) in
            &[(0.05f32, -10, 0.04f32, -118), (0.02, 0, 0.015, -103), (0.1, 30, 0.06, -122), (0.004, -5, 0.003, -3)]
        {
            let p = Params::new((si, zi), (so, zo)).expect("valid");
            for q in -128..=127i32 {
                let x = (q - zi) as f32 * si;
                let want = (real(x) / so).round() as i32 + zo;
                let got = p.apply(q as i8) as i32;
                assert!((got - want.clamp(-128, 127)).abs() <= 3, "{si} {zi} {so} {zo}: x={q} got {got} want {want}");
            }
        }
    }

    #[test]
    fn rounding_divide_by_pot_on_16_bits() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(-4, 1), -2);
        assert_eq!(rounding_divide_by_pot(i16::MAX, 15), 1);
        assert_eq!(rounding_divide_by_pot(i16::MIN, 15), -1);
        // From 16 on the narrowed mask is all ones: the remainder is the
        // value itself and the threshold -1 or 0, so even zero rounds up.
        assert_eq!(rounding_divide_by_pot(100, 20), 1);
        assert_eq!(rounding_divide_by_pot(-100, 20), -1);
        assert_eq!(rounding_divide_by_pot(0, 20), 1);
    }

    #[test]
    fn multiplier_helpers() {
        assert_eq!(srdhm(i16::MIN, i16::MIN), i16::MAX);
        assert_eq!(srdhm(16384, 16384), 8192);
        assert_eq!(srdhm(-3, 16384), -1);
        assert_eq!(saturating_doubling_high_mul(-3, 16384), -1);
        assert_eq!(saturating_doubling_high_mul(-1, 16384), 0);
        assert_eq!(down_scale_to_i16(i32::MAX), i16::MAX);
        assert_eq!(down_scale_to_i16(1 << 30), 1 << 14);
        assert_eq!(saturating_left_shift(20000, 1), i16::MAX);
        assert_eq!(saturating_left_shift(-20000, 1), i16::MIN);
    }

    #[test]
    fn refuses_a_positive_output_exponent() {
        assert!(Params::new((1.0, 0), (0.001, 0)).is_err());
    }
}
