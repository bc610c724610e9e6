//! BATCH_MATMUL: int8, int16 and float32, both operands activations or one
//! of them constant, `adj_x`/`adj_y`, ranks 2 to 5 with NumPy broadcasting
//! of the batch dimensions; TFLM's requantization (the f32 product of the
//! input scales over the output scale, as `GetQuantizedConvolutionMultipler`).

use super::multiplier;
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};

/// Checks and lowers one BATCH_MATMUL.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 2, 1)?;
    let Options::BatchMatMul { adj_x, adj_y } = op.options else {
        return Err(cx.err(op, "has no BatchMatMulOptions"));
    };
    let (a, b, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    let (ta, tb, ty) = (cx.tensor(a), cx.tensor(b), cx.tensor(y));
    let dtype = ta.dtype;
    if !matches!(dtype, DType::I8 | DType::I16 | DType::F32) || tb.dtype != dtype || ty.dtype != dtype {
        return Err(cx.err(
            op,
            format_args!(
                "has inputs {} and {} and output {}; int8, int16 and float32 are supported, one type for all \
                 three (as TFLM requires)",
                ta.dtype.name(),
                tb.dtype.name(),
                ty.dtype.name()
            ),
        ));
    }
    if ta.data.is_some() && tb.data.is_some() {
        return Err(cx.err(op, "multiplies two constants; fold them into one constant when converting"));
    }
    let (sa, sb) = (ta.shape.clone(), tb.shape.clone());
    if !(2..=5).contains(&sa.len()) || !(2..=5).contains(&sb.len()) {
        return Err(cx.err(op, format_args!("has inputs of shapes {sa:?} and {sb:?}; ranks 2 to 5 are supported")));
    }
    let rank = sa.len().max(sb.len());
    let extend = |s: &[usize]| {
        let mut e = vec![1; rank - s.len()];
        e.extend_from_slice(s);
        e
    };
    let (ea, eb) = (extend(&sa), extend(&sb));
    let mut out_shape = Vec::with_capacity(rank);
    for d in 0..rank - 2 {
        let (x, z) = (ea[d], eb[d]);
        if x != z && x != 1 && z != 1 {
            return Err(cx.err(op, format_args!("the batch dimensions of {sa:?} and {sb:?} do not broadcast")));
        }
        out_shape.push(if x == 1 { z } else { x });
    }
    let (m, ka) = if adj_x { (ea[rank - 1], ea[rank - 2]) } else { (ea[rank - 2], ea[rank - 1]) };
    let (kb, n) = if adj_y { (eb[rank - 1], eb[rank - 2]) } else { (eb[rank - 2], eb[rank - 1]) };
    if ka != kb {
        return Err(cx.err(
            op,
            format_args!(
                "the input shapes {sa:?} and {sb:?} (adj_x {adj_x}, adj_y {adj_y}) give depths {ka} and {kb}; \
                 they must agree"
            ),
        ));
    }
    out_shape.extend([m, n]);
    if ty.shape != out_shape {
        return Err(cx.err(op, format_args!("the output has shape {:?}; the inputs give {out_shape:?}", ty.shape)));
    }

    // Batch strides of each operand, padded to three batch dimensions.
    let batch_strides = |e: &[usize]| {
        let mut st = [0usize; 3];
        let mut acc = e[rank - 2] * e[rank - 1];
        for d in (0..rank - 2).rev() {
            st[3 - (rank - 2) + d] = if e[d] == 1 { 0 } else { acc };
            acc *= e[d];
        }
        st
    };
    let mut batch_dims = [1usize; 3];
    batch_dims[3 - (rank - 2)..].copy_from_slice(&out_shape[..rank - 2]);
    // (row, depth) strides of the first operand, (depth, column) of the second.
    let lhs_strides = if adj_x { (1, m) } else { (ka, 1) };
    let rhs_strides = if adj_y { (1, ka) } else { (n, 1) };

    let (input_offsets, output_offset, mult) = if dtype == DType::F32 {
        ((0, 0), 0, (0, 0))
    } else {
        let allowed = [dtype];
        let (_, _, scale_a, zp_a) = cx.quantized_activation(op, a, "first input", &allowed)?;
        let (_, _, scale_b, zp_b) = cx.quantized_activation(op, b, "second input", &allowed)?;
        let (_, _, scale_y, zp_y) = cx.quantized_activation(op, y, "output", &allowed)?;
        // TFLM forms the product of the input scales in f32, then divides in f64.
        let mult = multiplier(cx, op, (scale_a * scale_b) as f64 / scale_y as f64, "output")?;
        if dtype == DType::I16 && mult.1 > 7 {
            return Err(cx.err(op, "the output scale is too small for TFLM's 64-bit requantization (shift above 7)"));
        }
        check_accumulator(cx, op, dtype, (a, zp_a), (b, zp_b), ka)?;
        ((-zp_a, -zp_b), zp_y, mult)
    };
    Ok(Lowered::Step(Step {
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::BatchMatMul {
            dtype,
            batch_dims,
            lhs_batch_strides: batch_strides(&ea),
            rhs_batch_strides: batch_strides(&eb),
            mkn: (m, n, ka),
            lhs_strides,
            rhs_strides,
            input_offsets,
            output_offset,
            multiplier: mult,
        },
        inputs: vec![a, b],
        output: y,
        state: Vec::new(),
        scratch: Vec::new(),
    }))
}

/// Rejects depths at which the accumulator could overflow (int32 for int8,
/// TFLM's 2^47 limit of the 64-bit requantization for int16): TFLM's result
/// would then be undefined.
fn check_accumulator(
    cx: &Cx,
    op: &Op,
    dtype: DType,
    (a, zp_a): (usize, i32),
    (b, zp_b): (usize, i32),
    depth: usize,
) -> Result<(), Diagnostic> {
    let (lo, hi) = if dtype == DType::I8 { (-128i64, 127i64) } else { (-32768, 32767) };
    let max_abs = |zp: i32| (lo - zp as i64).abs().max((hi - zp as i64).abs());
    let bound = (depth as i64).saturating_mul(max_abs(zp_a) * max_abs(zp_b));
    let limit = if dtype == DType::I8 { i32::MAX as i64 } else { 1i64 << 47 };
    if bound >= limit {
        return Err(cx.err(
            op,
            format_args!(
                "a depth of {depth} can accumulate up to {bound} from {} and {}, beyond what TFLM's {} \
                 accumulator handles",
                cx.describe(a),
                cx.describe(b),
                if dtype == DType::I8 { "int32" } else { "int64" }
            ),
        ));
    }
    Ok(())
}
