//! Random layers through the kernels as the generated code calls them (on
//! Cortex-M4 the DSP paths: blocked convolution, planar depthwise, both
//! also over their own input, and the fully connected rows) and through
//! the portable reference paths,
//! which must agree bit for bit. The host property tests cover the
//! portable paths and the plain-Rust forms of the DSP drivers; this binary
//! covers the ARMv7E-M assembly. On the other targets both sides are
//! portable.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use nn_firmware::{entry, finish_cases};
use nn_runtime::kernels::conv_2d::{
    blocked_path, conv_2d_1x1_overlapping, conv_2d_dsp, conv_2d_dsp_overlapping, conv_2d_portable,
    scratch_bytes as conv_scratch, Conv2d,
};
use nn_runtime::kernels::depthwise_conv_2d::{
    depthwise_conv_2d_dsp, depthwise_conv_2d_dsp_in_place, depthwise_conv_2d_portable, dsp_path,
    scratch_bytes as dw_scratch, DepthwiseConv2d,
};
use nn_runtime::kernels::fully_connected::{fully_connected, fully_connected_portable, FullyConnected};
use nn_runtime::kernels::in_place::{conv_2d_rows, depthwise_conv_2d_rows};

/// xorshift64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next() % (hi - lo) as u64) as i32
    }
    fn size(&mut self, lo: usize, hi: usize) -> usize {
        self.range(lo as i32, hi as i32) as usize
    }
}

const MAX_IN: usize = 2 * 12 * 12 * 24;
const MAX_OUT: usize = 2 * 14 * 14 * 24;
const MAX_FILTER: usize = 100 * 5 * 5 * 20 + 8;
const MAX_C: usize = 100;

struct Buffers {
    input: [i8; MAX_IN],
    filter: [i8; MAX_FILTER],
    bias: [i32; MAX_C],
    folded: [i32; MAX_C],
    multiplier: [i32; MAX_C],
    shift: [i32; MAX_C],
    out: [i8; MAX_OUT],
    reference: [i8; MAX_OUT],
    shared: [i8; MAX_IN + MAX_OUT],
    scratch: Scratch,
}

/// Scratch for the DSP kernels, aligned as the planner aligns it; each case
/// passes exactly the size the compiler would plan (`scratch_bytes`).
#[repr(C, align(16))]
struct Scratch([u8; 16384]);

static mut BUFFERS: Buffers = Buffers {
    input: [0; MAX_IN],
    filter: [0; MAX_FILTER],
    bias: [0; MAX_C],
    folded: [0; MAX_C],
    multiplier: [0; MAX_C],
    shift: [0; MAX_C],
    out: [0; MAX_OUT],
    reference: [0; MAX_OUT],
    shared: [0; MAX_IN + MAX_OUT],
    scratch: Scratch([0; 16384]),
};

fn out_len(n: usize, k: usize, stride: usize, dilation: usize, pad: usize) -> usize {
    (n + 2 * pad).saturating_sub((k - 1) * dilation + 1) / stride + 1
}

/// The least distance of an output below its input such that no output row
/// overwrites an input row still to be read (the planner's condition).
fn least_gap(
    batches: usize,
    in_h: usize,
    in_row: usize,
    out_h: usize,
    out_row: usize,
    stride: usize,
    pad: usize,
) -> usize {
    let mut gap = 0isize;
    for b in 0..batches {
        for r in 0..out_h {
            let first = (r * stride).saturating_sub(pad).min(in_h);
            let need = ((b * out_h + r + 1) * out_row) as isize - ((b * in_h + first) * in_row) as isize;
            gap = gap.max(need);
        }
    }
    gap as usize
}

/// Requantization constants of `n` channels: mostly the right shifts of
/// real models, sometimes ones outside the one-pass requantization.
fn requant(b: &mut Buffers, rng: &mut Rng, n: usize, odd: bool) {
    for c in 0..n {
        b.bias[c] = rng.range(-40_000, 40_000);
        b.multiplier[c] = rng.range(1 << 30, i32::MAX);
        b.shift[c] = if odd { rng.range(-25, 3) } else { rng.range(-12, 0) };
    }
}

/// Runs `f` over `shared` with the input copied at `input` and compares the
/// `n` outputs at `output` with `reference`.
/// `scratch` bytes of the scratch buffer, filled with garbage (the kernels
/// must initialise what they read).
fn scratch(s: &mut Scratch, n: usize) -> &mut [u8] {
    let s = &mut s.0[..n];
    s.fill(0xa5);
    s
}

#[allow(clippy::too_many_arguments)]
fn overlapping(
    b: &mut Buffers,
    n_in: usize,
    n: usize,
    input: usize,
    output: usize,
    scratch_len: usize,
    f: impl Fn(&mut [i8], &mut [u8]),
) -> bool {
    let len = (input + n_in).max(output + n);
    b.shared[..len].fill(0x55);
    b.shared[input..input + n_in].copy_from_slice(&b.input[..n_in]);
    f(&mut b.shared[..len], scratch(&mut b.scratch, scratch_len));
    b.shared[output..output + n] == b.reference[..n]
}

fn conv_case(b: &mut Buffers, rng: &mut Rng, case: u32) -> bool {
    let pointwise = case % 4 == 0;
    let batches = rng.size(1, 3);
    // Sometimes more channels than the blocked path's constant table holds.
    let wide = case % 9 == 4;
    let (in_h, in_w, in_c, out_c) = if wide {
        (rng.size(1, 7), rng.size(1, 7), rng.size(1, 9), rng.size(60, 101))
    } else {
        (rng.size(1, 11), rng.size(1, 11), rng.size(1, 21), rng.size(1, 13))
    };
    let (k_h, k_w) = if pointwise { (1, 1) } else { (rng.size(1, 6), rng.size(1, 6)) };
    let (stride_h, stride_w) = if pointwise { (1, 1) } else { (rng.size(1, 4), rng.size(1, 4)) };
    let (dilation_h, dilation_w) = if pointwise { (1, 1) } else { (rng.size(1, 3), rng.size(1, 3)) };
    let (pad_top, pad_left) = if pointwise { (0, 0) } else { (rng.size(0, 3), rng.size(0, 3)) };
    let most = if wide { 6 } else { 12 };
    let out_h = out_len(in_h, k_h, stride_h, dilation_h, pad_top).min(most);
    let out_w = out_len(in_w, k_w, stride_w, dilation_w, pad_left).min(most);
    let zp = rng.range(-128, 128);
    let per_oc = k_h * k_w * in_c;
    let n_in = batches * in_h * in_w * in_c;
    let n_out = batches * out_h * out_w * out_c;
    for v in &mut b.input[..n_in] {
        *v = rng.next() as i8;
    }
    for v in &mut b.filter[..out_c * per_oc] {
        *v = rng.next() as i8;
    }
    b.filter[out_c * per_oc..out_c * per_oc + 8].fill(0);
    requant(b, rng, out_c, case % 7 == 3);
    for c in 0..out_c {
        let sum: i32 = b.filter[c * per_oc..(c + 1) * per_oc].iter().map(|&w| w as i32).sum();
        b.folded[c] = b.bias[c] - zp * sum;
    }
    let (act_min, act_max) = if case % 5 == 1 { (rng.range(-128, 0), rng.range(0, 128)) } else { (-128, 127) };
    let (filter, bias, folded) = (b.filter, b.bias, b.folded);
    let (multiplier, shift) = (b.multiplier, b.shift);
    let p = Conv2d {
        batches,
        in_h,
        in_w,
        in_c,
        out_h,
        out_w,
        out_c,
        k_h,
        k_w,
        filter_in_c: in_c,
        stride_h,
        stride_w,
        dilation_h,
        dilation_w,
        pad_top,
        pad_left,
        input_offset: -zp,
        output_offset: rng.range(-128, 128),
        act_min,
        act_max,
        filter: &filter[..out_c * per_oc + 8],
        bias: &bias[..out_c],
        bias_folded: &folded[..out_c],
        multiplier: &multiplier[..out_c],
        shift: &shift[..out_c],
    };
    // As generated code calls it: the blocked path's variant where it
    // takes the layer on a core with DSP, else the portable kernel.
    let s = conv_scratch(&p);
    let path = blocked_path(&p).filter(|_| nn_runtime::DSP);
    match path {
        Some(path) => conv_2d_dsp(&p, &b.input[..n_in], &mut b.out[..n_out], scratch(&mut b.scratch, s), path),
        None => conv_2d_portable(&p, &b.input[..n_in], &mut b.out[..n_out]),
    }
    conv_2d_portable(&p, &b.input[..n_in], &mut b.reference[..n_out]);
    let mut same = b.out[..n_out] == b.reference[..n_out];
    let over = |buf: &mut [i8], input: usize, output: usize, s: &mut [u8]| match path {
        Some(path) => conv_2d_dsp_overlapping(&p, buf, input, output, s, path),
        None if pointwise => conv_2d_1x1_overlapping(&p, buf, input, output),
        None => conv_2d_rows(&p, buf, input, output),
    };
    if pointwise {
        // Below the input (first to last) and above it (last to first), as
        // close as the planner may place them.
        let pixels = batches * in_h * in_w;
        let below = (0..pixels).map(|q| ((q + 1) * out_c).saturating_sub(q * in_c)).max().unwrap_or(0);
        same &= overlapping(b, n_in, n_out, below, 0, s, |buf, s| over(buf, below, 0, s));
        let above = (0..pixels).map(|q| ((q + 1) * in_c).saturating_sub(q * out_c)).max().unwrap_or(0);
        same &= overlapping(b, n_in, n_out, 0, above, s, |buf, s| over(buf, 0, above, s));
    } else if dilation_w == 1 {
        let gap = least_gap(batches, in_h, in_w * in_c, out_h, out_w * out_c, stride_h, pad_top);
        same &= overlapping(b, n_in, n_out, gap, 0, s, |buf, s| over(buf, gap, 0, s));
    }
    same
}

fn depthwise_case(b: &mut Buffers, rng: &mut Rng, case: u32) -> bool {
    // Mostly the 3x3 layers of the planar path, sometimes others.
    let planar = case % 5 != 0;
    let batches = rng.size(1, 3);
    let (in_h, in_w) = (rng.size(1, 13), rng.size(1, 13));
    // Sometimes one input channel (several outputs): the convolution path.
    let one = case % 10 == 5;
    let in_c = if one { 1 } else { rng.size(1, 13) };
    let dm = if one {
        rng.size(1, 13)
    } else if case % 3 == 0 {
        rng.size(1, 3)
    } else {
        1
    };
    let (k_h, k_w) = if planar { (3, 3) } else { (rng.size(1, 5), rng.size(1, 5)) };
    let (stride_h, stride_w) = (rng.size(1, 3), rng.size(1, 3));
    let dilation = if planar { 1 } else { rng.size(1, 3) };
    let (pad_top, pad_left) = (rng.size(0, 3), rng.size(0, 3));
    let out_h = out_len(in_h, k_h, stride_h, dilation, pad_top).min(14);
    let out_w = out_len(in_w, k_w, stride_w, dilation, pad_left).min(14);
    let out_c = in_c * dm;
    let zp = rng.range(-128, 128);
    let n_in = batches * in_h * in_w * in_c;
    let n_out = batches * out_h * out_w * out_c;
    for v in &mut b.input[..n_in] {
        *v = rng.next() as i8;
    }
    for v in &mut b.filter[..k_h * k_w * out_c] {
        *v = rng.next() as i8;
    }
    requant(b, rng, out_c, case % 7 == 3);
    let (act_min, act_max) = if case % 5 == 1 { (rng.range(-128, 0), rng.range(0, 128)) } else { (-128, 127) };
    let (filter, bias, multiplier, shift) = (b.filter, b.bias, b.multiplier, b.shift);
    let p = DepthwiseConv2d {
        batches,
        in_h,
        in_w,
        in_c,
        out_h,
        out_w,
        depth_multiplier: dm,
        k_h,
        k_w,
        stride_h,
        stride_w,
        dilation_h: dilation,
        dilation_w: dilation,
        pad_top,
        pad_left,
        input_offset: -zp,
        output_offset: rng.range(-128, 128),
        act_min,
        act_max,
        filter: &filter[..k_h * k_w * out_c],
        bias: if case % 4 == 2 { &[] } else { &bias[..out_c] },
        multiplier: &multiplier[..out_c],
        shift: &shift[..out_c],
    };
    // As generated code calls it: the DSP path where one takes the layer on
    // a core with DSP, else the portable kernel.
    let (input, out) = (&b.input[..n_in], &mut b.out[..n_out]);
    match dsp_path(&p, false).filter(|_| nn_runtime::DSP) {
        Some(path) => depthwise_conv_2d_dsp(&p, input, out, scratch(&mut b.scratch, dw_scratch(&p, false)), path),
        None => depthwise_conv_2d_portable(&p, input, out),
    }
    depthwise_conv_2d_portable(&p, &b.input[..n_in], &mut b.reference[..n_out]);
    let mut same = b.out[..n_out] == b.reference[..n_out];
    let gap = least_gap(batches, in_h, in_w * in_c, out_h, out_w * out_c, stride_h, pad_top);
    let s = dw_scratch(&p, true);
    same &= overlapping(b, n_in, n_out, gap, 0, s, |buf, s| match dsp_path(&p, true).filter(|_| nn_runtime::DSP) {
        Some(path) => depthwise_conv_2d_dsp_in_place(&p, buf, gap, 0, s, path),
        None => depthwise_conv_2d_rows(&p, buf, gap, 0),
    });
    same
}

fn fc_case(b: &mut Buffers, rng: &mut Rng, case: u32) -> bool {
    let batches = rng.size(1, 4);
    // Mostly layers deeper than a few words, sometimes a long one like
    // micro_speech's (4000 values).
    let depth = if case % 10 == 3 { rng.size(1000, 2001) } else { rng.size(1, 300) };
    let out_c = if depth > 1000 { rng.size(1, 6) } else { rng.size(1, 21) };
    let per_channel = case % 3 != 0;
    let zp = rng.range(-128, 128);
    let (n_in, n_out) = (batches * depth, batches * out_c);
    for v in &mut b.input[..n_in] {
        *v = rng.next() as i8;
    }
    for v in &mut b.filter[..out_c * depth] {
        *v = rng.next() as i8;
    }
    requant(b, rng, out_c, case % 7 == 3);
    for c in 0..out_c {
        let sum: i32 = b.filter[c * depth..(c + 1) * depth].iter().map(|&w| w as i32).sum();
        b.folded[c] = b.bias[c] - zp * sum;
    }
    let (act_min, act_max) = if case % 5 == 1 { (rng.range(-128, 0), rng.range(0, 128)) } else { (-128, 127) };
    let n = if per_channel { out_c } else { 1 };
    let (filter, bias, folded, multiplier, shift) = (b.filter, b.bias, b.folded, b.multiplier, b.shift);
    let p = FullyConnected {
        batches,
        depth,
        out_c,
        input_offset: -zp,
        filter_offset: 0,
        output_offset: rng.range(-128, 128),
        act_min,
        act_max,
        filter: &filter[..out_c * depth],
        bias: if case % 4 == 2 { &[] } else { &bias[..out_c] },
        bias_folded: &folded[..out_c],
        multiplier: &multiplier[..n],
        shift: &shift[..n],
    };
    // Without a bias the folded bias is the zero-point term alone.
    let unbiased: [i32; MAX_C];
    let p = if p.bias.is_empty() {
        unbiased = core::array::from_fn(|c| if c < out_c { folded[c] - bias[c] } else { 0 });
        FullyConnected { bias_folded: &unbiased[..out_c], ..p }
    } else {
        p
    };
    fully_connected(&p, &b.input[..n_in], &mut b.out[..n_out]);
    fully_connected_portable(&p, &b.input[..n_in], &mut b.reference[..n_out]);
    b.out[..n_out] == b.reference[..n_out]
}

#[entry]
fn main() -> ! {
    // SAFETY: the only reference to BUFFERS, taken once.
    let b = unsafe { &mut *addr_of_mut!(BUFFERS) };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut passed, mut total) = (0u32, 0u32);
    let mut failure = [0i32; 2];
    for case in 0..1000u32 {
        let same = if case >= 800 {
            fc_case(b, &mut rng, case - 800)
        } else if case % 2 == 0 {
            conv_case(b, &mut rng, case / 2)
        } else {
            depthwise_case(b, &mut rng, case / 2)
        };
        total += 1;
        if same {
            passed += 1;
        } else if failure == [0, 0] {
            failure = [case as i32, 1];
        }
    }
    finish_cases("kernels", passed, total, &failure)
}
