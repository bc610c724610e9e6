//! SVDF (singular value decomposition filter): a feature projection of the
//! input appended to a sliding window of past projections (the variable
//! state tensor), then a per-filter dot product over that window, summed
//! over `rank` filters per unit. TFLM's reference kernels:
//! `EvalIntegerSvdfReference` (int8 input and output, int8 or int16 state
//! and time weights) and `EvalFloatSvdfReference`.
//!
//! TFLM collects the time products in two scratch buffers before reducing
//! them; the sums here are formed in registers instead, in the same order,
//! so the results are identical without the scratch memory.

use super::Quantized;
use crate::kernels::clamp;
use crate::quant::multiply_by_quantized_multiplier;

/// Element types of the integer state and time weights (int8, int16).
pub trait SvdfState: Quantized {
    /// Element `i` of little-endian weight bytes (0 when out of range).
    fn load(bytes: &[u8], i: usize) -> Self;
}

impl SvdfState for i8 {
    #[inline(always)]
    fn load(bytes: &[u8], i: usize) -> i8 {
        bytes.get(i).map_or(0, |&b| b as i8)
    }
}

impl SvdfState for i16 {
    #[inline(always)]
    fn load(bytes: &[u8], i: usize) -> i16 {
        match bytes.get(2 * i..2 * i + 2) {
            Some(&[a, b]) => i16::from_le_bytes([a, b]),
            _ => 0,
        }
    }
}

/// Constants of one integer SVDF layer.
#[derive(Clone, Copy, Debug)]
pub struct Svdf<'a> {
    /// Input rows.
    pub batches: usize,
    /// Row length.
    pub input_size: usize,
    /// Filters (`units * rank`).
    pub filters: usize,
    /// Filters summed per output unit.
    pub rank: usize,
    /// Past projections kept per filter.
    pub memory: usize,
    /// Input zero point.
    pub input_zero_point: i32,
    /// State zero point.
    pub state_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Multiplier and shift of `input_scale * feature_scale / state_scale`.
    pub feature_multiplier: (i32, i32),
    /// Multiplier and shift of `state_scale * time_scale / output_scale`.
    pub time_multiplier: (i32, i32),
    /// `[filters][input_size]` feature weights.
    pub weights_feature: &'a [i8],
    /// `[filters][memory]` time weights, little-endian bytes of the state type.
    pub weights_time: &'a [u8],
    /// Bias per unit.
    pub bias: &'a [i32],
}

/// Shifts every filter's window one step to the left (the oldest value
/// drops out; the newest slot is overwritten next), as TFLM does: one move
/// of the whole buffer by one element.
#[inline(always)]
fn shift_state<T: Copy>(state: &mut [T]) {
    if !state.is_empty() {
        state.copy_within(1.., 0);
    }
}

/// Runs an integer SVDF (`T` is the state and time-weight type) and updates
/// the state in place.
pub fn svdf<T: SvdfState>(p: &Svdf, input: &[i8], output: &mut [i8], state: &mut [T]) {
    let (n_in, n_f, mem) = (p.input_size, p.filters, p.memory);
    let units = n_f.checked_div(p.rank).unwrap_or(0);
    let len = p.batches * n_f * mem;
    let state = match state.get_mut(..len) {
        Some(s) if mem > 0 => s,
        _ => return,
    };
    shift_state(state);
    // Feature projection into the newest slot of every window. The int8
    // state's zero point is added after the clamp and the sum is narrowed
    // without a second clamp, as in TFLM.
    let (m1, s1) = p.feature_multiplier;
    for b in 0..p.batches {
        let x = input.get(b * n_in..(b + 1) * n_in).unwrap_or(&[]);
        for f in 0..n_f {
            let w = p.weights_feature.get(f * n_in..(f + 1) * n_in).unwrap_or(&[]);
            let dot = w.iter().zip(x).fold(0i32, |acc, (&w, &x)| {
                acc.wrapping_add((w as i32).wrapping_mul((x as i32).wrapping_sub(p.input_zero_point)))
            });
            let v = clamp(multiply_by_quantized_multiplier(dot, m1, s1), T::MIN, T::MAX);
            state[(b * n_f + f) * mem + mem - 1] = T::from_clamped(p.state_zero_point.wrapping_add(v));
        }
    }
    // Time products, summed over each unit's filters onto its bias. The
    // int32 sums wrap where TFLM's would overflow.
    let (m2, s2) = p.time_multiplier;
    for b in 0..p.batches {
        for u in 0..units {
            let mut acc = p.bias.get(u).copied().unwrap_or(0);
            for f in u * p.rank..(u + 1) * p.rank {
                let window = &state[(b * n_f + f) * mem..(b * n_f + f + 1) * mem];
                let mut sum = 0i32;
                for (j, s) in window.iter().enumerate() {
                    let w = T::load(p.weights_time, f * mem + j).get();
                    sum = sum.wrapping_add(w.wrapping_mul(s.get().wrapping_sub(p.state_zero_point)));
                }
                acc = acc.wrapping_add(sum);
            }
            let v = multiply_by_quantized_multiplier(acc, m2, s2).wrapping_add(p.output_zero_point);
            if let Some(o) = output.get_mut(b * units + u) {
                *o = clamp(v, -128, 127) as i8;
            }
        }
    }
}

/// Fused activation of a float32 SVDF, with TFLM's `ActivationValFloat`
/// semantics (`std::max`/`std::min` argument order, so NaN behaves as there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationF32 {
    /// The identity.
    None,
    /// `max(0, x)`.
    Relu,
    /// `max(-1, min(x, 1))`.
    ReluN1To1,
    /// `max(0, min(x, 6))`.
    Relu6,
}

impl ActivationF32 {
    /// Applies the activation to one value.
    #[inline(always)]
    pub fn apply(self, x: f32) -> f32 {
        // std::max(a, b) is `a < b ? b : a`; std::min(a, b) is `b < a ? b : a`.
        let max = |a: f32, b: f32| if a < b { b } else { a };
        let min = |a: f32, b: f32| if b < a { b } else { a };
        match self {
            ActivationF32::None => x,
            ActivationF32::Relu => max(0.0, x),
            ActivationF32::ReluN1To1 => max(-1.0, min(x, 1.0)),
            ActivationF32::Relu6 => max(0.0, min(x, 6.0)),
        }
    }
}

/// Constants of one float32 SVDF layer. Weights are little-endian `f32`
/// bytes, so they can live in flash without alignment requirements.
#[derive(Clone, Copy, Debug)]
pub struct SvdfF32<'a> {
    /// Input rows.
    pub batches: usize,
    /// Row length.
    pub input_size: usize,
    /// Filters (`units * rank`).
    pub filters: usize,
    /// Filters summed per output unit.
    pub rank: usize,
    /// Past projections kept per filter.
    pub memory: usize,
    /// Fused activation.
    pub activation: ActivationF32,
    /// `[filters][input_size]` feature weights.
    pub weights_feature: &'a [u8],
    /// `[filters][memory]` time weights.
    pub weights_time: &'a [u8],
    /// Bias per unit.
    pub bias: &'a [u8],
}

#[inline(always)]
fn f32_at(bytes: &[u8], i: usize) -> f32 {
    match bytes.get(4 * i..4 * i + 4) {
        Some(&[a, b, c, d]) => f32::from_le_bytes([a, b, c, d]),
        _ => 0.0,
    }
}

/// Runs a float32 SVDF and updates the state in place, summing in TFLM's
/// order (one running `f32` total per dot product; each unit starts from its
/// bias and adds its filters' time products in turn).
pub fn svdf_f32(p: &SvdfF32, input: &[f32], output: &mut [f32], state: &mut [f32]) {
    let (n_in, n_f, mem) = (p.input_size, p.filters, p.memory);
    let units = n_f.checked_div(p.rank).unwrap_or(0);
    let len = p.batches * n_f * mem;
    let state = match state.get_mut(..len) {
        Some(s) if mem > 0 => s,
        _ => return,
    };
    shift_state(state);
    for b in 0..p.batches {
        let x = input.get(b * n_in..(b + 1) * n_in).unwrap_or(&[]);
        for f in 0..n_f {
            let mut dot = 0.0f32;
            for (k, &x) in x.iter().enumerate() {
                dot += f32_at(p.weights_feature, f * n_in + k) * x;
            }
            state[(b * n_f + f) * mem + mem - 1] = dot;
        }
    }
    for b in 0..p.batches {
        for u in 0..units {
            let mut acc = f32_at(p.bias, u);
            for f in u * p.rank..(u + 1) * p.rank {
                let window = &state[(b * n_f + f) * mem..(b * n_f + f + 1) * mem];
                let mut sum = 0.0f32;
                for (j, &s) in window.iter().enumerate() {
                    sum += f32_at(p.weights_time, f * mem + j) * s;
                }
                acc += sum;
            }
            if let Some(o) = output.get_mut(b * units + u) {
                *o = p.activation.apply(acc);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le16(v: &[i16]) -> [u8; 8] {
        let mut out = [0u8; 8];
        for (k, x) in v.iter().enumerate() {
            out[2 * k..2 * k + 2].copy_from_slice(&x.to_le_bytes());
        }
        out
    }

    /// One unit of rank 2, memory 2, input 2, multipliers of exactly 1
    /// (`2^30`, shift 1): every step can be followed by hand.
    fn params<'a>(wf: &'a [i8], wt: &'a [u8], bias: &'a [i32]) -> Svdf<'a> {
        Svdf {
            batches: 1,
            input_size: 2,
            filters: 2,
            rank: 2,
            memory: 2,
            input_zero_point: 1,
            state_zero_point: 0,
            output_zero_point: -3,
            feature_multiplier: (1 << 30, 1),
            time_multiplier: (1 << 30, 1),
            weights_feature: wf,
            weights_time: wt,
            bias,
        }
    }

    #[test]
    fn state_slides_and_units_sum_their_filters() {
        let wf = [1i8, 2, -1, 3];
        let wt = le16(&[10, 1, -2, 5]);
        let bias = [7];
        let p = params(&wf, &wt, &bias);
        let mut state = [0i16; 4];
        let mut out = [0i8; 1];
        // x - zp = (2, 0): filter 0 projects 2, filter 1 projects -2.
        svdf(&p, &[3, 1], &mut out, &mut state);
        assert_eq!(state, [0, 2, 0, -2]);
        // 7 + (10*0 + 1*2) + (-2*0 + 5*-2) - 3 = -4.
        assert_eq!(out, [-4]);
        // x - zp = (0, 1): projections 2 and 3; the previous ones move left.
        svdf(&p, &[1, 2], &mut out, &mut state);
        assert_eq!(state, [2, 2, -2, 3]);
        // 7 + (20 + 2) + (4 + 15) - 3 = 45.
        assert_eq!(out, [45]);
    }

    #[test]
    fn projections_saturate_to_the_state_type_and_outputs_to_int8() {
        let wf = [127i8, 127, -127, -127];
        let wt = [1u8, 0, 1, 0];
        let bias = [0];
        let mut p = params(&wf, &wt, &bias);
        p.feature_multiplier = (1 << 30, 2); // x2
        p.state_zero_point = 5;
        p.input_zero_point = -128;
        let mut state = [5i8; 4];
        let mut out = [0i8; 1];
        svdf(&p, &[127, 127], &mut out, &mut state);
        // Clamped to 127 and -128, then the zero point is added and the sum
        // narrowed without a second clamp (127 + 5 wraps to -124).
        assert_eq!(state, [5, -124, 5, -123]);
        // The time weights of 1 see the older slot only: zeros.
        assert_eq!(out, [-3]);
        let wt = [0u8, 100, 0, 100];
        let p = Svdf { weights_time: &wt, ..p };
        svdf(&p, &[127, 127], &mut out, &mut state);
        assert_eq!(out, [-128]);
    }

    #[test]
    fn float_matches_the_integer_walkthrough() {
        let f = |v: &[f32]| {
            let mut b = [0u8; 16];
            for (k, x) in v.iter().enumerate() {
                b[4 * k..4 * k + 4].copy_from_slice(&x.to_le_bytes());
            }
            b
        };
        let (wf, wt, bias) = (f(&[1.0, 2.0, -1.0, 3.0]), f(&[10.0, 1.0, -2.0, 5.0]), f(&[7.0]));
        let p = SvdfF32 {
            batches: 1,
            input_size: 2,
            filters: 2,
            rank: 2,
            memory: 2,
            activation: ActivationF32::Relu,
            weights_feature: &wf,
            weights_time: &wt,
            bias: &bias[..4],
        };
        let mut state = [0.0f32; 4];
        let mut out = [0.0f32; 1];
        svdf_f32(&p, &[2.0, 0.0], &mut out, &mut state);
        assert_eq!(state, [0.0, 2.0, 0.0, -2.0]);
        assert_eq!(out, [0.0]); // 7 + 2 - 10 = -1, through RELU.
        svdf_f32(&p, &[0.0, 1.0], &mut out, &mut state);
        assert_eq!(out, [48.0]);
    }

    #[test]
    fn float_activations_follow_std_max_min() {
        assert!(ActivationF32::None.apply(f32::NAN).is_nan());
        assert_eq!(ActivationF32::Relu.apply(f32::NAN), 0.0);
        assert_eq!(ActivationF32::Relu6.apply(f32::NAN), 0.0);
        assert_eq!(ActivationF32::ReluN1To1.apply(f32::NAN), -1.0);
        assert_eq!(ActivationF32::Relu6.apply(7.5), 6.0);
        assert_eq!(ActivationF32::ReluN1To1.apply(-3.0), -1.0);
    }
}
