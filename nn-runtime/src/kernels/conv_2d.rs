//! CONV_2D, int8 activations and int8 weights with per-channel (or
//! broadcast per-tensor) requantization; TFLM's `ConvPerChannel`.

use super::{dot_16x8, requantize, requantize_16x8};
use crate::kernels::{carve, carved};
use crate::simd::{channel, Channel};
use core::num::NonZeroUsize;

/// Constants of one 2-D convolution layer. Shapes are NHWC; the filter is
/// `[out_c][k_h][k_w][in_c / groups]`. The bias is `i32` for int8
/// activations and `i64` for int16 activations (16x8).
#[derive(Clone, Copy, Debug)]
pub struct Conv2d<'a, B = i32> {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Input channels.
    pub in_c: usize,
    /// Output height.
    pub out_h: usize,
    /// Output width.
    pub out_w: usize,
    /// Output channels.
    pub out_c: usize,
    /// Filter height.
    pub k_h: usize,
    /// Filter width.
    pub k_w: usize,
    /// Channels per group in the filter (`in_c` unless grouped).
    pub filter_in_c: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical dilation.
    pub dilation_h: usize,
    /// Horizontal dilation.
    pub dilation_w: usize,
    /// Rows of implicit padding above the input.
    pub pad_top: usize,
    /// Columns of implicit padding left of the input.
    pub pad_left: usize,
    /// Minus the input zero point.
    pub input_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Lower bound of the fused activation, in the output's quantized domain.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
    /// Filter weights.
    pub filter: &'a [i8],
    /// Bias per output channel, or empty for none.
    pub bias: &'a [B],
    /// For int8: per output channel, the bias plus `input_offset` times the
    /// sum of the channel's weights, so that windows entirely inside the
    /// input need only `sum(w * x)` (empty: not precomputed).
    pub bias_folded: &'a [i32],
    /// Q0.31 requantization multiplier per output channel.
    pub multiplier: &'a [i32],
    /// Requantization shift per output channel (positive: left).
    pub shift: &'a [i32],
}

/// Runs the convolution. `input` has `batches*in_h*in_w*in_c` elements and
/// `output` `batches*out_h*out_w*out_c`.
///
/// On ARMv7E-M cores, layers that fit take the blocked path
/// ([`conv_2d_blocked`]) in `scratch` ([`scratch_bytes`] bytes; other cores
/// get an empty slice); everything else, and every layer on other cores,
/// takes [`conv_2d_portable`]. Both give the same bits. Generated code calls
/// [`conv_2d_dsp`] or [`conv_2d_portable`] instead, chosen at compile time,
/// so that a model links only the code its layers run.
pub fn conv_2d(p: &Conv2d, input: &[i8], output: &mut [i8], scratch: &mut [u8]) {
    #[cfg(nn_dsp)]
    if conv_2d_blocked(p, input, output, scratch) {
        return;
    }
    let _ = scratch;
    conv_2d_portable(p, input, output);
}

/// How the blocked path gathers a layer's input columns. The compiler picks
/// it per layer ([`blocked_path`]) and names it in the call, so that a model
/// links only the gatherers its layers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gather {
    /// A 1×1 layer with stride 1, no padding and channels a multiple of
    /// four: a column is one input pixel, four of them widened in one pass.
    Pointwise,
    /// Channels a multiple of four: every tap is whole words.
    Words,
    /// Rows of taps that are whole words (`k_w * in_c` a multiple of four,
    /// `in_c` not, typically one channel) without horizontal dilation.
    WordRows,
    /// Other channel counts: the column is staged as bytes, then widened.
    Bytes,
}

/// The variant of the blocked path that runs a layer ([`conv_2d_dsp`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocked {
    /// How input columns are gathered.
    pub gather: Gather,
    /// Whether every channel requantizes in the assembly's one pass (right
    /// shifts of 2 to 22, non-negative multipliers, an output offset within
    /// ±255, int8 activation bounds); else each output is requantized on
    /// its own.
    pub fused: bool,
}

/// The gatherer of a layer the blocked path takes ([`scratch_bytes`] is not
/// 0), from its shape alone; `None` for other layers.
pub const fn gather(p: &Conv2d) -> Option<Gather> {
    if !blocked_geometry(p) {
        None
    } else if pointwise(p) {
        Some(Gather::Pointwise)
    } else if p.in_c % 4 == 0 {
        Some(Gather::Words)
    } else if (p.k_w * p.in_c) % 4 == 0 && p.dilation_w == 1 {
        Some(Gather::WordRows)
    } else {
        Some(Gather::Bytes)
    }
}

/// The blocked path's variant for a layer (its shape, requantization
/// constants and activation bounds), or `None` if the path does not take
/// the layer: what the compiler names in its call of [`conv_2d_dsp`].
pub fn blocked_path(p: &Conv2d) -> Option<Blocked> {
    Some(Blocked { gather: gather(p)?, fused: fused(p) })
}

/// Whether every channel of `p` requantizes in one pass (see
/// [`Blocked::fused`]).
fn fused(p: &Conv2d) -> bool {
    let out_c = p.out_c;
    p.multiplier.len() >= out_c
        && p.shift.len() >= out_c
        && p.multiplier.iter().zip(p.shift).take(out_c).all(|(&m, &s)| channel(0, m, s, p.output_offset).is_some())
        && -128 <= p.act_min
        && p.act_min <= p.act_max
        && p.act_max <= 127
}

/// Whether a layer is pointwise as [`Gather::Pointwise`] describes.
const fn pointwise(p: &Conv2d) -> bool {
    p.k_h == 1
        && p.k_w == 1
        && p.stride_h == 1
        && p.stride_w == 1
        && p.pad_top == 0
        && p.pad_left == 0
        && p.in_h == p.out_h
        && p.in_w == p.out_w
        && p.in_c % 4 == 0
}

/// The layer through the blocked path's variant `path` ([`blocked_path`]),
/// with [`scratch_bytes`] of `scratch`: what generated code calls on cores
/// with DSP. Only the gatherer and the requantization that `path` names are
/// linked, and no fallback kernel: a call the path cannot take (slices
/// shorter than the layer's shape, too little scratch, a `path` that is not
/// the layer's), which the compiler never emits, writes nothing.
#[inline(always)]
pub fn conv_2d_dsp(p: &Conv2d, input: &[i8], output: &mut [i8], scratch: &mut [u8], path: Blocked) {
    run_blocked(p, &mut ConvIo::Separate { input, output }, false, scratch, path);
}

/// [`conv_2d_dsp`] over one buffer holding the input at byte `input` and
/// the output at byte `output`, overlapping as
/// [`conv_2d_blocked_overlapping`] describes.
#[inline(always)]
pub fn conv_2d_dsp_overlapping(
    p: &Conv2d,
    buf: &mut [i8],
    input: usize,
    output: usize,
    scratch: &mut [u8],
    path: Blocked,
) {
    run_blocked(p, &mut ConvIo::Shared { buf, input, output }, output > input, scratch, path);
}

/// The blocked driver for `path`. Inlined, so that for a constant `path`
/// only one instance of the driver and one gatherer are referenced.
#[inline(always)]
pub(crate) fn run_blocked(p: &Conv2d, io: &mut ConvIo, backwards: bool, scratch: &mut [u8], path: Blocked) -> bool {
    let fill: Fill = match path.gather {
        Gather::Pointwise => fill_pointwise,
        Gather::Words => fill_words_columns,
        Gather::WordRows => fill_word_rows_columns,
        Gather::Bytes => fill_bytes_columns,
    };
    if path.fused {
        blocked::<true>(p, io, backwards, scratch, fill)
    } else {
        blocked::<false>(p, io, backwards, scratch, fill)
    }
}

/// Bytes of scratch the blocked path needs for a layer of this geometry
/// (0 if it cannot run it): four columns widened to 16 bits, the
/// requantization table, and for channel counts that are not a multiple of
/// four a byte column. Only the shape fields of `p` are read.
pub const fn scratch_bytes(p: &Conv2d) -> usize {
    let k = p.k_h * p.k_w * p.in_c;
    let kp = k.next_multiple_of(K_STEP);
    if !blocked_geometry(p) {
        return 0;
    }
    let table = if p.out_c < CHANNEL_TABLE { p.out_c } else { CHANNEL_TABLE };
    let bytes = if p.in_c % 4 == 0 { 0 } else { carved::<i8>(kp) };
    carved::<u32>(2 * kp) + carved::<Channel>(table) + bytes
}

/// Whether the blocked path handles a layer of this shape.
const fn blocked_geometry(p: &Conv2d) -> bool {
    let k = p.k_h * p.k_w * p.in_c;
    let kp = k.next_multiple_of(K_STEP);
    p.filter_in_c == p.in_c && k > 0 && kp <= BLOCK_K_MAX && (p.in_c % 4 == 0 || kp <= BYTE_COLUMN_MAX) && p.out_c > 0
}

/// The blocked path (see [`conv_2d`]), callable on every target so that
/// tests can compare it with [`conv_2d_portable`]; returns `false`, having
/// written nothing, for a layer it does not handle. It needs `bias_folded`,
/// one group, a column (`k_h * k_w * in_c` rounded up to a multiple of 8)
/// of at most [`BLOCK_K_MAX`] entries (128 if `in_c` is not a multiple of
/// four), a filter padded with zero bytes to that multiple of 8 after
/// its last row, and [`scratch_bytes`] of `scratch`, 16-byte aligned.
pub fn conv_2d_blocked(p: &Conv2d, input: &[i8], output: &mut [i8], scratch: &mut [u8]) -> bool {
    blocked_path(p).is_some_and(|path| run_blocked(p, &mut ConvIo::Separate { input, output }, false, scratch, path))
}

/// The blocked path on one buffer holding the input at byte `input` and the
/// output at byte `output`, overlapping as [`conv_2d_1x1_overlapping`]
/// (`output` above `input`, blocks last to first) or as a layer computed in
/// place row by row (`crate::kernels::in_place`: every output row ends
/// before the first input row it reads). Either way every block's inputs
/// are gathered before its outputs are written, and those outputs lie clear
/// of every input still to be read. Returns `false`, having written
/// nothing, for a layer the blocked path does not handle (or too little
/// scratch).
pub fn conv_2d_blocked_overlapping(
    p: &Conv2d,
    buf: &mut [i8],
    input: usize,
    output: usize,
    scratch: &mut [u8],
) -> bool {
    let io = &mut ConvIo::Shared { buf, input, output };
    blocked_path(p).is_some_and(|path| run_blocked(p, io, output > input, scratch, path))
}

/// The reference path: TFLM's loop nest, with the zero-point sums of
/// windows inside the input taken from `bias_folded`.
///
/// Taps that fall in the padding are skipped, which is TFLM's zero-point
/// padding. Integer sums are reordered freely: wrapping `i32` addition is
/// associative, so the result is bit-identical to TFLM's loop order.
pub fn conv_2d_portable(p: &Conv2d, input: &[i8], output: &mut [i8]) {
    // Divisors non-zero by type, per-channel views cut once, and every
    // other view taken with `get`: no panic path. A view out of bounds
    // (impossible for a layer the compiler planned) ends the layer.
    let Some(fic) = NonZeroUsize::new(p.filter_in_c.max(1)) else { return };
    let groups = (p.in_c / fic).max(1);
    let Some(filters_per_group) = NonZeroUsize::new((p.out_c / groups).max(1)) else { return };
    let fic = fic.get();
    let filter_size = p.k_h * p.k_w * fic;
    let out_c = p.out_c;
    let (Some(multiplier), Some(shift)) = (p.multiplier.get(..out_c), p.shift.get(..out_c)) else { return };
    // Without dilation or groups, the valid taps of one filter row are one
    // contiguous run of input and of filter memory.
    let contiguous_rows = p.dilation_w == 1 && fic == p.in_c;
    let folded =
        if contiguous_rows { p.bias_folded.get(..out_c).filter(|_| p.bias_folded.len() == out_c) } else { None };
    let mut out = output;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.in_c;
        for oy in 0..p.out_h {
            let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
            let (ky0, ky1) = valid_taps(iy0, p.dilation_h, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
                let (kx0, kx1) = valid_taps(ix0, p.dilation_w, p.k_w, p.in_w);
                let interior = match folded {
                    Some(folded) if (ky0, ky1, kx0, kx1) == (0, p.k_h, 0, p.k_w) => Some(folded),
                    _ => None,
                };
                if let Some(folded) = interior {
                    // The window lies inside the input: `k_h` runs of
                    // `k_w * in_c` values from its top left corner.
                    let at = in_batch + (iy0 as usize * p.in_w + ix0 as usize) * p.in_c;
                    let Some((pixel, rest)) = core::mem::take(&mut out).split_at_mut_checked(out_c) else { return };
                    let Some(window) = input.get(at..) else { return };
                    interior_pixel(p, window, folded, multiplier, shift, pixel);
                    out = rest;
                    continue;
                }
                for (oc, (&m, &s)) in multiplier.iter().zip(shift).enumerate() {
                    let in_c0 = (oc / filters_per_group) * fic;
                    let Some(filter) = p.filter.get(oc * filter_size..(oc + 1) * filter_size) else { return };
                    let Some((o, rest)) = core::mem::take(&mut out).split_first_mut() else { return };
                    out = rest;
                    let mut acc: i32 = 0;
                    for ky in ky0..ky1 {
                        let iy = (iy0 + (ky * p.dilation_h) as isize) as usize;
                        let row = in_batch + iy * p.in_w * p.in_c;
                        if kx0 == kx1 {
                            // The whole row lies in the padding.
                            continue;
                        }
                        if contiguous_rows {
                            let ix = (ix0 + kx0 as isize) as usize;
                            let x = input.get(row + ix * p.in_c..row + (ix + kx1 - kx0) * p.in_c);
                            let w = filter.get((ky * p.k_w + kx0) * fic..(ky * p.k_w + kx1) * fic);
                            let (Some(x), Some(w)) = (x, w) else { return };
                            acc = acc.wrapping_add(dot(x, w, p.input_offset));
                        } else {
                            for kx in kx0..kx1 {
                                let ix = (ix0 + (kx * p.dilation_w) as isize) as usize;
                                let at = row + ix * p.in_c + in_c0;
                                let w = filter.get((ky * p.k_w + kx) * fic..(ky * p.k_w + kx + 1) * fic);
                                let (Some(x), Some(w)) = (input.get(at..at + fic), w) else { return };
                                acc = acc.wrapping_add(dot(x, w, p.input_offset));
                            }
                        }
                    }
                    if let Some(&bias) = p.bias.get(oc) {
                        acc = acc.wrapping_add(bias);
                    }
                    *o = requantize(acc, m, s, p.output_offset, p.act_min, p.act_max);
                }
            }
        }
    }
}

/// One output pixel of [`conv_2d_portable`] whose window lies inside the
/// input (`window` starts at its top left corner; no dilation, no groups):
/// per channel, the folded bias plus `k_h` dot products of `k_w * in_c`
/// values. A function of its own, so that its loops keep their values in
/// registers (on ARMv6-M the whole layer's loop nest spills them).
#[inline(never)]
fn interior_pixel(p: &Conv2d, window: &[i8], folded: &[i32], multiplier: &[i32], shift: &[i32], out: &mut [i8]) {
    let run = p.k_w * p.in_c;
    let step = p.dilation_h * p.in_w * p.in_c;
    let filter_size = p.k_h * run;
    let channels = out.iter_mut().zip(folded).zip(multiplier.iter().zip(shift));
    for (oc, ((o, &folded), (&m, &s))) in channels.enumerate() {
        let Some(filter) = p.filter.get(oc * filter_size..(oc + 1) * filter_size) else { return };
        let mut acc = folded;
        for ky in 0..p.k_h {
            let x = window.get(ky * step..ky * step + run);
            let (Some(x), Some(w)) = (x, filter.get(ky * run..(ky + 1) * run)) else { return };
            acc = acc.wrapping_add(dot_raw(x, w));
        }
        *o = requantize(acc, m, s, p.output_offset, p.act_min, p.act_max);
    }
}

/// A 1×1, stride-1, unpadded, ungrouped convolution whose input and output
/// live in the same buffer, at byte offsets `input` and `output`, and may
/// overlap. Each output pixel is computed from its input pixel only, so the
/// result equals [`conv_2d`] whenever no output pixel overwrites an input
/// pixel still to be read: with the output below the input, pixels are
/// processed first to last and `output + (p + 1) * out_c <= input + p * in_c`
/// must hold for every pixel `p`; above it, last to first, with
/// `output + p * out_c >= input + (p + 1) * in_c` (the compiler's planner
/// guarantees these).
///
/// The portable kernel: generated code calls [`conv_2d_dsp_overlapping`]
/// instead on cores with DSP for layers the blocked path takes.
pub fn conv_2d_1x1_overlapping(p: &Conv2d, buf: &mut [i8], input: usize, output: usize) {
    // Per-channel views cut once, filter rows by `chunks_exact` over a
    // non-zero length, each pixel's input and output split apart: no panic
    // path. A view out of bounds, or an output pixel overlapping its own
    // input pixel (impossible for a layer the compiler planned), ends the
    // layer.
    let (out_c, Some(in_c)) = (p.out_c, NonZeroUsize::new(p.in_c)) else { return };
    let (Some(filter), Some(multiplier), Some(shift)) =
        (p.filter.get(..out_c * in_c.get()), p.multiplier.get(..out_c), p.shift.get(..out_c))
    else {
        return;
    };
    let pixels = p.batches * p.in_h * p.in_w;
    // Below the input, pixels go first to last; above it, last to first,
    // so that no pixel is overwritten before it is read.
    let backwards = output > input;
    for i in 0..pixels {
        let px = if backwards { pixels - 1 - i } else { i };
        let x0 = input + px * in_c.get();
        let o0 = output + px * out_c;
        let (x, out) = if o0 + out_c <= x0 {
            let Some((lo, hi)) = buf.split_at_mut_checked(x0) else { return };
            (hi.get(..in_c.get()), lo.get_mut(o0..o0 + out_c))
        } else if x0 + in_c.get() <= o0 {
            let Some((lo, hi)) = buf.split_at_mut_checked(o0) else { return };
            (lo.get(x0..x0 + in_c.get()), hi.get_mut(..out_c))
        } else {
            return;
        };
        let (Some(x), Some(out)) = (x, out) else { return };
        let channels = out.iter_mut().zip(filter.chunks_exact(in_c.get())).zip(multiplier.iter().zip(shift));
        for (oc, ((o, w), (&m, &s))) in channels.enumerate() {
            let acc = match p.bias_folded.get(oc) {
                Some(&folded) => folded.wrapping_add(dot_raw(x, w)),
                None => {
                    let acc = dot(x, w, p.input_offset);
                    p.bias.get(oc).map_or(acc, |&b| acc.wrapping_add(b))
                }
            };
            *o = requantize(acc, m, s, p.output_offset, p.act_min, p.act_max);
        }
    }
}

/// Runs a 16x8 convolution (int16 activations with zero point 0, int8
/// weights, int64 bias and accumulator); TFLM's int16 `ConvPerChannel`.
pub fn conv_2d_16x8(p: &Conv2d<i64>, input: &[i16], output: &mut [i16]) {
    let fic = p.filter_in_c.max(1);
    let groups = (p.in_c / fic).max(1);
    let filters_per_group = (p.out_c / groups).max(1);
    let filter_size = p.k_h * p.k_w * fic;
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.in_c;
        for oy in 0..p.out_h {
            let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
            let (ky0, ky1) = valid_taps(iy0, p.dilation_h, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
                let (kx0, kx1) = valid_taps(ix0, p.dilation_w, p.k_w, p.in_w);
                for oc in 0..p.out_c {
                    let in_c0 = (oc / filters_per_group) * fic;
                    let filter = &p.filter[oc * filter_size..(oc + 1) * filter_size];
                    let mut acc: i64 = 0;
                    for ky in ky0..ky1 {
                        let iy = (iy0 + (ky * p.dilation_h) as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (ix0 + (kx * p.dilation_w) as isize) as usize;
                            let at = in_batch + (iy * p.in_w + ix) * p.in_c + in_c0;
                            let w = &filter[(ky * p.k_w + kx) * fic..(ky * p.k_w + kx + 1) * fic];
                            acc += dot_16x8(&input[at..at + fic], w);
                        }
                    }
                    if let Some(&bias) = p.bias.get(oc) {
                        acc = acc.wrapping_add(bias);
                    }
                    output[o] = requantize_16x8(acc, p.multiplier[oc], p.shift[oc], p.act_min, p.act_max);
                    o += 1;
                }
            }
        }
    }
}

/// `sum(w * x)` with wrapping `i32` arithmetic: the portable reference.
#[inline(always)]
pub fn dot_raw_portable(x: &[i8], w: &[i8]) -> i32 {
    x.iter().zip(w).fold(0i32, |acc, (&x, &w)| acc.wrapping_add(w as i32 * x as i32))
}

/// `sum(w * x)`; on ARMv7E-M four products per step with `SXTB16` and
/// `SMLAD` (whose accumulation wraps like `wrapping_add`), bit-identical to
/// [`dot_raw_portable`].
#[inline(always)]
pub(crate) fn dot_raw(x: &[i8], w: &[i8]) -> i32 {
    #[cfg(nn_dsp)]
    {
        crate::dsp::dot_i8(x, w)
    }
    #[cfg(not(nn_dsp))]
    {
        dot_raw_portable(x, w)
    }
}

/// `sum(w * (x + offset))` with wrapping `i32` arithmetic.
#[inline(always)]
pub(crate) fn dot(x: &[i8], w: &[i8], offset: i32) -> i32 {
    x.iter().zip(w).fold(0i32, |acc, (&x, &w)| acc.wrapping_add(w as i32 * (x as i32 + offset)))
}

/// The filter taps `k0..k1` whose input coordinate `origin + k * dilation`
/// lies in `0..n`.
#[inline(always)]
pub(crate) fn valid_taps(origin: isize, dilation: usize, k: usize, n: usize) -> (usize, usize) {
    let d = NonZeroUsize::new(dilation).unwrap_or(NonZeroUsize::MIN);
    // First tap at or after coordinate 0, first tap at or after coordinate n
    // (unsigned divisions by a non-zero divisor: no panic path).
    let first = if origin >= 0 { 0 } else { (origin.unsigned_abs() + d.get() - 1) / d };
    let end = if (n as isize) <= origin { 0 } else { ((n as isize - origin) as usize + d.get() - 1) / d };
    let k0 = first.min(k);
    let k1 = end.min(k).max(k0);
    (k0, k1)
}

/// The input and output of a convolution: two slices, or two ranges of one
/// buffer (a layer overwriting its input). One concrete type rather than a
/// trait, so that each driver is compiled once for both forms (a match per
/// call instead of a second copy of several kilobytes of code).
pub(crate) enum ConvIo<'a> {
    /// Separate input and output slices.
    Separate {
        /// The input tensor.
        input: &'a [i8],
        /// The output tensor.
        output: &'a mut [i8],
    },
    /// Input and output at byte offsets of one buffer.
    Shared {
        /// The buffer.
        buf: &'a mut [i8],
        /// Where the input starts.
        input: usize,
        /// Where the output starts.
        output: usize,
    },
}

impl ConvIo<'_> {
    /// The input tensor (and what follows it in a shared buffer).
    #[inline(always)]
    pub(crate) fn input(&self) -> &[i8] {
        match self {
            ConvIo::Separate { input, .. } => input,
            ConvIo::Shared { buf, input, .. } => buf.get(*input..).unwrap_or(&[]),
        }
    }

    /// The output tensor (and what follows it in a shared buffer).
    #[inline(always)]
    pub(crate) fn output(&mut self) -> &mut [i8] {
        match self {
            ConvIo::Separate { output, .. } => output,
            ConvIo::Shared { buf, output, .. } => buf.get_mut(*output..).unwrap_or(&mut []),
        }
    }
}

/// Largest column length (`k_h * k_w * in_c`, rounded up to a multiple of 8)
/// of the blocked path. Its scratch holds four columns as 16-bit values:
/// up to `8 * BLOCK_K_MAX` bytes.
pub const BLOCK_K_MAX: usize = 576;

/// Column entries per inner-loop step of [`crate::simd::mac_4x1`].
const K_STEP: usize = 8;

/// Channels whose requantization constants the blocked path prepares at
/// once (16 bytes each, in its scratch).
const CHANNEL_TABLE: usize = 128;

/// Longest column of a layer whose channel count is not a multiple of four
/// (such columns are staged as bytes in the scratch); typically a first layer
/// on an RGB or grayscale image.
const BYTE_COLUMN_MAX: usize = 128;

/// The blocked convolution (CMSIS-NN's im2col and matrix-multiply idea):
/// the input columns of four output pixels are gathered, widened to 16 bits
/// and interleaved once into a scratch buffer; every output channel's weight
/// row then meets the four columns in one pass (`simd::conv_block`), which
/// loads and widens each weight word once for four pixels.
///
/// Taps in the padding hold the input zero point, whose products cancel the
/// zero-point term folded into `bias_folded`, so borders need no special
/// case. Column entries past `k_h * k_w * in_c` are zero, so reading a few
/// weights of the next row (or of the padding the compiler appends to the
/// filter) adds nothing.
///
/// Its buffers come from `scratch` ([`scratch_bytes`]), which the compiler
/// plans in the arena next to the layer's tensors, so no kernel needs
/// kilobytes of stack.
///
/// Returns `false`, having written nothing, when the layer does not fit
/// (groups, no folded bias, a column longer than [`BLOCK_K_MAX`], or than
/// 128 entries if the channel count is not a multiple of four, a filter
/// without its padding, short slices, too little scratch).
#[inline(never)]
fn blocked<const FUSED: bool>(p: &Conv2d, io: &mut ConvIo, backwards: bool, scratch: &mut [u8], fill: Fill) -> bool {
    let k = p.k_h * p.k_w * p.in_c;
    let kp = k.next_multiple_of(K_STEP);
    let pixels = p.batches * p.out_h * p.out_w;
    let out_c = p.out_c;
    let fits = blocked_geometry(p)
        && p.bias_folded.len() >= out_c
        && p.multiplier.len() >= out_c
        && p.shift.len() >= out_c
        && p.filter.len() >= (out_c - 1) * k + kp
        && io.input().len() >= p.batches * p.in_h * p.in_w * p.in_c
        && io.output().len() >= pixels * out_c
        && (!FUSED || (-128 <= p.act_min && p.act_min <= p.act_max && p.act_max <= 127));
    if !fits {
        return false;
    }
    let mut scratch = scratch;
    let (Some(cols), Some(table), Some(bytes)) = (
        carve::<u32>(&mut scratch, 2 * kp),
        carve::<Channel>(&mut scratch, out_c.min(CHANNEL_TABLE)),
        carve::<i8>(&mut scratch, if p.in_c % 4 == 0 { 0 } else { kp }),
    ) else {
        return false;
    };
    // Column entries past `k` must read as zero (they meet the padding of
    // the weight rows), and so must staged bytes past the column: both are
    // written only below `k`.
    cols.fill(0);
    bytes.fill(0);
    // Per-channel views cut once (lengths checked above), so that the loops
    // below index nothing.
    let (bias_folded, multiplier, shift) = (&p.bias_folded[..out_c], &p.multiplier[..out_c], &p.shift[..out_c]);
    // The one-pass requantization's per-channel constants, built once per
    // call when they fit in the table, else per block. Every channel must
    // have them: checked by filling the table with each part before
    // anything is written, so that a wrong `FUSED` cannot give wrong bits.
    if FUSED && !(0..out_c).step_by(CHANNEL_TABLE).all(|c0| fill_table(p, table, c0)) {
        return false;
    }
    let groups = kp / 4;
    // The input zero point as two 16-bit halves, the value of padded taps.
    let zp = (-p.input_offset) as u16 as u32;
    let zp_pair = zp | (zp << 16);
    let blocks = pixels.div_ceil(4);
    for block in 0..blocks {
        // An output above its input (a pointwise layer planned to run
        // backwards) takes the blocks last to first.
        let block = if backwards { blocks - 1 - block } else { block };
        let px = 4 * block;
        let n = (pixels - px).min(4);
        // The input view ends its use before the output view is taken.
        fill(p, io.input(), px, n, cols, bytes, zp_pair);
        let Some(out) = io.output().get_mut(px * out_c..) else { return true };
        if FUSED {
            let out = out.as_mut_ptr();
            for c0 in (0..out_c).step_by(CHANNEL_TABLE) {
                let n_c = (out_c - c0).min(CHANNEL_TABLE);
                if out_c > CHANNEL_TABLE {
                    fill_table(p, table, c0);
                }
                let w = p.filter.as_ptr().wrapping_add(c0 * k);
                let mut b = crate::simd::Block {
                    cols: cols.as_ptr(),
                    cols_end: cols.as_ptr_range().end,
                    odd: (groups / 2 % 2) as u32,
                    w,
                    w_end: w.wrapping_add(n_c * k),
                    pad: kp - k,
                    table: table.as_ptr(),
                    out: out.wrapping_add(c0),
                    out_stride: out_c,
                    slow: (n < 4 || p.act_min > -128 || p.act_max < 127) as u32,
                    pixels: n,
                    act_min: p.act_min,
                    act_max: p.act_max,
                };
                // SAFETY: `cols` has `2 * kp` words (a multiple of 16); the
                // filter holds `kp` bytes from every row start `c * k`
                // (checked above: `(out_c - 1) * k + kp <= len`); the table
                // holds `n_c` entries; `out` holds `n` pixels of `out_c`
                // outputs (the output holds `pixels * out_c`); the columns
                // and the table are exclusively borrowed scratch.
                unsafe { crate::simd::conv_block(&mut b) };
            }
        } else {
            for (oc, ((&bias, &m), &s)) in bias_folded.iter().zip(multiplier).zip(shift).enumerate() {
                // SAFETY: `groups` is even and non-zero, `cols` holds
                // `8 * groups` words and the filter `kp` bytes from `oc * k`.
                let acc = unsafe { crate::simd::mac_4x1(cols, p.filter.as_ptr().add(oc * k), groups, [bias; 4]) };
                for (j, &a) in acc.iter().enumerate().take(n) {
                    if let Some(o) = out.get_mut(j * out_c + oc) {
                        *o = requantize(a, m, s, p.output_offset, p.act_min, p.act_max);
                    }
                }
            }
        }
    }
    true
}

/// Fills `table` with the one-pass requantization constants of the
/// channels from `c0` on (as many as it holds); returns whether every one
/// has them. Out of line: it runs once per layer or per block, and inlined
/// copies of its loop would cost more code than its calls cost time.
#[inline(never)]
fn fill_table(p: &Conv2d, table: &mut [Channel], c0: usize) -> bool {
    let mut all = true;
    for (i, t) in table.iter_mut().enumerate() {
        let c = c0 + i;
        let (Some(&b), Some(&m), Some(&s)) = (p.bias_folded.get(c), p.multiplier.get(c), p.shift.get(c)) else { break };
        let constants = channel(b, m, s, p.output_offset);
        all &= constants.is_some();
        *t = constants.unwrap_or_default();
    }
    all
}

/// A gatherer of the blocked path: writes the expanded input columns of
/// the `n` (1 to 4) output pixels from pixel `px` on to `cols` (see
/// [`fill_pixels`]). One function per [`Gather`], called once per block
/// through a pointer, so that the driver exists once and a model links only
/// its layers' gatherers.
type Fill = fn(&Conv2d, &[i8], usize, usize, &mut [u32], &mut [i8], u32);

/// Calls `column` for each of the `n` pixels from `px` on, with the
/// pixel's coordinates `(batch, row, column)` and its columns' first words
/// (pixel `j` of a block has the expanded pair of column entry `g` at words
/// `8 * g + 2 * j` and `8 * g + 2 * j + 1`).
#[inline(always)]
fn fill_pixels(
    p: &Conv2d,
    px: usize,
    n: usize,
    cols: &mut [u32],
    mut column: impl FnMut((usize, usize, usize), &mut [u32]),
) {
    // Divisors for pixel coordinates, non-zero by type (no panic path).
    let (Some(row), Some(out_h)) = (NonZeroUsize::new(p.out_w), NonZeroUsize::new(p.out_h)) else { return };
    let plane = row.saturating_mul(out_h);
    let mut at = (px / plane, (px / row) % out_h, px % row);
    for j in 0..n {
        column(at, cols.get_mut(2 * j..).unwrap_or_default());
        at.2 += 1;
        if at.2 == p.out_w {
            at.2 = 0;
            at.1 += 1;
            if at.1 == p.out_h {
                at.1 = 0;
                at.0 += 1;
            }
        }
    }
}

/// [`Gather::Pointwise`]: a column is its pixel's `in_c` inputs; the four
/// pixels of a whole block are consecutive runs of input, widened in one
/// pass.
fn fill_pointwise(p: &Conv2d, input: &[i8], px: usize, n: usize, cols: &mut [u32], _: &mut [i8], _: u32) {
    let src = input.get(px * p.in_c..(px + n) * p.in_c).unwrap_or_default();
    if n == 4 && crate::simd::expand_four(src, p.in_c, cols) {
        return;
    }
    for (j, x) in src.chunks_exact(p.in_c.max(1)).enumerate() {
        crate::simd::expand(x, cols.get_mut(2 * j..).unwrap_or_default());
    }
}

/// [`Gather::Bytes`] for a block.
fn fill_bytes_columns(p: &Conv2d, input: &[i8], px: usize, n: usize, cols: &mut [u32], bytes: &mut [i8], zp: u32) {
    fill_pixels(p, px, n, cols, |at, dst| fill_bytes_column(p, input, at, dst, bytes, zp));
}

/// [`Gather::Words`] for a block.
fn fill_words_columns(p: &Conv2d, input: &[i8], px: usize, n: usize, cols: &mut [u32], bytes: &mut [i8], zp: u32) {
    fill_pixels(p, px, n, cols, |at, dst| fill_words(p, input, at, dst, bytes, zp));
}

/// [`Gather::WordRows`] for a block.
fn fill_word_rows_columns(p: &Conv2d, input: &[i8], px: usize, n: usize, cols: &mut [u32], bytes: &mut [i8], zp: u32) {
    fill_pixels(p, px, n, cols, |at, dst| fill_word_rows(p, input, at, dst, bytes, zp));
}

/// [`Gather::Bytes`]: the column is gathered as bytes (rows inside the
/// input as one run each), then widened. `bytes` past the column stay zero:
/// nothing writes there.
#[inline(always)]
fn fill_bytes_column(
    p: &Conv2d,
    input: &[i8],
    (b, oy, ox): (usize, usize, usize),
    dst: &mut [u32],
    bytes: &mut [i8],
    zp_pair: u32,
) {
    let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
    let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
    let row_len = p.k_w * p.in_c;
    let whole_rows = p.dilation_w == 1 && ix0 >= 0 && ix0 as usize + p.k_w <= p.in_w;
    let zp = zp_pair as i8;
    let k = p.k_h * row_len;
    let last_iy = iy0 + ((p.k_h.max(1) - 1) * p.dilation_h) as isize;
    if whole_rows && iy0 >= 0 && (last_iy as usize) < p.in_h {
        // The window lies inside the input: `k_h` runs of `row_len`.
        let at = ((b * p.in_h + iy0 as usize) * p.in_w + ix0 as usize) * p.in_c;
        let src = input.get(at..).unwrap_or_default();
        let stride = p.dilation_h * p.in_w * p.in_c;
        if crate::simd::gather_rows(src, stride, row_len, p.k_h, bytes) {
            crate::simd::expand(bytes.get(..k.next_multiple_of(4)).unwrap_or_default(), dst);
            return;
        }
    }
    // Without dilation the taps of a row inside the input are one run
    // (`kx0..kx1`), the others padding.
    let (kx0, kx1) = valid_taps(ix0, 1, p.k_w, p.in_w);
    let (lo, hi) = (kx0 * p.in_c, kx1 * p.in_c);
    let mut e = 0;
    for ky in 0..p.k_h {
        let iy = iy0 + (ky * p.dilation_h) as isize;
        let dst_row = bytes.get_mut(e..e + row_len).unwrap_or_default();
        e += row_len;
        if iy < 0 || iy as usize >= p.in_h {
            dst_row.fill(zp);
        } else if p.dilation_w == 1 {
            let at = ((b * p.in_h + iy as usize) * p.in_w) as isize + ix0;
            let at = (at as usize).wrapping_mul(p.in_c);
            let (head, rest) = dst_row.split_at_mut(lo.min(dst_row.len()));
            head.fill(zp);
            let (run, tail) = rest.split_at_mut(hi.saturating_sub(lo).min(rest.len()));
            copy_bytes(run, input.get(at.wrapping_add(lo)..).unwrap_or_default());
            tail.fill(zp);
        } else {
            for (kx, d) in dst_row.chunks_exact_mut(p.in_c.max(1)).enumerate() {
                let ix = ix0 + (kx * p.dilation_w) as isize;
                match tap(p, input, b, iy, ix) {
                    Some(x) => copy_bytes(d, x),
                    None => d.fill(zp),
                }
            }
        }
    }
    crate::simd::expand(bytes.get(..e.next_multiple_of(4)).unwrap_or_default(), dst);
}

/// [`Gather::Words`]: channels a multiple of four, so that every tap is
/// whole words, widened straight from the input.
#[inline(always)]
fn fill_words(
    p: &Conv2d,
    input: &[i8],
    (b, oy, ox): (usize, usize, usize),
    dst: &mut [u32],
    _: &mut [i8],
    zp_pair: u32,
) {
    let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
    let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
    let row_len = p.k_w * p.in_c;
    let whole_rows = p.dilation_w == 1 && ix0 >= 0 && ix0 as usize + p.k_w <= p.in_w;
    let last_iy = iy0 + ((p.k_h.max(1) - 1) * p.dilation_h) as isize;
    if whole_rows && iy0 >= 0 && (last_iy as usize) < p.in_h {
        // The window lies inside the input: `k_h` runs of `row_len` bytes.
        let at = ((b * p.in_h + iy0 as usize) * p.in_w + ix0 as usize) * p.in_c;
        let step = p.dilation_h * p.in_w * p.in_c - row_len;
        let src = input.get(at..).unwrap_or_default();
        if src.as_ptr() as usize % 4 == 0 {
            crate::simd::expand_window(src, dst, p.k_h, row_len / 4, step);
            return;
        }
    }
    let mut g = 0;
    for ky in 0..p.k_h {
        let iy = iy0 + (ky * p.dilation_h) as isize;
        if whole_rows && iy >= 0 && (iy as usize) < p.in_h {
            // The row's taps are one run of input.
            let at = ((b * p.in_h + iy as usize) * p.in_w + ix0 as usize) * p.in_c;
            if let Some(run) = input.get(at..at + row_len) {
                crate::simd::expand(run, dst.get_mut(8 * g..).unwrap_or_default());
            }
            g += row_len / 4;
            continue;
        }
        for kx in 0..p.k_w {
            let ix = ix0 + (kx * p.dilation_w) as isize;
            let words = p.in_c / 4;
            match tap(p, input, b, iy, ix) {
                Some(x) => crate::simd::expand(x, dst.get_mut(8 * g..).unwrap_or_default()),
                None => {
                    for i in g..g + words {
                        if let Some([lo, hi, ..]) = dst.get_mut(8 * i..) {
                            *lo = zp_pair;
                            *hi = zp_pair;
                        }
                    }
                }
            }
            g += words;
        }
    }
}

/// [`Gather::WordRows`]: rows of whole words without horizontal dilation
/// (`p.k_w * p.in_c` a multiple of four, `p.in_c` not, typically one input
/// channel). Rows in the padding are zero-point words; the rows inside the
/// input widen in one pass, straight from the input when the window lies
/// inside it horizontally, else staged as bytes first (the zero point,
/// then the run of taps inside the input).
#[inline(always)]
fn fill_word_rows(
    p: &Conv2d,
    input: &[i8],
    (b, oy, ox): (usize, usize, usize),
    dst: &mut [u32],
    bytes: &mut [i8],
    zp_pair: u32,
) {
    let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
    let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
    let row_len = p.k_w * p.in_c;
    let words = row_len / 4;
    let stride = p.dilation_h * p.in_w * p.in_c;
    if words == 0 {
        return;
    }
    let whole_rows = ix0 >= 0 && ix0 as usize + p.k_w <= p.in_w;
    let last_iy = iy0 + ((p.k_h - 1) * p.dilation_h) as isize;
    if whole_rows && iy0 >= 0 && (last_iy as usize) < p.in_h {
        // The window lies inside the input (the common case, first).
        let at = ((b * p.in_h + iy0 as usize) * p.in_w + ix0 as usize) * p.in_c;
        crate::simd::expand_rows(input.get(at..).unwrap_or_default(), dst, p.k_h, words, stride - row_len);
        return;
    }
    let (ky0, ky1) = valid_taps(iy0, p.dilation_h, p.k_h, p.in_h);
    for g in (0..ky0 * words).chain(ky1 * words..p.k_h * words) {
        if let Some([lo, hi, ..]) = dst.get_mut(8 * g..) {
            *lo = zp_pair;
            *hi = zp_pair;
        }
    }
    if ky0 == ky1 {
        return;
    }
    let rows = ky1 - ky0;
    let iy = (iy0 + (ky0 * p.dilation_h) as isize) as usize;
    let dst = dst.get_mut(8 * ky0 * words..).unwrap_or_default();
    // The first row's taps start at `first * in_c` (less than zero only
    // left of the first row, whose taps inside the input start at `lo`).
    let first = ((b * p.in_h + iy) * p.in_w) as isize + ix0;
    if whole_rows {
        let src = input.get(first as usize * p.in_c..).unwrap_or_default();
        crate::simd::expand_rows(src, dst, rows, words, stride - row_len);
        return;
    }
    let (kx0, kx1) = valid_taps(ix0, 1, p.k_w, p.in_w);
    let (lo, hi) = (kx0 * p.in_c, kx1 * p.in_c);
    let staged = bytes.get_mut(..rows * row_len).unwrap_or_default();
    fill_bytes(staged, zp_pair as i8);
    let at = (first as usize).wrapping_mul(p.in_c).wrapping_add(lo);
    // A non-zero chunk length by type: no panic path.
    let Some(run) = NonZeroUsize::new(row_len) else { return };
    for (r, row) in staged.chunks_exact_mut(run.get()).enumerate() {
        let src = input.get(at.wrapping_add(r * stride)..).unwrap_or_default();
        copy_bytes(row.get_mut(lo..hi).unwrap_or_default(), src);
    }
    crate::simd::expand(staged, dst);
}

/// Copies `src` into `dst` (the shorter length) four bytes at a time,
/// without a call to `memcpy`, whose set-up dominates for the few bytes of
/// a tap or a row of taps.
#[inline(always)]
pub(crate) fn copy_bytes(dst: &mut [i8], src: &[i8]) {
    let (d, s) = copy_chunks::<4>(dst, src);
    for (d, &s) in d.iter_mut().zip(s) {
        *d = s;
    }
}

/// Copies the common length of `src` and `dst` in whole chunks of `N`
/// bytes (arrays: word loads and stores, no length check) and returns the
/// rest of both, shorter than `N`.
#[inline(always)]
pub(crate) fn copy_chunks<'d, 's, const N: usize>(dst: &'d mut [i8], src: &'s [i8]) -> (&'d mut [i8], &'s [i8]) {
    let n = dst.len().min(src.len());
    let (dst, src) = (&mut dst[..n], &src[..n]);
    let mut d = dst.chunks_exact_mut(N);
    let mut s = src.chunks_exact(N);
    for (d, s) in (&mut d).zip(&mut s) {
        if let (Ok(d), Ok(s)) = (<&mut [i8; N]>::try_from(d), <&[i8; N]>::try_from(s)) {
            *d = *s;
        }
    }
    (d.into_remainder(), s.remainder())
}

/// Sets every byte of `dst` to `v`, four at a time, without a call to
/// `memset` (as [`copy_bytes`]).
#[inline(always)]
fn fill_bytes(dst: &mut [i8], v: i8) {
    let word = [v; 4];
    let mut d = dst.chunks_exact_mut(4);
    for d in &mut d {
        if let Ok(d) = <&mut [i8; 4]>::try_from(d) {
            *d = word;
        }
    }
    for d in d.into_remainder() {
        *d = v;
    }
}

/// The `in_c` input values at `(b, iy, ix)`, or `None` in the padding.
#[inline(always)]
fn tap<'a>(p: &Conv2d, input: &'a [i8], b: usize, iy: isize, ix: isize) -> Option<&'a [i8]> {
    if iy < 0 || ix < 0 || iy as usize >= p.in_h || ix as usize >= p.in_w {
        return None;
    }
    let at = ((b * p.in_h + iy as usize) * p.in_w + ix as usize) * p.in_c;
    input.get(at..at + p.in_c)
}

/// Constants of one float32 2-D convolution layer. Weights and bias are
/// little-endian `f32` bytes (flash data without alignment requirements).
#[derive(Clone, Copy, Debug)]
pub struct Conv2dF32<'a> {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Input channels.
    pub in_c: usize,
    /// Output height.
    pub out_h: usize,
    /// Output width.
    pub out_w: usize,
    /// Output channels.
    pub out_c: usize,
    /// Filter height.
    pub k_h: usize,
    /// Filter width.
    pub k_w: usize,
    /// Channels per group in the filter (`in_c` unless grouped).
    pub filter_in_c: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical dilation.
    pub dilation_h: usize,
    /// Horizontal dilation.
    pub dilation_w: usize,
    /// Rows of implicit padding above the input.
    pub pad_top: usize,
    /// Columns of implicit padding left of the input.
    pub pad_left: usize,
    /// Lower bound of the fused activation.
    pub act_min: f32,
    /// Upper bound of the fused activation.
    pub act_max: f32,
    /// `[out_c][k_h][k_w][filter_in_c]` weights as little-endian `f32` bytes.
    pub filter: &'a [u8],
    /// Bias per output channel as little-endian `f32` bytes, or empty.
    pub bias: &'a [u8],
}

/// Runs a float32 convolution in TFLM's reference order: one running `f32`
/// total per output over `ky`, `kx`, then the group's input channels
/// (padding taps skipped), then `+ bias`, then the activation clamp. Float
/// addition is not associative, so this order is what makes the result
/// bit-identical.
pub fn conv_2d_f32(p: &Conv2dF32, input: &[f32], output: &mut [f32]) {
    use super::fully_connected::{clamp_f32, f32_at};
    let fic = p.filter_in_c.max(1);
    let groups = (p.in_c / fic).max(1);
    let filters_per_group = (p.out_c / groups).max(1);
    let filter_size = p.k_h * p.k_w * fic;
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.in_c;
        for oy in 0..p.out_h {
            let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
            let (ky0, ky1) = valid_taps(iy0, p.dilation_h, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
                let (kx0, kx1) = valid_taps(ix0, p.dilation_w, p.k_w, p.in_w);
                for oc in 0..p.out_c {
                    let in_c0 = (oc / filters_per_group) * fic;
                    let f0 = oc * filter_size;
                    let mut total = 0.0f32;
                    for ky in ky0..ky1 {
                        let iy = (iy0 + (ky * p.dilation_h) as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (ix0 + (kx * p.dilation_w) as isize) as usize;
                            let at = in_batch + (iy * p.in_w + ix) * p.in_c + in_c0;
                            let w0 = f0 + (ky * p.k_w + kx) * fic;
                            for (c, &x) in input[at..at + fic].iter().enumerate() {
                                total += x * f32_at(p.filter, w0 + c);
                            }
                        }
                    }
                    let bias = if p.bias.is_empty() { 0.0 } else { f32_at(p.bias, oc) };
                    output[o] = clamp_f32(total + bias, p.act_min, p.act_max);
                    o += 1;
                }
            }
        }
    }
}
