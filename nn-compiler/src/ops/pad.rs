//! PAD and PADV2: constant padding (int8, int16, float32); the fill is the
//! output zero point for int8 and 0 for int16 and float32 unless PADV2 gives
//! a value.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};

/// Checks and lowers one PAD or PADV2.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 3, 1)?;
    let (x, p, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    if cx.tensor(x).dtype == DType::F32 {
        super::check_all_f32(cx, op, &[(y, "output")])?;
        // The fill is carried as the bit pattern of the float.
        let value = match cx.optional_input(op, 2) {
            Some(v) => {
                if cx.tensor(v).dtype != DType::F32 {
                    return Err(cx.err(op, "constant_values must be one constant of the input type (float32)"));
                }
                let bytes = super::const_f32_bytes(cx, op, v, "constant_values")?;
                match bytes.get(..4) {
                    Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]) as i64,
                    _ => return Err(cx.err(op, "constant_values is empty")),
                }
            }
            None => 0,
        };
        let (x_shape, y_shape) = (cx.tensor(x).shape.clone(), cx.tensor(y).shape.clone());
        return finish(cx, op, (x, p, y), DType::F32, &x_shape, &y_shape, value);
    }
    let types = [DType::I8, DType::I16];
    let (x_shape, dtype, x_scale, x_zp) = cx.quantized_activation(op, x, "input", &types)?;
    let (y_shape, y_type, y_scale, y_zp) = cx.quantized_activation(op, y, "output", &types)?;
    if y_type != dtype || x_scale != y_scale || x_zp != y_zp {
        return Err(cx.err(op, "input and output must have the same type and quantization"));
    }
    let value = match cx.optional_input(op, 2) {
        Some(v) => {
            let vals = cx.const_ints(op, v, "constant_values").or_else(|_| {
                let t = cx.tensor(v);
                match (t.dtype, t.data) {
                    (DType::I8, Some([b])) => Ok(vec![*b as i8 as i64]),
                    (DType::I16, Some([l, h])) => Ok(vec![i16::from_le_bytes([*l, *h]) as i64]),
                    _ => Err(cx.err(op, "constant_values must be one constant of the input type")),
                }
            })?;
            *vals.first().ok_or_else(|| cx.err(op, "constant_values is empty"))?
        }
        None if dtype == DType::I8 => y_zp as i64,
        None => 0,
    };
    finish(cx, op, (x, p, y), dtype, &x_shape, &y_shape, value)
}

/// Checks the paddings against the shapes and builds the step.
fn finish(
    cx: &Cx,
    op: &Op,
    (x, p, y): (usize, usize, usize),
    dtype: DType,
    x_shape: &[usize],
    y_shape: &[usize],
    value: i64,
) -> Result<Lowered, Diagnostic> {
    let rank = x_shape.len();
    if rank == 0 || rank > 6 || y_shape.len() != rank {
        return Err(cx.err(op, format_args!("input {x_shape:?} and output {y_shape:?} ranks are not supported")));
    }
    let pads = cx.const_ints(op, p, "paddings")?;
    if pads.len() != 2 * rank || pads.iter().any(|&v| !(0..=1 << 20).contains(&v)) {
        return Err(cx.err(op, format_args!("paddings {pads:?} must be {rank}x2 non-negative values")));
    }
    let (mut in_dims, mut before, mut out_dims) = ([1usize; 6], [0usize; 6], [1usize; 6]);
    for d in 0..rank {
        let (b, a) = (pads[2 * d] as usize, pads[2 * d + 1] as usize);
        if x_shape[d] + b + a != y_shape[d] {
            return Err(cx.err(op, format_args!("padding {x_shape:?} by {pads:?} does not give {y_shape:?}")));
        }
        let k = 6 - rank + d;
        in_dims[k] = x_shape[d];
        before[k] = b;
        out_dims[k] = y_shape[d];
    }
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::Pad { dtype, in_dims, before, out_dims, value },
        inputs: vec![x],
        output: y,
    }))
}
