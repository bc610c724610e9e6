//! PAD and PADV2: copies the input into the middle of the output and fills
//! the rest with a constant (for int8, the output zero point by default).

use super::MAX_RANK;

/// Constants of one PAD layer, padded to [`MAX_RANK`] dimensions (leading
/// dimensions of size 1 without padding).
#[derive(Clone, Copy, Debug)]
pub struct Pad<T> {
    /// Input dimensions.
    pub in_dims: [usize; MAX_RANK],
    /// Padding before each dimension.
    pub before: [usize; MAX_RANK],
    /// Output dimensions.
    pub out_dims: [usize; MAX_RANK],
    /// The fill value.
    pub value: T,
}

/// Runs the pad.
pub fn pad<T: Copy>(p: &Pad<T>, input: &[T], output: &mut [T]) {
    output.fill(p.value);
    // Copy the input row by row (innermost dimension contiguous).
    let inner = p.in_dims[MAX_RANK - 1];
    let rows: usize = p.in_dims[..MAX_RANK - 1].iter().product();
    let mut idx = [0usize; MAX_RANK - 1];
    for r in 0..rows {
        let mut out = 0;
        for ((&i, &dim), &b) in idx.iter().zip(&p.out_dims).zip(&p.before) {
            out = out * dim + i + b;
        }
        out = out * p.out_dims[MAX_RANK - 1] + p.before[MAX_RANK - 1];
        if let (Some(dst), Some(src)) = (output.get_mut(out..out + inner), input.get(r * inner..(r + 1) * inner)) {
            dst.copy_from_slice(src);
        }
        let mut d = MAX_RANK - 1;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            if idx[d] < p.in_dims[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}
