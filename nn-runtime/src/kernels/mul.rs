//! MUL, int8 and int16, with broadcasting; TFLM's reference
//! `MulElementwise`: the product of the offset inputs, requantized once.

use super::{Broadcast, Quantized};
use crate::kernels::clamp;
use crate::quant::multiply_by_quantized_multiplier;

/// Constants of one quantized MUL layer.
#[derive(Clone, Copy, Debug)]
pub struct Mul {
    /// Minus the first input's zero point.
    pub input1_offset: i32,
    /// Minus the second input's zero point.
    pub input2_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Q0.31 multiplier of `s1 * s2 / s_out`.
    pub multiplier: i32,
    /// Its shift.
    pub shift: i32,
    /// Lower bound of the fused activation.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
    /// Index mapping when the input shapes differ.
    pub broadcast: Option<Broadcast>,
}

/// Multiplies two quantized tensors element by element.
pub fn mul<T: Quantized>(p: &Mul, input1: &[T], input2: &[T], output: &mut [T]) {
    let f = |a: T, b: T| -> T {
        let prod = (a.get() + p.input1_offset).wrapping_mul(b.get() + p.input2_offset);
        let v = multiply_by_quantized_multiplier(prod, p.multiplier, p.shift).wrapping_add(p.output_offset);
        T::from_clamped(clamp(v, p.act_min, p.act_max))
    };
    match &p.broadcast {
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
