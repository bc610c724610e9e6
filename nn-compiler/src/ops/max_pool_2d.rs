//! MAX_POOL_2D: int8 or float32, any window, stride and padding. Also holds the checks
//! shared with AVERAGE_POOL_2D.

use super::{check_activation, nhwc};
use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step, Window};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};
use crate::quant::{activation_range, out_size, pad_before};

/// Checks and lowers one MAX_POOL_2D.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    let (_, _, step) = pool(cx, op)?;
    Ok(Lowered::Step(step))
}

/// The checks and geometry common to both pools; the returned step is the
/// max pool's (int8 or float32), which AVERAGE_POOL_2D adapts.
pub(crate) fn pool(cx: &Cx, op: &Op) -> Result<(Window, (i32, i32), Step), Diagnostic> {
    cx.arity(op, 1, 1, 1)?;
    let Options::Pool2d { padding, stride, filter, activation } = op.options else {
        return Err(cx.err(op, "has no Pool2DOptions"));
    };
    check_activation(cx, op, activation)?;
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let is_f32 = cx.tensor(x).dtype == DType::F32;
    let (in_shape, out_shape, act) = if is_f32 {
        super::check_all_f32(cx, op, &[(y, "output")])?;
        (cx.tensor(x).shape.clone(), cx.tensor(y).shape.clone(), (0, 0))
    } else {
        let (in_shape, in_scale, in_zp) = cx.int8_activation(op, x, "input")?;
        let (out_shape, out_scale, out_zp) = cx.int8_activation(op, y, "output")?;
        if in_scale != out_scale || in_zp != out_zp {
            return Err(cx.err(op, "input and output quantization differ; TFLite pools require them equal"));
        }
        (in_shape, out_shape, activation_range(activation, out_scale, out_zp, -128, 127))
    };
    let [n, ih, iw, c] = nhwc(cx, op, &in_shape, "the input")?;
    let [on, oh, ow, oc] = nhwc(cx, op, &out_shape, "the output")?;
    let (sh, sw) = (cx.positive(op, stride.0, "stride_h")?, cx.positive(op, stride.1, "stride_w")?);
    let (kh, kw) = (cx.positive(op, filter.0, "filter_height")?, cx.positive(op, filter.1, "filter_width")?);
    let (eh, ew) = (out_size(padding, ih, kh, sh, 1), out_size(padding, iw, kw, sw, 1));
    if on != n || oc != c || (eh, ew) != (oh, ow) {
        return Err(cx.err(
            op,
            format_args!("shapes do not match: input {in_shape:?}, output {out_shape:?}, expected {eh}x{ew} output"),
        ));
    }
    let window = Window {
        batches: n,
        input: (ih, iw, c),
        output: (oh, ow, c),
        kernel: (kh, kw),
        stride: (sh, sw),
        dilation: (1, 1),
        pad: (pad_before(ih, kh, sh, 1, oh), pad_before(iw, kw, sw, 1, ow)),
    };
    let step = Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: if is_f32 {
            // TFLM's reference float pools: the plain maximum, or the f32 sum
            // over the window divided by the f32 count of its input cells.
            Kernel::Pool2dF32 { window: window.clone(), average: false, act: super::f32_activation(activation) }
        } else {
            Kernel::MaxPool2d { window: window.clone(), act }
        },
        inputs: vec![x],
        output: y,
    };
    Ok((window, act, step))
}
