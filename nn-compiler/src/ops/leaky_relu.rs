//! LEAKY_RELU: int8, int16 and float32 (`x > 0 ? x : x * alpha`). The multipliers are computed in `f64`, as the
//! oracle (tflite-micro 0.dev20261023) does; forming them in `f32`, as older
//! TFLM sources did, differs by one step on 4 of the 23 SEANet layers.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};
use crate::quant::quantize_multiplier;

/// Checks and lowers one LEAKY_RELU.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 1, 1, 1)?;
    let Options::LeakyRelu { alpha } = op.options else {
        return Err(cx.err(op, "has no LeakyReluOptions"));
    };
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    if cx.tensor(x).dtype == DType::F32 {
        return super::lower_unary_f32(cx, op, crate::ir::UnaryF32::LeakyRelu(alpha));
    }
    let types = [DType::I8, DType::I16];
    let (x_shape, dtype, x_scale, x_zp) = cx.quantized_activation(op, x, "input", &types)?;
    let (y_shape, y_type, y_scale, y_zp) = cx.quantized_activation(op, y, "output", &types)?;
    if y_type != dtype || x_shape.iter().product::<usize>() != y_shape.iter().product::<usize>() {
        return Err(cx.err(op, "input and output differ in type or size"));
    }
    if !alpha.is_finite() {
        return Err(cx.err(op, format_args!("alpha is {alpha}")));
    }
    let alpha_m = x_scale as f64 * alpha as f64 / y_scale as f64;
    let identity_m = x_scale as f64 / y_scale as f64;
    let identity = super::multiplier(cx, op, identity_m, "identity")?;
    let (mut q, s) = quantize_multiplier(alpha_m);
    if !(-31..=30).contains(&s) || q == i32::MIN {
        return Err(cx.err(op, format_args!("alpha * input scale / output scale = {alpha_m:e} cannot be applied")));
    }
    let alpha_negative = q < 0;
    q = q.abs();
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::LeakyRelu {
            dtype,
            input_offset: x_zp,
            output_offset: y_zp,
            identity,
            alpha: (q, s),
            alpha_negative,
        },
        inputs: vec![x],
        output: y,
    }))
}
