//! FULLY_CONNECTED, int8 and 16x8 with per-tensor or per-channel
//! requantization; TFLM's `FullyConnected` and `FullyConnectedPerChannel`.

use super::{dot_16x8, requantize, requantize_16x8};

/// Constants of one fully connected layer. The filter is `[out_c][depth]`.
/// The bias is `i32` for int8 activations and `i64` for int16 activations
/// (16x8).
#[derive(Clone, Copy, Debug)]
pub struct FullyConnected<'a, B = i32> {
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
    pub bias: &'a [B],
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

/// Runs a 16x8 fully connected layer (int16 activations with zero point 0,
/// int8 weights, int64 bias and accumulator); TFLM's int16
/// `FullyConnected` and `FullyConnectedPerChannel` with an int64 bias.
pub fn fully_connected_16x8(p: &FullyConnected<i64>, input: &[i16], output: &mut [i16]) {
    let per_channel = p.multiplier.len() > 1;
    for b in 0..p.batches {
        let x = &input[b * p.depth..(b + 1) * p.depth];
        for oc in 0..p.out_c {
            let mut acc = dot_16x8(x, &p.filter[oc * p.depth..(oc + 1) * p.depth]);
            if let Some(&bias) = p.bias.get(oc) {
                acc = acc.wrapping_add(bias);
            }
            let ch = if per_channel { oc } else { 0 };
            output[b * p.out_c + oc] = requantize_16x8(acc, p.multiplier[ch], p.shift[ch], p.act_min, p.act_max);
        }
    }
}

/// Constants of one float32 fully connected layer. Weights and bias are
/// little-endian `f32` bytes, so they can live in flash as byte data
/// without alignment requirements.
#[derive(Clone, Copy, Debug)]
pub struct FullyConnectedF32<'a> {
    /// Input rows.
    pub batches: usize,
    /// Row length.
    pub depth: usize,
    /// Output units.
    pub out_c: usize,
    /// Lower bound of the fused activation.
    pub act_min: f32,
    /// Upper bound of the fused activation.
    pub act_max: f32,
    /// `[out_c][depth]` weights as little-endian `f32` bytes.
    pub filter: &'a [u8],
    /// Bias per unit as little-endian `f32` bytes, or empty.
    pub bias: &'a [u8],
}

#[inline(always)]
pub(crate) fn f32_at(bytes: &[u8], i: usize) -> f32 {
    match bytes.get(4 * i..4 * i + 4) {
        Some(&[a, b, c, d]) => f32::from_le_bytes([a, b, c, d]),
        _ => 0.0,
    }
}

/// TFLM's `ActivationFunctionWithMinMax` for floats: `min(max(x, lo), hi)`
/// with `std::max`/`std::min` semantics (a NaN input stays NaN).
#[inline(always)]
pub(crate) fn clamp_f32(x: f32, lo: f32, hi: f32) -> f32 {
    let y = if x < lo { lo } else { x };
    if hi < y {
        hi
    } else {
        y
    }
}

/// Runs a float32 fully connected layer, summing in TFLM's order (one
/// running `f32` total per output, then the bias).
pub fn fully_connected_f32(p: &FullyConnectedF32, input: &[f32], output: &mut [f32]) {
    for b in 0..p.batches {
        for oc in 0..p.out_c {
            let mut total = 0.0f32;
            for d in 0..p.depth {
                let x = input.get(b * p.depth + d).copied().unwrap_or(0.0);
                total += x * f32_at(p.filter, oc * p.depth + d);
            }
            let bias = if p.bias.is_empty() { 0.0 } else { f32_at(p.bias, oc) };
            if let Some(o) = output.get_mut(b * p.out_c + oc) {
                *o = clamp_f32(total + bias, p.act_min, p.act_max);
            }
        }
    }
}
