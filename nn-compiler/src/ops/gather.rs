//! Data-movement operators that read a strided part of one input: SLICE,
//! TRANSPOSE, SPLIT, SPLIT_V and UNPACK. Each output becomes one strided
//! gather (the STRIDED_SLICE kernel) with constants resolved at compile
//! time; values are copied unchanged, so input and output must share one
//! quantization.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};

/// Types the data-movement kernels copy.
pub(crate) const MOVABLE: [DType; 4] = [DType::I8, DType::I16, DType::I32, DType::F32];

/// Resolves a possibly negative axis of a rank-`rank` tensor.
pub(crate) fn axis(cx: &Cx, op: &Op, axis: i64, rank: usize) -> Result<usize, Diagnostic> {
    let a = if axis < 0 { axis + rank as i64 } else { axis };
    usize::try_from(a)
        .ok()
        .filter(|&a| a < rank)
        .ok_or_else(|| cx.err(op, format_args!("axis {axis} is out of range for rank {rank}")))
}

/// Row-major element strides of `shape`.
pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut st = vec![0; shape.len()];
    let mut acc = 1;
    for d in (0..shape.len()).rev() {
        st[d] = acc;
        acc *= shape[d];
    }
    st
}

/// A gather step: for each output axis, the input axis it walks, its start
/// and its count (input axes not walked are fixed at their start).
struct Walk {
    /// (input axis, start, count) per output-order axis of the gather.
    axes: Vec<(usize, usize, usize)>,
}

fn gather_step(
    cx: &Cx,
    op: &Op,
    x: usize,
    y: usize,
    walk: &Walk,
    fixed: &[(usize, usize)],
) -> Result<Step, Diagnostic> {
    let tx = cx.tensor(x);
    let in_strides = strides(&tx.shape);
    let n = walk.axes.len();
    if n > 6 {
        return Err(cx.err(op, "more than 6 dimensions are not supported"));
    }
    let (mut start, mut stride, mut count, mut st) = ([0isize; 6], [1isize; 6], [1usize; 6], [0usize; 6]);
    // Fixed input axes (UNPACK's) contribute a constant element offset,
    // applied through an extra leading axis of count 1 whose stride is that
    // offset.
    let base: usize = fixed.iter().map(|&(a, i)| i * in_strides[a]).sum();
    for (k, &(a, s, c)) in walk.axes.iter().enumerate() {
        let slot = 6 - n + k;
        start[slot] = s as isize;
        count[slot] = c;
        st[slot] = in_strides[a];
        stride[slot] = 1;
    }
    if base > 0 {
        // Slot 0 is free when n < 6: a count-1 axis with stride `base`.
        if n == 6 {
            return Err(cx.err(op, "more than 6 dimensions are not supported"));
        }
        start[0] = 1;
        st[0] = base;
    }
    let out_elems: usize = count.iter().product();
    if out_elems != cx.tensor(y).elements() {
        return Err(cx.err(
            op,
            format_args!(
                "output {} has shape {:?}, but the input shape {:?} gives {out_elems} elements",
                cx.describe(y),
                cx.tensor(y).shape,
                tx.shape
            ),
        ));
    }
    Ok(Step {
        state: Vec::new(),
        scratch: Vec::new(),
        op_index: op.index,
        op_name: op.name.clone(),
        kernel: Kernel::StridedSlice { dtype: tx.dtype, start, stride, count, in_strides: st },
        inputs: vec![x],
        output: y,
    })
}

fn same_type(cx: &Cx, op: &Op, x: usize, y: usize) -> Result<(), Diagnostic> {
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    if !MOVABLE.contains(&tx.dtype) || tx.dtype != ty.dtype {
        return Err(cx.err(
            op,
            format_args!(
                "copies {} to {}; int8, int16, int32 and float32 are supported, and the types must match",
                tx.dtype.name(),
                ty.dtype.name()
            ),
        ));
    }
    let per_channel = |t: &crate::parse::Tensor| t.quant.as_ref().is_some_and(|q| q.scale.len() > 1);
    if tx.scalar_quant() != ty.scalar_quant() || per_channel(tx) || per_channel(ty) {
        return Err(cx.err(op, "input and output quantization differ or are per channel (scales must be per tensor)"));
    }
    if tx.data.is_some() {
        return Err(cx.err(op, "moves a constant; constant folding is not supported yet"));
    }
    Ok(())
}

/// Checks and lowers SLICE, TRANSPOSE, SPLIT, SPLIT_V and UNPACK.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    match op.name.as_str() {
        "TRANSPOSE" => {
            cx.arity(op, 2, 2, 1)?;
            let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
            same_type(cx, op, x, y)?;
            let shape = cx.tensor(x).shape.clone();
            let perm = cx.const_ints(op, cx.input(op, 1)?, "perm")?;
            let rank = shape.len();
            let mut seen = vec![false; rank];
            let mut axes = Vec::new();
            for &p in &perm {
                let a = axis(cx, op, p, rank)?;
                if std::mem::replace(&mut seen[a], true) {
                    return Err(cx.err(op, format_args!("perm {perm:?} is not a permutation")));
                }
                axes.push((a, 0, shape[a]));
            }
            if perm.len() != rank {
                return Err(cx.err(op, format_args!("perm {perm:?} does not match rank {rank}")));
            }
            Ok(Lowered::Step(gather_step(cx, op, x, y, &Walk { axes }, &[])?))
        }
        "SLICE" => {
            cx.arity(op, 3, 3, 1)?;
            let (x, y) = (cx.input(op, 0)?, op.outputs[0]);
            same_type(cx, op, x, y)?;
            let shape = cx.tensor(x).shape.clone();
            let begin = cx.const_ints(op, cx.input(op, 1)?, "begin")?;
            let size = cx.const_ints(op, cx.input(op, 2)?, "size")?;
            if begin.len() != shape.len() || size.len() != shape.len() {
                return Err(cx.err(op, "begin and size need one value per axis"));
            }
            let mut axes = Vec::new();
            for (d, (&b, &s)) in begin.iter().zip(&size).enumerate() {
                let dim = shape[d] as i64;
                let len = if s == -1 { dim - b } else { s };
                if b < 0 || len < 0 || b + len > dim {
                    return Err(
                        cx.err(op, format_args!("begin {begin:?} and size {size:?} exceed the input shape {shape:?}"))
                    );
                }
                axes.push((d, b as usize, len as usize));
            }
            Ok(Lowered::Step(gather_step(cx, op, x, y, &Walk { axes }, &[])?))
        }
        "SPLIT" | "SPLIT_V" | "UNPACK" => {
            let x = if op.name == "SPLIT" { cx.input(op, 1)? } else { cx.input(op, 0)? };
            let shape = cx.tensor(x).shape.clone();
            let rank = shape.len();
            let ax = match op.name.as_str() {
                "SPLIT" => *cx.const_ints(op, cx.input(op, 0)?, "axis")?.first().unwrap_or(&0),
                "SPLIT_V" => *cx.const_ints(op, cx.input(op, 2)?, "axis")?.first().unwrap_or(&0),
                _ => match op.options {
                    Options::Axis { axis } => axis as i64,
                    _ => 0,
                },
            };
            let a = axis(cx, op, ax, rank)?;
            let n = op.outputs.len();
            if n == 0 {
                return Err(cx.err(op, "has no outputs"));
            }
            let sizes: Vec<usize> = match op.name.as_str() {
                "SPLIT_V" => {
                    let s = cx.const_ints(op, cx.input(op, 1)?, "size_splits")?;
                    let known: i64 = s.iter().filter(|&&v| v >= 0).sum();
                    s.iter()
                        .map(|&v| if v < 0 { (shape[a] as i64 - known).max(0) as usize } else { v as usize })
                        .collect()
                }
                "UNPACK" => vec![1; n],
                _ => {
                    if shape[a] % n != 0 {
                        return Err(cx.err(op, format_args!("axis of size {} does not split into {n}", shape[a])));
                    }
                    vec![shape[a] / n; n]
                }
            };
            if sizes.len() != n || sizes.iter().sum::<usize>() != shape[a] {
                return Err(cx.err(op, format_args!("the split sizes {sizes:?} do not cover the axis of {shape:?}")));
            }
            let mut steps = Vec::new();
            let mut at = 0;
            for (k, &y) in op.outputs.iter().enumerate() {
                same_type(cx, op, x, y)?;
                let axes: Vec<(usize, usize, usize)> = (0..rank)
                    .filter(|&d| !(op.name == "UNPACK" && d == a))
                    .map(|d| if d == a { (d, at, sizes[k]) } else { (d, 0, shape[d]) })
                    .collect();
                let fixed: Vec<(usize, usize)> = if op.name == "UNPACK" { vec![(a, at)] } else { vec![] };
                steps.push(gather_step(cx, op, x, y, &Walk { axes }, &fixed)?);
                at += sizes[k];
            }
            Ok(Lowered::Steps(steps))
        }
        _ => Err(cx.err(op, "internal compiler error: not a gather operator")),
    }
}
