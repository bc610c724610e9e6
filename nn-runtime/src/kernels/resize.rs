//! RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR of an NHWC tensor. The
//! compiler computes, as TFLM does, which source rows and columns (and, for
//! bilinear, which weights) every output row and column uses; the kernels
//! walk those tables. int8 bilinear is TFLM's `ResizeBilinearInteger`,
//! float32 its `ResizeBilinear`.

/// One output row or column of an int8 bilinear resize.
#[derive(Clone, Copy, Debug)]
pub struct Lerp {
    /// First source index.
    pub lo: usize,
    /// Second source index.
    pub hi: usize,
    /// Weight of `hi` in 1/1024 (that of `lo` is `1024 - weight`); negative
    /// before the first pixel with half-pixel centres, where `lo == hi`.
    pub weight: i32,
}

/// One output row or column of a float32 bilinear resize.
#[derive(Clone, Copy, Debug)]
pub struct LerpF32 {
    /// First source index.
    pub lo: usize,
    /// Second source index.
    pub hi: usize,
    /// The source coordinate minus `lo`.
    pub frac: f32,
}

/// Constants of one RESIZE_NEAREST_NEIGHBOR layer.
#[derive(Clone, Copy, Debug)]
pub struct ResizeNearest<'a> {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Channels.
    pub channels: usize,
    /// Source row of each output row.
    pub rows: &'a [usize],
    /// Source column of each output column.
    pub cols: &'a [usize],
}

/// Constants of one RESIZE_BILINEAR layer (`L` is [`Lerp`] for int8,
/// [`LerpF32`] for float32).
#[derive(Clone, Copy, Debug)]
pub struct ResizeBilinear<'a, L = Lerp> {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Channels.
    pub channels: usize,
    /// Per output row.
    pub rows: &'a [L],
    /// Per output column.
    pub cols: &'a [L],
}

/// Copies the source pixel of every output pixel (any element type; float32
/// is copied bit for bit, as TFLM copies it as int32).
pub fn resize_nearest<T: Copy>(p: &ResizeNearest, input: &[T], output: &mut [T]) {
    let c = p.channels;
    let mut out = output.chunks_exact_mut(c);
    for b in 0..p.batches {
        for &y in p.rows {
            let row = (b * p.in_h + y) * p.in_w;
            for &x in p.cols {
                let (Some(o), Some(src)) = (out.next(), input.get((row + x) * c..)) else { return };
                for (o, &v) in o.iter_mut().zip(src) {
                    *o = v;
                }
            }
        }
    }
}

/// The input pixels `(lo row, lo col)`, `(hi row, lo col)`, `(lo row, hi
/// col)`, `(hi row, hi col)` of batch `b`, each from its first channel on.
#[inline(always)]
#[allow(clippy::type_complexity)]
fn corners<T>(
    input: &[T],
    (b, in_h, in_w, c): (usize, usize, usize, usize),
    (ylo, yhi): (usize, usize),
    (xlo, xhi): (usize, usize),
) -> Option<(&[T], &[T], &[T], &[T])> {
    let at = |y: usize, x: usize| input.get(((b * in_h + y) * in_w + x) * c..);
    Some((at(ylo, xlo)?, at(yhi, xlo)?, at(ylo, xhi)?, at(yhi, xhi)?))
}

/// int8 bilinear resize, TFLM's `ResizeBilinearInteger`: the four weighted
/// pixels summed with 20 fractional bits, then divided by `2^20` rounding
/// half away from zero (TFLM's default double-rounding build). The compiler
/// bounds the weights so that the sums fit in `i32` (`|sum| <= 2^29`).
pub fn resize_bilinear(p: &ResizeBilinear, input: &[i8], output: &mut [i8]) {
    let c = p.channels;
    let mut out = output.chunks_exact_mut(c);
    for b in 0..p.batches {
        for ry in p.rows {
            let (y1, y0) = (ry.weight, (1 << 10) - ry.weight);
            for rx in p.cols {
                let (x1, x0) = (rx.weight, (1 << 10) - rx.weight);
                let (w00, w10, w01, w11) = (y0 * x0, y1 * x0, y0 * x1, y1 * x1);
                let geometry = (b, p.in_h, p.in_w, c);
                let (Some(o), Some((a, bb, cc, d))) =
                    (out.next(), corners(input, geometry, (ry.lo, ry.hi), (rx.lo, rx.hi)))
                else {
                    return;
                };
                for ((((o, &a), &bb), &cc), &d) in o.iter_mut().zip(a).zip(bb).zip(cc).zip(d) {
                    let sum = a as i32 * w00 + bb as i32 * w10 + cc as i32 * w01 + d as i32 * w11;
                    let round = if sum > 0 { 1 << 19 } else { -(1 << 19) };
                    // C++ division truncates toward zero, as Rust's does;
                    // the result lies between the corner values.
                    *o = ((sum + round) / (1 << 20)) as i8;
                }
            }
        }
    }
}

/// float32 bilinear resize, TFLM's `ResizeBilinear<float>`, with its order
/// of operations: each product left to right, the four summed in order, plus
/// the rounding offset 0 (which turns a -0 into +0).
pub fn resize_bilinear_f32(p: &ResizeBilinear<LerpF32>, input: &[f32], output: &mut [f32]) {
    let c = p.channels;
    let mut out = output.chunks_exact_mut(c);
    for b in 0..p.batches {
        for ry in p.rows {
            let (dy, ey) = (ry.frac, 1.0 - ry.frac);
            for rx in p.cols {
                let (dx, ex) = (rx.frac, 1.0 - rx.frac);
                let geometry = (b, p.in_h, p.in_w, c);
                let (Some(o), Some((a, bb, cc, d))) =
                    (out.next(), corners(input, geometry, (ry.lo, ry.hi), (rx.lo, rx.hi)))
                else {
                    return;
                };
                for ((((o, &a), &bb), &cc), &d) in o.iter_mut().zip(a).zip(bb).zip(cc).zip(d) {
                    *o = a * ey * ex + bb * dy * ex + cc * ey * dx + d * dy * dx + 0.0;
                }
            }
        }
    }
}
