//! MEAN and SUM over any axes, int8 and int16; TFLM's reference
//! `QuantizedMeanOrSum`: an exact int32 sum per output, the input zero point
//! times the count subtracted, then one requantization (for MEAN the
//! multiplier already includes the division by the count, as TFLM folds
//! it). Float32 follows TFLM's reference float `Mean` and `ReduceGeneric`.

use super::{clamp, Quantized, MAX_RANK};
use crate::quant::multiply_by_quantized_multiplier;

/// Constants of one MEAN or SUM layer (axes padded to [`MAX_RANK`]).
#[derive(Clone, Copy, Debug)]
pub struct Reduce {
    /// Sizes of the kept axes, in output order.
    pub kept_dims: [usize; MAX_RANK],
    /// Input strides of the kept axes.
    pub kept_strides: [usize; MAX_RANK],
    /// Sizes of the reduced axes.
    pub reduced_dims: [usize; MAX_RANK],
    /// Input strides of the reduced axes.
    pub reduced_strides: [usize; MAX_RANK],
    /// Elements summed per output.
    pub count: i32,
    /// Input zero point.
    pub input_zero_point: i32,
    /// Output zero point.
    pub output_zero_point: i32,
    /// Requantization multiplier.
    pub multiplier: i32,
    /// Its shift.
    pub shift: i32,
}

/// Calls `f(offset)` for every multi-index of `dims` with `strides`, in
/// row-major order.
#[inline(always)]
fn walk(dims: &[usize; MAX_RANK], strides: &[usize; MAX_RANK], mut f: impl FnMut(usize)) {
    let total: usize = dims.iter().product();
    let mut idx = [0usize; MAX_RANK];
    let mut at = 0usize;
    for _ in 0..total {
        f(at);
        let mut d = MAX_RANK;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            at += strides[d];
            if idx[d] < dims[d] {
                break;
            }
            at -= strides[d] * idx[d];
            idx[d] = 0;
        }
    }
}

/// Runs MEAN or SUM.
pub fn mean<T: Quantized>(p: &Reduce, input: &[T], output: &mut [T]) {
    let mut o = 0;
    walk(&p.kept_dims, &p.kept_strides, |base| {
        let mut sum: i32 = 0;
        walk(&p.reduced_dims, &p.reduced_strides, |off| {
            if let Some(x) = input.get(base + off) {
                sum = sum.wrapping_add(x.get());
            }
        });
        let shifted = sum.wrapping_sub(p.input_zero_point.wrapping_mul(p.count));
        let v = multiply_by_quantized_multiplier(shifted, p.multiplier, p.shift).wrapping_add(p.output_zero_point);
        if let Some(out) = output.get_mut(o) {
            *out = T::from_clamped(clamp(v, T::MIN, T::MAX));
        }
        o += 1;
    });
}

/// Constants of one float32 MEAN or SUM layer (axes padded to
/// [`MAX_RANK`]).
#[derive(Clone, Copy, Debug)]
pub struct ReduceF32 {
    /// Sizes of the kept axes, in output order.
    pub kept_dims: [usize; MAX_RANK],
    /// Input strides of the kept axes.
    pub kept_strides: [usize; MAX_RANK],
    /// Sizes of the reduced axes.
    pub reduced_dims: [usize; MAX_RANK],
    /// Input strides of the reduced axes.
    pub reduced_strides: [usize; MAX_RANK],
    /// Elements summed per output; MEAN divides the sum by it.
    pub count: usize,
    /// MEAN rather than SUM.
    pub mean: bool,
}

/// Runs float32 MEAN or SUM in TFLM's order: each output starts at `0.0`
/// and adds its inputs in increasing input offset (TFLM walks the whole
/// input in row-major order, adding each element into its output), then
/// MEAN divides by the count converted to `f32`. TFLM's special 4-D kernel
/// for axes 1 and 2 with `keep_dims` adds in the same order and divides by
/// the same count, so one kernel serves both.
pub fn mean_f32(p: &ReduceF32, input: &[f32], output: &mut [f32]) {
    let mut o = 0;
    walk(&p.kept_dims, &p.kept_strides, |base| {
        let mut sum = 0.0f32;
        walk(&p.reduced_dims, &p.reduced_strides, |off| {
            if let Some(&x) = input.get(base + off) {
                sum += x;
            }
        });
        if let Some(out) = output.get_mut(o) {
            *out = if p.mean { sum / p.count as f32 } else { sum };
        }
        o += 1;
    });
}
