//! UNIDIRECTIONAL_SEQUENCE_LSTM: int8 (int8 input, output and hidden state,
//! int16 cell state, int8 weights, int32 biases) and float32, as TFLM's
//! micro kernel prepares it (`lstm_eval_common.cc`).
//!
//! TFLM supports the standard (Keras) LSTM only: no peepholes, projection or
//! layer normalization, and it ignores the operator's intermediate tensors
//! (the converter's gate statistics): every gate's products are requantized
//! to int16 with scale 2^-12 and the gate outputs have scale 2^-15. The
//! hidden and cell states are variable tensors, updated in place and kept
//! across inferences.

use super::{abs_sums_rows, check_accumulator, multiplier};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, LstmGates, LstmShape, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{Activation, DType, Op, Options};

/// TFLite's input indices of the operator.
const INPUT: usize = 0;
/// Input weights of the input, forget, cell and output gates.
const INPUT_WEIGHTS: [usize; 4] = [1, 2, 3, 4];
/// Recurrent weights of the four gates.
const RECURRENT_WEIGHTS: [usize; 4] = [5, 6, 7, 8];
/// Peephole weights (unsupported).
const PEEPHOLES: [usize; 3] = [9, 10, 11];
/// Biases of the four gates.
const BIASES: [usize; 4] = [12, 13, 14, 15];
/// Projection weights and bias (unsupported).
const PROJECTION: [usize; 2] = [16, 17];
/// The hidden (output) state and the cell state.
const HIDDEN: usize = 18;
const CELL: usize = 19;
/// Layer-normalization coefficients (unsupported).
const LAYER_NORM: [usize; 4] = [20, 21, 22, 23];

/// Scale of every gate's pre-activation (Q3.12) in TFLM's integer LSTM.
const GATE_INPUT_SCALE: f32 = 1.0 / 4096.0;
/// Scale of every gate's output (Q0.15).
const GATE_OUTPUT_SCALE: f32 = 1.0 / 32768.0;

/// Checks and lowers one UNIDIRECTIONAL_SEQUENCE_LSTM.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 24, 24, 1)?;
    let Options::SequenceLstm { activation, cell_clip, time_major, diagonal_recurrent_tensors, .. } = op.options else {
        return Err(cx.err(op, "has no UnidirectionalSequenceLSTMOptions"));
    };
    if activation != Activation::Other("TANH") {
        return Err(cx.err(op, format_args!("has activation {activation:?}; TFLM's LSTM supports only TANH")));
    }
    if diagonal_recurrent_tensors {
        return Err(cx.err(op, "has diagonal recurrent weights, which TFLM's LSTM does not support"));
    }
    let present = |list: &[usize], what: &str| -> Result<(), Diagnostic> {
        match list.iter().find(|&&i| cx.optional_input(op, i).is_some()) {
            Some(i) => Err(cx.err(
                op,
                format_args!(
                    "has {what} (input {i}); TFLM's LSTM supports only the standard LSTM without peepholes, \
                     projection or layer normalization: convert a plain Keras LSTM layer"
                ),
            )),
            None => Ok(()),
        }
    };
    present(&PEEPHOLES, "peephole weights")?;
    present(&PROJECTION, "a projection")?;
    present(&LAYER_NORM, "layer-normalization coefficients")?;
    let x = cx.input(op, INPUT)?;
    let (hidden, cell, y) = (cx.input(op, HIDDEN)?, cx.input(op, CELL)?, op.outputs[0]);
    for (t, role) in [(hidden, "hidden state"), (cell, "cell state")] {
        if !cx.tensor(t).is_variable {
            return Err(cx.err(op, format_args!("the {role} {} is not a variable tensor", cx.describe(t))));
        }
    }
    let shape = shape(cx, op, x, hidden, cell, y, time_major)?;
    let (tx, th, tc, ty) = (cx.tensor(x), cx.tensor(hidden), cx.tensor(cell), cx.tensor(y));
    if th.dtype != tx.dtype || ty.dtype != tx.dtype {
        return Err(cx.err(
            op,
            format_args!(
                "input, hidden state and output have types {}, {} and {}; they must be the same",
                tx.dtype.name(),
                th.dtype.name(),
                ty.dtype.name()
            ),
        ));
    }
    let kernel = match (tx.dtype, tc.dtype) {
        (DType::F32, DType::F32) => lower_f32(cx, op, shape, cell_clip)?,
        (DType::I8, DType::I16) => lower_i8(cx, op, shape, [x, hidden, cell, y], cell_clip)?,
        (a, c) => {
            return Err(cx.err(
                op,
                format_args!(
                    "has {} activations and a {} cell state; supported are int8 with an int16 cell state, and \
                     float32",
                    a.name(),
                    c.name()
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
        state: vec![hidden, cell],
        scratch: Vec::new(),
    }))
}

/// TFLM's `CreateLstmSizeInfo` and `ValidateTensorSize`.
fn shape(
    cx: &Cx,
    op: &Op,
    x: usize,
    hidden: usize,
    cell: usize,
    y: usize,
    time_major: bool,
) -> Result<LstmShape, Diagnostic> {
    let (xs, hs, ys) = (&cx.tensor(x).shape, &cx.tensor(hidden).shape, &cx.tensor(y).shape);
    let (Ok([d0, d1, input_dim]), Some(&state_dim)) = (<[usize; 3]>::try_from(xs.as_slice()), hs.get(1)) else {
        return Err(cx.err(
            op,
            format_args!(
                "the input has shape {xs:?} and the hidden state {hs:?}; [batch, time, features] and \
                          [batch, units] are required"
            ),
        ));
    };
    let (batches, time_steps) = if time_major { (d1, d0) } else { (d0, d1) };
    let bad = |what: String| Err(cx.err(op, what));
    if [batches, time_steps, input_dim, state_dim].contains(&0) {
        return bad(format!("has an empty dimension (input {xs:?}, hidden state {hs:?})"));
    }
    for (t, role) in [(hidden, "hidden state"), (cell, "cell state")] {
        if cx.tensor(t).elements() != batches * state_dim {
            return bad(format!(
                "the {role} {} has shape {:?}; it must hold {batches}x{state_dim} values",
                cx.describe(t),
                cx.tensor(t).shape
            ));
        }
    }
    if ys.as_slice() != [d0, d1, state_dim] {
        return bad(format!("the output has shape {ys:?}; expected {:?}", [d0, d1, state_dim]));
    }
    let want = |i: usize, dims: &[usize]| -> Result<usize, Diagnostic> {
        let t = cx.input(op, i)?;
        if cx.tensor(t).shape != dims {
            return Err(cx.err(
                op,
                format_args!("input {i} {} has shape {:?}; expected {dims:?}", cx.describe(t), cx.tensor(t).shape),
            ));
        }
        Ok(t)
    };
    for g in 0..4 {
        want(INPUT_WEIGHTS[g], &[state_dim, input_dim])?;
        want(RECURRENT_WEIGHTS[g], &[state_dim, state_dim])?;
        want(BIASES[g], &[state_dim])?;
    }
    Ok(LstmShape { batches, time_steps, time_major, input_dim, state_dim })
}

/// The float32 LSTM: weights and biases as they are.
fn lower_f32(cx: &Cx, op: &Op, shape: LstmShape, cell_clip: f32) -> Result<Kernel, Diagnostic> {
    let bytes = |i: usize| -> Result<Vec<u8>, Diagnostic> {
        let t = cx.input(op, i)?;
        let tensor = cx.tensor(t);
        match (tensor.dtype, tensor.data) {
            (DType::F32, Some(d)) if d.len() == 4 * tensor.elements() => Ok(d.to_vec()),
            _ => Err(cx.err(
                op,
                format_args!(
                    "input {i} {} must be a constant float32 tensor (hybrid and runtime weights are not supported)",
                    cx.describe(t)
                ),
            )),
        }
    };
    let mut gates = LstmGates::default();
    for g in 0..4 {
        gates.input_weights[g] = bytes(INPUT_WEIGHTS[g])?;
        gates.recurrent_weights[g] = bytes(RECURRENT_WEIGHTS[g])?;
        gates.bias[g] = bytes(BIASES[g])?;
    }
    Ok(Kernel::LstmF32 { shape, gates, cell_clip: (cell_clip > 0.0).then_some(cell_clip) })
}

/// The int8 LSTM: TFLM's `PrepareGateParametersInteger`, with the input and
/// hidden-state zero points folded into the biases.
fn lower_i8(
    cx: &Cx,
    op: &Op,
    shape: LstmShape,
    [x, hidden, cell, y]: [usize; 4],
    cell_clip: f32,
) -> Result<Kernel, Diagnostic> {
    let (_, x_scale, x_zp) = cx.int8_activation(op, x, "input")?;
    let (_, h_scale, h_zp) = cx.int8_activation(op, hidden, "hidden state")?;
    // TFLM copies the hidden state's bytes into the output and never reads
    // the output's quantization, but it must still be a valid int8 one.
    cx.int8_activation(op, y, "output")?;
    let (_, _, c_scale, _) = cx.quantized_activation(op, cell, "cell state", &[DType::I16])?;
    // TFLM reads the cell scale as a power of two (its integer tanh input).
    let (pot, c_log2) = super::logistic::checked_log2(c_scale);
    if !pot {
        return Err(cx.err(
            op,
            format_args!("the cell state has scale {c_scale:e}; TFLM's integer LSTM requires a power of two"),
        ));
    }
    let mut gates = LstmGates::default();
    let (mut input_multiplier, mut recurrent_multiplier) = ([(0, 0); 4], [(0, 0); 4]);
    for g in 0..4 {
        let w = cx.input(op, INPUT_WEIGHTS[g])?;
        let r = cx.input(op, RECURRENT_WEIGHTS[g])?;
        let b = cx.input(op, BIASES[g])?;
        let (wi, wr) = (cx.const_i8(op, w, "input weights")?, cx.const_i8(op, r, "recurrent weights")?);
        let bias = cx.const_i32(op, b, "bias")?;
        for t in [w, r] {
            if cx.tensor(t).quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
                return Err(cx.err(
                    op,
                    format_args!(
                        "weights {} are quantized per channel; TFLM's integer LSTM uses one scale per matrix",
                        cx.describe(t)
                    ),
                ));
            }
        }
        let (ws, rs) = (cx.weight_scales(op, w, 1, 0)?, cx.weight_scales(op, r, 1, 0)?);
        check_accumulator(cx, op, &abs_sums_rows(&wi, shape.state_dim), -x_zp, &bias)?;
        check_accumulator(cx, op, &abs_sums_rows(&wr, shape.state_dim), -h_zp, &[])?;
        // GetQuantizedConvolutionMultipler: the scale product in f32.
        input_multiplier[g] = multiplier(cx, op, (x_scale * ws[0]) as f64 / GATE_INPUT_SCALE as f64, "input product")?;
        recurrent_multiplier[g] =
            multiplier(cx, op, (h_scale * rs[0]) as f64 / GATE_INPUT_SCALE as f64, "recurrent product")?;
        gates.input_bias[g] = fold(&wi, shape.input_dim, -x_zp, &bias);
        gates.recurrent_bias[g] = fold(&wr, shape.state_dim, -h_zp, &[]);
        gates.input_weights[g] = wi.iter().map(|&v| v as u8).collect();
        gates.recurrent_weights[g] = wr.iter().map(|&v| v as u8).collect();
    }
    // CreateInterGateMulParams: products of scales in f64.
    let out = GATE_OUTPUT_SCALE as f64;
    let forget_cell = multiplier(cx, op, out * c_scale as f64 / c_scale as f64, "forget gate")?;
    let input_cell = multiplier(cx, op, out * out / c_scale as f64, "input gate")?;
    let hidden_m = multiplier(cx, op, out * out / h_scale as f64, "hidden state")?;
    // CreateLstmCellStateInfo: the clip in the cell's scale, truncated.
    let cell_clip = (cell_clip > 0.0).then(|| (cell_clip as f64 / c_scale as f64).clamp(-32768.0, 32767.0) as i16);
    // lstm_internal::Tanh with the cell's power of two.
    let shift = 15 + c_log2 - 3;
    let cell_tanh = if shift < 0 { (3, -shift) } else { (0, shift) };
    if !(-30..=12).contains(&shift) {
        return Err(cx.err(op, format_args!("the cell state scale {c_scale:e} is too large for TFLM's integer tanh")));
    }
    Ok(Kernel::LstmI8 {
        shape,
        gates,
        input_multiplier,
        recurrent_multiplier,
        forget_cell_multiplier: forget_cell,
        input_cell_multiplier: input_cell,
        hidden_multiplier: hidden_m,
        hidden_zero_point: h_zp,
        cell_clip,
        cell_tanh,
    })
}

/// `bias + offset * sum(w)` per row of `w` (`[rows][n]`), wrapping as
/// TFLM's int32 accumulator does.
fn fold(w: &[i8], n: usize, offset: i32, bias: &[i32]) -> Vec<i32> {
    w.chunks_exact(n.max(1))
        .enumerate()
        .map(|(j, row)| {
            let sum = row.iter().fold(0i32, |a, &v| a.wrapping_add(v as i32));
            bias.get(j).copied().unwrap_or(0).wrapping_add(offset.wrapping_mul(sum))
        })
        .collect()
}
