//! The packed 16-bit operations of the blocked kernels: ARMv7E-M DSP
//! instructions (`crate::dsp`) on cores that have them, and plain Rust with
//! the same results elsewhere, so that the blocked kernels' indexing and
//! arithmetic are tested on the host.
//!
//! A "column word" holds two input values as sign-extended 16-bit halves:
//! the low half in bits 0..16, the high half in bits 16..32. Four int8
//! values `[a, b, c, d]` (little-endian in a `u32`) expand to the pair of
//! words `(a, c)` and `(b, d)`, which is what `SXTB16` and `SXTB16 ROR #8`
//! produce; weights expanded the same way pair up with them in `SMLAD`.

/// `SXTB16`: bytes 0 and 2 of `x`, sign-extended into the two halves.
#[cfg(not(nn_dsp))]
#[inline(always)]
fn sxtb16(x: u32) -> u32 {
    (x as u8 as i8 as i16 as u16 as u32) | ((((x >> 16) as u8 as i8 as i16 as u16) as u32) << 16)
}

/// `SXTB16 ROR #8`: bytes 1 and 3 of `x`, sign-extended into the two halves.
#[cfg(not(nn_dsp))]
#[inline(always)]
fn sxtb16_ror8(x: u32) -> u32 {
    sxtb16(x >> 8)
}

/// Words per group of four column entries of a four-pixel block: pixel `j`
/// has the expanded pair at `2 * j` and `2 * j + 1`.
#[cfg(not(nn_dsp))]
const BLOCK_GROUP_WORDS: usize = 8;

/// The dot products of one weight row with four expanded columns.
///
/// `cols` holds `groups` groups of 8 words (four
/// pixels' expanded pairs for four column entries); `w` points at
/// `4 * groups` int8 weights. Returns `acc[j] + sum(w[k] * col_j[k])` with
/// wrapping `i32` arithmetic.
///
/// # Safety
///
/// `groups` must be even and non-zero, `cols` must hold at least
/// `8 * groups` words and `w` must be valid for reads of
/// `4 * groups` bytes (no alignment needed).
#[inline(always)]
pub(crate) unsafe fn mac_4x1(cols: &[u32], w: *const i8, groups: usize, acc: [i32; 4]) -> [i32; 4] {
    #[cfg(nn_dsp)]
    {
        // SAFETY: the caller's contract is the one of `dsp::mac_4x1`.
        unsafe { crate::dsp::mac_4x1(cols.as_ptr(), w, groups, acc) }
    }
    #[cfg(not(nn_dsp))]
    {
        let mut acc = acc;
        for g in 0..groups {
            // SAFETY: the caller guarantees `4 * groups` readable bytes.
            let wv = unsafe { core::ptr::read_unaligned(w.add(4 * g).cast::<[u8; 4]>()) };
            let wv = u32::from_le_bytes(wv);
            let (wl, wh) = (sxtb16(wv), sxtb16_ror8(wv));
            let group = &cols[g * BLOCK_GROUP_WORDS..(g + 1) * BLOCK_GROUP_WORDS];
            for (j, a) in acc.iter_mut().enumerate() {
                *a = smlad(group[2 * j], wl, smlad(group[2 * j + 1], wh, *a));
            }
        }
        acc
    }
}

/// `SMLAD`: `acc` plus the products of the low and of the high halves.
#[cfg(not(nn_dsp))]
#[inline(always)]
fn smlad(x: u32, y: u32, acc: i32) -> i32 {
    let lo = (x as i16 as i32) * (y as i16 as i32);
    let hi = ((x >> 16) as i16 as i32) * ((y >> 16) as i16 as i32);
    acc.wrapping_add(lo).wrapping_add(hi)
}

/// Requantization constants of one output channel for [`conv_block`]:
/// `[folded bias, multiplier, hi_c, e - 1]` for the right shift `e` (2 to
/// 22), where `hi_c = ((2 * output_offset + 1) << (e - 1)) >> 1` is the high
/// word of the rounding constant (see [`conv_block`]).
pub(crate) type Channel = [i32; 4];

/// The constants of one channel, or `None` when its requantization is not
/// one pass (a shift outside `-22..=-2`, a negative multiplier, an offset
/// outside `-255..=255`).
#[inline(always)]
pub(crate) fn channel(bias: i32, multiplier: i32, shift: i32, output_offset: i32) -> Option<Channel> {
    if !(-22..=-2).contains(&shift) || multiplier < 0 || !(-255..=255).contains(&output_offset) {
        return None;
    }
    let sh = !shift;
    Some([bias, multiplier, ((2 * output_offset + 1) << sh) >> 1, sh])
}

/// One four-pixel block of the blocked convolution, for [`conv_block`]: the
/// expanded columns, and cursors over the weight rows, the channel
/// constants and the outputs that the call advances channel by channel.
#[repr(C)]
pub(crate) struct Block {
    /// First word of the expanded columns.
    pub(crate) cols: *const u32,
    /// One past their last word (a multiple of 16 words after `cols`).
    pub(crate) cols_end: *const u32,
    /// Non-zero when the columns hold an odd number of 8-entry steps (the
    /// first step then runs alone, the others two at a time).
    pub(crate) odd: u32,
    /// Weight row of the next channel.
    pub(crate) w: *const i8,
    /// One past the last channel's row (`w + channels * row length`).
    pub(crate) w_end: *const i8,
    /// Column entries read per row minus the row length: the step back to
    /// the next row after a pass.
    pub(crate) pad: usize,
    /// Constants of the next channel.
    pub(crate) table: *const Channel,
    /// Output of the next channel at the block's first pixel.
    pub(crate) out: *mut i8,
    /// Bytes between the outputs of consecutive pixels.
    pub(crate) out_stride: usize,
    /// Non-zero when the block has fewer than four pixels or the activation
    /// bounds are narrower than `-128..=127`.
    pub(crate) slow: u32,
    /// Pixels of the block that exist (1 to 4); outputs of the others are
    /// not written.
    pub(crate) pixels: usize,
    /// Lower bound of the fused activation.
    pub(crate) act_min: i32,
    /// Upper bound.
    pub(crate) act_max: i32,
}

/// Computes, requantizes and stores the outputs of the channels from `b.w`
/// to `b.w_end` for the four pixels of `b`.
///
/// Per channel: the accumulators start at the folded bias and take the
/// weight row against the four columns (as [`mac_4x1`]); requantization is
/// `quant::requantize_fused` with its constant split for 32-bit registers.
/// For `e = -shift >= 2` the constant's low word is `2^30` and its high word
/// `2^(e-2) + offset * 2^(e-1) = ((2 * offset + 1) << (e - 1)) >> 1`, and
/// the sign term adds `x & 2^31` to the low word and `x >> 31` to the high
/// one, so the low word is `(x & 2^31) | 2^30` with no carry.
///
/// # Safety
///
/// Every pointer must be valid for the reads and writes the description
/// implies: weight rows of `8 * (cols_end - cols) / 16` bytes from each row
/// start, a table entry per channel, and outputs at `out + c + j *
/// out_stride` for every channel `c` and pixel `j` below `pixels`; the
/// columns must not overlap the outputs; `w_end - w` is a positive multiple
/// of the row length.
#[inline(always)]
pub(crate) unsafe fn conv_block(b: &mut Block) {
    #[cfg(nn_dsp)]
    {
        // SAFETY: the caller's contract.
        unsafe { crate::dsp::conv_block(b) }
    }
    #[cfg(not(nn_dsp))]
    {
        let groups = (b.cols_end as usize - b.cols as usize) / 32;
        // SAFETY: the caller's contract.
        let cols = unsafe { core::slice::from_raw_parts(b.cols, groups * BLOCK_GROUP_WORDS) };
        while b.w != b.w_end {
            // SAFETY: the caller's contract: one more table entry, one more
            // weight row and one more output per pixel.
            unsafe {
                let [bias, m, hi_c, sh] = *b.table;
                let acc = mac_4x1(cols, b.w, groups, [bias; 4]);
                for (j, &x) in acc.iter().enumerate().take(b.pixels) {
                    let lo = ((x as u32 & 0x8000_0000) | 0x4000_0000) as u64 as i64;
                    let hi = hi_c.wrapping_add(x >> 31) as i64;
                    let t = ((hi << 32) | lo).wrapping_add(x as i64 * m as i64);
                    let r = (((t >> 32) as i32) >> sh).clamp(-128, 127);
                    *b.out.add(j * b.out_stride) = r.max(b.act_min).min(b.act_max) as i8;
                }
                b.w = b.w.add(4 * groups - b.pad);
                b.table = b.table.add(1);
                b.out = b.out.add(1);
            }
        }
    }
}

/// Widens `src` (a multiple of four int8 values) into column words: the
/// pair of `src[4i..4i+4]` goes to `dst[8i]` and `dst[8i + 1]`. Does nothing
/// if `dst` is too short.
#[inline(always)]
pub(crate) fn expand(src: &[i8], dst: &mut [u32]) {
    let words = src.len() / 4;
    if words == 0 || dst.len() < 8 * (words - 1) + 2 {
        return;
    }
    #[cfg(nn_dsp)]
    // SAFETY: `words > 0`, `src` holds `4 * words` bytes and `dst` (a `u32`
    // slice, so aligned) reaches word `8 * (words - 1) + 1`.
    unsafe {
        crate::dsp::expand(src.as_ptr(), dst.as_mut_ptr(), words)
    }
    #[cfg(not(nn_dsp))]
    for (i, c) in src.chunks_exact(4).enumerate() {
        let v = u32::from_le_bytes([c[0] as u8, c[1] as u8, c[2] as u8, c[3] as u8]);
        dst[8 * i] = sxtb16(v);
        dst[8 * i + 1] = sxtb16_ror8(v);
    }
}

/// Widens a window of `rows` runs of `4 * words` int8 values into column
/// words (as [`expand`], consecutively): run `r` starts `r * (4 * words +
/// step)` bytes into `src`. Does nothing unless `src` is word-aligned and
/// both slices are long enough.
#[inline(always)]
pub(crate) fn expand_window(src: &[i8], dst: &mut [u32], rows: usize, words: usize, step: usize) {
    let run = 4 * words;
    if rows == 0
        || words == 0
        || src.as_ptr() as usize % 4 != 0
        || step % 4 != 0
        || src.len() < (rows - 1) * (run + step) + run
        || dst.len() < 8 * (rows * words - 1) + 2
    {
        return;
    }
    #[cfg(nn_dsp)]
    // SAFETY: checked above.
    unsafe {
        crate::dsp::expand_window(src.as_ptr(), dst.as_mut_ptr(), rows, words, step)
    }
    #[cfg(not(nn_dsp))]
    for r in 0..rows {
        let at = r * (run + step);
        expand(&src[at..at + run], &mut dst[8 * r * words..]);
    }
}

/// [`expand_window`] for a window at any alignment (one word per load).
/// Does nothing unless both slices are long enough.
#[inline(always)]
pub(crate) fn expand_rows(src: &[i8], dst: &mut [u32], rows: usize, words: usize, step: usize) {
    let run = 4 * words;
    if rows == 0 || words == 0 || src.len() < (rows - 1) * (run + step) + run || dst.len() < 8 * (rows * words - 1) + 2
    {
        return;
    }
    #[cfg(nn_dsp)]
    // SAFETY: checked above.
    unsafe {
        crate::dsp::expand_rows(src.as_ptr(), dst.as_mut_ptr(), rows, words, step)
    }
    #[cfg(not(nn_dsp))]
    for r in 0..rows {
        let at = r * (run + step);
        expand(&src[at..at + run], &mut dst[8 * r * words..]);
    }
}

/// Copies `rows` runs of `len` bytes, run `r` from `src[r * stride..]`, one
/// after the other into `dst`. Returns `false`, having copied nothing, if a
/// range does not fit.
#[inline(always)]
pub(crate) fn gather_rows(src: &[i8], stride: usize, len: usize, rows: usize, dst: &mut [i8]) -> bool {
    if rows == 0 || len == 0 || src.len() < (rows - 1) * stride + len || dst.len() < rows * len {
        return false;
    }
    #[cfg(nn_dsp)]
    // SAFETY: checked above.
    unsafe {
        crate::dsp::gather_rows(src.as_ptr(), stride, len, rows, dst.as_mut_ptr())
    }
    #[cfg(not(nn_dsp))]
    for r in 0..rows {
        dst[r * len..(r + 1) * len].copy_from_slice(&src[r * stride..r * stride + len]);
    }
    true
}

/// Widens the columns of four pointwise pixels, `src[j * in_c..][..in_c]`
/// for pixel `j`, into the block layout of `cols` (for each group of four
/// entries, the pairs of pixels 0 to 3 in 8 consecutive words). Returns
/// `false`, having written nothing, unless `in_c` is a positive multiple of
/// four, `src` holds `4 * in_c` values and `cols` at least `2 * in_c`
/// words.
#[inline(always)]
pub(crate) fn expand_four(src: &[i8], in_c: usize, cols: &mut [u32]) -> bool {
    if in_c == 0 || in_c % 4 != 0 || src.len() < 4 * in_c || cols.len() < 2 * in_c {
        return false;
    }
    #[cfg(nn_dsp)]
    // SAFETY: checked above: `4 * in_c` bytes from `src`, `2 * in_c` words
    // (`in_c / 4` groups of 8) at the aligned `cols`.
    unsafe {
        crate::dsp::expand_four(src.as_ptr(), in_c, cols.as_mut_ptr())
    }
    #[cfg(not(nn_dsp))]
    for j in 0..4 {
        expand(&src[j * in_c..(j + 1) * in_c], &mut cols[2 * j..]);
    }
    true
}

/// Bytes between the rows of the depthwise row buffer (3 rows of 16-bit
/// values; see [`dw_row`]).
pub(crate) const DW_ROW_BYTES: usize = 256;

/// Halfwords per row of the depthwise row buffer.
pub(crate) const DW_ROW: usize = DW_ROW_BYTES / 2;

/// Rows of the depthwise row buffer.
pub(crate) const DW_ROWS: usize = 10;

/// Consecutive input rows of one channel widened to 16 bits, row `r` at
/// halfword `r * DW_ROW`, word-aligned for `LDRD`.
#[repr(C, align(8))]
pub(crate) struct DwRows(pub(crate) [i16; DW_ROWS * DW_ROW]);

// SAFETY: an array of `i16`, aligned to 8, with no padding.
unsafe impl crate::kernels::Plain for DwRows {}

/// Writes `rows` input rows, each of `n` values `src[0]`, `src[stride]`, ...
/// with row `r` starting at `src[r * row_step]`, widened to 16 bits into
/// rows `first..first + rows` of `buf` from position `at`. Does nothing if
/// the ranges do not fit.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn widen_rows(
    src: &[i8],
    stride: usize,
    n: usize,
    row_step: usize,
    rows: usize,
    buf: &mut DwRows,
    first: usize,
    at: usize,
) {
    if n == 0
        || stride == 0
        || rows == 0
        || first + rows > DW_ROWS
        || at + n > DW_ROW
        || src.len() < (rows - 1) * row_step + (n - 1) * stride + 1
    {
        return;
    }
    #[cfg(nn_dsp)]
    for r in 0..rows {
        // SAFETY: `src` holds every value read and the rows lie in `buf`.
        unsafe {
            crate::dsp::widen_row(
                src.as_ptr().add(r * row_step),
                stride,
                n,
                buf.0.as_mut_ptr().add((first + r) * DW_ROW + at),
            )
        }
    }
    #[cfg(not(nn_dsp))]
    for r in 0..rows {
        for i in 0..n {
            buf.0[(first + r) * DW_ROW + at + i] = src[r * row_step + i * stride] as i16;
        }
    }
}

/// Output rows of one channel of a 3x3 depthwise convolution, for
/// [`dw_rows`].
#[repr(C)]
pub(crate) struct DwRow {
    /// The first of the three input rows of the next output row (a row of a
    /// [`DwRows`]).
    pub(crate) rows: *const i16,
    /// Bytes from one output row's first input row to the next one's
    /// (`stride_h * DW_ROW_BYTES`).
    pub(crate) rows_step: usize,
    /// Output rows left (at least one).
    pub(crate) n_rows: usize,
    /// `w[2 * ky]` packs `(w[ky][0], w[ky][1])`, `w[2 * ky + 1]` packs
    /// `(w[ky][1], w[ky][2])` (low half first).
    pub(crate) w: *const u32,
    /// The bias with the zero-point term folded in.
    pub(crate) bias: i32,
    /// Scratch for `2 * pairs` accumulators.
    pub(crate) acc: *mut i32,
    /// Output pixel pairs per row (at least one).
    pub(crate) pairs: usize,
    /// Horizontal stride, 1 or 2.
    pub(crate) stride: usize,
    /// Requantization multiplier (non-negative).
    pub(crate) multiplier: i32,
    /// High word of the rounding constant (see [`conv_block`]).
    pub(crate) hi_c: i32,
    /// `e - 1` for the right shift `e` (2 to 22).
    pub(crate) sh: i32,
    /// Output of the next row's first pixel.
    pub(crate) out: *mut i8,
    /// Bytes between the outputs of consecutive pixels.
    pub(crate) out_stride: usize,
    /// Bytes between the outputs of consecutive rows.
    pub(crate) out_row: usize,
    /// Outputs to store per row (up to `2 * pairs`; none: one row only,
    /// whose accumulators are left in `acc` for the caller to requantize).
    pub(crate) count: usize,
    /// Lower bound of the fused activation.
    pub(crate) act_min: i32,
    /// Upper bound.
    pub(crate) act_max: i32,
    /// Non-zero when the bounds are narrower than `-128..=127`.
    pub(crate) clamp: u32,
}

/// Computes and stores `n_rows` output rows of one channel: for pixel `ox`,
/// `bias + sum over ky, kx of w[ky][kx] * rows[ky][ox * stride + kx]`,
/// requantized with `quant::requantize_fused` (see [`conv_block`]),
/// saturated to int8, clamped to the activation bounds, stored at
/// `out + ox * out_stride`; then the next row from `rows + rows_step` to
/// `out + out_row`.
///
/// Adjacent taps of one channel are adjacent halfwords of a row, so one
/// `SMLAD` does two taps, and two output pixels share their loads.
///
/// # Safety
///
/// `rows` 8-aligned and, for each output row, readable for three rows
/// [`DW_ROW_BYTES`] apart of `2 * pairs * stride + 2` halfwords; `w`
/// readable for 6 words; `acc` writable for `2 * pairs` values; `out`
/// writable at `r * out_row + j * out_stride` for `r < n_rows`, `j <
/// count`; `n_rows >= 1`, `pairs >= 1`, `count <= 2 * pairs` (`count == 0`
/// only with `n_rows == 1`), `stride` 1 or 2; with `count > 0`, the fields
/// of the one-pass requantization as described.
#[inline(always)]
pub(crate) unsafe fn dw_rows(r: &mut DwRow) {
    #[cfg(nn_dsp)]
    // SAFETY: the caller's contract.
    unsafe {
        crate::dsp::dw_rows(r)
    }
    #[cfg(not(nn_dsp))]
    // SAFETY: the caller's contract.
    unsafe {
        let w = core::slice::from_raw_parts(r.w, 6);
        while r.n_rows > 0 {
            for ox in 0..2 * r.pairs {
                let mut sum = r.bias;
                for ky in 0..3 {
                    let taps = [w[2 * ky] as i16, (w[2 * ky] >> 16) as i16, (w[2 * ky + 1] >> 16) as i16];
                    for (kx, &t) in taps.iter().enumerate() {
                        let x = *r.rows.add(ky * DW_ROW + ox * r.stride + kx);
                        sum = sum.wrapping_add(t as i32 * x as i32);
                    }
                }
                *r.acc.add(ox) = sum;
            }
            for j in 0..r.count {
                let x = *r.acc.add(j);
                let lo = ((x as u32 & 0x8000_0000) | 0x4000_0000) as u64 as i64;
                let hi = r.hi_c.wrapping_add(x >> 31) as i64;
                let t = ((hi << 32) | lo).wrapping_add(x as i64 * r.multiplier as i64);
                let mut v = (((t >> 32) as i32) >> r.sh).clamp(-128, 127);
                if r.clamp != 0 {
                    v = v.max(r.act_min).min(r.act_max);
                }
                *r.out.add(j * r.out_stride) = v as i8;
            }
            // After the last row these point past their buffers and are
            // never read, so they must not use the in-bounds `add`.
            r.rows = r.rows.wrapping_byte_add(r.rows_step);
            r.out = r.out.wrapping_add(r.out_row);
            r.n_rows -= 1;
        }
    }
}

/// The one-pass requantization of [`conv_block`] in Rust: the output
/// before saturation (`quant::requantize_fused` plus the offset, as an
/// `i32`) of accumulator `x` with the constants `[_, multiplier, hi_c, sh]`
/// of [`channel`].
#[inline(always)]
pub(crate) fn requantize_channel(x: i32, [_, m, hi_c, sh]: Channel) -> i32 {
    let lo = ((x as u32 & 0x8000_0000) | 0x4000_0000) as u64 as i64;
    let hi = hi_c.wrapping_add(x >> 31) as i64;
    let t = ((hi << 32) | lo).wrapping_add(x as i64 * m as i64);
    ((t >> 32) as i32) >> (sh & 31)
}

/// The dot products of four int8 weight rows, at `w`, `w + stride`,
/// `w + 2 * stride` and `w + 3 * stride`, with the int8 vector `x`, over
/// their first `4 * words` values, added to `acc` with wrapping `i32`
/// arithmetic. `x` is loaded and widened once for the four rows.
///
/// # Safety
///
/// `words > 0`; `x` and the four rows readable for `4 * words` bytes (no
/// alignment needed).
#[inline(always)]
pub(crate) unsafe fn fc_4(x: *const i8, w: *const i8, stride: usize, words: usize, acc: [i32; 4]) -> [i32; 4] {
    #[cfg(nn_dsp)]
    {
        // SAFETY: the caller's contract is the one of `dsp::fc_4`.
        unsafe { crate::dsp::fc_4(x, w, stride, words, acc) }
    }
    #[cfg(not(nn_dsp))]
    {
        let mut acc = acc;
        for i in 0..4 * words {
            // SAFETY: the caller's contract: `4 * words` bytes of `x` and of
            // every row.
            let xv = unsafe { *x.add(i) } as i32;
            for (r, a) in acc.iter_mut().enumerate() {
                // SAFETY: as above.
                let wv = unsafe { *w.add(r * stride + i) } as i32;
                *a = a.wrapping_add(xv * wv);
            }
        }
        acc
    }
}

/// [`fc_4`] for one weight row.
///
/// # Safety
///
/// `words > 0`; `x` and `w` readable for `4 * words` bytes.
#[inline(always)]
pub(crate) unsafe fn fc_1(x: *const i8, w: *const i8, words: usize, acc: i32) -> i32 {
    #[cfg(nn_dsp)]
    {
        // SAFETY: the caller's contract is the one of `dsp::fc_1`.
        unsafe { crate::dsp::fc_1(x, w, words, acc) }
    }
    #[cfg(not(nn_dsp))]
    {
        let mut acc = acc;
        for i in 0..4 * words {
            // SAFETY: the caller's contract.
            let (xv, wv) = unsafe { (*x.add(i) as i32, *w.add(i) as i32) };
            acc = acc.wrapping_add(xv * wv);
        }
        acc
    }
}
