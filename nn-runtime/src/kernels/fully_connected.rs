//! FULLY_CONNECTED, int8 with per-tensor or per-channel requantization;
//! TFLM's `FullyConnected` and `FullyConnectedPerChannel`.

use super::requantize;

/// Constants of one int8 fully connected layer. The filter is
/// `[out_c][depth]`.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnected<'a> {
    /// Rows of the input (the product of all but the last input dimension
    /// after flattening to `[batches, depth]`).
    pub batches: usize,
    /// Length of each input row.
    pub depth: usize,
    /// Output units.
    pub out_c: usize,
    /// Minus the input zero point.
    pub input_offset: i32,
    /// Minus the filter zero point (zero for int8 weights).
    pub filter_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Lower bound of the fused activation.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
    /// Filter weights.
    pub filter: &'a [i8],
    /// Bias per output unit, or empty for none.
    pub bias: &'a [i32],
    /// Q0.31 multiplier: one for all units (per-tensor) or one per unit.
    pub multiplier: &'a [i32],
    /// Shift: one for all units or one per unit.
    pub shift: &'a [i32],
}

/// Runs the fully connected layer.
pub fn fully_connected(p: &FullyConnected, input: &[i8], output: &mut [i8]) {
    let per_channel = p.multiplier.len() > 1;
    for b in 0..p.batches {
        let x = &input[b * p.depth..(b + 1) * p.depth];
        for oc in 0..p.out_c {
            let w = &p.filter[oc * p.depth..(oc + 1) * p.depth];
            let mut acc = if p.filter_offset == 0 {
                super::conv_2d::dot(x, w, p.input_offset)
            } else {
                x.iter().zip(w).fold(0i32, |acc, (&xv, &wv)| {
                    acc.wrapping_add((wv as i32 + p.filter_offset) * (xv as i32 + p.input_offset))
                })
            };
            if let Some(&bias) = p.bias.get(oc) {
                acc = acc.wrapping_add(bias);
            }
            let ch = if per_channel { oc } else { 0 };
            output[b * p.out_c + oc] =
                requantize(acc, p.multiplier[ch], p.shift[ch], p.output_offset, p.act_min, p.act_max);
        }
    }
}
