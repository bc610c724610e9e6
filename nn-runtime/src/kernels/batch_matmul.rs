//! BATCH_MATMUL: int8, int16 and float32 matrix products over broadcast
//! batch dimensions, with TFLM's reference arithmetic (the int8 and int16
//! paths requantize like its FULLY_CONNECTED; float32 sums in depth order).
//!
//! The operands are read in place through strides, so `adj_x`/`adj_y`
//! (transposed operands) need no copy.

use crate::kernels::clamp;
use crate::quant::{multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_i64};

/// Constants of one BATCH_MATMUL layer: `out[b][i][j] = Σ_k lhs[b][i][k] *
/// rhs[b][k][j]`, all offsets and strides in elements.
#[derive(Clone, Copy, Debug)]
pub struct BatchMatMul {
    /// Output batch dimensions, padded to 3 with leading ones.
    pub batch_dims: [usize; 3],
    /// Element strides of the first input per batch dimension (0 where it
    /// is broadcast).
    pub lhs_batch_strides: [usize; 3],
    /// Element strides of the second input per batch dimension (0 where it
    /// is broadcast).
    pub rhs_batch_strides: [usize; 3],
    /// Rows of each output matrix.
    pub rows: usize,
    /// Columns of each output matrix.
    pub cols: usize,
    /// Length of each dot product.
    pub depth: usize,
    /// Element stride of the first input from one row to the next.
    pub lhs_row_stride: usize,
    /// Element stride of the first input along the depth.
    pub lhs_depth_stride: usize,
    /// Element stride of the second input along the depth.
    pub rhs_depth_stride: usize,
    /// Element stride of the second input from one column to the next.
    pub rhs_col_stride: usize,
    /// Minus the first input's zero point.
    pub lhs_offset: i32,
    /// Minus the second input's zero point.
    pub rhs_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Q0.31 multiplier of `lhs_scale * rhs_scale / output_scale`.
    pub multiplier: i32,
    /// Its shift.
    pub shift: i32,
}

impl BatchMatMul {
    /// Calls `f(lhs_base, rhs_base, out_base)` for every output matrix, in
    /// output order.
    #[inline(always)]
    fn for_each_matrix(&self, mut f: impl FnMut(usize, usize, usize)) {
        let [d0, d1, d2] = self.batch_dims;
        let (l, r) = (self.lhs_batch_strides, self.rhs_batch_strides);
        let matrix = self.rows * self.cols;
        let mut out = 0;
        for b0 in 0..d0 {
            for b1 in 0..d1 {
                for b2 in 0..d2 {
                    f(b0 * l[0] + b1 * l[1] + b2 * l[2], b0 * r[0] + b1 * r[1] + b2 * r[2], out);
                    out += matrix;
                }
            }
        }
    }
}

/// Runs an int8 BATCH_MATMUL (TFLM's `BatchMatMul<int8_t, int32_t>`: an
/// int32 sum of offset products, requantized and saturated to int8).
pub fn batch_matmul_i8(p: &BatchMatMul, lhs: &[i8], rhs: &[i8], output: &mut [i8]) {
    p.for_each_matrix(|lb, rb, ob| {
        for i in 0..p.rows {
            for j in 0..p.cols {
                let (mut li, mut ri) = (lb + i * p.lhs_row_stride, rb + j * p.rhs_col_stride);
                let mut acc = 0i32;
                for _ in 0..p.depth {
                    let prod = (lhs[li] as i32 + p.lhs_offset) * (rhs[ri] as i32 + p.rhs_offset);
                    acc = acc.wrapping_add(prod);
                    li += p.lhs_depth_stride;
                    ri += p.rhs_depth_stride;
                }
                let v = multiply_by_quantized_multiplier(acc, p.multiplier, p.shift).wrapping_add(p.output_offset);
                output[ob + i * p.cols + j] = clamp(v, -128, 127) as i8;
            }
        }
    });
}

/// Runs an int16 BATCH_MATMUL (TFLM's `BatchMatMul<int16_t, int64_t>`: an
/// int64 sum, requantized with the 64-bit multiply and saturated to int16).
pub fn batch_matmul_i16(p: &BatchMatMul, lhs: &[i16], rhs: &[i16], output: &mut [i16]) {
    p.for_each_matrix(|lb, rb, ob| {
        for i in 0..p.rows {
            for j in 0..p.cols {
                let (mut li, mut ri) = (lb + i * p.lhs_row_stride, rb + j * p.rhs_col_stride);
                let mut acc = 0i64;
                for _ in 0..p.depth {
                    let (l, r) = (lhs[li] as i64 + p.lhs_offset as i64, rhs[ri] as i64 + p.rhs_offset as i64);
                    acc = acc.wrapping_add(l * r);
                    li += p.lhs_depth_stride;
                    ri += p.rhs_depth_stride;
                }
                let v = multiply_by_quantized_multiplier_i64(acc, p.multiplier, p.shift).wrapping_add(p.output_offset);
                output[ob + i * p.cols + j] = clamp(v, -32768, 32767) as i16;
            }
        }
    });
}

/// Runs a float32 BATCH_MATMUL: each dot product summed from `k = 0` up,
/// starting at 0, as TFLM's reference does (so the result is bit-identical).
pub fn batch_matmul_f32(p: &BatchMatMul, lhs: &[f32], rhs: &[f32], output: &mut [f32]) {
    p.for_each_matrix(|lb, rb, ob| {
        for i in 0..p.rows {
            for j in 0..p.cols {
                let (mut li, mut ri) = (lb + i * p.lhs_row_stride, rb + j * p.rhs_col_stride);
                let mut acc = 0.0f32;
                for _ in 0..p.depth {
                    acc += lhs[li] * rhs[ri];
                    li += p.lhs_depth_stride;
                    ri += p.rhs_depth_stride;
                }
                output[ob + i * p.cols + j] = acc;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x3 by 3x2 product, and the same with the second operand stored
    /// transposed.
    #[test]
    fn small_products() {
        let mut p = BatchMatMul {
            batch_dims: [1, 1, 1],
            lhs_batch_strides: [0; 3],
            rhs_batch_strides: [0; 3],
            rows: 2,
            cols: 2,
            depth: 3,
            lhs_row_stride: 3,
            lhs_depth_stride: 1,
            rhs_depth_stride: 2,
            rhs_col_stride: 1,
            lhs_offset: 0,
            rhs_offset: 0,
            output_offset: 0,
            multiplier: 1 << 30,
            shift: 1,
        };
        let lhs = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let rhs = [1.0f32, 0.0, 0.0, 1.0, 1.0, 1.0];
        let mut out = [0.0f32; 4];
        batch_matmul_f32(&p, &lhs, &rhs, &mut out);
        assert_eq!(out, [4.0, 5.0, 10.0, 11.0]);
        let mut out8 = [0i8; 4];
        let (l8, r8) = ([1i8, 2, 3, 4, 5, 6], [1i8, 0, 0, 1, 1, 1]);
        batch_matmul_i8(&p, &l8, &r8, &mut out8);
        assert_eq!(out8, [4, 5, 10, 11]);
        // The second operand as [cols][depth] (adj_y).
        p.rhs_depth_stride = 1;
        p.rhs_col_stride = 3;
        let rt = [1i16, 0, 1, 0, 1, 1];
        let mut out16 = [0i16; 4];
        batch_matmul_i16(&p, &[1, 2, 3, 4, 5, 6], &rt, &mut out16);
        assert_eq!(out16, [4, 5, 10, 11]);
    }
}
