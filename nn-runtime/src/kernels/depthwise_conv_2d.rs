//! DEPTHWISE_CONV_2D, int8 and 16x8 with per-channel requantization;
//! TFLM's `DepthwiseConvPerChannel`.

use super::conv_2d::{valid_taps, Blocked, Conv2d, ConvIo};
use super::{carve, carved};
use super::{requantize, requantize_16x8};
use crate::simd::{DwRows, DW_ROW, DW_ROWS};
use core::num::NonZeroUsize;

/// Constants of one depthwise convolution layer. The filter is
/// `[1][k_h][k_w][in_c * depth_multiplier]`. The bias is `i32` for int8
/// activations and `i64` for int16 activations (16x8).
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2d<'a, B = i32> {
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
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// Filter height.
    pub k_h: usize,
    /// Filter width.
    pub k_w: usize,
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
    /// Lower bound of the fused activation.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
    /// Filter weights.
    pub filter: &'a [i8],
    /// Bias per output channel, or empty for none.
    pub bias: &'a [B],
    /// Q0.31 requantization multiplier per output channel.
    pub multiplier: &'a [i32],
    /// Requantization shift per output channel.
    pub shift: &'a [i32],
}

/// Output channels accumulated together; a stack buffer bounds the work
/// per pass without allocation.
const CHUNK: usize = 64;

/// Runs the depthwise convolution.
///
/// On ARMv7E-M cores, 3x3 layers take the planar path
/// ([`depthwise_conv_2d_planar`]), other layers with one input channel the
/// blocked convolution ([`depthwise_conv_2d_as_conv`]); everything else,
/// and every layer on other cores, takes [`depthwise_conv_2d_portable`].
/// All give the same bits. The first two work in `scratch`
/// ([`scratch_bytes`] bytes; other cores get an empty slice). Generated code
/// calls [`depthwise_conv_2d_dsp`] or [`depthwise_conv_2d_portable`]
/// instead, chosen at compile time, so that a model links only the code its
/// layers run.
pub fn depthwise_conv_2d(p: &DepthwiseConv2d, input: &[i8], output: &mut [i8], scratch: &mut [u8]) {
    #[cfg(nn_dsp)]
    if depthwise_conv_2d_planar(p, input, output, scratch) || depthwise_conv_2d_as_conv(p, input, output, scratch) {
        return;
    }
    let _ = scratch;
    depthwise_conv_2d_portable(p, input, output);
}

/// The DSP path of a depthwise layer, chosen by the compiler ([`dsp_path`])
/// and named in its call of [`depthwise_conv_2d_dsp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DwPath {
    /// The planar path ([`depthwise_conv_2d_planar`]).
    Planar,
    /// One input channel as a convolution ([`depthwise_conv_2d_as_conv`])
    /// through this variant of the blocked path.
    AsConv(Blocked),
}

/// The path that runs a layer on cores with DSP, computed in place or not:
/// the planar path where it takes the layer, else the one-channel path;
/// `None` if neither does ([`scratch_bytes`] is 0, or activation bounds
/// wider than int8).
pub fn dsp_path(p: &DepthwiseConv2d, in_place: bool) -> Option<DwPath> {
    let out_c = p.in_c * p.depth_multiplier;
    let requant = p.multiplier.len() >= out_c && p.shift.len() >= out_c;
    if planar_geometry(p, in_place) {
        let bounded = -128 <= p.act_min && p.act_min <= p.act_max && p.act_max <= 127;
        return (bounded && requant).then_some(DwPath::Planar);
    }
    let geometry = as_conv_geometry(p)?;
    let c = super::conv_2d::Conv2d { multiplier: p.multiplier, shift: p.shift, ..geometry };
    super::conv_2d::blocked_path(&c).map(DwPath::AsConv)
}

/// The layer through the DSP path `path` ([`dsp_path`]), with
/// [`scratch_bytes`] of `scratch`: what generated code calls on cores with
/// DSP. Only that path is linked, and no fallback kernel: a call the path
/// cannot take (slices shorter than the layer's shape, too little scratch,
/// a `path` that is not the layer's), which the compiler never emits,
/// writes nothing.
#[inline(always)]
pub fn depthwise_conv_2d_dsp(p: &DepthwiseConv2d, input: &[i8], output: &mut [i8], scratch: &mut [u8], path: DwPath) {
    run_dsp(p, &mut ConvIo::Separate { input, output }, false, scratch, path);
}

/// [`depthwise_conv_2d_dsp`] computed in place (the output at byte `output`
/// of `buf`, at or below the input at byte `input`, as the planner places
/// a depthwise layer over its own input; `path` is [`dsp_path`] in place).
#[inline(always)]
pub fn depthwise_conv_2d_dsp_in_place(
    p: &DepthwiseConv2d,
    buf: &mut [i8],
    input: usize,
    output: usize,
    scratch: &mut [u8],
    path: DwPath,
) {
    if output <= input {
        run_dsp(p, &mut ConvIo::Shared { buf, input, output }, true, scratch, path);
    }
}

/// Dispatches to the driver of `path`; inlined, so that for a constant
/// `path` only that driver is referenced.
#[inline(always)]
fn run_dsp(p: &DepthwiseConv2d, io: &mut ConvIo, in_place: bool, scratch: &mut [u8], path: DwPath) -> bool {
    match path {
        DwPath::Planar => planar(p, io, in_place, scratch),
        DwPath::AsConv(blocked) => match as_conv_prepare(p, scratch) {
            // In place the output is at or below the input: blocks go first
            // to last.
            Some((c, rest)) => super::conv_2d::run_blocked(&c, io, false, rest, blocked),
            None => false,
        },
    }
}

/// Bytes of scratch of the DSP path [`dsp_path`] chooses for a layer of
/// this shape, computed in place (`in_place`, see
/// [`depthwise_conv_2d_planar_in_place`]) or not: the planar path's where
/// it takes the layer, else the one-channel path's; 0 if neither runs it.
/// Only the shape fields of `p` are read.
pub const fn scratch_bytes(p: &DepthwiseConv2d, in_place: bool) -> usize {
    if planar_geometry(p, in_place) {
        planar_scratch_bytes(p, in_place)
    } else {
        as_conv_scratch_bytes(p)
    }
}

/// Bytes of scratch of the planar path ([`depthwise_conv_2d_planar`], in
/// place or not); 0 if it does not take the layer.
pub const fn planar_scratch_bytes(p: &DepthwiseConv2d, in_place: bool) -> usize {
    if !planar_geometry(p, in_place) {
        return 0;
    }
    carved::<DwRows>(1)
        + carved::<i32>(p.out_w.next_multiple_of(2))
        + if in_place { carved::<i8>(band_bytes(p)) } else { 0 }
}

/// Bytes of scratch of the one-channel path
/// ([`depthwise_conv_2d_as_conv`]); 0 if it does not take the layer.
pub const fn as_conv_scratch_bytes(p: &DepthwiseConv2d) -> usize {
    match as_conv_geometry(p) {
        Some(c) => {
            let conv = super::conv_2d::scratch_bytes(&c);
            if conv == 0 {
                0
            } else {
                carved::<i8>(as_conv_filter_bytes(p)) + carved::<i32>(p.depth_multiplier) + conv
            }
        }
        None => 0,
    }
}

/// The planar path for 3x3 windows without dilation, horizontal stride 1 or
/// 2, a depth multiplier of at most [`PLANAR_DM_MAX`] and rows of up to about
/// 120 values; returns `false`, having written nothing, for other layers.
///
/// Input channel by input channel, three input rows are widened to 16 bits
/// into a small buffer, with the zero point in the padding (its products
/// cancel the zero-point term folded into the bias), so that horizontally
/// adjacent taps form one word for `SMLAD` (see `simd::dw_out_row`); each
/// output row of each of the channel's outputs then costs one pass over the
/// three rows and one requantization pass. Each input row is widened once
/// per channel (into two slots, so that any three consecutive rows are
/// adjacent).
pub fn depthwise_conv_2d_planar(p: &DepthwiseConv2d, input: &[i8], output: &mut [i8], scratch: &mut [u8]) -> bool {
    planar(p, &mut ConvIo::Separate { input, output }, false, scratch)
}

/// A layer with one input channel as the convolution it is (output channel
/// `m` sums `w[ky][kx][m] * x` over the window): the filter transposed to
/// `[m][ky][kx][1]` and the folded biases are prepared in `scratch` (up to
/// [`AS_CONV_FILTER_MAX`] weights and [`AS_CONV_CHANNELS_MAX`] channels),
/// and the blocked convolution
/// ([`conv_2d_blocked`](super::conv_2d::conv_2d_blocked)) runs it in the
/// rest. Returns `false`, having written nothing, for other layers.
pub fn depthwise_conv_2d_as_conv(p: &DepthwiseConv2d, input: &[i8], output: &mut [i8], scratch: &mut [u8]) -> bool {
    as_conv(p, &mut ConvIo::Separate { input, output }, scratch)
}

/// The one-channel path with the blocked variant computed at run time.
fn as_conv(p: &DepthwiseConv2d, io: &mut ConvIo, scratch: &mut [u8]) -> bool {
    let Some(geometry) = as_conv_geometry(p) else { return false };
    let c = super::conv_2d::Conv2d { multiplier: p.multiplier, shift: p.shift, ..geometry };
    let Some(blocked) = super::conv_2d::blocked_path(&c) else { return false };
    match as_conv_prepare(p, scratch) {
        Some((c, rest)) => super::conv_2d::run_blocked(&c, io, false, rest, blocked),
        None => false,
    }
}

/// [`depthwise_conv_2d_as_conv`] computed in place, as
/// [`conv_2d_blocked_overlapping`](super::conv_2d::conv_2d_blocked_overlapping).
pub fn depthwise_conv_2d_as_conv_in_place(
    p: &DepthwiseConv2d,
    buf: &mut [i8],
    input: usize,
    output: usize,
    scratch: &mut [u8],
) -> bool {
    output <= input && as_conv(p, &mut ConvIo::Shared { buf, input, output }, scratch)
}

/// Largest filter (`k_h * k_w * depth_multiplier` weights) of
/// [`depthwise_conv_2d_as_conv`].
pub const AS_CONV_FILTER_MAX: usize = 1024;

/// Largest depth multiplier of [`depthwise_conv_2d_as_conv`].
pub const AS_CONV_CHANNELS_MAX: usize = 64;

/// The convolution a one-channel layer is (empty slices), or `None` if the
/// layer has several channels or a filter too large for the path.
const fn as_conv_geometry<'a>(p: &DepthwiseConv2d) -> Option<super::conv_2d::Conv2d<'a>> {
    let (dm, taps) = (p.depth_multiplier, p.k_h * p.k_w);
    if p.in_c != 1 || taps == 0 || dm == 0 || dm > AS_CONV_CHANNELS_MAX || dm * taps > AS_CONV_FILTER_MAX {
        return None;
    }
    Some(super::conv_2d::Conv2d {
        batches: p.batches,
        in_h: p.in_h,
        in_w: p.in_w,
        in_c: 1,
        out_h: p.out_h,
        out_w: p.out_w,
        out_c: dm,
        k_h: p.k_h,
        k_w: p.k_w,
        filter_in_c: 1,
        stride_h: p.stride_h,
        stride_w: p.stride_w,
        dilation_h: p.dilation_h,
        dilation_w: p.dilation_w,
        pad_top: p.pad_top,
        pad_left: p.pad_left,
        input_offset: p.input_offset,
        output_offset: p.output_offset,
        act_min: p.act_min,
        act_max: p.act_max,
        filter: &[],
        bias: &[],
        bias_folded: &[],
        multiplier: &[],
        shift: &[],
    })
}

/// Bytes of the transposed filter of the one-channel path: `dm` rows of
/// `taps` weights, then zeros up to a multiple of 8 after the last row, as
/// the blocked path reads.
const fn as_conv_filter_bytes(p: &DepthwiseConv2d) -> usize {
    let taps = p.k_h * p.k_w;
    p.depth_multiplier * taps + taps.next_multiple_of(8) - taps
}

/// Prepares the one-channel path in `scratch`: the filter transposed to
/// `[m][ky][kx][1]` (zeros after the last row up to a multiple of 8) and
/// the folded biases. Returns the convolution to run and the rest of the
/// scratch, or `None` for a layer the path does not take.
#[inline(never)]
fn as_conv_prepare<'a>(p: &DepthwiseConv2d<'a>, scratch: &'a mut [u8]) -> Option<(Conv2d<'a>, &'a mut [u8])> {
    let (dm, taps) = (p.depth_multiplier, p.k_h * p.k_w);
    let geometry = as_conv_geometry(p)?;
    if p.filter.len() < dm * taps || !(p.bias.is_empty() || p.bias.len() >= dm) {
        return None;
    }
    let mut scratch = scratch;
    let filter = carve::<i8>(&mut scratch, as_conv_filter_bytes(p))?;
    let folded = carve::<i32>(&mut scratch, dm)?;
    // The padding after the last row reads as zero weights.
    filter.fill(0);
    for (m, (row, f)) in filter.chunks_exact_mut(taps).zip(folded.iter_mut()).take(dm).enumerate() {
        let mut sum = 0i32;
        for (t, w) in row.iter_mut().enumerate() {
            *w = p.filter.get(t * dm + m).copied().unwrap_or(0);
            sum += *w as i32;
        }
        *f = p.bias.get(m).copied().unwrap_or(0).wrapping_add(p.input_offset.wrapping_mul(sum));
    }
    let c = Conv2d { filter, bias: p.bias, bias_folded: folded, multiplier: p.multiplier, shift: p.shift, ..geometry };
    Some((c, scratch))
}

/// The planar path on one buffer holding the input at byte `input` and the
/// output at byte `output`, computed in place as
/// [`depthwise_conv_2d_rows`](super::in_place::depthwise_conv_2d_rows)
/// requires (every output row ends before the first input row it reads).
/// Output rows are computed into a band of scratch (at most
/// [`PLANAR_BAND_BYTES`]) for all channels before the band is written,
/// which that condition makes safe. Returns `false`, having written
/// nothing, for a layer it does not handle (also an output row longer than
/// the band, or an output above the input).
pub fn depthwise_conv_2d_planar_in_place(
    p: &DepthwiseConv2d,
    buf: &mut [i8],
    input: usize,
    output: usize,
    scratch: &mut [u8],
) -> bool {
    output <= input && planar(p, &mut ConvIo::Shared { buf, input, output }, true, scratch)
}

/// Largest depth multiplier of the planar path.
pub const PLANAR_DM_MAX: usize = 8;

/// Bytes of the band of output rows of the planar path in place.
pub const PLANAR_BAND_BYTES: usize = 4608;

/// Whether the planar path handles a layer of this shape.
const fn planar_geometry(p: &DepthwiseConv2d, in_place: bool) -> bool {
    let dm = p.depth_multiplier;
    let out_row = p.out_w * p.in_c * dm;
    1 <= dm
        && dm <= PLANAR_DM_MAX
        && p.k_h == 3
        && p.k_w == 3
        && p.dilation_h == 1
        && p.dilation_w == 1
        && 1 <= p.stride_w
        && p.stride_w <= 2
        && 1 <= p.stride_h
        && p.stride_h <= (DW_ROWS - 3) / 2
        && p.in_c > 0
        && p.out_w > 0
        && p.out_h > 0
        && p.out_w.next_multiple_of(2) * p.stride_w + 2 <= DW_ROW
        && p.pad_left + p.in_w <= DW_ROW
        && (!in_place || out_row <= PLANAR_BAND_BYTES)
}

/// Output rows per band of the planar path: as many as the row buffer
/// holds input rows for.
const fn band_rows(p: &DepthwiseConv2d) -> usize {
    match (DW_ROWS - 3).checked_div(p.stride_h) {
        Some(r) => r + 1,
        None => 1,
    }
}

/// Bytes of the band of the planar path in place: whole bands of output
/// rows, at most [`PLANAR_BAND_BYTES`] and at most the layer's rows.
const fn band_bytes(p: &DepthwiseConv2d) -> usize {
    let out_row = p.out_w * p.in_c * p.depth_multiplier;
    let mut rows = band_rows(p);
    if rows > p.out_h {
        rows = p.out_h;
    }
    while rows > 1 && rows * out_row > PLANAR_BAND_BYTES {
        rows -= 1;
    }
    rows * out_row
}

#[inline(never)]
fn planar(p: &DepthwiseConv2d, io: &mut ConvIo, in_place: bool, scratch: &mut [u8]) -> bool {
    use crate::simd::{dw_rows, widen_rows, DwRow, DW_ROW_BYTES};
    let c_n = p.in_c;
    let dm = p.depth_multiplier;
    let out_c = c_n * dm;
    let out_w2 = p.out_w.next_multiple_of(2);
    let out_row = p.out_w * out_c;
    let fits = planar_geometry(p, in_place)
        && (p.bias.is_empty() || p.bias.len() >= out_c)
        && p.multiplier.len() >= out_c
        && p.shift.len() >= out_c
        && -128 <= p.act_min
        && p.act_min <= p.act_max
        && p.act_max <= 127
        && p.filter.len() >= 9 * out_c
        && io.input().len() >= p.batches * p.in_h * p.in_w * c_n
        && io.output().len() >= p.batches * p.out_h * out_row;
    if !fits {
        return false;
    }
    let mut scratch = scratch;
    let (Some([rows]), Some(acc), Some(band)) = (
        carve::<DwRows>(&mut scratch, 1),
        carve::<i32>(&mut scratch, out_w2),
        carve::<i8>(&mut scratch, if in_place { band_bytes(p) } else { 0 }),
    ) else {
        return false;
    };
    let zp = -p.input_offset as i16;
    // Padding columns stay the zero point: only `pad_left..pad_left + in_w`
    // of a row is ever written.
    fill_i16(&mut rows.0, zp);
    // Output rows per band: as many as the row buffer holds input rows for,
    // and in place as many as the band holds (checked division: no panic
    // path; `fits` makes `out_row` non-zero).
    let mut band_rows = band_rows(p);
    if in_place {
        band_rows = band_rows.min(band.len().checked_div(out_row).unwrap_or(1)).max(1);
    }
    let (multiplier, shift) = (&p.multiplier[..out_c], &p.shift[..out_c]);
    let plane = p.in_h * p.in_w * c_n;
    let row_step = p.in_w * c_n;
    let clamp = (p.act_min > -128 || p.act_max < 127) as u32;
    let mut weights = [0u32; 6];
    for b in 0..p.batches {
        let mut oy0 = 0;
        while oy0 < p.out_h {
            let n_rows = band_rows.min(p.out_h - oy0);
            let dst_at = (b * p.out_h + oy0) * out_row;
            let dst = if in_place { &mut *band } else { io.output().get_mut(dst_at..).unwrap_or_default() };
            let dst = dst.as_mut_ptr();
            // Input rows `iy0..iy0 + n_in` of the band.
            let iy0 = (oy0 * p.stride_h) as isize - p.pad_top as isize;
            let n_in = (n_rows - 1) * p.stride_h + 3;
            // Those inside the input: `lo..hi`, rows `lo - iy0..` of the buffer.
            let lo = iy0.max(0).min(p.in_h as isize);
            let hi = (iy0 + n_in as isize).max(lo).min(p.in_h as isize);
            for c in 0..c_n {
                if hi > lo {
                    let src = io.input().get(b * plane + lo as usize * row_step + c..).unwrap_or_default();
                    widen_rows(src, c_n, p.in_w, row_step, (hi - lo) as usize, rows, (lo - iy0) as usize, p.pad_left);
                }
                // Rows in the padding hold the zero point (filled once per
                // band: the same rows for every channel).
                if c == 0 {
                    for r in (0..n_in).filter(|&r| !(lo..hi).contains(&(iy0 + r as isize))) {
                        let at = r * DW_ROW + p.pad_left;
                        fill_i16(rows.0.get_mut(at..at + p.in_w).unwrap_or_default(), zp);
                    }
                }
                for m in 0..dm {
                    let oc = c * dm + m;
                    let tap = |t: usize| p.filter.get(t * out_c + oc).copied().unwrap_or(0) as i16 as u16 as u32;
                    let mut sum = 0i32;
                    for ky in 0..3 {
                        let (w0, w1, w2) = (tap(3 * ky), tap(3 * ky + 1), tap(3 * ky + 2));
                        weights[2 * ky] = w0 | (w1 << 16);
                        weights[2 * ky + 1] = w1 | (w2 << 16);
                        sum += (w0 as i16 as i32) + (w1 as i16 as i32) + (w2 as i16 as i32);
                    }
                    let bias = p.bias.get(oc).copied().unwrap_or(0).wrapping_add(p.input_offset.wrapping_mul(sum));
                    let (Some(&mult), Some(&shift)) = (multiplier.get(oc), shift.get(oc)) else { continue };
                    // One-pass requantization (see `simd::conv_block`) for
                    // right shifts of 2 to 22; otherwise `requantize` per
                    // output, one row at a time.
                    let fused = crate::simd::channel(bias, mult, shift, p.output_offset);
                    let mut row = DwRow {
                        rows: rows.0.as_ptr(),
                        rows_step: p.stride_h * DW_ROW_BYTES,
                        n_rows,
                        w: weights.as_ptr(),
                        bias,
                        acc: acc.as_mut_ptr(),
                        pairs: out_w2 / 2,
                        stride: p.stride_w,
                        multiplier: mult,
                        hi_c: fused.map_or(0, |f| f[2]),
                        sh: fused.map_or(0, |f| f[3]),
                        out: dst.wrapping_add(oc),
                        out_stride: out_c,
                        out_row,
                        count: p.out_w,
                        act_min: p.act_min,
                        act_max: p.act_max,
                        clamp,
                    };
                    if fused.is_some() {
                        // SAFETY: output row `r` of the band reads buffer
                        // rows `r * stride_h..+3` (below `n_in <= DW_ROWS`),
                        // each for `out_w2 * stride + 2 <= DW_ROW` halfwords;
                        // `acc` holds `out_w2` values; the outputs
                        // `oc + r * out_row + j * out_c` for `r < n_rows`,
                        // `j < out_w` lie in the band (`n_rows * out_row`
                        // bytes) or in the output (`out_h - oy0` rows from
                        // `dst_at`); the weights are 6 words.
                        unsafe { dw_rows(&mut row) };
                        continue;
                    }
                    for r in 0..n_rows {
                        row.rows = rows.0.as_ptr().wrapping_add(r * p.stride_h * DW_ROW);
                        row.n_rows = 1;
                        row.count = 0;
                        // SAFETY: as above, without outputs.
                        unsafe { dw_rows(&mut row) };
                        for (j, &a) in acc.iter().take(p.out_w).enumerate() {
                            let v = requantize_cold(a, mult, shift, p.output_offset, p.act_min, p.act_max);
                            // SAFETY: as for the outputs above.
                            unsafe { *dst.wrapping_add(oc + r * out_row + j * out_c) = v };
                        }
                    }
                }
            }
            if in_place {
                let n = n_rows * out_row;
                // Both views are `n` long, so the copy has no panic path.
                if let (Some(o), Some(v)) = (io.output().get_mut(dst_at..dst_at + n), band.get(..n)) {
                    copy_band(o, v);
                }
            }
            oy0 += n_rows;
        }
    }
    true
}

/// [`requantize`] out of line, for the planar path's channels whose
/// requantization is not the assembly's one pass (a right shift of 0 or
/// 1, or a left shift): inlined, the per-output arithmetic would be
/// unrolled into several hundred bytes of code in the driver.
#[inline(never)]
fn requantize_cold(acc: i32, multiplier: i32, shift: i32, output_offset: i32, min: i32, max: i32) -> i8 {
    requantize(acc, multiplier, shift, output_offset, min, max)
}

/// Copies `src` into `dst` (the shorter length) 16 bytes per step, the
/// rest four and one at a time: the in-place planar path's band copy
/// without `memcpy`, whose code is several times larger.
#[inline(always)]
fn copy_band(dst: &mut [i8], src: &[i8]) {
    let (d, s) = super::conv_2d::copy_chunks::<16>(dst, src);
    super::conv_2d::copy_bytes(d, s);
}

/// Sets every value of `dst` to `v`: one small loop out of line for the
/// planar path's row buffer and padding rows, which inlined fills would
/// unroll into several hundred bytes of code.
#[inline(never)]
fn fill_i16(dst: &mut [i16], v: i16) {
    for x in dst {
        *x = v;
    }
}

/// The reference path: TFLM's arithmetic, channels accumulated side by side
/// (vectorizable) in chunks of 64; the integer sums equal TFLM's in any
/// order.
pub fn depthwise_conv_2d_portable(p: &DepthwiseConv2d, input: &[i8], output: &mut [i8]) {
    // The multiplier non-zero by type, every view taken with `get`: no
    // panic path. A view out of bounds (impossible for a layer the compiler
    // planned) ends the layer.
    let Some(dm) = NonZeroUsize::new(p.depth_multiplier.max(1)) else { return };
    let Some(out_c) = NonZeroUsize::new(p.in_c * dm.get()) else { return };
    let mut pixels = output.chunks_exact_mut(out_c.get());
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.in_c;
        for oy in 0..p.out_h {
            let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
            let ky = valid_taps(iy0, p.dilation_h, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
                let kx = valid_taps(ix0, p.dilation_w, p.k_w, p.in_w);
                let Some(out) = pixels.next() else { return };
                if !pixel(p, dm, input, (in_batch, iy0, ix0), ky, kx, out) {
                    return;
                }
            }
        }
    }
}

/// Runs a 16x8 depthwise convolution (int16 activations with zero point 0,
/// int8 weights, int64 bias and accumulator); TFLM's int16
/// `DepthwiseConvPerChannel`. Taps in the padding are skipped.
pub fn depthwise_conv_2d_16x8(p: &DepthwiseConv2d<i64>, input: &[i16], output: &mut [i16]) {
    let dm = p.depth_multiplier.max(1);
    let out_c = p.in_c * dm;
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.in_c;
        for oy in 0..p.out_h {
            let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
            let (ky0, ky1) = valid_taps(iy0, p.dilation_h, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
                let (kx0, kx1) = valid_taps(ix0, p.dilation_w, p.k_w, p.in_w);
                for oc in 0..out_c {
                    let ic = oc / dm;
                    let mut acc: i64 = 0;
                    for ky in ky0..ky1 {
                        let iy = (iy0 + (ky * p.dilation_h) as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (ix0 + (kx * p.dilation_w) as isize) as usize;
                            let x = input[in_batch + (iy * p.in_w + ix) * p.in_c + ic];
                            let w = p.filter[(ky * p.k_w + kx) * out_c + oc];
                            acc += (x as i32 * w as i32) as i64;
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

/// One output pixel of [`depthwise_conv_2d_portable`]: the window's origin
/// `(in_batch, iy0, ix0)` and its valid taps `ky`, `kx`; `false` if a view
/// is out of bounds.
///
/// On ARMv7-M a function of its own, so that its loops keep their values in
/// registers (inlined into micro_speech's `run`, its depthwise layer takes
/// 23% more instructions on Cortex-M3); on ARMv6-M inlined, so that a
/// layer's constants (the depth multiplier) shape the loops (3% fewer).
#[cfg_attr(nn_armv6m, inline)]
#[cfg_attr(not(nn_armv6m), inline(never))]
fn pixel(
    p: &DepthwiseConv2d,
    dm: NonZeroUsize,
    input: &[i8],
    (in_batch, iy0, ix0): (usize, isize, isize),
    (ky0, ky1): (usize, usize),
    (kx0, kx1): (usize, usize),
    out: &mut [i8],
) -> bool {
    let out_c = out.len();
    // Chunks of whole input channels (a multiple of `dm` outputs) when
    // `dm` allows, so that each input value is read once per tap.
    let (chunk, whole) = if dm.get() <= CHUNK { (CHUNK / dm * dm.get(), true) } else { (CHUNK, false) };
    let mut c0 = 0;
    while c0 < out_c {
        let n = chunk.min(out_c - c0);
        let mut acc = [0i32; CHUNK];
        let acc = &mut acc[..n];
        for ky in ky0..ky1 {
            let iy = (iy0 + (ky * p.dilation_h) as isize) as usize;
            for kx in kx0..kx1 {
                let ix = (ix0 + (kx * p.dilation_w) as isize) as usize;
                let px = in_batch + (iy * p.in_w + ix) * p.in_c;
                let at = (ky * p.k_w + kx) * out_c + c0;
                let Some(w) = p.filter.get(at..at + n) else { return false };
                if dm.get() == 1 {
                    let Some(x) = input.get(px + c0..px + c0 + n) else { return false };
                    for ((a, &w), &x) in acc.iter_mut().zip(w).zip(x) {
                        *a = a.wrapping_add(w as i32 * (x as i32 + p.input_offset));
                    }
                } else if whole {
                    // `c0` is a multiple of `dm`: output channels
                    // `c0..c0 + n` read input channels from `c0 / dm`,
                    // each `dm` times.
                    let Some(x) = input.get(px + c0 / dm..px + p.in_c) else { return false };
                    for ((a, w), &x) in acc.chunks_mut(dm.get()).zip(w.chunks(dm.get())).zip(x) {
                        let x = x as i32 + p.input_offset;
                        for (a, &w) in a.iter_mut().zip(w) {
                            *a = a.wrapping_add(w as i32 * x);
                        }
                    }
                } else {
                    let Some(x) = input.get(px..px + p.in_c) else { return false };
                    for (i, (a, &w)) in acc.iter_mut().zip(w).enumerate() {
                        let Some(&x) = x.get((c0 + i) / dm) else { return false };
                        *a = a.wrapping_add(w as i32 * (x as i32 + p.input_offset));
                    }
                }
            }
        }
        let (Some(m), Some(s), Some(o)) =
            (p.multiplier.get(c0..c0 + n), p.shift.get(c0..c0 + n), out.get_mut(c0..c0 + n))
        else {
            return false;
        };
        for (i, (((&a, &m), &s), o)) in acc.iter().zip(m).zip(s).zip(o).enumerate() {
            let a = match p.bias.get(c0 + i) {
                Some(&bias) => a.wrapping_add(bias),
                None => a,
            };
            *o = requantize(a, m, s, p.output_offset, p.act_min, p.act_max);
        }
        c0 += n;
    }
    true
}

/// Constants of one float32 depthwise convolution layer. Weights and bias
/// are little-endian `f32` bytes.
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseConv2dF32<'a> {
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
    /// Output channels per input channel.
    pub depth_multiplier: usize,
    /// Filter height.
    pub k_h: usize,
    /// Filter width.
    pub k_w: usize,
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
    /// `[k_h][k_w][in_c * depth_multiplier]` weights as little-endian `f32`
    /// bytes.
    pub filter: &'a [u8],
    /// Bias per output channel as little-endian `f32` bytes, or empty.
    pub bias: &'a [u8],
}

/// Runs a float32 depthwise convolution in TFLM's reference order: one
/// running `f32` total per output over `ky`, then `kx` (padding taps
/// skipped), then `+ bias`, then the activation clamp.
pub fn depthwise_conv_2d_f32(p: &DepthwiseConv2dF32, input: &[f32], output: &mut [f32]) {
    use super::fully_connected::{clamp_f32, f32_at};
    let dm = p.depth_multiplier.max(1);
    let out_c = p.in_c * dm;
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.in_c;
        for oy in 0..p.out_h {
            let iy0 = (oy * p.stride_h) as isize - p.pad_top as isize;
            let (ky0, ky1) = valid_taps(iy0, p.dilation_h, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let ix0 = (ox * p.stride_w) as isize - p.pad_left as isize;
                let (kx0, kx1) = valid_taps(ix0, p.dilation_w, p.k_w, p.in_w);
                for oc in 0..out_c {
                    let mut total = 0.0f32;
                    for ky in ky0..ky1 {
                        let iy = (iy0 + (ky * p.dilation_h) as isize) as usize;
                        for kx in kx0..kx1 {
                            let ix = (ix0 + (kx * p.dilation_w) as isize) as usize;
                            let x = input[in_batch + (iy * p.in_w + ix) * p.in_c + oc / dm];
                            total += x * f32_at(p.filter, (ky * p.k_w + kx) * out_c + oc);
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
