//! FULLY_CONNECTED, int8 and 16x8 with per-tensor or per-channel
//! requantization; TFLM's `FullyConnected` and `FullyConnectedPerChannel`.

use super::{clamp, dot_16x8, requantize, requantize_16x8};
use crate::simd::{channel, fc_1, fc_4, requantize_channel};

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
    /// For int8: per output unit, the bias plus `input_offset` times the
    /// sum of the unit's weights (wrapping), so that the fast path needs
    /// only `sum(w * x)`; empty: not precomputed (the reference path runs).
    pub bias_folded: &'a [i32],
    /// Q0.31 multiplier: one for all units (per-tensor) or one per unit.
    pub multiplier: &'a [i32],
    /// Shift: one for all units or one per unit.
    pub shift: &'a [i32],
}

/// Runs the fully connected layer: [`fully_connected_fast`] when it
/// handles the layer, else [`fully_connected_portable`]; both give the
/// same bits.
#[inline(always)]
pub fn fully_connected(p: &FullyConnected, input: &[i8], output: &mut [i8]) {
    if !fully_connected_fast(p, input, output) {
        fully_connected_portable(p, input, output);
    }
}

/// The reference path: TFLM's loop nest, `sum((w + filter_offset) * (x +
/// input_offset)) + bias` per output, requantized with its two roundings.
pub fn fully_connected_portable(p: &FullyConnected, input: &[i8], output: &mut [i8]) {
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

/// The fast path (see [`fully_connected`]), callable on every target so
/// that tests can compare it with [`fully_connected_portable`]; returns
/// `false`, having written nothing, for a layer it does not handle (a
/// non-zero filter offset, no `bias_folded`, short slices).
///
/// Each output starts at its folded bias, so only `sum(w * x)` remains:
/// four weight rows at a time meet the input, which is loaded and widened
/// once for the four (`SXTB16` and `SMLAD` on ARMv7E-M, `simd::fc_4`), and
/// the depth's last `depth % 4` values are added one by one. Outputs whose
/// requantization fits the one-multiply form (`simd::channel`: right shifts
/// of 2 to 22) take it, the others TFLM's two roundings; both give
/// `multiply_by_quantized_multiplier(acc) + output_offset` exactly, then
/// the same clamp.
#[inline(always)]
pub fn fully_connected_fast(p: &FullyConnected, input: &[i8], output: &mut [i8]) -> bool {
    let (depth, out_c) = (p.depth, p.out_c);
    let per_channel = p.multiplier.len() > 1;
    let constants = if per_channel { out_c } else { 1 };
    let (Some(weights), Some(ins), Some(outs)) =
        (out_c.checked_mul(depth), p.batches.checked_mul(depth), p.batches.checked_mul(out_c))
    else {
        return false;
    };
    if p.filter_offset != 0
        || depth == 0
        || out_c == 0
        || p.bias_folded.len() < out_c
        || p.multiplier.len() < constants
        || p.shift.len() < constants
        || p.filter.len() < weights
        || input.len() < ins
        || output.len() < outs
    {
        return false;
    }
    // Views cut once (lengths checked above), so that the loops index
    // nothing.
    let (filter, folded) = (&p.filter[..weights], &p.bias_folded[..out_c]);
    let (multiplier, shift) = (&p.multiplier[..constants], &p.shift[..constants]);
    let (off, lo, hi) = (p.output_offset, p.act_min, p.act_max);
    let rq = Outputs { tensor: channel(0, multiplier[0], shift[0], off), per_channel, multiplier, shift, off, lo, hi };
    let words = depth / 4;
    let body = 4 * words;
    for (x, out) in input[..ins].chunks_exact(depth).zip(output[..outs].chunks_exact_mut(out_c)) {
        let tail = x.get(body..).unwrap_or_default();
        let mut rows = filter.chunks_exact(4 * depth);
        let mut outs4 = out.chunks_exact_mut(4);
        let mut bias4 = folded.chunks_exact(4);
        let mut oc = 0;
        for ((w, o), b) in (&mut rows).zip(&mut outs4).zip(&mut bias4) {
            let mut acc = [b[0], b[1], b[2], b[3]];
            if words > 0 {
                // SAFETY: `x` and the four rows of `w` hold `depth >= 4 *
                // words` bytes each, rows `depth` apart.
                acc = unsafe { fc_4(x.as_ptr(), w.as_ptr(), depth, words, acc) };
            }
            for (r, (a, o)) in acc.iter_mut().zip(o.iter_mut()).enumerate() {
                let row = w.get(r * depth + body..(r + 1) * depth).unwrap_or_default();
                for (&xv, &wv) in tail.iter().zip(row) {
                    *a = a.wrapping_add(xv as i32 * wv as i32);
                }
                *o = rq.store(*a, oc + r);
            }
            oc += 4;
        }
        let rest = rows.remainder().chunks_exact(depth);
        for ((w, o), &b) in rest.zip(outs4.into_remainder()).zip(bias4.remainder()) {
            let mut acc = b;
            if words > 0 {
                // SAFETY: `x` and `w` hold `depth >= 4 * words` bytes.
                acc = unsafe { fc_1(x.as_ptr(), w.as_ptr(), words, acc) };
            }
            for (&xv, &wv) in tail.iter().zip(w.get(body..).unwrap_or_default()) {
                acc = acc.wrapping_add(xv as i32 * wv as i32);
            }
            *o = rq.store(acc, oc);
            oc += 1;
        }
    }
    true
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

/// The requantization of the fast path's outputs.
struct Outputs<'a> {
    /// The one-multiply constants of a per-tensor layer, if they apply.
    tensor: Option<crate::simd::Channel>,
    per_channel: bool,
    multiplier: &'a [i32],
    shift: &'a [i32],
    off: i32,
    lo: i32,
    hi: i32,
}

impl Outputs<'_> {
    /// Output `oc` of accumulator `acc`, as `requantize` computes it.
    #[inline(always)]
    fn store(&self, acc: i32, oc: usize) -> i8 {
        let ch = if self.per_channel { oc } else { 0 };
        let (m, s) = (self.multiplier.get(ch).copied().unwrap_or(0), self.shift.get(ch).copied().unwrap_or(0));
        let fused = if self.per_channel { channel(0, m, s, self.off) } else { self.tensor };
        match fused {
            Some(c) => clamp(requantize_channel(acc, c), self.lo, self.hi) as i8,
            None => requantize(acc, m, s, self.off, self.lo, self.hi),
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
