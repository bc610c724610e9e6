//! CONCATENATION and PACK: each input is copied unchanged into its window
//! of the output (one step per input); as in TFLM, inputs and output share
//! one quantization.

use super::gather::{axis, strides, MOVABLE};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{Activation, Op, Options};

/// Checks and lowers one CONCATENATION or PACK.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    if op.inputs.is_empty() || op.outputs.len() != 1 {
        return Err(cx.err(
            op,
            format_args!(
                "has {} inputs and {} outputs; it needs at least one input and exactly one output",
                op.inputs.len(),
                op.outputs.len()
            ),
        ));
    }
    let y = op.outputs[0];
    let ty = cx.tensor(y);
    let out_shape = ty.shape.clone();
    let (ax, activation) = match op.options {
        Options::Concatenation { axis, activation } => (axis as i64, activation),
        Options::Axis { axis } => (axis as i64, Activation::None),
        _ => (0, Activation::None),
    };
    if activation != Activation::None {
        return Err(cx.err(op, "a fused activation on CONCATENATION is not supported (TFLM requires none)"));
    }
    let pack = op.name == "PACK";
    let a = axis(cx, op, ax, out_shape.len())?;
    if out_shape.len() > 6 || !MOVABLE.contains(&ty.dtype) {
        return Err(cx.err(op, format_args!("output type {} or rank is not supported", ty.dtype.name())));
    }
    let out_strides = strides(&out_shape);
    let mut steps = Vec::new();
    let mut at = 0;
    for i in 0..op.inputs.len() {
        let x = cx.input(op, i)?;
        let tx = cx.tensor(x);
        let per_channel = |t: &crate::parse::Tensor| t.quant.as_ref().is_some_and(|q| q.scale.len() > 1);
        if tx.dtype != ty.dtype || tx.scalar_quant() != ty.scalar_quant() || per_channel(tx) || per_channel(ty) {
            return Err(cx.err(
                op,
                format_args!(
                    "input {} must have the output's type and per-tensor quantization (not per channel)",
                    cx.describe(x)
                ),
            ));
        }
        // The input's shape in output coordinates.
        let mut window = tx.shape.clone();
        if pack {
            window.insert(a.min(window.len()), 1);
        }
        if window.len() != out_shape.len()
            || window.iter().zip(&out_shape).enumerate().any(|(d, (&w, &o))| d != a && w != o)
        {
            return Err(
                cx.err(op, format_args!("input shape {:?} does not fit the output shape {out_shape:?}", tx.shape))
            );
        }
        let rank = out_shape.len();
        let (mut start, mut count, mut st) = ([0usize; 6], [1usize; 6], [0usize; 6]);
        for d in 0..rank {
            let slot = 6 - rank + d;
            start[slot] = if d == a { at } else { 0 };
            count[slot] = window[d];
            st[slot] = out_strides[d];
        }
        at += window[a];
        steps.push(Step {
            state: Vec::new(),
            scratch: Vec::new(),
            op_index: op.index,
            op_name: op.name.clone(),
            kernel: Kernel::CopyWindow { dtype: ty.dtype, start, count, out_strides: st },
            inputs: vec![x],
            output: y,
        });
    }
    if at != out_shape[a] {
        return Err(cx.err(op, format_args!("the inputs fill {at} of the output's {} along axis {a}", out_shape[a])));
    }
    Ok(Lowered::Steps(steps))
}
