//! MEAN and SUM over constant axes, int8 and int16, as TFLM's
//! `QuantizedMeanOrSum`: multiplier `s_in / s_out` (f64), and for MEAN the
//! division by the element count folded into it with TFLM's shift rule.
//! Float32 as TFLM's reference float `Mean` and `ReduceGeneric`: a running
//! `f32` sum per output, divided by the count for MEAN.

use super::gather::{axis, strides};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};

/// Checks and lowers one MEAN or SUM.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 2, 1)?;
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let float = cx.tensor(x).dtype == DType::F32;
    let types = [DType::I8, DType::I16];
    let (shape, dtype, in_scale, in_zp, out_scale, out_zp) = if float {
        super::check_all_f32(cx, op, &[(y, "output")])?;
        (cx.tensor(x).shape.clone(), DType::F32, 0.0, 0, 0.0, 0)
    } else {
        let (shape, dtype, in_scale, in_zp) = cx.quantized_activation(op, x, "input", &types)?;
        let (_, y_type, out_scale, out_zp) = cx.quantized_activation(op, y, "output", &types)?;
        if y_type != dtype {
            return Err(cx.err(op, "input and output types differ"));
        }
        (shape, dtype, in_scale, in_zp, out_scale, out_zp)
    };
    let rank = shape.len();
    if rank == 0 || rank > 6 {
        return Err(cx.err(op, format_args!("rank {rank} is not supported")));
    }
    let mut reduce = vec![false; rank];
    for a in cx.const_ints(op, cx.input(op, 1)?, "axis")? {
        reduce[axis(cx, op, a, rank)?] = true;
    }
    let st = strides(&shape);
    let (mut kept_d, mut kept_s, mut red_d, mut red_s) = ([1usize; 6], [0usize; 6], [1usize; 6], [0usize; 6]);
    let kept: Vec<usize> = (0..rank).filter(|&d| !reduce[d]).collect();
    let red: Vec<usize> = (0..rank).filter(|&d| reduce[d]).collect();
    for (k, &d) in kept.iter().enumerate() {
        kept_d[6 - kept.len() + k] = shape[d];
        kept_s[6 - kept.len() + k] = st[d];
    }
    for (k, &d) in red.iter().enumerate() {
        red_d[6 - red.len() + k] = shape[d];
        red_s[6 - red.len() + k] = st[d];
    }
    let count: usize = red.iter().map(|&d| shape[d]).product();
    let outputs: usize = kept.iter().map(|&d| shape[d]).product();
    if outputs != cx.tensor(y).elements() || count == 0 || count > 1 << 23 {
        return Err(cx.err(op, format_args!("reducing {shape:?} does not give the output's shape")));
    }
    if float {
        return Ok(Lowered::Step(Step {
            state: Vec::new(),
            scratch: Vec::new(),
            op_index: op.index,
            op_name: op.name.clone(),
            kernel: Kernel::ReduceF32 {
                kept: (kept_d, kept_s),
                reduced: (red_d, red_s),
                count,
                mean: op.name == "MEAN",
            },
            inputs: vec![x],
            output: y,
        }));
    }
    let (mut m, mut s) = super::multiplier(cx, op, in_scale as f64 / out_scale as f64, "output")?;
    if op.name == "MEAN" {
        // TFLM: shift = min(floor(log2(count)), 32, 31 + shift); the
        // multiplier absorbs 2^shift / count (integer division).
        let log2 = 63 - (count as u64).leading_zeros() as i32;
        let k = log2.min(32).min(31 + s);
        if k < 0 {
            return Err(cx.err(op, "the scale ratio is too small for TFLM's MEAN"));
        }
        m = (((m as i64) << k) / count as i64) as i32;
        s -= k;
    }
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::Mean {
            dtype,
            kept: (kept_d, kept_s),
            reduced: (red_d, red_s),
            count: count as i32,
            zero_points: (in_zp, out_zp),
            multiplier: (m, s),
        },
        inputs: vec![x],
        output: y,
    }))
}
