//! ADD: two int8 inputs of the same shape with their own scales, fused
//! activation. (Broadcasting is not implemented yet.)

use super::check_activation;
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{Op, Options};
use crate::quant::{activation_range, quantize_multiplier};

/// Checks and lowers one ADD.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 2, 1)?;
    let activation = match op.options {
        Options::Add { activation } => activation,
        _ => crate::parse::Activation::None,
    };
    check_activation(cx, op, activation)?;
    let (a, b, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    let (a_shape, a_scale, a_zp) = cx.int8_activation(op, a, "first input")?;
    let (b_shape, b_scale, b_zp) = cx.int8_activation(op, b, "second input")?;
    let (y_shape, y_scale, y_zp) = cx.int8_activation(op, y, "output")?;
    if a_shape != b_shape || a_shape != y_shape {
        return Err(cx.err(
            op,
            format_args!(
                "inputs {a_shape:?} and {b_shape:?} and output {y_shape:?} differ; broadcasting ADD is not supported yet"
            ),
        ));
    }
    // TFLM's CalculateOpDataAdd: both inputs are brought to twice the larger
    // input scale with 20 bits of headroom.
    let left_shift = 20;
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
    let act = activation_range(activation, y_scale, y_zp, -128, 127);
    Ok(Lowered::Step(Step {
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::Add { input_offsets: (-a_zp, -b_zp), left_shift, multipliers, output_offset: y_zp, act },
        inputs: vec![a, b],
        output: y,
    }))
}
