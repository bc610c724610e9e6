//! QUANTIZE: float32 to int8 at the graph's edge, and requantization
//! between int8, int16 and int32 and from uint8 to int8 and back (the pairs
//! TFLM's reference kernel accepts; the converter puts the uint8 ones at the
//! edges of a model converted with `inference_input_type = tf.uint8`).

use super::multiplier;
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op};

/// Checks and lowers one QUANTIZE.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 1, 1, 1)?;
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    if tx.elements() != ty.elements() {
        return Err(cx.err(op, "input and output element counts differ"));
    }
    let (to, out_scale, out_zp) = integer_quant(cx, op, y, "output")?;
    // uint8 only to or from int8.
    let pair_ok = |from: DType| match (from, to) {
        (DType::U8, other) | (other, DType::U8) => other == DType::I8,
        _ => true,
    };
    let kernel = match tx.dtype {
        DType::F32 if to == DType::I8 => Kernel::QuantizeF32 { scale: out_scale, zero_point: out_zp },
        from @ (DType::I8 | DType::U8 | DType::I16 | DType::I32)
            if !(from == DType::I32 && to == DType::I32) && pair_ok(from) =>
        {
            let (_, in_scale, in_zp) = integer_quant(cx, op, x, "input")?;
            // TFLM's PrepareQuantizeReference: the f64 ratio of the scales.
            let (m, s) = multiplier(cx, op, in_scale as f64 / out_scale as f64, "requantization")?;
            Kernel::Requantize { from, to, multiplier: m, shift: s, input_zero_point: in_zp, output_zero_point: out_zp }
        }
        from => {
            return Err(cx.err(
                op,
                format_args!(
                    "quantizing {} to {} is not supported (float32 -> int8, between int8, int16 and int32, \
                     and uint8 <-> int8 are)",
                    from.name(),
                    to.name()
                ),
            ))
        }
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

/// The type, scale and zero point of an int8, uint8, int16 or int32 operand. Any
/// zero point inside the type is accepted: TFLM's requantization subtracts
/// and adds them as plain integers (an int8 -> int16 SOFTMAX writes -32768).
fn integer_quant(cx: &Cx, op: &Op, t: usize, role: &str) -> Result<(DType, f32, i32), Diagnostic> {
    let dtype = cx.tensor(t).dtype;
    let (lo, hi) = match dtype {
        DType::I8 => (i8::MIN as i32, i8::MAX as i32),
        DType::U8 => (0, u8::MAX as i32),
        DType::I16 => (i16::MIN as i32, i16::MAX as i32),
        DType::I32 => (i32::MIN, i32::MAX),
        other => {
            return Err(cx.err(
                op,
                format_args!(
                    "{role} {} has type {}; this operator supports int8, uint8, int16 and int32",
                    cx.describe(t),
                    other.name()
                ),
            ))
        }
    };
    let (scale, zp) = cx.quant_of(op, t, role)?;
    if !(lo..=hi).contains(&zp) {
        return Err(cx.err(op, format_args!("{role} {} has zero point {zp}, outside its type", cx.describe(t))));
    }
    Ok((dtype, scale, zp))
}
