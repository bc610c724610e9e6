//! ADD, int8 and int16, with broadcasting; TFLM's reference
//! `AddElementwise`/`BroadcastAdd*Slow`: both inputs are rescaled to a common
//! scale with headroom (20 bits for int8, 15 for int16), summed, then
//! requantized.

use super::{Broadcast, Quantized};
use crate::kernels::clamp;
use crate::quant::multiply_by_quantized_multiplier_smaller_than_one_exp as scale_down;

/// Constants of one quantized ADD or SUB layer.
#[derive(Clone, Copy, Debug)]
pub struct Arithmetic {
    /// Minus the first input's zero point.
    pub input1_offset: i32,
    /// Minus the second input's zero point.
    pub input2_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Headroom bits applied before rescaling (20 for int8, 15 for int16).
    pub left_shift: i32,
    /// Multiplier of the first input.
    pub input1_multiplier: i32,
    /// Shift (<= 0) of the first input.
    pub input1_shift: i32,
    /// Multiplier of the second input.
    pub input2_multiplier: i32,
    /// Shift (<= 0) of the second input.
    pub input2_shift: i32,
    /// Multiplier of the result.
    pub output_multiplier: i32,
    /// Shift (<= 0) of the result.
    pub output_shift: i32,
    /// Lower bound of the fused activation.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
    /// Index mapping when the input shapes differ.
    pub broadcast: Option<Broadcast>,
}

impl Arithmetic {
    /// Both inputs rescaled to the common scale.
    #[inline(always)]
    pub(crate) fn scaled<T: Quantized>(&self, a: T, b: T) -> (i32, i32) {
        let a = (a.get() + self.input1_offset).wrapping_mul(1 << self.left_shift);
        let b = (b.get() + self.input2_offset).wrapping_mul(1 << self.left_shift);
        (
            scale_down(a, self.input1_multiplier, self.input1_shift),
            scale_down(b, self.input2_multiplier, self.input2_shift),
        )
    }

    /// The requantized, clamped result.
    #[inline(always)]
    pub(crate) fn finish<T: Quantized>(&self, raw: i32) -> T {
        let out = scale_down(raw, self.output_multiplier, self.output_shift).wrapping_add(self.output_offset);
        T::from_clamped(clamp(out, self.act_min, self.act_max))
    }

    /// Applies `f` element by element, broadcasting if needed.
    #[inline(always)]
    pub(crate) fn apply<T: Quantized>(&self, input1: &[T], input2: &[T], output: &mut [T], f: impl Fn(T, T) -> T) {
        match &self.broadcast {
            None => {
                for ((o, &a), &b) in output.iter_mut().zip(input1).zip(input2) {
                    *o = f(a, b);
                }
            }
            Some(bc) => bc.for_each(|o, a, b| {
                if let (Some(out), Some(&x), Some(&y)) = (output.get_mut(o), input1.get(a), input2.get(b)) {
                    *out = f(x, y);
                }
            }),
        }
    }
}

/// Adds two quantized tensors.
pub fn add<T: Quantized>(p: &Arithmetic, input1: &[T], input2: &[T], output: &mut [T]) {
    p.apply(input1, input2, output, |a, b| {
        let (a, b) = p.scaled(a, b);
        p.finish(a.wrapping_add(b))
    });
}
