//! SOFTMAX, int8 in and int8 out (output scale 1/256, zero point -128) or
//! int16 out (scale 1/65536, zero point -32768): TFLM's reference integer
//! softmax with gemmlowp fixed-point `exp`; and float32: TFLM's reference
//! float softmax with glibc's `expf`.

use crate::kernels::{clamp, Quantized};
use crate::quant::{
    exp_on_negative_values_q5_26, get_reciprocal, multiply_by_quantized_multiplier_greater_than_one,
    rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
};

/// Constants of one int8 softmax layer.
#[derive(Clone, Copy, Debug)]
pub struct Softmax {
    /// Number of rows (all dimensions but the last).
    pub rows: usize,
    /// Length of the last dimension.
    pub depth: usize,
    /// Q0.31 multiplier of `beta * input_scale`, in Q5.26 after the shift.
    pub input_multiplier: i32,
    /// Left shift applied with `input_multiplier`.
    pub input_left_shift: i32,
    /// Differences from the row maximum below this contribute nothing.
    pub diff_min: i32,
}

/// Runs the softmax over the last dimension, writing int8 or int16.
pub fn softmax<O: Quantized>(p: &Softmax, input: &[i8], output: &mut [O]) {
    // Sums of exponentials are accumulated in Q12.19.
    const ACCUMULATION_INTEGER_BITS: i32 = 12;
    for r in 0..p.rows {
        let x = &input[r * p.depth..(r + 1) * p.depth];
        let out = &mut output[r * p.depth..(r + 1) * p.depth];
        let max = x.iter().fold(i8::MIN, |m, &v| m.max(v)) as i32;
        let scaled_exp = |v: i8| -> Option<i32> {
            let diff = v as i32 - max;
            (diff >= p.diff_min).then(|| {
                let rescaled =
                    multiply_by_quantized_multiplier_greater_than_one(diff, p.input_multiplier, p.input_left_shift);
                exp_on_negative_values_q5_26(rescaled)
            })
        };
        let mut sum_of_exps: i32 = 0;
        for &v in x {
            if let Some(e) = scaled_exp(v) {
                sum_of_exps = sum_of_exps.wrapping_add(rounding_divide_by_pot(e, ACCUMULATION_INTEGER_BITS));
            }
        }
        let (shifted_scale, num_bits_over_unit) = get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS);
        // 31 minus the output's bits: the probability in units of 2^-bits.
        let bits = 32 - O::MAX.leading_zeros() as i32 + 1;
        let exponent = num_bits_over_unit + 31 - bits;
        for (o, &v) in out.iter_mut().zip(x) {
            *o = match scaled_exp(v) {
                Some(e) => {
                    let unsat =
                        rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted_scale, e), exponent);
                    O::from_clamped(clamp(unsat + O::MIN, O::MIN, O::MAX))
                }
                None => O::from_clamped(O::MIN),
            };
        }
    }
}

/// Constants of one float32 softmax layer.
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxF32 {
    /// Number of rows (all dimensions but the last).
    pub rows: usize,
    /// Length of the last dimension.
    pub depth: usize,
    /// Inverse temperature.
    pub beta: f32,
}

/// Runs the float32 softmax over the last dimension, in TFLM's order: the
/// row maximum (`std::max`), `exp((x - max) * beta)` summed from 0, then
/// each exponential divided by the sum.
pub fn softmax_f32(p: &SoftmaxF32, input: &[f32], output: &mut [f32]) {
    for (x, out) in input.chunks_exact(p.depth.max(1)).zip(output.chunks_exact_mut(p.depth.max(1))).take(p.rows) {
        let max = x.iter().fold(f32::MIN, |m, &v| if m < v { v } else { m });
        let mut sum = 0.0f32;
        for (o, &v) in out.iter_mut().zip(x) {
            *o = crate::math::expf((v - max) * p.beta);
            sum += *o;
        }
        for o in out.iter_mut() {
            *o /= sum;
        }
    }
}
