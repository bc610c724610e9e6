//! CONV_2D, int8 activations and int8 weights with per-channel (or
//! broadcast per-tensor) requantization; TFLM's `ConvPerChannel`.

use super::requantize;

/// Constants of one int8 2-D convolution layer. Shapes are NHWC; the filter
/// is `[out_c][k_h][k_w][in_c / groups]`.
#[derive(Clone, Copy, Debug)]
pub struct Conv2d<'a> {
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
    /// Channels per group in the filter (`in_c` unless grouped).
    pub filter_in_c: usize,
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
    /// Lower bound of the fused activation, in the output's quantized domain.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
    /// Filter weights.
    pub filter: &'a [i8],
    /// Bias per output channel, or empty for none.
    pub bias: &'a [i32],
    /// Q0.31 requantization multiplier per output channel.
    pub multiplier: &'a [i32],
    /// Requantization shift per output channel (positive: left).
    pub shift: &'a [i32],
}

/// Runs the convolution. `input` has `batches*in_h*in_w*in_c` elements and
/// `output` `batches*out_h*out_w*out_c`.
pub fn conv_2d(p: &Conv2d, input: &[i8], output: &mut [i8]) {
    let groups = p.in_c / p.filter_in_c.max(1);
    let filters_per_group = p.out_c / groups.max(1);
    let filter_size = p.k_h * p.k_w * p.filter_in_c;
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.in_c;
        for oy in 0..p.out_h {
            let in_y0 = (oy * p.stride_h) as isize - p.pad_top as isize;
            for ox in 0..p.out_w {
                let in_x0 = (ox * p.stride_w) as isize - p.pad_left as isize;
                for oc in 0..p.out_c {
                    let group = oc / filters_per_group.max(1);
                    let in_c0 = group * p.filter_in_c;
                    let filter = &p.filter[oc * filter_size..(oc + 1) * filter_size];
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
                            let at = in_batch + (iy as usize * p.in_w + ix as usize) * p.in_c + in_c0;
                            let x = &input[at..at + p.filter_in_c];
                            let f0 = (ky * p.k_w + kx) * p.filter_in_c;
                            let w = &filter[f0..f0 + p.filter_in_c];
                            for (&xv, &wv) in x.iter().zip(w) {
                                acc = acc.wrapping_add(wv as i32 * (xv as i32 + p.input_offset));
                            }
                        }
                    }
                    if let Some(&bias) = p.bias.get(oc) {
                        acc = acc.wrapping_add(bias);
                    }
                    output[o] = requantize(acc, p.multiplier[oc], p.shift[oc], p.output_offset, p.act_min, p.act_max);
                    o += 1;
                }
            }
        }
    }
}
