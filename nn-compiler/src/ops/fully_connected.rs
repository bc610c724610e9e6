//! FULLY_CONNECTED: int8 and 16x8, per-tensor or per-channel weights,
//! optional bias, any number of input rows, `keep_num_dims`; float32.

use super::{bias, check_activation, const_f32_bytes, multiplier};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Requant, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{Activation, DType, Op, Options};
use crate::quant::activation_range;

/// Checks and lowers one FULLY_CONNECTED.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 3, 1)?;
    let Options::FullyConnected { activation, default_weights_format, .. } = op.options else {
        return Err(cx.err(op, "has no FullyConnectedOptions"));
    };
    check_activation(cx, op, activation)?;
    if !default_weights_format {
        return Err(cx.err(op, "uses a shuffled weights format; only the default format is supported"));
    }
    let (x, w, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    if cx.tensor(x).dtype == DType::F32 {
        return lower_f32(cx, op, activation);
    }
    let types = [DType::I8, DType::I16];
    let (in_shape, dtype, in_scale, in_zp) = cx.quantized_activation(op, x, "input", &types)?;
    let (out_shape, out_type, out_scale, out_zp) = cx.quantized_activation(op, y, "output", &types)?;
    if out_type != dtype {
        return Err(cx.err(
            op,
            format_args!("the input is {} but the output {}; they must match", dtype.name(), out_type.name()),
        ));
    }
    let fshape = cx.tensor(w).shape.clone();
    let [out_c, depth] = <[usize; 2]>::try_from(fshape.as_slice()).map_err(|_| {
        cx.err(op, format_args!("the filter has shape {fshape:?}; a 2-D [units, depth] shape is required"))
    })?;
    let in_elems: usize = in_shape.iter().product();
    let out_elems: usize = out_shape.iter().product();
    if depth == 0 || out_c == 0 || in_elems % depth != 0 || out_elems != in_elems / depth * out_c {
        return Err(cx.err(
            op,
            format_args!("shapes do not match: input {in_shape:?}, filter {fshape:?}, output {out_shape:?}"),
        ));
    }
    let batches = in_elems / depth;
    let filter = cx.const_i8(op, w, "filter")?;
    let scales = cx.weight_scales(op, w, out_c, 0)?;
    let (mut mult, mut shift) = (Vec::new(), Vec::new());
    if scales.len() > 1 {
        for &fs in &scales {
            // Per-channel: f64 product, as TFLM's FullyConnectedPerChannel.
            let (q, s) = multiplier(cx, op, in_scale as f64 * fs as f64 / out_scale as f64, "output")?;
            mult.push(q);
            shift.push(s);
        }
    } else {
        // Per-tensor: TFLM forms `input_scale * filter_scale` in f32 first
        // (GetQuantizedConvolutionMultipler), which can differ in the last
        // bit from the f64 product.
        let (q, s) = multiplier(cx, op, (in_scale * scales[0]) as f64 / out_scale as f64, "output")?;
        mult.push(q);
        shift.push(s);
    }
    let (act_min, act_max) = activation_range(activation, out_scale, out_zp, -128, 127);
    let requant = Requant { multiplier: mult, shift, output_offset: out_zp, act_min, act_max };
    if dtype == DType::I16 {
        // 16x8: TFLM accumulates in int64 with an int64 bias (an int32 bias
        // selects its int32 accumulator, which is not implemented).
        if let Some(t) = cx.optional_input(op, 2) {
            if cx.tensor(t).dtype != DType::I64 {
                return Err(cx.err(
                    op,
                    format_args!(
                        "bias {} has type {}; int16 FULLY_CONNECTED is supported with an int64 bias",
                        cx.describe(t),
                        cx.tensor(t).dtype.name()
                    ),
                ));
            }
        }
        let bias = super::bias_i64(cx, op, 2, out_c)?;
        let requant = super::requant_16x8(cx, op, requant, (out_scale, out_zp), activation)?;
        return Ok(Lowered::Step(Step {
            state: Vec::new(),
            scratch: Vec::new(),
            op_index: op.index,
            op_name: op.name.clone(),
            kernel: Kernel::FullyConnected16x8 { batches, depth, out_c, filter, bias, requant },
            inputs: vec![x],
            output: y,
        }));
    }
    let bias = bias(cx, op, 2, out_c)?;
    super::check_accumulator(cx, op, &super::abs_sums_rows(&filter, out_c), -in_zp, &bias)?;
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::FullyConnected {
            batches,
            depth,
            out_c,
            input_offset: -in_zp,
            filter_offset: 0,
            filter,
            bias,
            requant,
        },
        inputs: vec![x],
        output: y,
    }))
}

/// The float32 path: TFLM's reference float `FullyConnected`.
fn lower_f32(cx: &Cx, op: &Op, activation: Activation) -> Result<Lowered, Diagnostic> {
    let (x, w, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    let (tx, tw, ty) = (cx.tensor(x), cx.tensor(w), cx.tensor(y));
    if ty.dtype != DType::F32 || tw.dtype != DType::F32 {
        return Err(cx.err(
            op,
            format_args!(
                "a float32 input needs float32 weights and output (hybrid models are not supported); \
                 weights are {}, output {}",
                tw.dtype.name(),
                ty.dtype.name()
            ),
        ));
    }
    let [out_c, depth] = <[usize; 2]>::try_from(tw.shape.as_slice())
        .map_err(|_| cx.err(op, format_args!("the filter has shape {:?}; [units, depth] is required", tw.shape)))?;
    let (in_elems, out_elems) = (tx.elements(), ty.elements());
    if depth == 0 || out_c == 0 || in_elems % depth != 0 || out_elems != in_elems / depth * out_c {
        return Err(cx.err(op, format_args!("shapes do not match: input {:?}, filter {:?}", tx.shape, tw.shape)));
    }
    let filter = const_f32_bytes(cx, op, w, "filter")?;
    let bias = match cx.optional_input(op, 2) {
        Some(t) => {
            let b = const_f32_bytes(cx, op, t, "bias")?;
            if b.len() != 4 * out_c {
                return Err(cx.err(op, "the bias must have one value per unit"));
            }
            b
        }
        None => Vec::new(),
    };
    let act = super::f32_activation(activation);
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::FullyConnectedF32 { batches: in_elems / depth, depth, out_c, filter, bias, act },
        inputs: vec![x],
        output: y,
    }))
}
