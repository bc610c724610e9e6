//! TRANSPOSE_CONV, int8 (int32 bias), 16x8 (int16 activations, int64
//! bias) and float32; TFLM's reference `TransposeConv`.
//!
//! TFLM scatters every input pixel into an output-sized scratch
//! accumulator; this kernel gathers the same products per output element
//! instead, which needs no scratch memory and gives the same exact integer
//! sums.

use super::Quantized;
use crate::kernels::clamp;
use crate::quant::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};

/// Constants of one transpose convolution layer. The filter is
/// `[out_c][k_h][k_w][in_c]`.
#[derive(Clone, Copy, Debug)]
pub struct TransposeConv<'a, B = i32> {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Input channels.
    pub in_c: usize,
    /// Output height.
    pub out_h: usize,
    /// Output width.
    pub out_w: usize,
    /// Output channels.
    pub out_c: usize,
    /// Filter height.
    pub k_h: usize,
    /// Filter width.
    pub k_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Padding rows cropped from the top of the full output.
    pub pad_top: usize,
    /// Padding columns cropped from the left.
    pub pad_left: usize,
    /// Minus the input zero point (zero for int16).
    pub input_offset: i32,
    /// Output zero point.
    pub output_offset: i32,
    /// Lower bound of the output.
    pub act_min: i32,
    /// Upper bound of the output.
    pub act_max: i32,
    /// Filter weights.
    pub filter: &'a [i8],
    /// Bias per output channel, or empty for none.
    pub bias: &'a [B],
    /// Q0.31 multiplier per output channel.
    pub multiplier: &'a [i32],
    /// Shift per output channel.
    pub shift: &'a [i32],
}

/// The exact accumulator of output element `(b, oy, ox, oc)`.
#[inline(always)]
fn accumulate<T: Quantized, B>(p: &TransposeConv<B>, input: &[T], b: usize, oy: usize, ox: usize, oc: usize) -> i64 {
    let mut acc: i64 = 0;
    for ky in 0..p.k_h {
        // Input row iy contributes to output row iy * stride - pad + ky.
        let y = oy + p.pad_top;
        if y < ky || (y - ky) % p.stride_h != 0 {
            continue;
        }
        let iy = (y - ky) / p.stride_h;
        if iy >= p.in_h {
            continue;
        }
        for kx in 0..p.k_w {
            let x = ox + p.pad_left;
            if x < kx || (x - kx) % p.stride_w != 0 {
                continue;
            }
            let ix = (x - kx) / p.stride_w;
            if ix >= p.in_w {
                continue;
            }
            let at = ((b * p.in_h + iy) * p.in_w + ix) * p.in_c;
            let w0 = ((oc * p.k_h + ky) * p.k_w + kx) * p.in_c;
            let xs = &input[at..at + p.in_c];
            let ws = &p.filter[w0..w0 + p.in_c];
            acc += xs.iter().zip(ws).map(|(&x, &w)| ((x.get() + p.input_offset) * w as i32) as i64).sum::<i64>();
        }
    }
    acc
}

/// Runs an int8 transpose convolution.
pub fn transpose_conv(p: &TransposeConv<i32>, input: &[i8], output: &mut [i8]) {
    let mut o = 0;
    for b in 0..p.batches {
        for oy in 0..p.out_h {
            for ox in 0..p.out_w {
                for oc in 0..p.out_c {
                    // TFLM accumulates int8 products in int32; the compiler
                    // rejects weights that could overflow it.
                    let mut acc = accumulate(p, input, b, oy, ox, oc) as i32;
                    if let Some(&bias) = p.bias.get(oc) {
                        acc = acc.wrapping_add(bias);
                    }
                    let v = multiply_by_quantized_multiplier(acc, p.multiplier[oc], p.shift[oc])
                        .wrapping_add(p.output_offset);
                    output[o] = clamp(v, p.act_min, p.act_max) as i8;
                    o += 1;
                }
            }
        }
    }
}

/// Runs a 16x8 transpose convolution.
pub fn transpose_conv_16x8(p: &TransposeConv<i64>, input: &[i16], output: &mut [i16]) {
    let mut o = 0;
    for b in 0..p.batches {
        for oy in 0..p.out_h {
            for ox in 0..p.out_w {
                for oc in 0..p.out_c {
                    let mut acc = accumulate(p, input, b, oy, ox, oc);
                    if let Some(&bias) = p.bias.get(oc) {
                        acc = acc.wrapping_add(bias);
                    }
                    let v = multiply_by_quantized_multiplier_i64(acc, p.multiplier[oc], p.shift[oc]);
                    output[o] = clamp(v, p.act_min, p.act_max) as i16;
                    o += 1;
                }
            }
        }
    }
}

/// Constants of one float32 transpose convolution layer. Weights and bias
/// are little-endian `f32` bytes, the filter `[out_c][k_h][k_w][in_c]`.
#[derive(Clone, Copy, Debug)]
pub struct TransposeConvF32<'a> {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Input channels.
    pub in_c: usize,
    /// Output height.
    pub out_h: usize,
    /// Output width.
    pub out_w: usize,
    /// Output channels.
    pub out_c: usize,
    /// Filter height.
    pub k_h: usize,
    /// Filter width.
    pub k_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Padding rows cropped from the top of the full output.
    pub pad_top: usize,
    /// Padding columns cropped from the left.
    pub pad_left: usize,
    /// Lower bound of the fused activation.
    pub act_min: f32,
    /// Upper bound of the fused activation.
    pub act_max: f32,
    /// Filter weights as little-endian `f32` bytes.
    pub filter: &'a [u8],
    /// Bias per output channel as little-endian `f32` bytes, or empty.
    pub bias: &'a [u8],
}

/// Runs a float32 transpose convolution with TFLM's rounding. TFLM scatters:
/// it zeroes the output, then for every input pixel `(iy, ix)` and channel
/// `ic` in row-major order adds `x * w` into every output it reaches. An
/// output therefore receives its products ordered by `(iy, ix, ic)`; this
/// gathers them in that order (rows and columns of the filter descending,
/// since a later input pixel meets an earlier tap), into one running `f32`
/// that starts at `0.0`. Then `+ bias` (only when there is one, as in TFLM)
/// and the activation clamp.
pub fn transpose_conv_f32(p: &TransposeConvF32, input: &[f32], output: &mut [f32]) {
    use super::fully_connected::{clamp_f32, f32_at};
    let mut o = 0;
    for b in 0..p.batches {
        for oy in 0..p.out_h {
            let y = oy + p.pad_top;
            for ox in 0..p.out_w {
                let x = ox + p.pad_left;
                for oc in 0..p.out_c {
                    let mut acc = 0.0f32;
                    for ky in (0..p.k_h).rev() {
                        if y < ky || (y - ky) % p.stride_h != 0 {
                            continue;
                        }
                        let iy = (y - ky) / p.stride_h;
                        if iy >= p.in_h {
                            continue;
                        }
                        for kx in (0..p.k_w).rev() {
                            if x < kx || (x - kx) % p.stride_w != 0 {
                                continue;
                            }
                            let ix = (x - kx) / p.stride_w;
                            if ix >= p.in_w {
                                continue;
                            }
                            let at = ((b * p.in_h + iy) * p.in_w + ix) * p.in_c;
                            let w0 = ((oc * p.k_h + ky) * p.k_w + kx) * p.in_c;
                            for (c, &v) in input.get(at..at + p.in_c).unwrap_or(&[]).iter().enumerate() {
                                acc += v * f32_at(p.filter, w0 + c);
                            }
                        }
                    }
                    if !p.bias.is_empty() {
                        acc += f32_at(p.bias, oc);
                    }
                    if let Some(out) = output.get_mut(o) {
                        *out = clamp_f32(acc, p.act_min, p.act_max);
                    }
                    o += 1;
                }
            }
        }
    }
}
