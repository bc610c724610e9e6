//! UNIDIRECTIONAL_SEQUENCE_LSTM, int8 (8x8 -> 16 with int16 cell state) and
//! float32; TFLM's `EvalLstm`.
//!
//! Per time step TFLM computes each gate as `act(FC(x) + FC(h))` over all
//! units into a scratch buffer, then updates the cell state and the hidden
//! state element by element. Every operation after the two matrix products
//! is elementwise, and the products read only the input and the *previous*
//! hidden state, so the kernels here evaluate one unit at a time (its four
//! gates, then its cell and hidden value) with the same arithmetic in the
//! same order per element: the results are TFLM's bit for bit, without
//! gate buffers. The new hidden state is written to the output row of the
//! step and copied into the state once the step is done.
//!
//! Gates are indexed in TFLite's tensor order: input, forget, cell, output.

use super::clamp;
use super::conv_2d::dot_raw;
use super::fully_connected::clamp_f32;
use super::logistic::{logistic_f32_one, logistic_i16_one};
use super::tanh::tanh_i16_one;
use crate::math::tanhf;
use crate::quant::multiply_by_quantized_multiplier;

/// Gate indices, in TFLite's tensor order.
const INPUT: usize = 0;
const FORGET: usize = 1;
const CELL: usize = 2;
const OUTPUT: usize = 3;

/// The shape of a sequence LSTM.
#[derive(Clone, Copy, Debug)]
pub struct LstmShape {
    /// Batch size.
    pub batches: usize,
    /// Time steps.
    pub time_steps: usize,
    /// Whether the input is `[time, batch, input]` (else
    /// `[batch, time, input]`).
    pub time_major: bool,
    /// Input features per step.
    pub input_dim: usize,
    /// Units (cell and hidden state size).
    pub state_dim: usize,
}

impl LstmShape {
    /// Calls `f(input_row, output_row, state_row)` for every step of every
    /// sequence in TFLM's order: element offsets of the step's input row,
    /// output row and the batch's state row.
    #[inline(always)]
    fn for_each_step(&self, mut f: impl FnMut(usize, usize, usize)) {
        let (i, s) = (self.input_dim, self.state_dim);
        if self.time_major {
            // All batches advance together.
            for t in 0..self.time_steps {
                for b in 0..self.batches {
                    let row = t * self.batches + b;
                    f(row * i, row * s, b * s);
                }
            }
        } else {
            for b in 0..self.batches {
                for t in 0..self.time_steps {
                    let row = b * self.time_steps + t;
                    f(row * i, row * s, b * s);
                }
            }
        }
    }
}

/// Constants of an int8 LSTM (TFLM's `PrepareGateParametersInteger`). Gate
/// products are requantized to int16 with scale 2^-12; the zero points of
/// the input and hidden state are folded into the biases.
#[derive(Clone, Copy, Debug)]
pub struct LstmI8<'a> {
    /// Shape.
    pub shape: LstmShape,
    /// Input weights per gate, `[state_dim][input_dim]`.
    pub input_weights: [&'a [i8]; 4],
    /// Recurrent weights per gate, `[state_dim][state_dim]`.
    pub recurrent_weights: [&'a [i8]; 4],
    /// Per gate: bias plus the input zero-point term.
    pub input_bias: [&'a [i32]; 4],
    /// Per gate: the hidden-state zero-point term (no bias).
    pub recurrent_bias: [&'a [i32]; 4],
    /// Per gate: (multiplier, shift) of the input product to 2^-12.
    pub input_multiplier: [(i32, i32); 4],
    /// Per gate: (multiplier, shift) of the recurrent product to 2^-12.
    pub recurrent_multiplier: [(i32, i32); 4],
    /// (multiplier, shift) of forget gate times cell state, to the cell
    /// scale.
    pub forget_cell_multiplier: (i32, i32),
    /// (multiplier, shift) of input gate times cell gate, to the cell scale.
    pub input_cell_multiplier: (i32, i32),
    /// (multiplier, shift) of tanh(cell) times output gate, to the hidden
    /// scale.
    pub hidden_multiplier: (i32, i32),
    /// Hidden state zero point.
    pub hidden_zero_point: i32,
    /// Symmetric bound of the cell state, if the model clips it.
    pub cell_clip: Option<i16>,
    /// TFLM's tanh parameters for the cell state (multiplier 0 convention).
    pub cell_tanh: (i32, i32),
}

/// One gate's int16 pre-activation: the two products, each requantized to
/// 2^-12 and clamped to int16, added with saturation.
#[inline(always)]
fn gate_i16(p: &LstmI8, g: usize, j: usize, x: &[i8], h: &[i8]) -> i16 {
    let (i_dim, s_dim) = (p.shape.input_dim, p.shape.state_dim);
    let fc = |w: &[i8], bias: &[i32], v: &[i8], n: usize, (m, s): (i32, i32)| -> i32 {
        let row = w.get(j * n..(j + 1) * n).unwrap_or_default();
        let acc = dot_raw(v, row).wrapping_add(bias.get(j).copied().unwrap_or(0));
        clamp(multiply_by_quantized_multiplier(acc, m, s), i16::MIN as i32, i16::MAX as i32)
    };
    let a = fc(p.input_weights[g], p.input_bias[g], x, i_dim, p.input_multiplier[g]);
    let b = fc(p.recurrent_weights[g], p.recurrent_bias[g], h, s_dim, p.recurrent_multiplier[g]);
    clamp(a + b, i16::MIN as i32, i16::MAX as i32) as i16
}

/// TFLM's `MulElementwise` of two int16 values (zero offsets).
#[inline(always)]
fn mul_i16(a: i16, b: i16, (m, s): (i32, i32), offset: i32, lo: i32, hi: i32) -> i32 {
    clamp(offset.wrapping_add(multiply_by_quantized_multiplier(a as i32 * b as i32, m, s)), lo, hi)
}

/// Runs the int8 LSTM over the whole sequence. `hidden` (int8) and `cell`
/// (int16) are the state, updated in place.
pub fn lstm_i8(p: &LstmI8, input: &[i8], output: &mut [i8], hidden: &mut [i8], cell: &mut [i16]) {
    let s_dim = p.shape.state_dim;
    p.shape.for_each_step(|xi, yo, so| {
        let x = input.get(xi..xi + p.shape.input_dim).unwrap_or_default();
        let (Some(y), Some(h), Some(c)) =
            (output.get_mut(yo..yo + s_dim), hidden.get_mut(so..so + s_dim), cell.get_mut(so..so + s_dim))
        else {
            return;
        };
        for j in 0..s_dim {
            let gate = |g: usize| gate_i16(p, g, j, x, h);
            let forget = logistic_i16_one(gate(FORGET), 0, 0);
            let input_gate = logistic_i16_one(gate(INPUT), 0, 0);
            // The cell gate's activation is tanh with the gate scale 2^-12.
            let cell_gate = tanh_i16_one(gate(CELL), 0, 0);
            let (lo, hi) = (i16::MIN as i32, i16::MAX as i32);
            let kept = mul_i16(forget, c[j], p.forget_cell_multiplier, 0, lo, hi);
            let added = mul_i16(input_gate, cell_gate, p.input_cell_multiplier, 0, lo, hi);
            let mut cj = clamp(kept + added, lo, hi) as i16;
            if let Some(clip) = p.cell_clip {
                cj = cj.min(clip).max(clip.wrapping_neg());
            }
            c[j] = cj;
            let output_gate = logistic_i16_one(gate(OUTPUT), 0, 0);
            let cell_tanh = tanh_i16_one(cj, p.cell_tanh.0, p.cell_tanh.1);
            y[j] = mul_i16(cell_tanh, output_gate, p.hidden_multiplier, p.hidden_zero_point, -128, 127) as i8;
        }
        h.copy_from_slice(y);
    });
}

/// Constants of a float32 LSTM. Weights and biases are little-endian `f32`
/// bytes (flash data without alignment requirements).
#[derive(Clone, Copy, Debug)]
pub struct LstmF32<'a> {
    /// Shape.
    pub shape: LstmShape,
    /// Input weights per gate, `[state_dim][input_dim]`.
    pub input_weights: [&'a [u8]; 4],
    /// Recurrent weights per gate, `[state_dim][state_dim]`.
    pub recurrent_weights: [&'a [u8]; 4],
    /// Bias per gate.
    pub bias: [&'a [u8]; 4],
    /// Symmetric bound of the cell state, if the model clips it.
    pub cell_clip: Option<f32>,
}

#[inline(always)]
fn f32_at(bytes: &[u8], i: usize) -> f32 {
    match bytes.get(4 * i..4 * i + 4) {
        Some(&[a, b, c, d]) => f32::from_le_bytes([a, b, c, d]),
        _ => 0.0,
    }
}

/// One float gate's pre-activation, in TFLM's order of operations: each
/// product summed from 0 in order, plus its bias (0 for the recurrent
/// one), clamped to the finite range; then the two added.
#[inline(always)]
fn gate_f32(p: &LstmF32, g: usize, j: usize, x: &[f32], h: &[f32]) -> f32 {
    let fc = |w: &[u8], v: &[f32], bias: f32| -> f32 {
        let n = v.len();
        let mut total = 0.0f32;
        for (d, &vd) in v.iter().enumerate() {
            total += vd * f32_at(w, j * n + d);
        }
        clamp_f32(total + bias, f32::MIN, f32::MAX)
    };
    let bias = f32_at(p.bias[g], j);
    fc(p.input_weights[g], x, bias) + fc(p.recurrent_weights[g], h, 0.0)
}

/// Runs the float32 LSTM over the whole sequence; `hidden` and `cell` are
/// the state, updated in place.
pub fn lstm_f32(p: &LstmF32, input: &[f32], output: &mut [f32], hidden: &mut [f32], cell: &mut [f32]) {
    let s_dim = p.shape.state_dim;
    let mul = |a: f32, b: f32| clamp_f32(a * b, f32::MIN, f32::MAX);
    p.shape.for_each_step(|xi, yo, so| {
        let x = input.get(xi..xi + p.shape.input_dim).unwrap_or_default();
        let (Some(y), Some(h), Some(c)) =
            (output.get_mut(yo..yo + s_dim), hidden.get_mut(so..so + s_dim), cell.get_mut(so..so + s_dim))
        else {
            return;
        };
        for j in 0..s_dim {
            let gate = |g: usize| gate_f32(p, g, j, x, h);
            let forget = logistic_f32_one(gate(FORGET));
            let input_gate = logistic_f32_one(gate(INPUT));
            let cell_gate = tanhf(gate(CELL));
            let mut cj = mul(forget, c[j]) + mul(input_gate, cell_gate);
            if let Some(clip) = p.cell_clip {
                // std::max(std::min(clip, v), -clip).
                let m = if cj < clip { cj } else { clip };
                cj = if m < -clip { -clip } else { m };
            }
            c[j] = cj;
            let output_gate = logistic_f32_one(gate(OUTPUT));
            y[j] = mul(tanhf(cj), output_gate);
        }
        h.copy_from_slice(y);
    });
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    /// A small deterministic generator (no dependencies in no_std tests).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 33) as u32
        }
        fn i8(&mut self) -> i8 {
            self.next() as i8
        }
        fn f32(&mut self, r: f32) -> f32 {
            (self.next() as f32 / (1u64 << 31) as f32 - 1.0) * r
        }
    }

    /// TFLM's structure: each gate over all units into its own buffer,
    /// then the cell update, the output gate and the hidden update, with
    /// the zero points applied inside the products (not folded).
    #[allow(clippy::too_many_arguments)]
    fn reference_i8(
        p: &LstmI8,
        offsets: (i32, i32),
        bias: [&[i32]; 4],
        input: &[i8],
        output: &mut [i8],
        hidden: &mut [i8],
        cell: &mut [i16],
    ) {
        let (n_in, n) = (p.shape.input_dim, p.shape.state_dim);
        let sat = |v: i32| v.clamp(-32768, 32767);
        p.shape.for_each_step(|xi, yo, so| {
            let x = &input[xi..xi + n_in];
            let gate = |g: usize, h: &[i8]| -> Vec<i16> {
                let fc = |w: &[i8], v: &[i8], k: usize, off: i32, b: Option<&[i32]>, (m, s): (i32, i32)| {
                    (0..n)
                        .map(|j| {
                            let mut acc: i32 = (0..k).map(|d| w[j * k + d] as i32 * (v[d] as i32 + off)).sum();
                            acc += b.map_or(0, |b| b[j]);
                            sat(multiply_by_quantized_multiplier(acc, m, s))
                        })
                        .collect::<Vec<i32>>()
                };
                let a = fc(p.input_weights[g], x, n_in, offsets.0, Some(bias[g]), p.input_multiplier[g]);
                let b = fc(p.recurrent_weights[g], h, n, offsets.1, None, p.recurrent_multiplier[g]);
                a.iter().zip(&b).map(|(a, b)| sat(a + b) as i16).collect()
            };
            let h: Vec<i8> = hidden[so..so + n].to_vec();
            let f: Vec<i16> = gate(FORGET, &h).into_iter().map(|v| logistic_i16_one(v, 0, 0)).collect();
            let i: Vec<i16> = gate(INPUT, &h).into_iter().map(|v| logistic_i16_one(v, 0, 0)).collect();
            let g: Vec<i16> = gate(CELL, &h).into_iter().map(|v| tanh_i16_one(v, 0, 0)).collect();
            let c = &mut cell[so..so + n];
            for j in 0..n {
                let kept = mul_i16(f[j], c[j], p.forget_cell_multiplier, 0, -32768, 32767);
                let added = mul_i16(i[j], g[j], p.input_cell_multiplier, 0, -32768, 32767);
                c[j] = sat(kept + added) as i16;
                if let Some(clip) = p.cell_clip {
                    c[j] = c[j].clamp(-clip, clip);
                }
            }
            let o: Vec<i16> = gate(OUTPUT, &h).into_iter().map(|v| logistic_i16_one(v, 0, 0)).collect();
            for j in 0..n {
                let t = tanh_i16_one(c[j], p.cell_tanh.0, p.cell_tanh.1);
                hidden[so + j] = mul_i16(t, o[j], p.hidden_multiplier, p.hidden_zero_point, -128, 127) as i8;
            }
            output[yo..yo + n].copy_from_slice(&hidden[so..so + n]);
        });
    }

    #[test]
    fn int8_matches_tflm_structure() {
        for time_major in [false, true] {
            let mut r = Lcg(7 + time_major as u64);
            let shape = LstmShape { batches: 2, time_steps: 5, time_major, input_dim: 6, state_dim: 4 };
            let (n_in, n) = (6, 4);
            let w_in: Vec<Vec<i8>> = (0..4).map(|_| (0..n * n_in).map(|_| r.i8()).collect()).collect();
            let w_rec: Vec<Vec<i8>> = (0..4).map(|_| (0..n * n).map(|_| r.i8()).collect()).collect();
            let bias: Vec<Vec<i32>> = (0..4).map(|_| (0..n).map(|_| r.next() as i32 % 5000).collect()).collect();
            let (x_zp, h_zp) = (-3, 5);
            let fold = |w: &[i8], k: usize, off: i32, b: Option<&[i32]>| -> Vec<i32> {
                (0..n)
                    .map(|j| b.map_or(0, |b| b[j]) + off * w[j * k..(j + 1) * k].iter().map(|&v| v as i32).sum::<i32>())
                    .collect()
            };
            let in_bias: Vec<Vec<i32>> = (0..4).map(|g| fold(&w_in[g], n_in, -x_zp, Some(&bias[g]))).collect();
            let rec_bias: Vec<Vec<i32>> = (0..4).map(|g| fold(&w_rec[g], n, -h_zp, None)).collect();
            let p = LstmI8 {
                shape,
                input_weights: core::array::from_fn(|g| w_in[g].as_slice()),
                recurrent_weights: core::array::from_fn(|g| w_rec[g].as_slice()),
                input_bias: core::array::from_fn(|g| in_bias[g].as_slice()),
                recurrent_bias: core::array::from_fn(|g| rec_bias[g].as_slice()),
                input_multiplier: [(1_300_000_000, -6), (1_100_000_000, -5), (1_500_000_000, -6), (1_200_000_000, -5)],
                recurrent_multiplier: [
                    (1_400_000_000, -6),
                    (1_600_000_000, -6),
                    (1_250_000_000, -5),
                    (1_900_000_000, -6),
                ],
                forget_cell_multiplier: (1 << 30, -14),
                input_cell_multiplier: (1 << 30, -17),
                hidden_multiplier: (1_700_000_000, -8),
                hidden_zero_point: h_zp,
                cell_clip: Some(20000),
                cell_tanh: (0, 1),
            };
            let input: Vec<i8> = (0..2 * 5 * n_in).map(|_| r.i8()).collect();
            let (mut out, mut h, mut c) = (vec![0i8; 2 * 5 * n], vec![h_zp as i8; 2 * n], vec![0i16; 2 * n]);
            let (mut out2, mut h2, mut c2) = (out.clone(), h.clone(), c.clone());
            let bias_refs: [&[i32]; 4] = core::array::from_fn(|g| bias[g].as_slice());
            for _ in 0..2 {
                // Twice: the state carries over.
                lstm_i8(&p, &input, &mut out, &mut h, &mut c);
                reference_i8(&p, (-x_zp, -h_zp), bias_refs, &input, &mut out2, &mut h2, &mut c2);
                assert_eq!((&out, &h, &c), (&out2, &h2, &c2), "time_major {time_major}");
            }
            assert!(out.iter().any(|&v| v != out[0]), "a degenerate test");
            assert!(c.iter().any(|&v| v == 20000 || v == -20000) || c.iter().any(|&v| v != 0));
        }
    }

    /// TFLM's structure for floats, gate buffers over all units.
    fn reference_f32(p: &LstmF32, input: &[f32], output: &mut [f32], hidden: &mut [f32], cell: &mut [f32]) {
        let (n_in, n) = (p.shape.input_dim, p.shape.state_dim);
        let mul = |a: f32, b: f32| clamp_f32(a * b, f32::MIN, f32::MAX);
        p.shape.for_each_step(|xi, yo, so| {
            let x = &input[xi..xi + n_in];
            let h: Vec<f32> = hidden[so..so + n].to_vec();
            let gate = |g: usize| -> Vec<f32> {
                let fc = |w: &[u8], v: &[f32], b: &dyn Fn(usize) -> f32| -> Vec<f32> {
                    (0..n)
                        .map(|j| {
                            let mut t = 0.0f32;
                            for d in 0..v.len() {
                                t += v[d] * f32_at(w, j * v.len() + d);
                            }
                            clamp_f32(t + b(j), f32::MIN, f32::MAX)
                        })
                        .collect()
                };
                let a = fc(p.input_weights[g], x, &|j| f32_at(p.bias[g], j));
                let b = fc(p.recurrent_weights[g], &h, &|_| 0.0);
                a.iter().zip(&b).map(|(a, b)| a + b).collect()
            };
            let f: Vec<f32> = gate(FORGET).into_iter().map(logistic_f32_one).collect();
            let i: Vec<f32> = gate(INPUT).into_iter().map(logistic_f32_one).collect();
            let g: Vec<f32> = gate(CELL).into_iter().map(tanhf).collect();
            let c = &mut cell[so..so + n];
            for j in 0..n {
                c[j] = mul(f[j], c[j]);
            }
            for j in 0..n {
                c[j] += mul(i[j], g[j]);
                if let Some(clip) = p.cell_clip {
                    c[j] = c[j].clamp(-clip, clip);
                }
            }
            let o: Vec<f32> = gate(OUTPUT).into_iter().map(logistic_f32_one).collect();
            for j in 0..n {
                hidden[so + j] = mul(tanhf(c[j]), o[j]);
            }
            output[yo..yo + n].copy_from_slice(&hidden[so..so + n]);
        });
    }

    #[test]
    fn float_matches_tflm_structure() {
        for time_major in [false, true] {
            let mut r = Lcg(11 + time_major as u64);
            let shape = LstmShape { batches: 2, time_steps: 6, time_major, input_dim: 5, state_dim: 3 };
            let (n_in, n) = (5, 3);
            let bytes = |v: Vec<f32>| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
            let w_in: Vec<Vec<u8>> = (0..4).map(|_| bytes((0..n * n_in).map(|_| r.f32(2.0)).collect())).collect();
            let w_rec: Vec<Vec<u8>> = (0..4).map(|_| bytes((0..n * n).map(|_| r.f32(2.0)).collect())).collect();
            let bias: Vec<Vec<u8>> = (0..4).map(|_| bytes((0..n).map(|_| r.f32(1.0)).collect())).collect();
            let p = LstmF32 {
                shape,
                input_weights: core::array::from_fn(|g| w_in[g].as_slice()),
                recurrent_weights: core::array::from_fn(|g| w_rec[g].as_slice()),
                bias: core::array::from_fn(|g| bias[g].as_slice()),
                cell_clip: Some(1.5),
            };
            let input: Vec<f32> = (0..2 * 6 * n_in).map(|_| r.f32(3.0)).collect();
            let (mut out, mut h, mut c) = (vec![0f32; 2 * 6 * n], vec![0f32; 2 * n], vec![0f32; 2 * n]);
            let (mut out2, mut h2, mut c2) = (out.clone(), h.clone(), c.clone());
            lstm_f32(&p, &input, &mut out, &mut h, &mut c);
            reference_f32(&p, &input, &mut out2, &mut h2, &mut c2);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!((bits(&out), bits(&h), bits(&c)), (bits(&out2), bits(&h2), bits(&c2)));
            assert!(c.iter().any(|&v| v.abs() == 1.5), "the clip is exercised");
        }
    }
}
