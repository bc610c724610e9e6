//! RESIZE_NEAREST_NEIGHBOR (int8, int16, float32) and RESIZE_BILINEAR (int8,
//! float32) of an NHWC tensor to the size in a constant `[2]` tensor.
//!
//! Which input pixels an output pixel reads depends only on the geometry, so
//! the compiler computes every row's and column's source coordinates and
//! weights as TFLM does and emits them as small tables:
//! - nearest neighbour: `GetNearestNeighbor`, in `f32` (`round` with
//!   `align_corners`, `floor` otherwise);
//! - bilinear int8: `ResizeBilinearInteger`, in integers with 10 fractional
//!   bits (the kernel TFLM's micro RESIZE_BILINEAR calls for int8);
//! - bilinear float32: `ResizeBilinear`'s `ComputeInterpolationValues`, in
//!   `f32`.
//!
//! TFLM does not check that those coordinates stay inside the input (with
//! extreme upsampling the rounded integer scale can step past the last row);
//! the compiler rejects such a layer instead of reading out of bounds.

use crate::diag::Diagnostic;
use crate::ir::{Kernel, Lerp, LerpF32, Resize, Step};
use crate::lower::{Cx, Lowered};
use crate::parse::{DType, Op, Options};

/// Checks and lowers one RESIZE_NEAREST_NEIGHBOR or RESIZE_BILINEAR.
pub fn lower(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    cx.arity(op, 2, 2, 1)?;
    let bilinear = op.name == "RESIZE_BILINEAR";
    let (align_corners, half_pixel_centers) = match op.options {
        Options::Resize { align_corners, half_pixel_centers } => (align_corners, half_pixel_centers),
        _ => (false, false),
    };
    if bilinear && align_corners && half_pixel_centers {
        return Err(cx.err(op, "has both align_corners and half_pixel_centers set, which TFLM refuses"));
    }
    let (x, size, y) = (cx.input(op, 0)?, cx.input(op, 1)?, op.outputs[0]);
    let (tx, ty) = (cx.tensor(x), cx.tensor(y));
    let types: &[DType] = if bilinear { &[DType::I8, DType::F32] } else { &[DType::I8, DType::I16, DType::F32] };
    if !types.contains(&tx.dtype) || ty.dtype != tx.dtype {
        let names: Vec<&str> = types.iter().map(|d| d.name()).collect();
        return Err(cx.err(
            op,
            format_args!(
                "input {} is {} and output {} is {}; this operator supports {} (the same type for both, as TFLM)",
                cx.describe(x),
                tx.dtype.name(),
                cx.describe(y),
                ty.dtype.name(),
                names.join(", ")
            ),
        ));
    }
    // TFLM copies or interpolates the stored values and never reads the
    // quantization, but a quantized tensor's parameters must still be valid.
    if tx.dtype != DType::F32 {
        cx.quantized_activation(op, x, "input", types)?;
        cx.quantized_activation(op, y, "output", types)?;
    }
    let [batches, in_h, in_w, channels] = super::nhwc(cx, op, &tx.shape, "the input")?;
    let [out_b, out_h, out_w, out_c] = super::nhwc(cx, op, &ty.shape, "the output")?;
    let sizes = cx.const_i32(op, size, "size")?;
    if cx.tensor(size).shape.len() != 1 || sizes.len() != 2 {
        return Err(cx.err(op, format_args!("size {} must be a 1-D tensor of 2 values", cx.describe(size))));
    }
    if (out_b, out_c) != (batches, channels) || sizes != [out_h as i32, out_w as i32] {
        return Err(cx.err(
            op,
            format_args!("the input {:?} resized to {sizes:?} does not give the output shape {:?}", tx.shape, ty.shape),
        ));
    }
    let geometry = Resize { batches, in_h, in_w, channels };
    let outside =
        |what: &str| cx.err(op, format_args!("the {what} coordinates leave the input; TFLM would read out of bounds"));
    let kernel = if !bilinear {
        let rows = (0..out_h).map(|v| nearest(v, in_h, out_h, align_corners, half_pixel_centers)).collect();
        let cols = (0..out_w).map(|v| nearest(v, in_w, out_w, align_corners, half_pixel_centers)).collect();
        let rows = valid(rows, in_h).ok_or_else(|| outside("row"))?;
        let cols = valid(cols, in_w).ok_or_else(|| outside("column"))?;
        Kernel::ResizeNearest { dtype: tx.dtype, geometry, rows, cols }
    } else if tx.dtype == DType::F32 {
        let rows = lerps_f32(in_h, out_h, align_corners, half_pixel_centers).ok_or_else(|| outside("row"))?;
        let cols = lerps_f32(in_w, out_w, align_corners, half_pixel_centers).ok_or_else(|| outside("column"))?;
        Kernel::ResizeBilinearF32 { geometry, rows, cols }
    } else {
        let rows = lerps(in_h, out_h, align_corners, half_pixel_centers).ok_or_else(|| outside("row"))?;
        let cols = lerps(in_w, out_w, align_corners, half_pixel_centers).ok_or_else(|| outside("column"))?;
        Kernel::ResizeBilinear { geometry, rows, cols }
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

/// Coordinates that all lie in `0..n`, as indices.
fn valid(v: Vec<i64>, n: usize) -> Option<Vec<usize>> {
    v.into_iter().map(|i| usize::try_from(i).ok().filter(|&i| i < n)).collect()
}

/// TFLM's `GetNearestNeighbor`: the source of output index `value`.
fn nearest(value: usize, input_size: usize, output_size: usize, align_corners: bool, half_pixel: bool) -> i64 {
    let scale = if align_corners && output_size > 1 {
        (input_size as i32 - 1) as f32 / (output_size as i32 - 1) as f32
    } else {
        input_size as i32 as f32 / output_size as i32 as f32
    };
    let offset = if half_pixel { 0.5f32 } else { 0.0 };
    let scaled = (value as i32 as f32 + offset) * scale;
    // `static_cast<int32_t>` of the rounded float (Rust's `as` saturates
    // where C++ would be undefined; such sizes are rejected as out of bounds).
    let source = if align_corners { scaled.round() as i32 } else { scaled.floor() as i32 };
    let mut source = source.min(input_size as i32 - 1) as i64;
    if half_pixel {
        source = source.max(0);
    }
    source
}

/// `ResizeBilinearInteger`'s scale with 10 fractional bits, rounded.
fn scale_10(input_size: usize, output_size: usize, align_corners: bool) -> i64 {
    let (i, o) = (input_size as i64, output_size as i64);
    if align_corners && o > 1 {
        ((1 << 10) * (i - 1) + (o - 1) / 2) / (o - 1)
    } else {
        ((1 << 10) * i + o / 2) / o
    }
}

/// `ComputeInterpolationValuesInteger` for every output index: the two
/// source indices and the weight of the second (in 1/1024), the first's
/// being `1024` minus it. C++ division truncates toward zero, as Rust's does.
fn lerps(input_size: usize, output_size: usize, align_corners: bool, half_pixel: bool) -> Option<Vec<Lerp>> {
    let s = scale_10(input_size, output_size, align_corners);
    let n = input_size as i64;
    (0..output_size as i64)
        .map(|v| {
            let scaled = if half_pixel { v * s + s / 2 - (1 << 9) } else { v * s };
            let lo = (scaled / (1 << 10)).max(0);
            let hi = ((scaled + (1 << 10) - 1) / (1 << 10)).min(n - 1);
            let weight = scaled - (1 << 10) * lo;
            // Both indices inside the input, and weights small enough for
            // the kernel's `i32` sums: |w0| + |w1| <= 2048 keeps
            // 128 * 2048 * 2048 = 2^29 below `i32::MAX`.
            let ok = (0..n).contains(&lo) && (0..n).contains(&hi) && weight.abs() + ((1 << 10) - weight).abs() <= 2048;
            ok.then_some(Lerp { lo: lo as usize, hi: hi as usize, weight: weight as i32 })
        })
        .collect()
}

/// `ComputeInterpolationValues` (float) for every output index: the two
/// source indices and `input_y - y0`, all in `f32` as TFLM.
fn lerps_f32(input_size: usize, output_size: usize, align_corners: bool, half_pixel: bool) -> Option<Vec<LerpF32>> {
    let (i, o) = (input_size as i32, output_size as i32);
    let mut scale = i as f32 / o as f32;
    if align_corners && o > 1 {
        scale = (i - 1) as f32 / (o - 1) as f32;
    }
    (0..o)
        .map(|v| {
            let scaled = if half_pixel { (v as f32 + 0.5) * scale - 0.5 } else { v as f32 * scale };
            let lo = (scaled.floor() as i32).max(0);
            let hi = (scaled.ceil() as i32).min(i - 1);
            let ok = (0..i).contains(&lo) && (0..i).contains(&hi);
            ok.then_some(LerpF32 { lo: lo as usize, hi: hi as usize, frac: scaled - lo as f32 })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_matches_tensorflow_examples() {
        // 2 -> 4: floor(v * 0.5).
        let v: Vec<i64> = (0..4).map(|v| nearest(v, 2, 4, false, false)).collect();
        assert_eq!(v, [0, 0, 1, 1]);
        // align_corners 3 -> 5: round(v * 0.5), half away from zero.
        let v: Vec<i64> = (0..5).map(|v| nearest(v, 3, 5, true, false)).collect();
        assert_eq!(v, [0, 1, 1, 2, 2]);
        // half_pixel_centers 3 -> 2: floor((v + 0.5) * 1.5).
        let v: Vec<i64> = (0..2).map(|v| nearest(v, 3, 2, false, true)).collect();
        assert_eq!(v, [0, 2]);
    }

    #[test]
    fn integer_bilinear_weights() {
        // 2 -> 4 without options: scale 512, weights 0, 512 on rows 0, 1.
        let l = lerps(2, 4, false, false).expect("inside");
        assert_eq!(
            l.iter().map(|l| (l.lo, l.hi, l.weight)).collect::<Vec<_>>(),
            [(0, 0, 0), (0, 1, 512), (1, 1, 0), (1, 1, 512)]
        );
        // Half-pixel centres start before the first pixel: a negative weight
        // on a row read twice.
        let l = lerps(2, 4, false, true).expect("inside");
        assert_eq!((l[0].lo, l[0].hi, l[0].weight), (0, 0, -256));
    }

    #[test]
    fn extreme_upsampling_is_refused() {
        // The scale rounds up to 2/1024 while the exact one is 1.536/1024:
        // the last rows would read row 3 of a 3-row input.
        assert!(lerps(3, 2000, false, true).is_none());
        assert!(lerps(3, 7, false, true).is_some());
    }
}
