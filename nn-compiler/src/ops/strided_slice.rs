//! STRIDED_SLICE with constant begin, end and strides, begin/end/shrink
//! masks and negative indices, resolved at compile time exactly as TFLM's
//! `StridedSliceStartForAxis`/`StridedSliceEndForAxis` do.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};

/// Checks and lowers one STRIDED_SLICE.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 4, 4, 1)?;
    let Options::StridedSlice { begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask } = op.options
    else {
        return Err(cx.err(op, "has no StridedSliceOptions"));
    };
    if ellipsis_mask != 0 || new_axis_mask != 0 {
        return Err(cx.err(op, "ellipsis and new-axis masks are not supported (TFLM ignores them)"));
    }
    let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    if tx.data.is_some() {
        return Err(cx.err(
            op,
            "slices a constant; only int32/int64 shape arithmetic is folded at compile time; \
             fold the slice into the constant when converting",
        ));
    }
    let dtype = tx.dtype;
    if !matches!(dtype, DType::I8 | DType::I16 | DType::I32 | DType::F32) || ty.dtype != dtype {
        return Err(
            cx.err(op, format_args!("type {} is not supported (int8, int16, int32, float32 are)", dtype.name()))
        );
    }
    if tx.scalar_quant() != ty.scalar_quant() {
        return Err(cx.err(op, "input and output quantization differ"));
    }
    let shape = tx.shape.clone();
    let rank = shape.len();
    let begin = cx.const_ints(op, cx.input(op, 1)?, "begin")?;
    let end = cx.const_ints(op, cx.input(op, 2)?, "end")?;
    let strides = cx.const_ints(op, cx.input(op, 3)?, "strides")?;
    let axes = resolve(&shape, &begin, &end, &strides, begin_mask, end_mask, shrink_axis_mask)
        .map_err(|msg| cx.err(op, msg))?;
    let (mut start_v, mut stride_v, mut count_v, mut in_strides) = ([0isize; 6], [1isize; 6], [1usize; 6], [0usize; 6]);
    let mut out_shape = Vec::new();
    let mut acc = 1usize;
    for d in (0..rank).rev() {
        in_strides[6 - rank + d] = acc;
        acc *= shape[d];
    }
    for (d, a) in axes.iter().enumerate() {
        let k = 6 - rank + d;
        start_v[k] = a.start as isize;
        stride_v[k] = a.stride as isize;
        count_v[k] = a.count;
        if !a.shrink {
            out_shape.push(a.count);
        }
    }
    let out_elems: usize = count_v.iter().product();
    if out_elems != ty.elements() {
        return Err(cx.err(
            op,
            format_args!("the slice has {out_elems} elements ({out_shape:?}) but the output is {:?}", ty.shape),
        ));
    }
    Ok(Lowered::Step(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::StridedSlice { dtype, start: start_v, stride: stride_v, count: count_v, in_strides },
        inputs: vec![x],
        output: y,
    }))
}

/// One axis of a resolved slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Axis {
    /// First index taken.
    pub start: i64,
    /// Step (never zero).
    pub stride: i64,
    /// Indices taken.
    pub count: usize,
    /// Whether the axis is removed from the output.
    pub shrink: bool,
}

/// Resolves begin, end and strides of a slice of `shape` per axis, as TFLM's
/// `StridedSliceStartForAxis`/`StridedSliceEndForAxis` do: negative indices
/// count from the end, out-of-range indices are clamped, masked bounds span
/// the whole axis, and a shrunk axis takes one index.
pub(crate) fn resolve(
    shape: &[usize],
    begin: &[i64],
    end: &[i64],
    strides: &[i64],
    begin_mask: i32,
    end_mask: i32,
    shrink_axis_mask: i32,
) -> Result<Vec<Axis>, String> {
    let rank = shape.len();
    if rank == 0 || rank > 6 || begin.len() != rank || end.len() != rank || strides.len() != rank {
        return Err(format!("begin, end and strides must have one value per axis of {shape:?}"));
    }
    let mut axes = Vec::with_capacity(rank);
    for d in 0..rank {
        let size = shape[d] as i64;
        let stride = strides[d];
        if stride == 0 || stride.abs() > 1 << 30 {
            return Err(format!("stride {stride} on axis {d} is not supported"));
        }
        let clamp = |v: i64| if stride > 0 { v.clamp(0, size) } else { v.clamp(-1, size - 1) };
        let mut start = begin[d].clamp(-(1 << 40), 1 << 40);
        if start < 0 {
            start += size;
        }
        start = clamp(start);
        if begin_mask & (1 << d) != 0 {
            start = if stride > 0 { 0 } else { size - 1 };
        }
        let shrink = shrink_axis_mask & (1 << d) != 0;
        let stop = if shrink {
            if start >= size {
                start
            } else {
                start + 1
            }
        } else {
            let mut e = end[d].clamp(-(1 << 40), 1 << 40);
            if e < 0 {
                e += size;
            }
            e = clamp(e);
            if end_mask & (1 << d) != 0 {
                e = if stride > 0 { size } else { -1 };
            }
            e
        };
        let count = if stride > 0 {
            if stop > start {
                (stop - start + stride - 1) / stride
            } else {
                0
            }
        } else if start > stop {
            (start - stop + (-stride) - 1) / (-stride)
        } else {
            0
        };
        axes.push(Axis { start, stride, count: count as usize, shrink });
    }
    Ok(axes)
}
