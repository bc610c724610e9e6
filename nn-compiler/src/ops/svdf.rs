//! SVDF: int8 input and output with int8 or int16 state and time weights,
//! and float32, any rank and batch size. The activation state is a
//! variable tensor that the step updates in place.

use super::multiplier;
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step, SvdfGeometry};
use crate::lower::{Cx, Lowered};
use crate::parse::{Activation, DType, Op, Options};

/// Checks and lowers one SVDF.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 5, 5, 1)?;
    let Options::Svdf { rank, activation } = op.options else {
        return Err(cx.err(op, "has no SVDFOptions"));
    };
    let (x, wf, wt, s, y) = (cx.input(op, 0)?, cx.input(op, 1)?, cx.input(op, 2)?, cx.input(op, 4)?, op.outputs[0]);
    // TFLM dereferences the bias unconditionally (it crashes without one).
    let b = cx
        .optional_input(op, 3)
        .ok_or_else(|| cx.err(op, "has no bias; TFLM's SVDF requires one (add a zero bias of one value per unit)"))?;
    let rank = usize::try_from(rank)
        .ok()
        .filter(|&r| r > 0)
        .ok_or_else(|| cx.err(op, format_args!("rank is {rank}; it must be a positive integer")))?;
    let geometry = geometry(cx, op, rank)?;
    if !cx.tensor(s).is_variable {
        return Err(cx.err(
            op,
            format_args!("the activation state {} is not a variable tensor, as TFLM requires", cx.describe(s)),
        ));
    }
    let kernel = match cx.tensor(x).dtype {
        DType::I8 => lower_int8(cx, op, geometry, [x, wf, wt, b, s, y])?,
        DType::F32 => lower_f32(cx, op, geometry, activation, [wf, wt, b, s, y])?,
        other => {
            return Err(cx.err(
                op,
                format_args!(
                    "input {} has type {}; TFLM's SVDF supports int8 and float32 inputs",
                    cx.describe(x),
                    other.name()
                ),
            ))
        }
    };
    Ok(Lowered::Step(Step {
        op_index: op.index,
        op_name: op.name.clone(),
        kernel,
        inputs: vec![x],
        output: y,
        state: vec![s],
        scratch: Vec::new(),
    }))
}

/// The sizes, checked against every operand's shape as TFLM's `PrepareSvdf`
/// checks them.
fn geometry(cx: &Cx, op: &Op, rank: usize) -> Result<SvdfGeometry, Diagnostic> {
    let shape2 = |i: usize, role: &str| -> Result<[usize; 2], Diagnostic> {
        let t = if i == 5 { op.outputs[0] } else { cx.input(op, i)? };
        let shape = &cx.tensor(t).shape;
        <[usize; 2]>::try_from(shape.as_slice())
            .ok()
            .filter(|s| s.iter().all(|&d| d > 0))
            .ok_or_else(|| cx.err(op, format_args!("{role} {} has shape {shape:?}; SVDF needs 2-D", cx.describe(t))))
    };
    let [batches, input_size] = shape2(0, "input")?;
    let [filters, wf_in] = shape2(1, "weights_feature")?;
    let [wt_filters, memory] = shape2(2, "weights_time")?;
    let [s_batches, s_len] = shape2(4, "activation state")?;
    let [o_batches, units] = shape2(5, "output")?;
    let bias = cx.input(op, 3)?;
    let bias_shape = &cx.tensor(bias).shape;
    let want_units = filters / rank;
    let ok = filters % rank == 0
        && wf_in == input_size
        && wt_filters == filters
        && s_batches == batches
        && Some(s_len) == memory.checked_mul(filters)
        && o_batches == batches
        && units == want_units
        && bias_shape.as_slice() == [units];
    if !ok {
        return Err(cx.err(
            op,
            format_args!(
                "shapes do not match for rank {rank}: input {:?}, weights_feature {:?}, weights_time {:?}, bias \
                 {bias_shape:?}, state {:?}, output {:?} (expected [batch, input], [filters, input], [filters, \
                 memory], [filters / rank], [batch, memory * filters], [batch, filters / rank])",
                [batches, input_size],
                [filters, wf_in],
                [wt_filters, memory],
                [s_batches, s_len],
                [o_batches, units]
            ),
        ));
    }
    Ok(SvdfGeometry { batches, input_size, filters, rank, memory })
}

/// The integer path: TFLM's `EvalIntegerSvdfReference`, with the two
/// effective scales formed in `f64` as the TFLM build the oracle uses does.
fn lower_int8(cx: &Cx, op: &Op, g: SvdfGeometry, [x, wf, wt, b, s, y]: [usize; 6]) -> Result<Kernel, Diagnostic> {
    let (_, in_scale, in_zp) = cx.int8_activation(op, x, "input")?;
    let (_, out_scale, out_zp) = cx.int8_activation(op, y, "output")?;
    let weights_feature = cx.const_i8(op, wf, "weights_feature")?;
    let feature_scale = single_scale(cx, op, wf)?;
    let state_dtype = cx.tensor(wt).dtype;
    if !matches!(state_dtype, DType::I8 | DType::I16) || cx.tensor(s).dtype != state_dtype {
        return Err(cx.err(
            op,
            format_args!(
                "weights_time {} is {} and the activation state {} is {}; both must be int16, or both int8",
                cx.describe(wt),
                state_dtype.name(),
                cx.describe(s),
                cx.tensor(s).dtype.name()
            ),
        ));
    }
    let time_scale = single_scale(cx, op, wt)?;
    let tensor = cx.tensor(wt);
    let weights_time = tensor
        .data
        .filter(|d| Some(d.len()) == tensor.elements().checked_mul(state_dtype.size()))
        .ok_or_else(|| cx.err(op, format_args!("weights_time {} must be constant data", cx.describe(wt))))?
        .to_vec();
    let (state_scale, state_zp) = cx.quant_of(op, s, "activation state")?;
    let (lo, hi) = if state_dtype == DType::I8 { (-128, 127) } else { (-32768, 32767) };
    if !(lo..=hi).contains(&state_zp) {
        return Err(cx.err(op, format_args!("the activation state has zero point {state_zp}, outside its type")));
    }
    let bias = cx.const_i32(op, b, "bias")?;
    // TFLM's Prepare refuses a bias whose scale is not the product of the
    // state and time-weight scales (to within 1e-5).
    let bias_scale = cx.tensor(b).scalar_quant().map_or(0.0, |q| q.0) as f64;
    let product = state_scale as f64 * time_scale as f64;
    if (bias_scale - product).abs() >= 1e-5 {
        return Err(cx.err(
            op,
            format_args!(
                "the bias scale {bias_scale:e} is not the state scale times the time-weight scale ({product:e}), \
                 which TFLM requires"
            ),
        ));
    }
    super::check_accumulator(cx, op, &super::abs_sums_rows(&weights_feature, g.filters), -in_zp, &[])?;
    let feature = in_scale as f64 * feature_scale as f64 / state_scale as f64;
    let time = state_scale as f64 * time_scale as f64 / out_scale as f64;
    Ok(Kernel::Svdf {
        state_dtype,
        geometry: g,
        zero_points: (in_zp, state_zp, out_zp),
        feature_multiplier: multiplier(cx, op, feature, "feature projection")?,
        time_multiplier: multiplier(cx, op, time, "output")?,
        weights_feature,
        weights_time,
        bias,
    })
}

/// The one scale of a per-tensor weight tensor (TFLM reads only the
/// first), with a zero point of 0.
fn single_scale(cx: &Cx, op: &Op, t: usize) -> Result<f32, Diagnostic> {
    if cx.tensor(t).quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
        return Err(
            cx.err(op, format_args!("weights {} are quantized per channel; SVDF's are per tensor", cx.describe(t)))
        );
    }
    Ok(cx.weight_scales(op, t, 1, 0)?[0])
}

/// The float32 path: TFLM's `EvalFloatSvdfReference`.
fn lower_f32(
    cx: &Cx,
    op: &Op,
    g: SvdfGeometry,
    activation: Activation,
    [wf, wt, b, s, y]: [usize; 5],
) -> Result<Kernel, Diagnostic> {
    for (t, role) in
        [(wf, "weights_feature"), (wt, "weights_time"), (b, "bias"), (s, "activation state"), (y, "output")]
    {
        if cx.tensor(t).dtype != DType::F32 {
            return Err(cx.err(
                op,
                format_args!(
                    "{role} {} is {}; a float32 SVDF needs float32 throughout",
                    cx.describe(t),
                    cx.tensor(t).dtype.name()
                ),
            ));
        }
    }
    if let Activation::Other(name) = activation {
        return Err(cx.err(
            op,
            format_args!("the fused activation {name} is not supported (NONE, RELU, RELU_N1_TO_1, RELU6 are)"),
        ));
    }
    let bytes = |t: usize, role: &str| -> Result<Vec<u8>, Diagnostic> {
        let tensor = cx.tensor(t);
        tensor
            .data
            .filter(|d| Some(d.len()) == tensor.elements().checked_mul(4))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| cx.err(op, format_args!("{role} {} must be constant data", cx.describe(t))))
    };
    Ok(Kernel::SvdfF32 {
        geometry: g,
        activation,
        weights_feature: bytes(wf, "weights_feature")?,
        weights_time: bytes(wt, "weights_time")?,
        bias: bytes(b, "bias")?,
    })
}
