//! ADD: two quantized inputs (int8 or int16) with their own scales, or two
//! float32 inputs; NumPy broadcasting, fused activation. Shared with SUB.

use super::{broadcast, check_activation};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{Activation, DType, Op, Options};
use crate::quant::{activation_range, quantize_multiplier};

/// Checks and lowers one ADD.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    let activation = match op.options {
        Options::Add { activation } => activation,
        _ => Activation::None,
    };
    lower_arithmetic(cx, op, false, activation)
}

/// ADD and SUB.
pub(crate) fn lower_arithmetic(cx: &Cx, op: &Op, sub: bool, activation: Activation) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 2, 1)?;
    check_activation(cx, op, activation)?;
    let (a, b, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    if cx.tensor(a).dtype == DType::F32 {
        let kind = if sub { crate::ir::BinaryF32::Sub } else { crate::ir::BinaryF32::Add };
        return super::lower_binary_f32(cx, op, kind, activation);
    }
    let types = [DType::I8, DType::I16];
    let (a_shape, dtype, a_scale, a_zp) = cx.quantized_activation(op, a, "first input", &types)?;
    let (b_shape, b_type, b_scale, b_zp) = cx.quantized_activation(op, b, "second input", &types)?;
    let (y_shape, y_type, y_scale, y_zp) = cx.quantized_activation(op, y, "output", &types)?;
    if b_type != dtype || y_type != dtype {
        return Err(cx.err(op, "inputs and output must have the same type"));
    }
    let broadcast = broadcast(cx, op, &a_shape, &b_shape, &y_shape)?;
    // TFLM: 20 bits of headroom for int8, 15 for int16.
    let left_shift = if dtype == DType::I16 { 15 } else { 20 };
    // TFLM forms the ratios in f64 for both ADD and SUB (the oracle's
    // tflite-micro 0.dev20261023 does so for SUB too; older sources used f32,
    // which differs in the last bit on some SEANet layers).
    let twice_max = 2.0 * a_scale.max(b_scale) as f64;
    let real = [
        a_scale as f64 / twice_max,
        b_scale as f64 / twice_max,
        twice_max / ((1i64 << left_shift) as f64 * y_scale as f64),
    ];
    let mut multipliers = [(0, 0); 3];
    for (slot, &m) in multipliers.iter_mut().zip(&real) {
        if !(m > 0.0 && m < 1.0) {
            return Err(cx.err(
                op,
                format_args!(
                    "a rescaling factor is {m}, outside (0, 1); the output scale is too small for these inputs"
                ),
            ));
        }
        *slot = quantize_multiplier(m);
    }
    let (qmin, qmax) = if dtype == DType::I16 { (-32768, 32767) } else { (-128, 127) };
    let act = activation_range(activation, y_scale, y_zp, qmin, qmax);
    // Large int8 layers without broadcasting read the rescaled operands
    // from tables the compiler fills (2 KB of flash, no per-element
    // rescaling of the operands).
    let tables = dtype == DType::I8
        && broadcast.is_none()
        && y_shape.iter().product::<usize>() >= nn_runtime::kernels::add::TABLE_MIN_ELEMENTS;
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::Arithmetic {
            sub,
            dtype,
            input_offsets: (-a_zp, -b_zp),
            left_shift,
            multipliers,
            output_offset: y_zp,
            act,
            broadcast,
            tables,
        },
        inputs: vec![a, b],
        output: y,
    }))
}
