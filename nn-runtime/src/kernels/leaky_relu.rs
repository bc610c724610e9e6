//! LEAKY_RELU, int8 and int16; TFLM's reference `QuantizeLeakyRelu`.

use super::Quantized;
use crate::quant::multiply_by_quantized_multiplier;

/// Constants of one quantized LEAKY_RELU layer.
#[derive(Clone, Copy, Debug)]
pub struct LeakyRelu {
    /// Input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Multiplier for non-negative inputs (`input_scale / output_scale`).
    pub multiplier_identity: i32,
    /// Its shift.
    pub shift_identity: i32,
    /// Multiplier magnitude for negative inputs (`|alpha| * input_scale /
    /// output_scale`).
    pub multiplier_alpha: i32,
    /// Its shift.
    pub shift_alpha: i32,
    /// Whether alpha is negative.
    pub alpha_negative: bool,
}

/// Runs the leaky ReLU.
pub fn leaky_relu<T: Quantized>(p: &LeakyRelu, input: &[T], output: &mut [T]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let v = x.get().wrapping_sub(p.input_offset);
        let scaled = if v >= 0 {
            multiply_by_quantized_multiplier(v, p.multiplier_identity, p.shift_identity)
        } else {
            let s = multiply_by_quantized_multiplier(v, p.multiplier_alpha, p.shift_alpha);
            if p.alpha_negative {
                s.wrapping_neg()
            } else {
                s
            }
        };
        *o = T::saturate(p.output_offset.wrapping_add(scaled));
    }
}
