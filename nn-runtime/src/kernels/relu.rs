//! RELU and RELU6, int8 and int16 (and float32 RELU, RELU6, LEAKY_RELU); TFLM's `ReluQuantized` (requantizes to
//! the output scale, then clamps at the output zero point) and
//! `Relu6Quantized` (clamps the stored values to the input's quantized 0
//! and 6).

use super::Quantized;
use crate::kernels::clamp;
use crate::quant::multiply_by_quantized_multiplier;

/// Constants of one quantized RELU layer.
#[derive(Clone, Copy, Debug)]
pub struct Relu {
    /// Input zero point.
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Q0.31 multiplier of `input_scale / output_scale`.
    pub multiplier: i32,
    /// Its shift.
    pub shift: i32,
    /// Lower bound (the output zero point, at least the type's minimum).
    pub act_min: i32,
    /// Upper bound (the type's maximum).
    pub act_max: i32,
}

/// Runs RELU.
pub fn relu<T: Quantized>(p: &Relu, input: &[T], output: &mut [T]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let v = multiply_by_quantized_multiplier(x.get().wrapping_sub(p.input_offset), p.multiplier, p.shift)
            .wrapping_add(p.output_offset);
        *o = T::from_clamped(clamp(v, p.act_min, p.act_max));
    }
}

/// Constants of one quantized RELU6 layer.
#[derive(Clone, Copy, Debug)]
pub struct Relu6 {
    /// The input's quantized 0.
    pub lower: i32,
    /// The input's quantized 6.
    pub upper: i32,
}

/// Runs RELU6.
pub fn relu6<T: Quantized>(p: &Relu6, input: &[T], output: &mut [T]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let v = x.get();
        *o = T::from_clamped(if v > p.upper {
            p.upper
        } else if v < p.lower {
            p.lower
        } else {
            v
        });
    }
}

/// A float32 element-wise activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryF32 {
    /// RELU: `x < 0 ? 0 : x`.
    Relu,
    /// RELU6: `x > 6 ? 6 : x < 0 ? 0 : x`.
    Relu6,
    /// LEAKY_RELU: `x > 0 ? x : x * alpha`.
    LeakyRelu(f32),
}

/// Runs a float32 RELU, RELU6 or LEAKY_RELU with TFLM's comparisons (which
/// fix the results for NaN and negative zero).
pub fn unary_f32(p: &UnaryF32, input: &[f32], output: &mut [f32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = match *p {
            UnaryF32::Relu => {
                if x < 0.0 {
                    0.0
                } else {
                    x
                }
            }
            // `f32::clamp` keeps NaN and -0.0 as TFLM's comparisons do.
            UnaryF32::Relu6 => x.clamp(0.0, 6.0),
            UnaryF32::LeakyRelu(alpha) => {
                if x > 0.0 {
                    x
                } else {
                    x * alpha
                }
            }
        };
    }
}
