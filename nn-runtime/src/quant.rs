//! TensorFlow Lite integer arithmetic, exactly as TFLM computes it.
//!
//! Requantization uses TFLM's default *double rounding*: a
//! saturating rounding doubling high multiply by a Q0.31 multiplier followed
//! by a rounding divide by a power of two (gemmlowp's `VQRDMULH` + `RSHR`
//! semantics). Desktop LiteRT can use single rounding instead, which is not
//! bit-exact with TFLM, so it is deliberately not offered here.
//!
//! The fixed-point helpers at the end implement the gemmlowp functions that
//! the int8 softmax uses (`exp_on_negative_values`,
//! `one_over_one_plus_x_for_x_in_0_1`), with the same constants and the
//! same order of operations.

/// `round(a * b / 2^31)`, saturating the single overflow case
/// `i32::MIN * i32::MIN` to `i32::MAX` (ARM `VQRDMULH`). Exact ties round
/// toward +infinity: gemmlowp nudges negative products by `1 - 2^30` and
/// truncates.
#[inline(always)]
pub const fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == b && a == i32::MIN {
        return i32::MAX;
    }
    // gemmlowp adds a nudge of 2^30 (1 - 2^30 for negative products) and
    // divides by 2^31 truncating toward zero; that equals one arithmetic
    // shift of the product plus 2^30 (ties toward +infinity), which is
    // cheaper. tests/reference_equivalence.rs checks both forms agree.
    ((a as i64 * b as i64 + (1 << 30)) >> 31) as i32
}

/// Arithmetic right shift by `exponent` (0..=31) rounding to nearest, ties
/// away from zero.
#[inline(always)]
pub const fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> exponent) + (remainder > threshold) as i32
}

/// Multiplies `x` by the real number `multiplier * 2^(shift - 31)`, with
/// TFLM's double rounding (`MultiplyByQuantizedMultiplier`).
///
/// `shift` is in `-31..=30` for every multiplier the compiler emits.
#[inline(always)]
pub const fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = if shift > 0 { shift } else { 0 };
    let right = if shift > 0 { 0 } else { -shift };
    // TFLM multiplies in plain `int`; wrapping keeps the same bits.
    let shifted = x.wrapping_mul(1i32.wrapping_shl(left as u32));
    rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right)
}

/// The rounding constant of [`requantize_fused`] for a right shift
/// (`shift` in `-22..=-1`) and an output offset in `-255..=255`, or `None`
/// outside those ranges (then the two-step form must be used).
///
/// TFLM rounds twice: `y = round(x * m / 2^31)` (ties up), then
/// `round(y / 2^e)` (ties away from zero). Nested floors merge
/// (`floor((floor(a / b) + c) / d) = floor((a + c * b) / (b * d))`), so the
/// result plus the offset is `floor((x * m + c) / 2^(31 + e))` with
/// `c = 2^30 + 2^(30 + e) + offset * 2^(31 + e)`, less `2^31` inside the
/// floor when `y < 0`. `y < 0` implies `x < 0`, and `x < 0` with `y >= 0`
/// means `y = 0`, which rounds to 0 either way, so the sign of `x` decides.
/// With `|x * m| < 2^62` the sum fits in an `i64` for these ranges.
#[inline(always)]
pub const fn requantize_constant(shift: i32, output_offset: i32) -> Option<i64> {
    let e = -(shift as i64);
    if e < 1 || e > 22 || output_offset < -255 || output_offset > 255 {
        return None;
    }
    Some((1i64 << 30) + (1i64 << (30 + e)) + ((output_offset as i64) << (31 + e)))
}

/// `multiply_by_quantized_multiplier(x, multiplier, shift) + output_offset`
/// in one 64-bit multiply-accumulate, for a non-negative `multiplier` and
/// `constant = requantize_constant(shift, output_offset)`: the high word of
/// `x * multiplier + constant - [x < 0] * 2^31`, shifted right by
/// `-shift - 1`.
#[inline(always)]
pub const fn requantize_fused(x: i32, multiplier: i32, constant: i64, shift: i32) -> i32 {
    let sign = (x >> 31) as i64;
    let t = (x as i64 * multiplier as i64).wrapping_add(constant).wrapping_add(sign << 31);
    ((t >> 32) as i32) >> ((-shift - 1) & 31)
}

/// TFLM's `MultiplyByQuantizedMultiplier` for a 64-bit accumulator (int16
/// activations): the multiplier is first rounded to 16 bits, then one
/// rounding shift by `15 - shift` (`shift` in `-31..=7`).
#[inline(always)]
pub const fn multiply_by_quantized_multiplier_i64(x: i64, multiplier: i32, shift: i32) -> i32 {
    let reduced = if multiplier < 0x7FFF_0000 { (multiplier + (1 << 15)) >> 16 } else { 0x7FFF } as i64;
    let total_shift = 15 - shift;
    let round = 1i64 << (total_shift - 1);
    (x.wrapping_mul(reduced).wrapping_add(round) >> total_shift) as i32
}

/// TFLM's `MultiplyByQuantizedMultiplierSmallerThanOneExp`: `shift <= 0`.
#[inline(always)]
pub const fn multiply_by_quantized_multiplier_smaller_than_one_exp(x: i32, multiplier: i32, shift: i32) -> i32 {
    rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier), -shift)
}

/// TFLM's `MultiplyByQuantizedMultiplierGreaterThanOne`: `shift >= 0`.
#[inline(always)]
pub const fn multiply_by_quantized_multiplier_greater_than_one(x: i32, multiplier: i32, shift: i32) -> i32 {
    saturating_rounding_doubling_high_mul(x.wrapping_mul(1i32.wrapping_shl(shift as u32)), multiplier)
}

/// gemmlowp's `SaturatingRoundingMultiplyByPOT<exponent>` for a positive
/// exponent: a left shift that saturates instead of overflowing.
#[inline(always)]
pub const fn saturating_shift_left(x: i32, exponent: i32) -> i32 {
    let threshold = (1i32 << (31 - exponent)) - 1;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x << exponent
    }
}

/// `(a + b) / 2` rounded to nearest, ties away from zero (ARM `VRHADD`).
#[inline(always)]
pub const fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64;
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// `exp(x)` for `x` in `[-1/4, 0)`, both in Q0.31: a fourth-order Taylor
/// expansion around -1/8 (gemmlowp's
/// `exp_on_interval_between_negative_one_quarter_and_0_excl`).
#[inline(always)]
const fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const CONSTANT_TERM: i32 = 1_895_147_668; // exp(-1/8) in Q0.31.
    const ONE_THIRD: i32 = 715_827_883; // 1/3 in Q0.31.
    let x = a.wrapping_add(1 << 28);
    let x2 = saturating_rounding_doubling_high_mul(x, x);
    let x3 = saturating_rounding_doubling_high_mul(x2, x);
    let x4 = saturating_rounding_doubling_high_mul(x2, x2);
    let x4_over_4 = rounding_divide_by_pot(x4, 2);
    let poly = rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        1,
    );
    CONSTANT_TERM.wrapping_add(saturating_rounding_doubling_high_mul(CONSTANT_TERM, x.wrapping_add(poly)))
}

/// `exp(a)` for `a <= 0` given in Q5.26, returned in Q0.31 (gemmlowp's
/// `exp_on_negative_values` for a `FixedPoint<int32, 5>` argument).
#[inline(always)]
pub const fn exp_on_negative_values_q5_26(a: i32) -> i32 {
    exp_on_negative_values(a, 5)
}

/// `exp(a)` for `a <= 0` with `integer_bits` (1..=6) integer bits, returned
/// in Q0.31 (gemmlowp's `exp_on_negative_values` for a
/// `FixedPoint<int32, integer_bits>` argument).
#[inline(always)]
pub const fn exp_on_negative_values(a: i32, integer_bits: i32) -> i32 {
    let fractional_bits = 31 - integer_bits;
    let one_quarter = 1i32 << (fractional_bits - 2);
    let mask = one_quarter - 1;
    // exp(-2^k) in Q0.31 for k = -2..=4, applied for every set bit of the
    // remainder (a barrel shifter over the integer part).
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(saturating_shift_left(
        a_mod_quarter_minus_one_quarter,
        integer_bits,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    let mut i = 0;
    while i < BARREL.len() {
        let (exponent, multiplier) = BARREL[i];
        if integer_bits > exponent && remainder & (1 << (fractional_bits + exponent)) != 0 {
            result = saturating_rounding_doubling_high_mul(result, multiplier);
        }
        i += 1;
    }
    // Below -32 the result is zero (only reachable with 6 integer bits).
    if integer_bits > 5 && a < -(1 << (36 - integer_bits)) {
        result = 0;
    }
    if a == 0 {
        i32::MAX
    } else {
        result
    }
}

/// Three Newton-Raphson steps towards `1 / (1 + a)` for `a` in `[0, 1)`
/// (Q0.31); the estimate is returned in Q2.29.
#[inline(always)]
const fn newton_reciprocal_q2_29(a: i32) -> i32 {
    const C48_OVER_17: i32 = 1_515_870_810; // Q2.29.
    const CNEG32_OVER_17: i32 = -1_010_580_540; // Q2.29.
    const ONE_Q2_29: i32 = 1 << 29;
    let half_denominator = rounding_half_sum(a, i32::MAX);
    let mut x = C48_OVER_17.wrapping_add(saturating_rounding_doubling_high_mul(half_denominator, CNEG32_OVER_17));
    let mut i = 0;
    while i < 3 {
        let half_denominator_times_x = saturating_rounding_doubling_high_mul(half_denominator, x);
        let one_minus = ONE_Q2_29.wrapping_sub(half_denominator_times_x);
        x = x.wrapping_add(saturating_shift_left(saturating_rounding_doubling_high_mul(x, one_minus), 2));
        i += 1;
    }
    x
}

/// `1 / (1 + x)` for `x` in `[0, 1)` in Q0.31, by three Newton-Raphson
/// steps (gemmlowp's `one_over_one_plus_x_for_x_in_0_1`).
#[inline(always)]
pub const fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    saturating_shift_left(newton_reciprocal_q2_29(a), 1)
}

/// `(1 - x) / (1 + x)` for `x` in `[0, 1)` in Q0.31 (gemmlowp's
/// `one_minus_x_over_one_plus_x_for_x_in_0_1`).
#[inline(always)]
pub const fn one_minus_x_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    saturating_shift_left(newton_reciprocal_q2_29(a).wrapping_sub(1 << 29), 2)
}

/// gemmlowp's `logistic` of a `FixedPoint<int32, integer_bits>` value, in
/// Q0.31.
#[inline(always)]
pub const fn fixed_point_logistic(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 1 << 30;
    }
    let abs = if a > 0 { a } else { a.wrapping_neg() };
    let positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(abs.wrapping_neg(), integer_bits));
    if a > 0 {
        positive
    } else {
        i32::MAX.wrapping_sub(positive)
    }
}

/// gemmlowp's `tanh` of a `FixedPoint<int32, integer_bits>` value, in Q0.31.
#[inline(always)]
pub const fn fixed_point_tanh(a: i32, integer_bits: i32) -> i32 {
    if a == 0 {
        return 0;
    }
    // -|a|, read with one more integer bit: exp(-2|a|).
    let n = if a < 0 { a } else { a.wrapping_neg() };
    let t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(n, integer_bits + 1));
    if a < 0 {
        t.wrapping_neg()
    } else {
        t
    }
}

/// TFLM's `GetReciprocal`: the reciprocal of a positive fixed-point `x` with
/// `x_integer_digits` integer bits, as a Q0.31 value and the number of bits
/// by which it must still be shifted right.
#[inline(always)]
pub const fn get_reciprocal(x: i32, x_integer_digits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let num_bits_over_unit = x_integer_digits - headroom_plus_one;
    let shifted_sum_minus_one = ((x as u32).wrapping_shl(headroom_plus_one as u32)).wrapping_sub(1u32 << 31) as i32;
    (one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one), num_bits_over_unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srdhm_edges() {
        assert_eq!(saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN), i32::MAX);
        assert_eq!(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
        assert_eq!(saturating_rounding_doubling_high_mul(-1, 1 << 30), -1 + 1);
        assert_eq!(saturating_rounding_doubling_high_mul(i32::MAX, i32::MAX), i32::MAX - 1);
        assert_eq!(saturating_rounding_doubling_high_mul(0, 12345), 0);
    }

    #[test]
    fn rounding_divide_ties_away_from_zero() {
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(4, 1), 2);
        assert_eq!(rounding_divide_by_pot(-6, 2), -2);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
        assert_eq!(rounding_divide_by_pot(7, 0), 7);
    }

    #[test]
    fn exp_matches_real_exp() {
        // exp(0) is one, and a few points agree with f64 to ~1e-6.
        assert_eq!(exp_on_negative_values_q5_26(0), i32::MAX);
        for &r in &[-0.1f64, -0.25, -1.0, -2.5, -7.0, -15.9] {
            let q = (r * (1u64 << 26) as f64) as i32;
            let e = exp_on_negative_values_q5_26(q) as f64 / (1u64 << 31) as f64;
            assert!((e - r.exp()).abs() < 2e-6, "{r}: {e} vs {}", r.exp());
        }
    }

    #[test]
    fn reciprocal_matches_real() {
        for &x in &[1.0f64, 1.25, 3.7, 100.0, 2047.0] {
            let raw = (x * (1u64 << 19) as f64) as i32; // Q12.19
            let (s, bits) = get_reciprocal(raw, 12);
            let r = s as f64 / (1u64 << 31) as f64 / (1u64 << bits) as f64;
            assert!((r - 1.0 / x).abs() < 1e-6 * (1.0 / x).max(1.0), "{x}: {r}");
        }
    }
}
