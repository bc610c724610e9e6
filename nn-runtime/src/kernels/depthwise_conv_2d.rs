//! DEPTHWISE_CONV_2D, int8 with per-channel requantization; TFLM's
//! `DepthwiseConvPerChannel`.

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

/// Runs the depthwise convolution.
pub fn depthwise_conv_2d(p: &DepthwiseConv2d, input: &[i8], output: &mut [i8]) {
    let out_c = p.in_c * p.depth_multiplier;
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.in_c;
        for oy in 0..p.out_h {
            let in_y0 = (oy * p.stride_h) as isize - p.pad_top as isize;
            for ox in 0..p.out_w {
                let in_x0 = (ox * p.stride_w) as isize - p.pad_left as isize;
                for ic in 0..p.in_c {
                    for m in 0..p.depth_multiplier {
                        let oc = ic * p.depth_multiplier + m;
                        let mut acc: i32 = 0;
                        for ky in 0..p.k_h {
                            let iy = in_y0 + (ky * p.dilation_h) as isize;
                            if iy < 0 || iy >= p.in_h as isize {
                                continue;
                            }
                            for kx in 0..p.k_w {
                                let ix = in_x0 + (kx * p.dilation_w) as isize;
                                if ix < 0 || ix >= p.in_w as isize {
                                    continue;
                                }
                                let x = input[in_batch + (iy as usize * p.in_w + ix as usize) * p.in_c + ic];
                                let w = p.filter[(ky * p.k_w + kx) * out_c + oc];
                                acc = acc.wrapping_add(w as i32 * (x as i32 + p.input_offset));
                            }
                        }
                        if let Some(&bias) = p.bias.get(oc) {
                            acc = acc.wrapping_add(bias);
                        }
                        output[o] =
                            requantize(acc, p.multiplier[oc], p.shift[oc], p.output_offset, p.act_min, p.act_max);
                        o += 1;
                    }
                }
            }
        }
    }
}
