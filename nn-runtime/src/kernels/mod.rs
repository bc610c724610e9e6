//! One module per TensorFlow Lite builtin operator, named as in
//! `nn-compiler/src/ops`.
//!
//! Each kernel takes a parameter struct that the compiler fills with
//! precomputed constants and flat row-major (NHWC) slices. Each follows the
//! TFLM reference kernel's arithmetic exactly, so outputs are bit-exact.

pub mod add;
pub mod average_pool_2d;
pub mod batch_matmul;
pub mod conv_2d;
pub mod depthwise_conv_2d;
pub mod dequantize;
pub mod fully_connected;
pub mod hard_swish;
pub mod in_place;
pub mod leaky_relu;
pub mod logistic;
pub mod lstm;
pub mod max_pool_2d;
pub mod maximum_minimum;
pub mod mean;
pub mod mul;
pub mod pad;
pub mod prelu;
pub mod quantize;
pub mod relu;
pub mod resize;
pub mod softmax;
pub mod strided_slice;
pub mod sub;
pub mod svdf;
pub mod tanh;
pub mod transpose_conv;

/// Element types a kernel may view scratch bytes as: every bit pattern is
/// a valid value and there is no padding.
///
/// # Safety
/// Implementors must be plain old data with alignment at most
/// [`SCRATCH_ALIGN`].
pub(crate) unsafe trait Plain: Sized {}
// SAFETY: integers and arrays of them are plain data aligned to at most 8.
unsafe impl Plain for i8 {}
// SAFETY: as above.
unsafe impl Plain for u32 {}
// SAFETY: as above.
unsafe impl Plain for i32 {}
// SAFETY: as above.
unsafe impl Plain for [i32; 4] {}

/// Alignment of every part of a kernel's scratch buffer (the planner's
/// arena alignment), and the granule its sizes are rounded up to.
pub const SCRATCH_ALIGN: usize = 16;

/// Bytes that `n` values of `T` take in a scratch buffer (see [`carve`]).
pub(crate) const fn carved<T>(n: usize) -> usize {
    (n * core::mem::size_of::<T>()).next_multiple_of(SCRATCH_ALIGN)
}

/// Cuts `n` values of `T` from the front of `scratch` ([`carved`] bytes),
/// or `None` if it is too short or misaligned for `T`. The values are
/// whatever the bytes held: callers initialise what they read.
pub(crate) fn carve<'a, T: Plain>(scratch: &mut &'a mut [u8], n: usize) -> Option<&'a mut [T]> {
    let bytes = carved::<T>(n);
    if scratch.len() < bytes || scratch.as_ptr() as usize % core::mem::align_of::<T>() != 0 {
        return None;
    }
    let (head, tail) = core::mem::take(scratch).split_at_mut(bytes);
    *scratch = tail;
    // SAFETY: `head` is exclusively borrowed for `'a`, aligned for `T`
    // (checked) and holds at least `n * size_of::<T>()` bytes, and every
    // bit pattern is a valid `T` (`Plain`).
    Some(unsafe { core::slice::from_raw_parts_mut(head.as_mut_ptr().cast::<T>(), n) })
}

/// `min(max(x, lo), hi)`, TFLM's clamp order. Unlike `i32::clamp` it has
/// no panic path (and pulls in no formatting code) when `lo > hi`.
#[inline(always)]
pub fn clamp(x: i32, lo: i32, hi: i32) -> i32 {
    x.max(lo).min(hi)
}

/// Maps every int8 input through a 256-entry table indexed by the input's
/// bits (int8 LOGISTIC and TANH, whose tables the compiler computes).
#[inline(always)]
pub fn lookup_i8(table: &[i8; 256], input: &[i8], output: &mut [i8]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = table[x as u8 as usize];
    }
}

/// Clamps an accumulator to the fused activation range and narrows it.
#[inline(always)]
pub(crate) fn clamp_i8(x: i32, min: i32, max: i32) -> i8 {
    clamp(x, min, max) as i8
}

/// The requantization of one output channel: TFLM's
/// `MultiplyByQuantizedMultiplier` followed by the output zero point and the
/// fused activation clamp.
#[inline(always)]
pub(crate) fn requantize(acc: i32, multiplier: i32, shift: i32, output_offset: i32, min: i32, max: i32) -> i8 {
    let scaled = crate::quant::multiply_by_quantized_multiplier(acc, multiplier, shift);
    clamp_i8(scaled.wrapping_add(output_offset), min, max)
}

/// The requantization of one 16x8 output (int16 activations, zero points
/// 0): TFLM's 64-bit `MultiplyByQuantizedMultiplier` followed by the fused
/// activation clamp.
#[inline(always)]
pub(crate) fn requantize_16x8(acc: i64, multiplier: i32, shift: i32, min: i32, max: i32) -> i16 {
    clamp(crate::quant::multiply_by_quantized_multiplier_i64(acc, multiplier, shift), min, max) as i16
}

/// `sum(x * w)` of int16 activations and int8 weights: each product fits in
/// `i32`, and the sum is exact in `i64` (TFLM's 16x8 accumulator).
#[inline(always)]
pub(crate) fn dot_16x8(x: &[i16], w: &[i8]) -> i64 {
    x.iter().zip(w).map(|(&x, &w)| (x as i32 * w as i32) as i64).sum()
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

/// Geometry and fused activation of a float32 pooling layer.
#[derive(Clone, Copy, Debug)]
pub struct Pool2dF32 {
    /// Geometry (its integer activation bounds are unused).
    pub pool: Pool2d,
    /// Lower bound of the fused activation.
    pub act_min: f32,
    /// Upper bound of the fused activation.
    pub act_max: f32,
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

/// Quantized element types (int8, int16, int32 activations; uint8 at the
/// graph's edge, through QUANTIZE).
pub trait Quantized: Copy + Default {
    /// Smallest value.
    const MIN: i32;
    /// Largest value.
    const MAX: i32;
    /// Widens to `i32`.
    fn get(self) -> i32;
    /// Narrows an `i32` already clamped to `MIN..=MAX`.
    fn from_clamped(v: i32) -> Self;
    /// Saturates an `i32` into the type.
    #[inline(always)]
    fn saturate(v: i32) -> Self {
        Self::from_clamped(clamp(v, Self::MIN, Self::MAX))
    }
}

macro_rules! quantized {
    ($($t:ty),*) => {$(
        impl Quantized for $t {
            const MIN: i32 = <$t>::MIN as i32;
            const MAX: i32 = <$t>::MAX as i32;
            #[inline(always)]
            fn get(self) -> i32 {
                self as i32
            }
            #[inline(always)]
            fn from_clamped(v: i32) -> Self {
                v as $t
            }
        }
    )*};
}
quantized!(i8, u8, i16, i32);

/// Maximum tensor rank of the index-mapping kernels.
pub const MAX_RANK: usize = 6;

/// How a binary operator's output index maps to its inputs when shapes
/// broadcast (NumPy rules), padded to [`MAX_RANK`] dimensions; a stride of 0
/// repeats an input along that dimension.
#[derive(Clone, Copy, Debug)]
pub struct Broadcast {
    /// Output dimensions, outermost first (leading ones are 1).
    pub dims: [usize; MAX_RANK],
    /// Element strides of the first input per output dimension.
    pub a_strides: [usize; MAX_RANK],
    /// Element strides of the second input per output dimension.
    pub b_strides: [usize; MAX_RANK],
}

impl Broadcast {
    /// Calls `f(out_index, a_index, b_index)` for every output element in
    /// order.
    #[inline(always)]
    pub fn for_each(&self, mut f: impl FnMut(usize, usize, usize)) {
        let total: usize = self.dims.iter().product();
        let mut idx = [0usize; MAX_RANK];
        let (mut a, mut b) = (0usize, 0usize);
        for o in 0..total {
            f(o, a, b);
            // Advance the odometer, innermost dimension first.
            let mut d = MAX_RANK;
            while d > 0 {
                d -= 1;
                idx[d] += 1;
                a += self.a_strides[d];
                b += self.b_strides[d];
                if idx[d] < self.dims[d] {
                    break;
                }
                a -= self.a_strides[d] * idx[d];
                b -= self.b_strides[d] * idx[d];
                idx[d] = 0;
            }
        }
    }
}
