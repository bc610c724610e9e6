//! Safe views into the statically planned activation arena.
//!
//! The compiler assigns every activation tensor a byte range of one arena.
//! A layer reads some ranges and writes one; these helpers split the arena
//! into those disjoint borrows without `unsafe` in the generated code. The
//! ranges are compile-time constants, so after inlining the bounds checks
//! fold away.

/// A byte range of the arena: `(offset, length)`.
pub type Span = (usize, usize);

/// The little-endian `i32` values of `bytes` (`B = 4 * N`), evaluated at
/// compile time in the generated code's statics: a long constant table is
/// then one byte-string literal instead of a token per value. Values past
/// the end of `bytes` are zero.
pub const fn i32s_le<const N: usize, const B: usize>(bytes: &[u8; B]) -> [i32; N] {
    let mut out = [0i32; N];
    let mut i = 0;
    while i < N && 4 * i + 3 < B {
        out[i] = i32::from_le_bytes([bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]]);
        i += 1;
    }
    out
}

/// Splits `arena` into `N` shared input views and one mutable output view.
///
/// Every input span must lie entirely before or entirely after the output
/// span (the planner guarantees it); inputs may overlap one another.
#[inline(always)]
pub fn split<const N: usize>(arena: &mut [u8], inputs: [Span; N], output: Span) -> ([&[u8]; N], &mut [u8]) {
    let (head, rest) = arena.split_at_mut(output.0);
    let (out, tail) = rest.split_at_mut(output.1);
    let head: &[u8] = head;
    let tail: &[u8] = tail;
    let after = output.0 + output.1;
    let views = inputs.map(|(offset, len)| {
        if offset + len <= output.0 {
            &head[offset..offset + len]
        } else {
            &tail[offset - after..offset - after + len]
        }
    });
    (views, out)
}

/// Splits `arena` into `N` shared input views and `M` mutable views (a
/// layer's output, state and scratch buffers).
///
/// The mutable spans must be sorted by offset and disjoint, and every input
/// span must lie within a gap between them (the planner guarantees both).
/// A span that breaks these rules yields an empty view rather than a panic
/// or an aliased borrow.
#[inline(always)]
pub fn split_many<const N: usize, const M: usize>(
    arena: &mut [u8],
    inputs: [Span; N],
    outputs: [Span; M],
) -> ([&[u8]; N], [&mut [u8]; M]) {
    let mut outs: [&mut [u8]; M] = core::array::from_fn(|_| <&mut [u8]>::default());
    // The gap before each mutable span, with its start offset; the tail
    // after the last one is kept apart (stable Rust has no `[_; M + 1]`).
    let mut gaps: [(usize, &[u8]); M] = core::array::from_fn(|_| (0, <&[u8]>::default()));
    let mut rest: &mut [u8] = arena;
    let mut base = 0;
    for (k, &(offset, len)) in outputs.iter().enumerate() {
        let Some(gap_len) = offset.checked_sub(base).filter(|&g| g.saturating_add(len) <= rest.len()) else {
            break;
        };
        let (gap, tail) = core::mem::take(&mut rest).split_at_mut(gap_len);
        let (out, tail) = tail.split_at_mut(len);
        gaps[k] = (base, gap);
        outs[k] = out;
        rest = tail;
        base = offset + len;
    }
    let tail: &[u8] = rest;
    let views = inputs.map(|(offset, len)| {
        let within = |start: usize, gap: &'_ [u8]| offset >= start && offset + len <= start + gap.len();
        if within(base, tail) {
            return &tail[offset - base..offset - base + len];
        }
        for &(start, gap) in &gaps {
            if within(start, gap) {
                return &gap[offset - start..offset - start + len];
            }
        }
        &[]
    });
    (views, outs)
}

/// Reinterprets bytes as `i8` (same size and alignment).
#[inline(always)]
pub const fn i8s(bytes: &[u8]) -> &[i8] {
    // SAFETY: `u8` and `i8` have the same size and alignment and every bit
    // pattern is valid for both.
    unsafe { core::slice::from_raw_parts(bytes.as_ptr().cast::<i8>(), bytes.len()) }
}

/// The bytes as `u8` (the identity; the generated code views every arena
/// buffer through a function of its element type).
#[inline(always)]
pub const fn u8s(bytes: &[u8]) -> &[u8] {
    bytes
}

/// Mutable form of [`u8s`].
#[inline(always)]
pub fn u8s_mut(bytes: &mut [u8]) -> &mut [u8] {
    bytes
}

/// Reinterprets 2-aligned bytes as `i16`. The planner aligns every arena
/// buffer to 16 bytes; a misaligned or odd-length slice (impossible for a
/// planned arena) yields only its aligned middle part.
#[inline(always)]
pub fn i16s(bytes: &[u8]) -> &[i16] {
    // SAFETY: every bit pattern is a valid `i16`; `align_to` only returns a
    // correctly aligned middle part.
    unsafe { bytes.align_to::<i16>().1 }
}

/// Mutable form of [`i16s`].
#[inline(always)]
pub fn i16s_mut(bytes: &mut [u8]) -> &mut [i16] {
    // SAFETY: as in `i16s`.
    unsafe { bytes.align_to_mut::<i16>().1 }
}

/// Reinterprets 4-aligned bytes as `i32` (see [`i16s`]).
#[inline(always)]
pub fn i32s(bytes: &[u8]) -> &[i32] {
    // SAFETY: as in `i16s`.
    unsafe { bytes.align_to::<i32>().1 }
}

/// Mutable form of [`i32s`].
#[inline(always)]
pub fn i32s_mut(bytes: &mut [u8]) -> &mut [i32] {
    // SAFETY: as in `i16s`.
    unsafe { bytes.align_to_mut::<i32>().1 }
}

/// Reinterprets 4-aligned bytes as `f32` (see [`i16s`]).
#[inline(always)]
pub fn f32s(bytes: &[u8]) -> &[f32] {
    // SAFETY: as in `i16s`; every bit pattern is a valid `f32`.
    unsafe { bytes.align_to::<f32>().1 }
}

/// Mutable form of [`f32s`].
#[inline(always)]
pub fn f32s_mut(bytes: &mut [u8]) -> &mut [f32] {
    // SAFETY: as in `f32s`.
    unsafe { bytes.align_to_mut::<f32>().1 }
}

/// Reinterprets mutable bytes as mutable `i8` (same size and alignment).
#[inline(always)]
pub fn i8s_mut(bytes: &mut [u8]) -> &mut [i8] {
    // SAFETY: as in `i8s`; the exclusive borrow is carried over.
    unsafe { core::slice::from_raw_parts_mut(bytes.as_mut_ptr().cast::<i8>(), bytes.len()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_before_and_after() {
        let mut a = [0u8, 1, 2, 3, 4, 5, 6, 7];
        let ([x, y], out) = split(&mut a, [(0, 2), (6, 2)], (2, 4));
        assert_eq!(x, &[0, 1]);
        assert_eq!(y, &[6, 7]);
        out.copy_from_slice(&[9, 9, 9, 9]);
        assert_eq!(a, [0, 1, 9, 9, 9, 9, 6, 7]);
    }

    #[test]
    fn split_many_gaps_and_tail() {
        let mut a: [u8; 12] = core::array::from_fn(|i| i as u8);
        let ([x, y, z], [o, s]) = split_many(&mut a, [(0, 2), (5, 2), (10, 2)], [(2, 3), (7, 3)]);
        assert_eq!((x, y, z), (&[0, 1][..], &[5, 6][..], &[10, 11][..]));
        o.fill(0xaa);
        s.fill(0xbb);
        assert_eq!(a, [0, 1, 0xaa, 0xaa, 0xaa, 5, 6, 0xbb, 0xbb, 0xbb, 10, 11]);
    }

    #[test]
    fn split_many_rejects_bad_spans() {
        let mut a = [0u8; 8];
        // Unsorted mutable spans and an input overlapping one: empty views.
        let ([x], [o, s]) = split_many(&mut a, [(1, 4)], [(4, 2), (0, 2)]);
        assert!(x.is_empty() && s.is_empty());
        assert_eq!(o.len(), 2);
    }

    #[test]
    fn i8_views() {
        let b = [0x80u8, 0x7f, 0xff];
        assert_eq!(i8s(&b), &[-128, 127, -1]);
    }
}
