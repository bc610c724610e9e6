//! Layers computed over their own input (`kernels::in_place`), with the
//! output placed as low below the input as the planner allows, equal the
//! ordinary kernels with separate buffers.

use nn_runtime::kernels::add::{add, Arithmetic};
use nn_runtime::kernels::conv_2d::{conv_2d, conv_2d_1x1_overlapping, conv_2d_blocked_overlapping, Conv2d};
use nn_runtime::kernels::depthwise_conv_2d::{
    as_conv_scratch_bytes, depthwise_conv_2d, depthwise_conv_2d_as_conv_in_place, depthwise_conv_2d_dsp_in_place,
    depthwise_conv_2d_planar_in_place, dsp_path, DepthwiseConv2d,
};
use nn_runtime::kernels::in_place::{arithmetic_overlapping, conv_2d_rows, depthwise_conv_2d_rows, prelu_overlapping};
use nn_runtime::kernels::prelu::{prelu, Prelu};
use nn_runtime::kernels::sub::sub;
use nn_runtime::kernels::Broadcast;
use proptest::prelude::*;

/// Property-test cases: `n` natively; a few under Miri, which checks the
/// same code paths for undefined behaviour but runs far slower.
const fn cases(n: u32) -> u32 {
    if cfg!(miri) {
        3
    } else {
        n
    }
}

/// A 16-byte aligned scratch buffer of `n` bytes holding garbage, as the
/// planner hands one to a kernel (its storage is `v`).
fn scratch(v: &mut Vec<u8>, n: usize) -> &mut [u8] {
    *v = vec![0xa5; n + 16];
    let at = v.as_ptr().align_offset(16);
    &mut v[at..at + n]
}

fn vec_i8(len: usize, seed: u64) -> Vec<i8> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as i8
        })
        .collect()
}

fn out_len(input: usize, k: usize, stride: usize, dil: usize, pad: usize) -> usize {
    let eff = (k - 1) * dil + 1;
    (input + 2 * pad).saturating_sub(eff) / stride + 1
}

/// The least distance between output and input such that no output row
/// overwrites an input row still to be read (the planner's formula,
/// restated).
#[allow(clippy::too_many_arguments)]
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
            let first_row = (r * stride).saturating_sub(pad).min(in_h);
            let need = ((b * out_h + r + 1) * out_row) as isize - ((b * in_h + first_row) * in_row) as isize;
            gap = gap.max(need);
        }
    }
    gap as usize
}

/// Places `input` at `gap` bytes above offset 0, runs `f` over the buffer
/// and returns the `out_len` bytes at offset 0.
fn run_overlapping(input: &[i8], gap: usize, out_len: usize, f: impl Fn(&mut [i8], usize)) -> Vec<i8> {
    let mut buf = vec![0x55i8; (gap + input.len()).max(out_len)];
    buf[gap..gap + input.len()].copy_from_slice(input);
    f(&mut buf, gap);
    buf[..out_len].to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn conv_rows_over_own_input(
        (in_h, in_w, k_h, k_w) in (1usize..9, 1usize..7, 1usize..5, 1usize..4),
        (sh, sw, dh, pt, pl) in (1usize..3, 1usize..3, 1usize..3, 0usize..3, 0usize..2),
        (batches, in_c, out_c) in (1usize..3, 1usize..9, 1usize..9),
        zp in -128i32..128, seed in any::<u64>(), slack in 0usize..3,
    ) {
        let (out_h, out_w) = (out_len(in_h, k_h, sh, dh, pt), out_len(in_w, k_w, sw, 1, pl));
        let input = vec_i8(batches * in_h * in_w * in_c, seed);
        let filter = vec_i8(out_c * k_h * k_w * in_c, seed ^ 99);
        let bias: Vec<i32> = (0..out_c as i32).map(|c| c * 211 - 700).collect();
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| (1 << 30) + c * 54_321).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| -6 - c % 3).collect();
        let p = Conv2d {
            batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, filter_in_c: in_c,
            stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: 1, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: -3, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, bias_folded: &[], multiplier: &multiplier, shift: &shifts,
        };
        let n = batches * out_h * out_w * out_c;
        let mut expected = vec![0i8; n];
        conv_2d(&p, &input, &mut expected, &mut []);
        let gap = least_gap(batches, in_h, in_w * in_c, out_h, out_w * out_c, sh, pt) + slack;
        let got = run_overlapping(&input, gap, n, |buf, at| conv_2d_rows(&p, buf, at, 0));
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn depthwise_rows_over_own_input(
        (in_h, in_w, k_h, k_w) in (1usize..9, 1usize..7, 1usize..5, 1usize..4),
        (sh, sw, dh, pt, pl) in (1usize..3, 1usize..3, 1usize..3, 0usize..3, 0usize..2),
        (batches, in_c, dm) in (1usize..3, 1usize..20, 1usize..3),
        zp in -128i32..128, seed in any::<u64>(), slack in 0usize..3,
    ) {
        let (out_h, out_w) = (out_len(in_h, k_h, sh, dh, pt), out_len(in_w, k_w, sw, 1, pl));
        let out_c = in_c * dm;
        let input = vec_i8(batches * in_h * in_w * in_c, seed);
        let filter = vec_i8(k_h * k_w * out_c, seed ^ 7);
        let bias: Vec<i32> = (0..out_c as i32).map(|c| c * 97 - 300).collect();
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| (1 << 30) + c * 7_654_321).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| -5 - c % 4).collect();
        let p = DepthwiseConv2d {
            batches, in_h, in_w, in_c, out_h, out_w, depth_multiplier: dm, k_h, k_w,
            stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: 1, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: 5, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, multiplier: &multiplier, shift: &shifts,
        };
        let n = batches * out_h * out_w * out_c;
        let mut expected = vec![0i8; n];
        depthwise_conv_2d(&p, &input, &mut expected, &mut []);
        let gap = least_gap(batches, in_h, in_w * in_c, out_h, out_w * out_c, sh, pt) + slack;
        let got = run_overlapping(&input, gap, n, |buf, at| depthwise_conv_2d_rows(&p, buf, at, 0));
        prop_assert_eq!(&got, &expected);
        // The DSP builds' entry point with the path and the scratch the
        // compiler plans, where a DSP path takes the layer.
        if let Some(path) = dsp_path(&p, true) {
            let s = nn_runtime::kernels::depthwise_conv_2d::scratch_bytes(&p, true);
            let got = run_overlapping(&input, gap, n, |buf, at| depthwise_conv_2d_dsp_in_place(&p, buf, at, 0, scratch(&mut Vec::new(), s), path));
            prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn pointwise_above_own_input(
        (h, w, in_c, out_c) in (1usize..6, 1usize..6, 1usize..20, 1usize..20),
        zp in -128i32..128, seed in any::<u64>(), slack in 0usize..5,
    ) {
        let pixels = h * w;
        let input = vec_i8(pixels * in_c, seed);
        let filter = vec_i8(out_c * in_c, seed ^ 31);
        let bias: Vec<i32> = (0..out_c as i32).map(|c| c * 13 - 50).collect();
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| (1 << 30) + c * 99_991).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| -4 - c % 3).collect();
        let p = Conv2d {
            batches: 1, in_h: h, in_w: w, in_c, out_h: h, out_w: w, out_c, k_h: 1, k_w: 1, filter_in_c: in_c,
            stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: 0, pad_left: 0,
            input_offset: -zp, output_offset: 1, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, bias_folded: &[], multiplier: &multiplier, shift: &shifts,
        };
        let mut expected = vec![0i8; pixels * out_c];
        conv_2d(&p, &input, &mut expected, &mut []);
        // The least distance above: max over p of (p + 1) * in_c - p * out_c.
        let above = in_c.max((pixels * in_c).saturating_sub((pixels - 1) * out_c)) + slack;
        let mut buf = vec![0x33i8; (above + pixels * out_c).max(pixels * in_c)];
        buf[..pixels * in_c].copy_from_slice(&input);
        conv_2d_1x1_overlapping(&p, &mut buf, 0, above);
        prop_assert_eq!(&buf[above..above + pixels * out_c], &expected[..]);
    }

    /// The blocked convolution (the DSP path's driver, in its plain-Rust
    /// form on the host) over its own input, below it (rows in place) and
    /// above it (a pointwise layer run backwards).
    #[test]
    fn blocked_conv_over_own_input(
        (in_h, in_w, k_h, k_w) in (1usize..9, 1usize..7, 1usize..5, 1usize..4),
        (sh, sw, dh, pt, pl) in (1usize..3, 1usize..3, 1usize..3, 0usize..3, 0usize..2),
        (batches, in_c, out_c) in (1usize..3, 1usize..9, 1usize..9),
        zp in -128i32..128, seed in any::<u64>(), slack in 0usize..3, pointwise_above in any::<bool>(),
    ) {
        let (k_h, k_w, sh, sw, dh, pt, pl) = if pointwise_above { (1, 1, 1, 1, 1, 0, 0) } else { (k_h, k_w, sh, sw, dh, pt, pl) };
        let (out_h, out_w) = (out_len(in_h, k_h, sh, dh, pt), out_len(in_w, k_w, sw, 1, pl));
        let input = vec_i8(batches * in_h * in_w * in_c, seed);
        let per_oc = k_h * k_w * in_c;
        let mut filter = vec_i8(out_c * per_oc, seed ^ 99);
        let bias: Vec<i32> = (0..out_c as i32).map(|c| c * 211 - 700).collect();
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| (1 << 30) + c * 54_321).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| -6 - c % 3).collect();
        let folded: Vec<i32> = (0..out_c)
            .map(|c| bias[c] - zp * filter[c * per_oc..(c + 1) * per_oc].iter().map(|&v| v as i32).sum::<i32>())
            .collect();
        let plain = filter.clone();
        filter.resize(filter.len() + per_oc.next_multiple_of(8) - per_oc, 0);
        let p = Conv2d {
            batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, filter_in_c: in_c,
            stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: 1, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: -3, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, bias_folded: &folded, multiplier: &multiplier, shift: &shifts,
        };
        let n = batches * out_h * out_w * out_c;
        let mut expected = vec![0i8; n];
        conv_2d(&Conv2d { filter: &plain, bias_folded: &[], ..p }, &input, &mut expected, &mut []);
        if pointwise_above {
            let pixels = batches * in_h * in_w;
            let above = in_c.max((pixels * in_c).saturating_sub((pixels - 1) * out_c)) + slack;
            let mut buf = vec![0x33i8; (above + n).max(pixels * in_c)];
            buf[..pixels * in_c].copy_from_slice(&input);
            prop_assert!(conv_2d_blocked_overlapping(&p, &mut buf, 0, above, scratch(&mut Vec::new(), nn_runtime::kernels::conv_2d::scratch_bytes(&p))));
            prop_assert_eq!(&buf[above..above + n], &expected[..]);
        } else {
            let gap = least_gap(batches, in_h, in_w * in_c, out_h, out_w * out_c, sh, pt) + slack;
            let got = run_overlapping(&input, gap, n, |buf, at| assert!(conv_2d_blocked_overlapping(&p, buf, at, 0, scratch(&mut Vec::new(), nn_runtime::kernels::conv_2d::scratch_bytes(&p)))));
            prop_assert_eq!(got, expected);
        }
    }

    /// The planar depthwise path (the DSP path's driver, in its plain-Rust
    /// form on the host) over its own input, band by band.
    #[test]
    fn planar_depthwise_over_own_input(
        (in_h, in_w, sh, sw, pt, pl) in (1usize..14, 1usize..30, 1usize..3, 1usize..3, 0usize..3, 0usize..3),
        (batches, in_c, dm) in (1usize..3, 1usize..40, 1usize..4),
        zp in -128i32..128, seed in any::<u64>(), slack in 0usize..3,
    ) {
        let (out_h, out_w) = (out_len(in_h, 3, sh, 1, pt), out_len(in_w, 3, sw, 1, pl));
        let out_c = in_c * dm;
        let input = vec_i8(batches * in_h * in_w * in_c, seed);
        let filter = vec_i8(9 * out_c, seed ^ 7);
        let bias: Vec<i32> = (0..out_c as i32).map(|c| c * 97 - 300).collect();
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| (1 << 30) + c * 7_654_321).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| -1 - c % 6).collect();
        let p = DepthwiseConv2d {
            batches, in_h, in_w, in_c, out_h, out_w, depth_multiplier: dm, k_h: 3, k_w: 3,
            stride_h: sh, stride_w: sw, dilation_h: 1, dilation_w: 1, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: 5, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, multiplier: &multiplier, shift: &shifts,
        };
        let n = batches * out_h * out_w * out_c;
        let mut expected = vec![0i8; n];
        depthwise_conv_2d(&p, &input, &mut expected, &mut []);
        let gap = least_gap(batches, in_h, in_w * in_c, out_h, out_w * out_c, sh, pt) + slack;
        let handled = out_w * out_c <= nn_runtime::kernels::depthwise_conv_2d::PLANAR_BAND_BYTES;
        let got = run_overlapping(&input, gap, n, |buf, at| {
            assert_eq!(depthwise_conv_2d_planar_in_place(&p, buf, at, 0, scratch(&mut Vec::new(), nn_runtime::kernels::depthwise_conv_2d::scratch_bytes(&p, true))), handled);
        });
        if handled {
            prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn prelu_over_own_input(
        (h, w, c) in (1usize..6, 1usize..6, 1usize..12), per_channel in any::<bool>(),
        seed in any::<u64>(), gap in 0usize..40, (zi, za, zo) in (-128i32..128, -128i32..128, -128i32..128),
    ) {
        let n = h * w * c;
        let input = vec_i8(n, seed);
        let alpha = vec_i8(if per_channel { c } else { n }, seed ^ 3);
        let broadcast = per_channel.then(|| Broadcast {
            dims: [1, 1, 1, h, w, c],
            a_strides: [0, 0, 0, w * c, c, 1],
            b_strides: [0, 0, 0, 0, 0, 1],
        });
        let p = Prelu {
            input_offset: -zi, alpha_offset: -za, output_offset: zo,
            multiplier_identity: 1_400_000_000, shift_identity: 0,
            multiplier_alpha: 1_900_000_000, shift_alpha: -7, broadcast,
        };
        let mut expected = vec![0i8; n];
        prelu(&p, &input, &alpha, &mut expected);
        let got = run_overlapping(&input, gap, n, |buf, at| prelu_overlapping(&p, buf, at, &alpha));
        prop_assert_eq!(got, expected);
    }

    /// A depthwise layer with one input channel run as a blocked
    /// convolution over its own input.
    #[test]
    fn depthwise_one_channel_as_conv_over_own_input(
        (in_h, in_w, k_h, k_w) in (1usize..9, 1usize..7, 1usize..5, 1usize..4),
        (sh, sw, dh, pt, pl) in (1usize..3, 1usize..3, 1usize..3, 0usize..3, 0usize..2),
        (batches, dm) in (1usize..3, 1usize..10),
        zp in -128i32..128, seed in any::<u64>(), slack in 0usize..3,
    ) {
        let (out_h, out_w) = (out_len(in_h, k_h, sh, dh, pt), out_len(in_w, k_w, sw, 1, pl));
        let input = vec_i8(batches * in_h * in_w, seed);
        let filter = vec_i8(k_h * k_w * dm, seed ^ 7);
        let bias: Vec<i32> = (0..dm as i32).map(|c| c * 97 - 300).collect();
        let multiplier: Vec<i32> = (0..dm as i32).map(|c| (1 << 30) + c * 7_654_321).collect();
        let shifts: Vec<i32> = (0..dm as i32).map(|c| -5 - c % 4).collect();
        let p = DepthwiseConv2d {
            batches, in_h, in_w, in_c: 1, out_h, out_w, depth_multiplier: dm, k_h, k_w,
            stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: 1, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: 5, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, multiplier: &multiplier, shift: &shifts,
        };
        let n = batches * out_h * out_w * dm;
        let mut expected = vec![0i8; n];
        depthwise_conv_2d(&p, &input, &mut expected, &mut []);
        let gap = least_gap(batches, in_h, in_w, out_h, out_w * dm, sh, pt) + slack;
        let got = run_overlapping(&input, gap, n, |buf, at| assert!(depthwise_conv_2d_as_conv_in_place(&p, buf, at, 0, scratch(&mut Vec::new(), as_conv_scratch_bytes(&p)))));
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn add_and_sub_over_either_operand(
        n in prop_oneof![1usize..200, 500usize..1200], seed in any::<u64>(), gap in 0usize..40, first in any::<bool>(), is_sub in any::<bool>(),
        (o1, o2, oo) in (-128i32..128, -128i32..128, -128i32..128),
    ) {
        let (a, b) = (vec_i8(n, seed), vec_i8(n, seed ^ 5));
        let p = Arithmetic {
            input1_offset: o1, input2_offset: o2, output_offset: oo, left_shift: 20,
            input1_multiplier: 1_500_000_000, input1_shift: -1, input2_multiplier: 1_200_000_000, input2_shift: 0,
            output_multiplier: 1_800_000_000, output_shift: -19, act_min: -128, act_max: 127, broadcast: None,
            tables: None,
        };
        let mut expected = vec![0i8; n];
        if is_sub { sub(&p, &a, &b, &mut expected) } else { add(&p, &a, &b, &mut expected) }
        // The in-place form with the compiler's tables, as the generated
        // code runs layers of 512 elements or more.
        let tables = nn_runtime::kernels::add::Int8Tables::new(&p);
        let p = if n >= 512 { Arithmetic { tables: Some(&tables), ..p } } else { p };
        let (mine, other) = if first { (&a, &b) } else { (&b, &a) };
        let got = run_overlapping(mine, gap, n, |buf, at| arithmetic_overlapping(&p, is_sub, buf, at, first, other));
        prop_assert_eq!(got, expected);
    }
}
