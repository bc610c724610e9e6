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
