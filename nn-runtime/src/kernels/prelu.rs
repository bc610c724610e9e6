//! PRELU, int8 and float32, with alpha broadcast against the input; TFLM's
//! reference `BroadcastPrelu4DSlow` (two requantizations: the identity for
//! non-negative inputs, the product with alpha for negative ones) and
//! `BroadcastPrelu4DSlowFloat`.

use super::{Broadcast, Quantized};
use crate::quant::multiply_by_quantized_multiplier;

/// Constants of one quantized PRELU layer.
#[derive(Clone, Copy, Debug)]
pub struct Prelu {
    /// Minus the input zero point.
    pub input_offset: i32,
    /// Minus the alpha zero point.
    pub alpha_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Q0.31 multiplier of `s_in / s_out` (non-negative inputs).
    pub multiplier_identity: i32,
    /// Its shift.
    pub shift_identity: i32,
    /// Q0.31 multiplier of `s_in * s_alpha / s_out` (negative inputs).
    pub multiplier_alpha: i32,
    /// Its shift.
    pub shift_alpha: i32,
    /// Index mapping when the input and alpha shapes differ.
    pub broadcast: Option<Broadcast>,
}

/// Runs the element function over the output, broadcasting when needed.
#[inline(always)]
pub(crate) fn each<A: Copy, B: Copy, O>(
    bc: &Option<Broadcast>,
    a: &[A],
    b: &[B],
    out: &mut [O],
    f: impl Fn(A, B) -> O,
) {
    match bc {
        None => {
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                *o = f(x, y);
            }
        }
        Some(bc) => bc.for_each(|o, i, j| {
            if let (Some(out), Some(&x), Some(&y)) = (out.get_mut(o), a.get(i), b.get(j)) {
                *out = f(x, y);
            }
        }),
    }
}

impl Prelu {
    /// The output for input `x` and alpha `a`.
    #[inline(always)]
    pub(crate) fn apply<T: Quantized>(&self, x: T, a: i8) -> T {
        let v = self.input_offset.wrapping_add(x.get());
        let scaled = if v >= 0 {
            multiply_by_quantized_multiplier(v, self.multiplier_identity, self.shift_identity)
        } else {
            let a = self.alpha_offset.wrapping_add(a as i32);
            multiply_by_quantized_multiplier(v.wrapping_mul(a), self.multiplier_alpha, self.shift_alpha)
        };
        T::saturate(scaled.wrapping_add(self.output_offset))
    }
}

/// Quantized PRELU: `input` and `output` of one type, `alpha` int8.
pub fn prelu<T: Quantized>(p: &Prelu, input: &[T], alpha: &[i8], output: &mut [T]) {
    each(&p.broadcast, input, alpha, output, |x, a| p.apply(x, a));
}

/// float32 PRELU.
pub fn prelu_f32(broadcast: &Option<Broadcast>, input: &[f32], alpha: &[f32], output: &mut [f32]) {
    each(broadcast, input, alpha, output, |x, a| if x >= 0.0 { x } else { x * a });
}
