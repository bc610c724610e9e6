//! DEPTHWISE_CONV_2D, int8 with per-channel requantization; TFLM's
//! `DepthwiseConvPerChannel`.

use super::conv_2d::valid_taps;
use super::requantize;

/// Constants of one int8 depthwise convolution layer. The filter is
/// `[1][k_h][k_w][in_c * depth_multiplier]`.
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2d<'a> {
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
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// Filter height.
    pub k_h: usize,
    /// Filter width.
    pub k_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical dilation.
    pub dilation_h: usize,
    /// Horizontal dilation.
    pub dilation_w: usize,
    /// Rows of implicit padding above the input.
    pub pad_top: usize,
    /// Columns of implicit padding left of the input.
    pub pad_left: usize,
    /// Minus the input zero point.
    pub input_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Lower bound of the fused activation.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
    /// Filter weights.
    pub filter: &'a [i8],
    /// Bias per output channel, or empty for none.
    pub bias: &'a [i32],
    /// Q0.31 requantization multiplier per output channel.
    pub multiplier: &'a [i32],
    /// Requantization shift per output channel.
    pub shift: &'a [i32],
}

/// Output channels accumulated together; a stack buffer bounds the work
/// per pass without allocation.
const CHUNK: usize = 64;

/// Runs the depthwise convolution.
///
/// Channels are accumulated side by side (vectorizable), in chunks of
/// 64; the integer sums equal TFLM's in any order.
pub fn depthwise_conv_2d(p: &DepthwiseConv2d, input: &[i8], output: &mut [i8]) {
    let dm = p.depth_multiplier.max(1);
    let out_c = p.in_c * dm;
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.in_c;
        for oy in 0..p.out_h {
            let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
            let (ky0, ky1) = valid_taps(iy0, p.dilation_h, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
                let (kx0, kx1) = valid_taps(ix0, p.dilation_w, p.k_w, p.in_w);
                let mut c0 = 0;
                while c0 < out_c {
                    let n = CHUNK.min(out_c - c0);
                    let mut acc = [0i32; CHUNK];
                    for ky in ky0..ky1 {
                        let iy = (iy0 + (ky * p.dilation_h) as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (ix0 + (kx * p.dilation_w) as isize) as usize;
                            let px = in_batch + (iy * p.in_w + ix) * p.in_c;
                            let w = &p.filter[(ky * p.k_w + kx) * out_c + c0..][..n];
                            if dm == 1 {
                                let x = &input[px + c0..][..n];
                                for ((a, &w), &x) in acc[..n].iter_mut().zip(w).zip(x) {
                                    *a = a.wrapping_add(w as i32 * (x as i32 + p.input_offset));
                                }
                            } else {
                                for (i, (a, &w)) in acc[..n].iter_mut().zip(w).enumerate() {
                                    let x = input[px + (c0 + i) / dm];
                                    *a = a.wrapping_add(w as i32 * (x as i32 + p.input_offset));
                                }
                            }
                        }
                    }
                    for (i, &a) in acc[..n].iter().enumerate() {
                        let oc = c0 + i;
                        let a = match p.bias.get(oc) {
                            Some(&bias) => a.wrapping_add(bias),
                            None => a,
                        };
                        output[o] = requantize(a, p.multiplier[oc], p.shift[oc], p.output_offset, p.act_min, p.act_max);
                        o += 1;
                    }
                    c0 += n;
                }
            }
        }
    }
}
