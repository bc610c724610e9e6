//! RELU and RELU6, int8, int16 and float32, as TFLM's micro kernels compute them:
//! RELU requantizes by `s_in / s_out` (ratio formed in `f32`) and clamps at
//! the output zero point; RELU6 clamps the stored values to the input's
//! quantized 0 and 6.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};

/// Checks and lowers one RELU or RELU6.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 1, 1, 1)?;
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    if cx.tensor(x).dtype == DType::F32 {
        let kind = if op.name == "RELU6" { crate::ir::UnaryF32::Relu6 } else { crate::ir::UnaryF32::Relu };
        return super::lower_unary_f32(cx, op, kind);
    }
    let types = [DType::I8, DType::I16];
    let (x_shape, dtype, x_scale, x_zp) = cx.quantized_activation(op, x, "input", &types)?;
    let (y_shape, y_type, y_scale, y_zp) = cx.quantized_activation(op, y, "output", &types)?;
    if y_type != dtype || x_shape.iter().product::<usize>() != y_shape.iter().product::<usize>() {
        return Err(cx.err(op, "input and output differ in type or size"));
    }
    let (qmin, qmax) = if dtype == DType::I16 { (-32768, 32767) } else { (-128, 127) };
    let kernel = if op.name == "RELU6" {
        // TFLM's FloatToQuantizedType: round(6 / scale) + zero point, clamped.
        let six = ((6.0f32 / x_scale).round() as i64 + x_zp as i64).clamp(qmin as i64, qmax as i64) as i32;
        Kernel::Relu6 { dtype, bounds: (x_zp, six) }
    } else {
        let multiplier = super::multiplier(cx, op, (x_scale / y_scale) as f64, "output")?;
        Kernel::Relu { dtype, input_offset: x_zp, output_offset: y_zp, multiplier, act: (qmin.max(y_zp), qmax) }
    };
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel,
        inputs: vec![x],
        output: y,
    }))
}
