//! SOFTMAX: int8 in, int8 out (scale 1/256, zero point -128) or int16 out
//! (scale 1/65536, zero point -32768), and float32; any beta, over the last
//! dimension.

use super::multiplier;
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};

/// Integer bits of the scaled input differences (Q5.26), as in TFLM.
const SCALED_DIFF_INTEGER_BITS: i32 = 5;

/// Checks and lowers one SOFTMAX.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 1, 1, 1)?;
    let Options::Softmax { beta } = op.options else {
        return Err(cx.err(op, "has no SoftmaxOptions"));
    };
    if !(beta.is_finite() && beta > 0.0) {
        return Err(cx.err(op, format_args!("beta is {beta}; it must be a positive number")));
    }
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    if cx.tensor(x).dtype == DType::F32 {
        return lower_f32(cx, op, beta);
    }
    let (in_shape, in_scale, _) = cx.int8_activation(op, x, "input")?;
    let out_shape = cx.tensor(y).shape.clone();
    if in_shape != out_shape || in_shape.is_empty() {
        return Err(cx.err(op, format_args!("input {in_shape:?} and output {out_shape:?} shapes differ")));
    }
    match cx.tensor(y).dtype {
        DType::I8 => {
            let (_, out_scale, out_zp) = cx.int8_activation(op, y, "output")?;
            if out_zp != -128 || out_scale != 1.0 / 256.0 {
                return Err(cx.err(
                    op,
                    format_args!(
                        "the output has scale {out_scale} and zero point {out_zp}; TFLite requires 1/256 and -128 \
                         for int8 softmax"
                    ),
                ));
            }
        }
        DType::I16 => {
            // TFLM's TF_LITE_ENSURE_NEAR, in f32: within 0.1% of 1/65536.
            let (out_scale, out_zp) = cx.quant_of(op, y, "output")?;
            if out_zp != -32768 || (out_scale - 1.0 / 65536.0).abs() > 0.001 / 65536.0 {
                return Err(cx.err(
                    op,
                    format_args!(
                        "the output has scale {out_scale} and zero point {out_zp}; TFLite requires 1/65536 and \
                         -32768 for int8 -> int16 softmax"
                    ),
                ));
            }
        }
        other => {
            return Err(cx.err(
                op,
                format_args!("output {} has type {}; int8 softmax writes int8 or int16", cx.describe(y), other.name()),
            ))
        }
    }
    // TFLM's PreprocessSoftmaxScaling: beta * input_scale in Q5.26, capped.
    let real = (beta as f64 * in_scale as f64 * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64)
        .min((1i64 << 31) as f64 - 1.0);
    if real.partial_cmp(&1.0) != Some(std::cmp::Ordering::Greater) {
        return Err(
            cx.err(op, format_args!("beta * input scale ({beta} * {in_scale}) is too small for TFLite's int8 softmax"))
        );
    }
    let (input_multiplier, input_left_shift) = multiplier(cx, op, real, "input")?;
    // TFLM's CalculateInputRadius(5, left_shift, 31), floored.
    let radius = (((1i64 << SCALED_DIFF_INTEGER_BITS) - 1) as f64 * (1i64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64
        / (1i64 << input_left_shift) as f64)
        .floor();
    let depth = *in_shape.last().unwrap_or(&1);
    let rows = in_shape.iter().product::<usize>().checked_div(depth).unwrap_or(0);
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::Softmax { rows, depth, input_multiplier, input_left_shift, diff_min: -(radius as i32) },
        inputs: vec![x],
        output: y,
    }))
}

/// The float32 path: TFLM's reference float `Softmax` (`exp((x - max) *
/// beta)`, summed in order, then each divided by the sum).
fn lower_f32(cx: &Cx, op: &Op, beta: f32) -> Result<Lowered, Diagnostic> {
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    if ty.dtype != DType::F32 || tx.shape != ty.shape || tx.shape.is_empty() {
        return Err(cx.err(
            op,
            format_args!(
                "a float32 input {:?} needs a float32 output of the same shape; the output is {} {:?}",
                tx.shape,
                ty.dtype.name(),
                ty.shape
            ),
        ));
    }
    let depth = *tx.shape.last().unwrap_or(&1);
    let rows = tx.elements().checked_div(depth).unwrap_or(0);
    Ok(Lowered::Step(Step {
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::SoftmaxF32 { rows, depth, beta },
        inputs: vec![x],
        output: y,
        state: Vec::new(),
        scratch: Vec::new(),
    }))
}
