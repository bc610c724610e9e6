//! TANH: int8, int16 and float32; TFLM's reference kernels.
//!
//! - int8: gemmlowp's fixed-point tanh on the input rescaled to Q4.27, as
//!   a table the compiler fills with [`tanh_i8_reference`].
//! - int16: TFLM's interpolation in the sigmoid table
//!   ([`tanh_i16_one`], which the LSTM reuses).
//! - float32: glibc's `tanhf`.

use super::logistic::{rescale_i16, Int16Activation, SIGMOID_TABLE};
use crate::math::tanhf;
use crate::quant::{fixed_point_tanh, multiply_by_quantized_multiplier, rounding_divide_by_pot};

/// TFLM's int8 TANH constants (`CalculateArithmeticOpData` of tanh.cc):
/// the same fields, computed the same way, as LOGISTIC's.
pub type TanhI8 = super::logistic::LogisticI8;

/// TFLM's int8 tanh of one value (output scale 1/128, zero point 0).
pub fn tanh_i8_reference(p: &TanhI8, x: i8) -> i8 {
    let input = x as i32 - p.input_zero_point;
    if input <= -p.input_range_radius {
        return i8::MIN;
    }
    if input >= p.input_range_radius {
        return i8::MAX;
    }
    let q4 = multiply_by_quantized_multiplier(input, p.input_multiplier, p.input_left_shift);
    let q24 = rounding_divide_by_pot(fixed_point_tanh(q4, 4), 31 - 7);
    super::clamp(q24, -128, 127) as i8
}

/// The int8 kernel: a lookup in the table the compiler filled with
/// [`tanh_i8_reference`].
pub fn tanh_i8(table: &[i8; 256], input: &[i8], output: &mut [i8]) {
    super::lookup_i8(table, input, output);
}

/// TFLM's int16 tanh of one value (input Q3.12 after rescaling, output
/// Q0.15).
#[inline(always)]
pub const fn tanh_i16_one(x: i16, input_multiplier: i32, input_left_shift: i32) -> i16 {
    let v = rescale_i16(x, input_multiplier, input_left_shift);
    let abs = v.unsigned_abs();
    let index = (abs >> 8) as usize;
    let result = if index >= 255 {
        0xffff << 8
    } else {
        let (a, b) = (SIGMOID_TABLE[index] as u32, SIGMOID_TABLE[index + 1] as u32);
        ((a << 8) + (abs & 0xff) * (b - a)) as i32
    };
    let result = if v >= 0 { result - (1 << 23) + (1 << 7) } else { -result + (1 << 23) + (1 << 7) - 1 };
    (result >> 8) as i16
}

/// The int16 kernel.
pub fn tanh_i16(p: &Int16Activation, input: &[i16], output: &mut [i16]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = tanh_i16_one(x, p.input_multiplier, p.input_left_shift);
    }
}

/// The float32 kernel.
pub fn tanh_f32(_: &(), input: &[f32], output: &mut [f32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = tanhf(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int16_is_close_to_tanh() {
        for x in (i16::MIN..=i16::MAX).step_by(37) {
            let got = tanh_i16_one(x, 0, 0) as f64 / 32768.0;
            let want = (x as f64 / 4096.0).tanh();
            assert!((got - want).abs() < 2e-4, "{x}: {got} vs {want}");
        }
        assert_eq!(tanh_i16_one(0, 0, 0), 0);
        assert_eq!(tanh_i16_one(i16::MAX, 0, 0), 32767);
        assert_eq!(tanh_i16_one(i16::MIN, 0, 0), -32767);
    }

    #[test]
    fn int8_reference_is_close_to_tanh() {
        let scale = 1.0f64 / 32.0;
        let real = scale * (1u64 << 27) as f64;
        let shift = real.log2().floor() as i32 + 1;
        let multiplier = (real / (1u64 << shift) as f64 * (1u64 << 31) as f64).round() as i32;
        let radius = (15.0 * (1u64 << 27) as f64 / (1u64 << shift) as f64).floor() as i32;
        let p = TanhI8 {
            input_zero_point: -5,
            input_range_radius: radius,
            input_multiplier: multiplier,
            input_left_shift: shift,
        };
        for x in i8::MIN..=i8::MAX {
            let got = tanh_i8_reference(&p, x) as f64 / 128.0;
            let want = ((x as f64 + 5.0) * scale).tanh();
            assert!((got - want).abs() <= 1.0 / 128.0, "{x}: {got} vs {want}");
        }
    }
}
