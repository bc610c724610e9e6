//! `nn-runtime`: the kernels behind `nn_macro::include_model!`.
//!
//! `#![no_std]`, no allocation, no panics on the paths the generated code
//! uses. Every kernel reproduces the TensorFlow Lite Micro (TFLM) reference
//! kernel bit for bit: integer-only arithmetic for quantized tensors, with
//! TFLM's double-rounding requantization (see [`quant`]).
//!
//! The generated code calls one kernel per layer with parameters that the
//! compiler precomputed (multipliers, shifts, offsets, activation ranges), and
//! slices of a statically planned arena obtained through [`arena`].
#![no_std]
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod arena;
#[cfg(nn_dsp)]
mod dsp;
pub mod kernels;
pub mod math;
pub mod quant;
mod simd;

/// Whether this build runs the ARMv7E-M DSP kernels (Cortex-M4/M7/M33...).
/// Their working buffers (im2col columns, requantization tables, widened
/// depthwise rows) are planned in the arena by the compiler; the generated
/// code sizes the arena with this constant, so builds for cores without DSP
/// reserve none of it.
pub const DSP: bool = cfg!(nn_dsp);

/// Affine quantization of a tensor: `real = scale * (q - zero_point)`.
///
/// Float tensors, which carry no quantization, have `scale == 0.0` and
/// `zero_point == 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quant {
    /// The real value of one quantization step.
    pub scale: f32,
    /// The quantized value that represents real zero.
    pub zero_point: i32,
}

impl Quant {
    /// Quantizes a real value the way TFLM's QUANTIZE does: `round(x / scale)`
    /// (half away from zero, in `f32`) plus the zero point, saturated to
    /// `min..=max`.
    pub fn quantize(&self, x: f32, min: i32, max: i32) -> i32 {
        kernels::quantize::quantize_one(x, self.scale, self.zero_point, min, max)
    }

    /// Converts a quantized value to its real value, as TFLM's DEQUANTIZE
    /// does (the product is computed in `f64`).
    pub fn dequantize(&self, q: i32) -> f32 {
        kernels::dequantize::dequantize_one(q, self.scale, self.zero_point)
    }
}
