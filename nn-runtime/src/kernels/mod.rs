//! One module per TensorFlow Lite builtin operator, named as in
//! `nn-compiler/src/ops`.
//!
//! Each kernel takes a parameter struct that the compiler fills with
//! precomputed constants and flat row-major (NHWC) slices. Each follows the
//! TFLM reference kernel's arithmetic exactly, so outputs are bit-exact.

pub mod add;
pub mod average_pool_2d;
pub mod conv_2d;
pub mod depthwise_conv_2d;
pub mod dequantize;
pub mod fully_connected;
pub mod max_pool_2d;
pub mod quantize;
pub mod softmax;

/// Clamps an accumulator to the fused activation range and narrows it.
#[inline(always)]
pub(crate) fn clamp_i8(x: i32, min: i32, max: i32) -> i8 {
    x.clamp(min, max) as i8
}

/// The requantization of one output channel: TFLM's
/// `MultiplyByQuantizedMultiplier` followed by the output zero point and the
/// fused activation clamp.
#[inline(always)]
pub(crate) fn requantize(acc: i32, multiplier: i32, shift: i32, output_offset: i32, min: i32, max: i32) -> i8 {
    let scaled = crate::quant::multiply_by_quantized_multiplier(acc, multiplier, shift);
    clamp_i8(scaled.wrapping_add(output_offset), min, max)
}

/// Constants of one int8 pooling layer (AVERAGE_POOL_2D, MAX_POOL_2D).
#[derive(Clone, Copy, Debug)]
pub struct Pool2d {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Channels (input and output).
    pub channels: usize,
    /// Output height.
    pub out_h: usize,
    /// Output width.
    pub out_w: usize,
    /// Window height.
    pub k_h: usize,
    /// Window width.
    pub k_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Rows of implicit padding above the input.
    pub pad_top: usize,
    /// Columns of implicit padding left of the input.
    pub pad_left: usize,
    /// Lower bound of the fused activation.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
}

impl Pool2d {
    /// The input rows (or columns) `start..end` under a window whose
    /// unpadded origin is `pos - pad`, clipped to `0..n`.
    #[inline(always)]
    fn window(&self, pos: usize, pad: usize, k: usize, n: usize) -> (usize, usize) {
        let origin = pos as isize - pad as isize;
        let start = origin.max(0);
        let end = (origin + k as isize).min(n as isize).max(start);
        (start as usize, end as usize)
    }
}
