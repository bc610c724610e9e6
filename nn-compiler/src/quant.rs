//! Compile-time quantization arithmetic, reproducing TFLM's `Prepare` steps
//! (`QuantizeMultiplier`, activation ranges, padding) so that the constants
//! the generated code uses are exactly TFLM's.

use crate::parse::{Activation, Padding};

/// `frexp`: `x = m * 2^e` with `0.5 <= |m| < 1`, for finite non-zero `x`.
pub(crate) fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp_field = ((bits >> 52) & 0x7ff) as i32;
    if exp_field == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * 2f64.powi(64));
        return (m, e - 64);
    }
    let e = exp_field - 1022;
    let m = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (m, e)
}

/// TFLM's `QuantizeMultiplier`: a Q0.31 multiplier and a power-of-two
/// exponent with `m ≈ multiplier * 2^(shift - 31)`. Tiny multipliers flush
/// to zero exactly as TFLM does.
pub fn quantize_multiplier(m: f64) -> (i32, i32) {
    if m == 0.0 {
        return (0, 0);
    }
    let (q, mut shift) = frexp(m);
    // `f64::round` rounds half away from zero, like `std::round`.
    let mut q_fixed = (q * (1i64 << 31) as f64).round() as i64;
    if q_fixed == 1i64 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        shift = 0;
        q_fixed = 0;
    }
    (q_fixed as i32, shift)
}

/// TFLM's `Quantize` helper used for activation bounds: `zp + round(f /
/// scale)` computed in `f32`.
fn quantize_bound(scale: f32, zero_point: i32, f: f32) -> i32 {
    let t = (f / scale).round();
    if t >= i32::MIN as f32 && t <= i32::MAX as f32 {
        zero_point.saturating_add(t as i32)
    } else if t > 0.0 {
        i32::MAX
    } else {
        i32::MIN
    }
}

/// TFLM's `CalculateActivationRangeQuantized` for an output of range
/// `qmin..=qmax`.
pub fn activation_range(act: Activation, scale: f32, zero_point: i32, qmin: i32, qmax: i32) -> (i32, i32) {
    let q = |f| quantize_bound(scale, zero_point, f);
    match act {
        Activation::Relu => (qmin.max(q(0.0)), qmax),
        Activation::Relu6 => (qmin.max(q(0.0)), qmax.min(q(6.0))),
        Activation::ReluN1To1 => (qmin.max(q(-1.0)), qmax.min(q(1.0))),
        Activation::None | Activation::Other(_) => (qmin, qmax),
    }
}

/// TFLM's `ComputeOutSize`.
pub fn out_size(padding: Padding, input: usize, filter: usize, stride: usize, dilation: usize) -> usize {
    let effective = (filter - 1) * dilation + 1;
    match padding {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => (input + stride).saturating_sub(effective) / stride,
    }
}

/// TFLM's `ComputePaddingWithOffset`: padding before the input (the extra
/// padding of an odd total goes after).
pub fn pad_before(input: usize, filter: usize, stride: usize, dilation: usize, output: usize) -> usize {
    let effective = (filter - 1) * dilation + 1;
    let total = ((output.max(1) - 1) * stride + effective) as i64 - input as i64;
    (total.max(0) / 2) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers() {
        assert_eq!(quantize_multiplier(0.5), (1 << 30, 0));
        assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.25), (1 << 30, -1));
        assert_eq!(quantize_multiplier(0.0), (0, 0));
        assert_eq!(quantize_multiplier(1e-12), (0, 0));
        // Rounds up to 2^31 and renormalizes.
        assert_eq!(quantize_multiplier(0.999_999_999_9), (1 << 30, 1));
        let (m, s) = quantize_multiplier(0.003_921_568_6);
        assert_eq!(s, -7);
        // Q0.31 rounding: within half a unit in the last place.
        assert!((m as f64 / 2f64.powi(31) * 2f64.powi(s) - 0.003_921_568_6).abs() <= 2f64.powi(s - 32));
    }

    #[test]
    fn frexp_subnormal() {
        let (m, e) = frexp(f64::MIN_POSITIVE / 4.0);
        assert_eq!(m, 0.5);
        assert_eq!(e, -1023);
    }

    #[test]
    fn same_padding_stride_2() {
        // 224 -> 112 with a 3x3 filter: one column of padding after only.
        assert_eq!(out_size(Padding::Same, 224, 3, 2, 1), 112);
        assert_eq!(pad_before(224, 3, 2, 1, 112), 0);
        assert_eq!(pad_before(225, 3, 2, 1, 113), 1);
        assert_eq!(out_size(Padding::Valid, 5, 3, 1, 2), 1);
    }

    #[test]
    fn relu_ranges() {
        assert_eq!(activation_range(Activation::Relu, 0.1, -5, -128, 127), (-5, 127));
        assert_eq!(activation_range(Activation::Relu6, 0.1, -5, -128, 127), (-5, 55));
        assert_eq!(activation_range(Activation::ReluN1To1, 0.5, 0, -128, 127), (-2, 2));
    }
}
