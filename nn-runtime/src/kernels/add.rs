//! ADD, int8 with two differently scaled inputs; TFLM's reference
//! `AddElementwise` (both inputs rescaled to a common scale with 20 bits of
//! headroom, summed, then requantized).

use crate::quant::multiply_by_quantized_multiplier_smaller_than_one_exp as scale_down;

/// Constants of one int8 ADD layer with inputs of the same shape.
#[derive(Clone, Copy, Debug)]
pub struct Add {
    /// Minus the first input's zero point.
    pub input1_offset: i32,
    /// Minus the second input's zero point.
    pub input2_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Headroom bits applied before rescaling (20 for int8).
    pub left_shift: i32,
    /// Multiplier of the first input.
    pub input1_multiplier: i32,
    /// Shift (<= 0) of the first input.
    pub input1_shift: i32,
    /// Multiplier of the second input.
    pub input2_multiplier: i32,
    /// Shift (<= 0) of the second input.
    pub input2_shift: i32,
    /// Multiplier of the sum.
    pub output_multiplier: i32,
    /// Shift (<= 0) of the sum.
    pub output_shift: i32,
    /// Lower bound of the fused activation.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
}

/// Adds two int8 tensors of the same shape element by element.
pub fn add(p: &Add, input1: &[i8], input2: &[i8], output: &mut [i8]) {
    for ((o, &a), &b) in output.iter_mut().zip(input1).zip(input2) {
        *o = add_one(p, a, b);
    }
}

#[inline(always)]
fn add_one(p: &Add, a: i8, b: i8) -> i8 {
    let a = (a as i32 + p.input1_offset).wrapping_mul(1 << p.left_shift);
    let b = (b as i32 + p.input2_offset).wrapping_mul(1 << p.left_shift);
    let a = scale_down(a, p.input1_multiplier, p.input1_shift);
    let b = scale_down(b, p.input2_multiplier, p.input2_shift);
    let sum = a.wrapping_add(b);
    let out = scale_down(sum, p.output_multiplier, p.output_shift).wrapping_add(p.output_offset);
    out.clamp(p.act_min, p.act_max) as i8
}
