//! Random layers through the kernels as the generated code calls them
//! (on Cortex-M4 the DSP paths) and through the portable reference paths,
//! which must agree bit for bit. The host property tests cover the
//! portable paths and the blocked path's plain-Rust form; this binary covers
//! the ARMv7E-M assembly. On the other targets both sides are portable.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use nn_firmware::{entry, finish_cases};
use nn_runtime::kernels::conv_2d::{conv_2d, conv_2d_1x1_overlapping, conv_2d_portable, Conv2d};

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

const MAX_IN: usize = 2 * 9 * 9 * 20;
const MAX_OUT: usize = 2 * 11 * 11 * 12;
const MAX_FILTER: usize = 12 * 5 * 5 * 20 + 8;

struct Buffers {
    input: [i8; MAX_IN],
    filter: [i8; MAX_FILTER],
    bias: [i32; 12],
    folded: [i32; 12],
    multiplier: [i32; 12],
    shift: [i32; 12],
    out: [i8; MAX_OUT],
    reference: [i8; MAX_OUT],
    shared: [i8; MAX_IN + MAX_OUT],
}

static mut BUFFERS: Buffers = Buffers {
    input: [0; MAX_IN],
    filter: [0; MAX_FILTER],
    bias: [0; 12],
    folded: [0; 12],
    multiplier: [0; 12],
    shift: [0; 12],
    out: [0; MAX_OUT],
    reference: [0; MAX_OUT],
    shared: [0; MAX_IN + MAX_OUT],
};

fn out_len(n: usize, k: usize, stride: usize, dilation: usize, pad: usize) -> usize {
    (n + 2 * pad).saturating_sub((k - 1) * dilation + 1) / stride + 1
}

#[entry]
fn main() -> ! {
    // SAFETY: the only reference to BUFFERS, taken once.
    let b = unsafe { &mut *addr_of_mut!(BUFFERS) };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut passed, mut total) = (0u32, 0u32);
    let mut failure = [0i32; 12];
    let mut recorded = false;
    for case in 0..400 {
        let pointwise = case % 4 == 0;
        let batches = rng.size(1, 3);
        let (in_h, in_w, in_c, out_c) = (rng.size(1, 10), rng.size(1, 10), rng.size(1, 21), rng.size(1, 13));
        let (k_h, k_w) = if pointwise { (1, 1) } else { (rng.size(1, 6), rng.size(1, 6)) };
        let (stride_h, stride_w) = if pointwise { (1, 1) } else { (rng.size(1, 4), rng.size(1, 4)) };
        let (dilation_h, dilation_w) = if pointwise { (1, 1) } else { (rng.size(1, 3), rng.size(1, 3)) };
        let (pad_top, pad_left) = if pointwise { (0, 0) } else { (rng.size(0, 3), rng.size(0, 3)) };
        let out_h = out_len(in_h, k_h, stride_h, dilation_h, pad_top).min(11);
        let out_w = out_len(in_w, k_w, stride_w, dilation_w, pad_left).min(11);
        let (out_h, out_w) = if pointwise { (in_h, in_w) } else { (out_h, out_w) };
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
        // Mostly the shifts of real models, sometimes ones outside the
        // one-pass requantization (then the per-output path runs).
        let odd_shifts = case % 7 == 3;
        for c in 0..out_c {
            b.bias[c] = rng.range(-40_000, 40_000);
            b.multiplier[c] = rng.range(1 << 30, i32::MAX);
            b.shift[c] = if odd_shifts { rng.range(-25, 3) } else { rng.range(-12, -1) };
            let sum: i32 = b.filter[c * per_oc..(c + 1) * per_oc].iter().map(|&w| w as i32).sum();
            b.folded[c] = b.bias[c] - zp * sum;
        }
        let (act_min, act_max) = if case % 5 == 1 { (rng.range(-128, 0), rng.range(0, 128)) } else { (-128, 127) };
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
            filter: &b.filter[..out_c * per_oc + 8],
            bias: &b.bias[..out_c],
            bias_folded: &b.folded[..out_c],
            multiplier: &b.multiplier[..out_c],
            shift: &b.shift[..out_c],
        };
        conv_2d(&p, &b.input[..n_in], &mut b.out[..n_out]);
        conv_2d_portable(&p, &b.input[..n_in], &mut b.reference[..n_out]);
        let mut same = b.out[..n_out] == b.reference[..n_out];
        if pointwise {
            // The overlapping form with the output as low as the planner
            // may place it: max over pixels p of (p + 1) * out_c - p * in_c.
            let pixels = batches * in_h * in_w;
            let gap = (1..=pixels).map(|q| q * out_c).zip(0..pixels).map(|(o, q)| o.saturating_sub(q * in_c)).max();
            let gap = gap.unwrap_or(0);
            b.shared[gap..gap + n_in].copy_from_slice(&b.input[..n_in]);
            conv_2d_1x1_overlapping(&p, &mut b.shared[..gap + n_in.max(n_out)], gap, 0);
            same &= b.shared[..n_out] == b.reference[..n_out];
        }
        total += 1;
        if same {
            passed += 1;
        } else if !recorded {
            recorded = true;
            failure = [
                case,
                in_h as i32,
                in_w as i32,
                in_c as i32,
                out_c as i32,
                k_h as i32,
                k_w as i32,
                stride_h as i32,
                dilation_h as i32,
                pad_top as i32,
                act_min,
                act_max,
            ];
        }
    }
    finish_cases("kernels", passed, total, &failure)
}
