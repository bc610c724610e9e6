//! Layers whose output overlaps the input they consume, so that the arena
//! needs less memory than the input and the output side by side.
//!
//! A convolution computes its output row by row, and output row `r` needs
//! input rows from `r * stride - pad_top` on. If the output starts far
//! enough below the input (the compiler's planner computes the least such
//! distance for every layer), each output row can be written over input rows
//! that no later row reads. Each row is computed by the ordinary kernel on a
//! view of the input rows it needs, so the result is that of the ordinary
//! kernel. Elementwise ADD, SUB and PRELU read element `i` of the overlapped
//! operand before writing element `i` of the output at the same or a lower
//! address.

use super::add::Arithmetic;
use super::conv_2d::{conv_2d_portable, Conv2d};
use super::depthwise_conv_2d::{depthwise_conv_2d_portable, DepthwiseConv2d};
use super::prelu::Prelu;
use super::Quantized;

/// Row geometry of a windowed layer.
#[derive(Clone, Copy, Debug)]
struct Rows {
    batches: usize,
    in_h: usize,
    in_row: usize,
    out_h: usize,
    out_row: usize,
    k_h: usize,
    stride_h: usize,
    dilation_h: usize,
    pad_top: usize,
}

/// Runs `layer(in_h, pad_top, input rows, output row)` for every output row
/// of every batch, with the output at byte `output` of `buf` and the input
/// at byte `input`. A row whose views would overlap (impossible for a
/// planned arena) is left unwritten rather than aliased.
fn by_rows(
    g: Rows,
    buf: &mut [i8],
    input: usize,
    output: usize,
    mut layer: impl FnMut(usize, usize, &[i8], &mut [i8]),
) {
    let span = (g.k_h.max(1) - 1) * g.dilation_h + 1;
    for b in 0..g.batches {
        for r in 0..g.out_h {
            let start = (r * g.stride_h) as isize - g.pad_top as isize;
            // Rows of the input this output row reads, clamped to the input
            // (a row entirely in the padding reads none).
            let lo = (start.max(0) as usize).min(g.in_h);
            let hi = ((start + span as isize).max(0) as usize).min(g.in_h).max(lo);
            let in_start = input + (b * g.in_h + lo) * g.in_row;
            let in_len = (hi - lo) * g.in_row;
            let out_start = output + (b * g.out_h + r) * g.out_row;
            if out_start + g.out_row > in_start {
                continue;
            }
            // Checked views: no panic path.
            let Some((below, above)) = buf.split_at_mut_checked(in_start) else { continue };
            let (Some(x), Some(y)) = (above.get(..in_len), below.get_mut(out_start..out_start + g.out_row)) else {
                continue;
            };
            layer(hi - lo, (lo as isize - start).max(0) as usize, x, y);
        }
    }
}

/// A convolution whose output overlaps its input (see the module docs):
/// output at byte `output` of `buf`, input at byte `input`.
///
/// The portable kernel, row by row. On cores with DSP, generated code runs
/// the blocked convolution over the whole layer instead (it writes each
/// output after reading the inputs it needs, which the same row condition
/// makes safe; see
/// [`conv_2d_dsp_overlapping`](super::conv_2d::conv_2d_dsp_overlapping)).
pub fn conv_2d_rows(p: &Conv2d, buf: &mut [i8], input: usize, output: usize) {
    let g = Rows {
        batches: p.batches,
        in_h: p.in_h,
        in_row: p.in_w * p.in_c,
        out_h: p.out_h,
        out_row: p.out_w * p.out_c,
        k_h: p.k_h,
        stride_h: p.stride_h,
        dilation_h: p.dilation_h,
        pad_top: p.pad_top,
    };
    by_rows(g, buf, input, output, |in_h, pad_top, x, y| {
        let row = Conv2d { batches: 1, in_h, out_h: 1, pad_top, ..*p };
        conv_2d_portable(&row, x, y);
    });
}

/// A depthwise convolution whose output overlaps its input (see the module
/// docs): output at byte `output` of `buf`, input at byte `input`.
///
/// The portable kernel, row by row. On cores with DSP, generated code runs
/// the planar or one-channel path over the whole layer instead (see
/// [`depthwise_conv_2d_dsp_in_place`](super::depthwise_conv_2d::depthwise_conv_2d_dsp_in_place)).
pub fn depthwise_conv_2d_rows(p: &DepthwiseConv2d, buf: &mut [i8], input: usize, output: usize) {
    let g = Rows {
        batches: p.batches,
        in_h: p.in_h,
        in_row: p.in_w * p.in_c,
        out_h: p.out_h,
        out_row: p.out_w * p.in_c * p.depth_multiplier.max(1),
        k_h: p.k_h,
        stride_h: p.stride_h,
        dilation_h: p.dilation_h,
        pad_top: p.pad_top,
    };
    by_rows(g, buf, input, output, |in_h, pad_top, x, y| {
        let row = DepthwiseConv2d { batches: 1, in_h, out_h: 1, pad_top, ..*p };
        depthwise_conv_2d_portable(&row, x, y);
    });
}

/// Elementwise ADD (or SUB when `sub`) whose output overlaps one operand:
/// the output is `region[..n]`, the overlapped operand `region[at..at + n]`
/// (`first` tells whether it is the first operand) and the other operand
/// `other` (`n` elements). Shapes must be equal (no broadcasting).
pub fn arithmetic_overlapping<T: Quantized>(
    p: &Arithmetic,
    sub: bool,
    region: &mut [T],
    at: usize,
    first: bool,
    other: &[T],
) {
    if let Some(t) = super::add::Int8Tables::of::<T>(p) {
        // The operand and the output share `region`: cells let the reads
        // and the writes (which never run ahead of the reads) share it.
        let cells = core::cell::Cell::from_mut(region).as_slice_of_cells();
        let operand = cells.get(at..).unwrap_or_default();
        let items = operand.iter().zip(other).zip(cells).map(|((x, &y), o)| (x.get(), y, o));
        t.run(p, sub, !first, items);
        return;
    }
    for (i, &y) in other.iter().enumerate() {
        let Some(&x) = region.get(at + i) else { return };
        let (a, b) = if first { p.scaled(x, y) } else { p.scaled(y, x) };
        let raw = if sub { a.wrapping_sub(b) } else { a.wrapping_add(b) };
        if let Some(o) = region.get_mut(i) {
            *o = p.finish(raw);
        }
    }
}

/// Quantized PRELU whose output overlaps its input: the output is
/// `region[..n]` and the input `region[at..at + n]`, of the output's shape
/// (alpha may be broadcast, the input not).
pub fn prelu_overlapping<T: Quantized>(p: &Prelu, region: &mut [T], at: usize, alpha: &[i8]) {
    let n = region.len().saturating_sub(at);
    match &p.broadcast {
        None => {
            for (i, &a) in alpha.iter().enumerate().take(n) {
                if let Some(&x) = region.get(at + i) {
                    region[i] = p.apply(x, a);
                }
            }
        }
        Some(bc) => bc.for_each(|o, i, j| {
            if let (Some(&x), Some(&a)) = (region.get(at + i), alpha.get(j)) {
                if let Some(out) = region.get_mut(o) {
                    *out = p.apply(x, a);
                }
            }
        }),
    }
}
