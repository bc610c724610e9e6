//! SOFTMAX: int8 in, int8 out (scale 1/256, zero point -128) or int16 out
//! (scale 1/65536, zero point -32768); int16 in and out (zero points 0,
//! output scale 1/32768); and float32; any beta, over the last dimension.

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
    match cx.tensor(x).dtype {
        DType::F32 => return lower_f32(cx, op, beta),
        DType::I16 => return lower_i16(cx, op, beta),
        _ => {}
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

/// The int16 path: TFLM's `SoftmaxInt16`, with both tables filled here as
/// TFLM's `Prepare` fills them.
fn lower_i16(cx: &Cx, op: &Op, beta: f32) -> Result<Lowered, Diagnostic> {
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let (in_shape, _, in_scale, _) = cx.quantized_activation(op, x, "input", &[DType::I16])?;
    let (out_shape, _, out_scale, _) = cx.quantized_activation(op, y, "output", &[DType::I16])?;
    if in_shape != out_shape || in_shape.is_empty() {
        return Err(cx.err(op, format_args!("input {in_shape:?} and output {out_shape:?} shapes differ")));
    }
    // TFLM's TF_LITE_ENSURE_NEAR, in f32: within 0.1% of 1/32768.
    if (out_scale - 1.0 / 32768.0).abs() > 0.001 / 32768.0 {
        return Err(
            cx.err(op, format_args!("the output has scale {out_scale}; TFLite requires 1/32768 for int16 softmax"))
        );
    }
    // Differences from the row maximum are mapped so that [-65535, 0]
    // stands for [-10, 0], the exp table's input range.
    let (input_multiplier, input_left_shift) =
        multiplier(cx, op, in_scale as f64 * beta as f64 / (10.0 / 65535.0), "input")?;
    // A multiplier that rounds to zero would give every element the same
    // probability, whatever the input.
    if input_multiplier == 0 {
        return Err(cx.err(
            op,
            format_args!("beta * input scale ({beta} * {in_scale}) is too small for TFLite's int16 softmax"),
        ));
    }
    // TFLM shifts a difference of up to 65535 left in 32-bit arithmetic.
    if input_left_shift > 15 {
        return Err(cx.err(
            op,
            format_args!("beta * input scale ({beta} * {in_scale}) is too large for TFLite's int16 softmax"),
        ));
    }
    let range = (i16::MAX as i32 - i16::MIN as i32) as f32;
    let exp_lut = lut_i16(10.0 / range, i16::MAX as i32, 2.0 / range, 0, nn_runtime::math::expf);
    let one_over_one_plus_x_lut = lut_i16(1.0 / range, i16::MIN as i32, 2.0 / range, 0, |v| 1.0 / (1.0 + v));
    let depth = *in_shape.last().unwrap_or(&1);
    let rows = in_shape.iter().product::<usize>().checked_div(depth).unwrap_or(0);
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::SoftmaxI16 {
            rows,
            depth,
            input_multiplier,
            input_left_shift,
            exp_lut,
            one_over_one_plus_x_lut,
        },
        inputs: vec![x],
        output: y,
    }))
}

/// TFLM's `LUTPopulate<int16_t>` in `f32`, in TFLM's order of operations:
/// 512 segments over the input range, each entry the rounded sample at the
/// segment's start less half the rounding error that linear interpolation
/// makes at the segment's midpoint, and a last entry at the range's end.
pub(crate) fn lut_i16(
    input_scale: f32,
    input_zero_point: i32,
    output_scale: f32,
    output_zero_point: i32,
    f: impl Fn(f32) -> f32,
) -> Vec<i16> {
    const STEPS: usize = nn_runtime::kernels::softmax::LUT_I16_SIZE - 1;
    let (lo, hi) = (i16::MIN as i32, i16::MAX as i32);
    let input_min = input_scale * (lo - input_zero_point) as f32;
    let input_max = input_scale * (hi - input_zero_point) as f32;
    let output_min = output_scale * (lo - output_zero_point) as f32;
    let output_max = output_scale * (hi - output_zero_point) as f32;
    let step = (input_max - input_min) / STEPS as f32;
    let half_step = step / 2.0;
    let inv = (hi - lo + 1) as f32 / (output_max - output_min);
    let to_i16 = |v: f32| v.max(lo as f32).min(hi as f32) as i16;
    let mut lut: Vec<i16> = (0..STEPS)
        .map(|i| {
            let val = f(input_min + i as f32 * step);
            let val_midpoint = f(input_min + i as f32 * step + half_step);
            let val_next = f(input_min + (i + 1) as f32 * step);
            let sample = (val * inv).round();
            let midpoint_interp = ((val_next * inv + (val * inv).round()) / 2.0).round();
            let midpoint = (val_midpoint * inv).round();
            let bias = ((midpoint_interp - midpoint) / 2.0).round();
            to_i16(sample - bias)
        })
        .collect();
    lut.push(to_i16((f(input_max) * inv).round()));
    lut
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

#[cfg(test)]
mod tests {
    use super::lut_i16;

    #[test]
    fn int16_tables_have_tflm_end_points() {
        let range = 65535.0f32;
        let exp = lut_i16(10.0 / range, 32767, 2.0 / range, 0, nn_runtime::math::expf);
        assert_eq!(exp.len(), 513);
        // exp(0) * 32768 saturates; exp(-10) * 32768 is about 1.5.
        assert_eq!(exp[512], 32767);
        assert!((1..=2).contains(&exp[0]), "{}", exp[0]);
        assert!(exp.windows(2).all(|w| w[0] <= w[1]));
        let recip = lut_i16(1.0 / range, -32768, 2.0 / range, 0, |v| 1.0 / (1.0 + v));
        // 1 / (1 + 0) saturates; 1 / (1 + 1) is exactly 16384 in Q0.15.
        assert_eq!((recip[0], recip[512]), (32767, 16384));
        assert!(recip.windows(2).all(|w| w[0] >= w[1]));
    }
}
