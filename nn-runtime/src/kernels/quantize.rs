//! QUANTIZE: float32 to int8 (TFLM's `AffineQuantize`) and requantization
//! between integer types (TFLM's `Requantize`: int8, int16, int32, and uint8
//! to or from int8).

use super::Quantized;
use crate::kernels::clamp;
use crate::quant::multiply_by_quantized_multiplier;

/// Quantizes one value: `round(x / scale)` in `f32`, ties away from zero,
/// plus the zero point, saturated to `min..=max`.
#[inline]
pub fn quantize_one(x: f32, scale: f32, zero_point: i32, min: i32, max: i32) -> i32 {
    // `as` saturates out-of-range floats (and maps NaN to 0), where C++
    // would be undefined; in range both agree.
    let q = round_half_away(x / scale) as i32;
    clamp(q.saturating_add(zero_point), min, max)
}

/// `roundf` without `std`: rounds half away from zero.
#[inline]
fn round_half_away(x: f32) -> f32 {
    // Values of magnitude 2^23 and above are already integers (NaN and
    // infinities pass through too).
    if x.is_nan() || x.abs() >= 8_388_608.0 {
        return x;
    }
    let t = x as i32 as f32; // Truncates toward zero.
    let frac = x - t;
    if frac >= 0.5 {
        t + 1.0
    } else if frac <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// Constants of a float32 to int8 QUANTIZE.
#[derive(Clone, Copy, Debug)]
pub struct QuantizeF32 {
    /// Output scale.
    pub scale: f32,
    /// Output zero point.
    pub zero_point: i32,
}

/// Quantizes float32 values to int8.
pub fn quantize_f32_i8(p: &QuantizeF32, input: &[f32], output: &mut [i8]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = quantize_one(x, p.scale, p.zero_point, -128, 127) as i8;
    }
}

/// Constants of an integer to integer QUANTIZE (a change of scale and type).
#[derive(Clone, Copy, Debug)]
pub struct Requantize {
    /// Q0.31 multiplier of `input_scale / output_scale`.
    pub multiplier: i32,
    /// Its shift.
    pub shift: i32,
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
}

/// Requantizes integer values to another scale and type (TFLM's
/// `Requantize`: subtract the input zero point, rescale, add the output zero
/// point, saturate).
pub fn requantize<I: Quantized, O: Quantized>(p: &Requantize, input: &[I], output: &mut [O]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let v = multiply_by_quantized_multiplier(x.get().wrapping_sub(p.input_zero_point), p.multiplier, p.shift);
        *o = O::saturate(v.wrapping_add(p.output_zero_point));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_half_away(2.5), 3.0);
        assert_eq!(round_half_away(-2.5), -3.0);
        assert_eq!(round_half_away(2.4999), 2.0);
        assert_eq!(round_half_away(-0.4), 0.0);
        assert_eq!(round_half_away(1e20), 1e20);
    }

    /// uint8 <-> int8 with one scale and zero points 128 apart is TFLM's
    /// `x ^ 0x80` fast path; the general path gives the same bytes.
    #[test]
    fn uint8_int8_shift_by_128() {
        let p = Requantize { multiplier: 1 << 30, shift: 1, input_zero_point: 128, output_zero_point: 0 };
        let input: [u8; 5] = [0, 1, 127, 128, 255];
        let mut out = [0i8; 5];
        requantize(&p, &input, &mut out);
        for (o, i) in out.iter().zip(&input) {
            assert_eq!(*o as u8, i ^ 0x80);
        }
        let back = Requantize { input_zero_point: -3, output_zero_point: 125, ..p };
        let mut round = [0u8; 5];
        requantize(&back, &out, &mut round);
        assert_eq!(round, input);
    }

    #[test]
    fn quantize_saturates() {
        assert_eq!(quantize_one(1000.0, 0.1, 0, -128, 127), 127);
        assert_eq!(quantize_one(-1000.0, 0.1, 3, -128, 127), -128);
        assert_eq!(quantize_one(0.25, 0.1, -1, -128, 127), 2);
    }
}
