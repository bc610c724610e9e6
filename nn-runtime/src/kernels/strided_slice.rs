//! STRIDED_SLICE: a strided gather whose per-axis start, stride and count
//! the compiler resolved from TFLM's begin/end masks, negative indices and
//! clamping rules.

use super::MAX_RANK;

/// Constants of one STRIDED_SLICE layer, padded to [`MAX_RANK`] axes.
#[derive(Clone, Copy, Debug)]
pub struct StridedSlice {
    /// First input index per axis.
    pub start: [isize; MAX_RANK],
    /// Step per axis (never zero).
    pub stride: [isize; MAX_RANK],
    /// Elements taken per axis.
    pub count: [usize; MAX_RANK],
    /// Element strides of the input per axis.
    pub in_strides: [usize; MAX_RANK],
}

/// Runs the slice; the output is written in order.
pub fn strided_slice<T: Copy>(p: &StridedSlice, input: &[T], output: &mut [T]) {
    let total: usize = p.count.iter().product();
    let mut idx = [0usize; MAX_RANK];
    for o in output.iter_mut().take(total) {
        let mut at: isize = 0;
        for (((&i, &start), &stride), &in_stride) in idx.iter().zip(&p.start).zip(&p.stride).zip(&p.in_strides) {
            at += (start + i as isize * stride) * in_stride as isize;
        }
        if let Some(&v) = usize::try_from(at).ok().and_then(|i| input.get(i)) {
            *o = v;
        }
        let mut d = MAX_RANK;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            if idx[d] < p.count[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// Constants of one window copy (one input of CONCATENATION or PACK),
/// padded to [`MAX_RANK`] axes.
#[derive(Clone, Copy, Debug)]
pub struct CopyWindow {
    /// First output index per axis.
    pub start: [usize; MAX_RANK],
    /// Window (input) dimensions.
    pub count: [usize; MAX_RANK],
    /// Output element strides per axis.
    pub out_strides: [usize; MAX_RANK],
}

/// Copies the whole input, in order, into its window of the output.
pub fn copy_window<T: Copy>(p: &CopyWindow, input: &[T], output: &mut [T]) {
    let inner = p.count[MAX_RANK - 1];
    let rows: usize = p.count[..MAX_RANK - 1].iter().product();
    let mut idx = [0usize; MAX_RANK - 1];
    for r in 0..rows {
        let mut at = p.start[MAX_RANK - 1] * p.out_strides[MAX_RANK - 1];
        for ((&i, &s), &st) in idx.iter().zip(&p.start).zip(&p.out_strides) {
            at += (s + i) * st;
        }
        if let (Some(dst), Some(src)) = (output.get_mut(at..at + inner), input.get(r * inner..(r + 1) * inner)) {
            dst.copy_from_slice(src);
        }
        let mut d = MAX_RANK - 1;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            if idx[d] < p.count[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}
