//! SOFTMAX, int8 in and int8 out (output scale 1/256, zero point -128) or
//! int16 out (scale 1/65536, zero point -32768): TFLM's reference integer
//! softmax with gemmlowp fixed-point `exp`; int16 in and int16 out (zero
//! points 0, output scale 1/32768): TFLM's `SoftmaxInt16` with its two
//! interpolated 513-entry tables, which the compiler fills; and float32:
//! TFLM's reference float softmax with glibc's `expf`.

use crate::kernels::{clamp, Quantized};
use crate::quant::{
    exp_on_negative_values_q5_26, get_reciprocal, multiply_by_quantized_multiplier,
    multiply_by_quantized_multiplier_greater_than_one, rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
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
        let scaled_exp = |v: i8| scaled_exp(p, v as i32 - max);
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

/// `exp` of the difference `diff` (at most 0) of an input from its row's
/// maximum, in Q0.31, or `None` below `diff_min`. Not inlined: both passes
/// of [`softmax`] call it, and its fixed-point `exp` is most of the
/// kernel's code.
#[inline(never)]
fn scaled_exp(p: &Softmax, diff: i32) -> Option<i32> {
    (diff >= p.diff_min).then(|| {
        let rescaled = multiply_by_quantized_multiplier_greater_than_one(diff, p.input_multiplier, p.input_left_shift);
        exp_on_negative_values_q5_26(rescaled)
    })
}

/// Entries of an int16 lookup table: 512 segments of 128 inputs each and
/// the end point of the last one (TFLM's `LUTSize<int16_t>()`).
pub const LUT_I16_SIZE: usize = 513;

/// Constants of one int16 softmax layer.
#[derive(Clone, Copy, Debug)]
pub struct SoftmaxI16<'a> {
    /// Number of rows (all dimensions but the last).
    pub rows: usize,
    /// Length of the last dimension.
    pub depth: usize,
    /// Q0.31 multiplier that maps `beta * input_scale` differences from the
    /// row maximum onto the exp table's input range (`[-65535, 0]` for
    /// `[-10, 0]`).
    pub input_multiplier: i32,
    /// Shift applied with `input_multiplier` (positive: left).
    pub input_left_shift: i32,
    /// `exp(x)` for `x` in `[-10, 0]`, in Q0.15 after TFLM's table generation.
    pub exp_lut: &'a [i16; LUT_I16_SIZE],
    /// `1 / (1 + x)` for `x` in `[0, 1]`, in Q0.15.
    pub one_over_one_plus_x_lut: &'a [i16; LUT_I16_SIZE],
}

/// TFLM's `LUTLookup` for int16: the table entry of the top 9 bits, plus the
/// slope to the next entry times the low 7 bits, rounded.
#[inline(always)]
pub fn lut_lookup_i16(value: i16, lut: &[i16; LUT_I16_SIZE]) -> i16 {
    // `value >> 7` is in -256..=255, so the index is in 0..=511.
    let index = (256 + (value >> 7) as i32) as usize;
    let offset = (value & 0x7f) as i32;
    let base = lut[index] as i32;
    let slope = lut[index + 1].wrapping_sub(lut[index]) as i32;
    (base + ((slope * offset + 64) >> 7)) as i16
}

/// Runs TFLM's `SoftmaxInt16` over the last dimension: each difference from
/// the row maximum is rescaled and looked up in the exp table, the sum's
/// reciprocal comes from the `1 / (1 + x)` table after normalising the sum
/// to `[1, 2)`, and each exponential is scaled by it to Q0.15.
pub fn softmax_i16(p: &SoftmaxI16, input: &[i16], output: &mut [i16]) {
    let depth = p.depth.max(1);
    for (x, out) in input.chunks_exact(depth).zip(output.chunks_exact_mut(depth)).take(p.rows) {
        let max = x.iter().fold(i16::MIN, |m, &v| m.max(v)) as i32;
        // Q16.15; each term is at most 32767, so no realistic row overflows.
        let mut sum_of_exps: i32 = 0;
        for (o, &v) in out.iter_mut().zip(x) {
            let scaled = multiply_by_quantized_multiplier(v as i32 - max, p.input_multiplier, p.input_left_shift);
            // Recentred from [-65535, 0] to the table's [-32768, 32767].
            let sym = clamp(scaled.wrapping_add(32767), -32768, 32767) as i16;
            *o = lut_lookup_i16(sym, p.exp_lut);
            sum_of_exps = sum_of_exps.wrapping_add(*o as i32);
        }
        // The maximum's own term makes the sum positive, so `headroom` is in
        // 1..=17 and the shifts below stay in range.
        let headroom = (sum_of_exps as u32).leading_zeros().clamp(1, 31);
        let shifted_sum = (((sum_of_exps as i64) << (headroom - 1)) + (1 << 13)) >> 14;
        // The table takes x = sum - 1, recentred from [0, 65535] to
        // [-32768, 32767].
        let sym_sum = clamp((shifted_sum as i32).wrapping_sub((1 << 15) + (1 << 16)), -32768, 32767) as i16;
        let reciprocal = lut_lookup_i16(sym_sum, p.one_over_one_plus_x_lut) as i64;
        let right_shift = 31 - headroom;
        let round = 1i64 << (right_shift.max(1) - 1);
        for o in out.iter_mut() {
            let result = ((*o as i64 * reciprocal + round) >> right_shift) as i32;
            *o = clamp(result, 0, 32767) as i16;
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

#[cfg(test)]
mod tests {
    use super::{lut_lookup_i16, LUT_I16_SIZE};

    #[test]
    fn lookup_interpolates_between_entries() {
        // Entries on the line y = x / 2 make the lookup TFLM's rounded half
        // of every input: base plus (slope * offset + 64) >> 7.
        let mut lut = [0i16; LUT_I16_SIZE];
        for (i, e) in lut.iter_mut().enumerate() {
            *e = (64 * i as i32 - 16384) as i16;
        }
        for v in i16::MIN..=i16::MAX {
            assert_eq!(lut_lookup_i16(v, &lut) as i32, (v as i32 + 1) >> 1, "input {v}");
        }
    }
}
