//! The kernels equal a plain transcription of TFLM's reference loops on
//! random shapes, strides, dilations, paddings, groups and values.

use nn_runtime::kernels::conv_2d::{conv_2d, Conv2d};
use nn_runtime::kernels::depthwise_conv_2d::{depthwise_conv_2d, DepthwiseConv2d};
use nn_runtime::kernels::fully_connected::{
    fully_connected, fully_connected_fast, fully_connected_portable, FullyConnected,
};
use nn_runtime::quant::multiply_by_quantized_multiplier;
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

fn requant(acc: i32, m: i32, s: i32, off: i32, lo: i32, hi: i32) -> i8 {
    multiply_by_quantized_multiplier(acc, m, s).wrapping_add(off).clamp(lo, hi) as i8
}

/// TFLM's `ConvPerChannel` loop nest, element by element.
fn conv_reference(p: &Conv2d, input: &[i8]) -> Vec<i8> {
    let groups = p.in_c / p.filter_in_c;
    let per_group = p.out_c / groups;
    let mut out = Vec::new();
    for b in 0..p.batches {
        for oy in 0..p.out_h {
            for ox in 0..p.out_w {
                for oc in 0..p.out_c {
                    let g = oc / per_group;
                    let mut acc = 0i32;
                    for ky in 0..p.k_h {
                        for kx in 0..p.k_w {
                            let iy = (oy * p.stride_h + ky * p.dilation_h) as isize - p.pad_top as isize;
                            let ix = (ox * p.stride_w + kx * p.dilation_w) as isize - p.pad_left as isize;
                            if iy < 0 || ix < 0 || iy >= p.in_h as isize || ix >= p.in_w as isize {
                                continue;
                            }
                            for ic in 0..p.filter_in_c {
                                let x = input[((b * p.in_h + iy as usize) * p.in_w + ix as usize) * p.in_c
                                    + g * p.filter_in_c
                                    + ic] as i32;
                                let w = p.filter[((oc * p.k_h + ky) * p.k_w + kx) * p.filter_in_c + ic] as i32;
                                acc += w * (x + p.input_offset);
                            }
                        }
                    }
                    if !p.bias.is_empty() {
                        acc += p.bias[oc];
                    }
                    out.push(requant(acc, p.multiplier[oc], p.shift[oc], p.output_offset, p.act_min, p.act_max));
                }
            }
        }
    }
    out
}

/// TFLM's `DepthwiseConvPerChannel` loop nest.
fn depthwise_reference(p: &DepthwiseConv2d, input: &[i8]) -> Vec<i8> {
    let out_c = p.in_c * p.depth_multiplier;
    let mut out = Vec::new();
    for b in 0..p.batches {
        for oy in 0..p.out_h {
            for ox in 0..p.out_w {
                for ic in 0..p.in_c {
                    for m in 0..p.depth_multiplier {
                        let oc = ic * p.depth_multiplier + m;
                        let mut acc = 0i32;
                        for ky in 0..p.k_h {
                            for kx in 0..p.k_w {
                                let iy = (oy * p.stride_h + ky * p.dilation_h) as isize - p.pad_top as isize;
                                let ix = (ox * p.stride_w + kx * p.dilation_w) as isize - p.pad_left as isize;
                                if iy < 0 || ix < 0 || iy >= p.in_h as isize || ix >= p.in_w as isize {
                                    continue;
                                }
                                let x = input[((b * p.in_h + iy as usize) * p.in_w + ix as usize) * p.in_c + ic] as i32;
                                let w = p.filter[(ky * p.k_w + kx) * out_c + oc] as i32;
                                acc += w * (x + p.input_offset);
                            }
                        }
                        if !p.bias.is_empty() {
                            acc += p.bias[oc];
                        }
                        out.push(requant(acc, p.multiplier[oc], p.shift[oc], p.output_offset, p.act_min, p.act_max));
                    }
                }
            }
        }
    }
    out
}

/// Geometry: (in_h, in_w, k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left).
fn geometry() -> impl Strategy<Value = (usize, usize, usize, usize, usize, usize, usize, usize, usize, usize)> {
    (1usize..9, 1usize..9, 1usize..6, 1usize..6, 1usize..4, 1usize..4, 1usize..3, 1usize..3, 0usize..3, 0usize..3)
}

fn out_len(input: usize, k: usize, stride: usize, dil: usize, pad: usize) -> usize {
    // Enough outputs to cover the input plus padding on both sides.
    let eff = (k - 1) * dil + 1;
    (input + 2 * pad).saturating_sub(eff) / stride + 1
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn conv_matches_reference(
        g in geometry(),
        (groups, fic, per_group) in (1usize..3, 1usize..6, 1usize..6),
        zp in -128i32..128, out_zp in -128i32..128,
        shift in -12i32..2, mult in (1i32 << 30)..i32::MAX,
        act in (-128i32..0, 0i32..128),
        with_bias in any::<bool>(), seed in any::<u64>(), fold in any::<bool>(),
    ) {
        let (in_h, in_w, k_h, k_w, sh, sw, dh, dw, pt, pl) = g;
        let (out_h, out_w) = (out_len(in_h, k_h, sh, dh, pt), out_len(in_w, k_w, sw, dw, pl));
        let (in_c, out_c) = (groups * fic, groups * per_group);
        let input = vec_i8(in_h * in_w * in_c, seed);
        let filter = vec_i8(out_c * k_h * k_w * fic, seed ^ 0xabcdef);
        let bias: Vec<i32> = if with_bias { (0..out_c as i32).map(|c| c * 977 - 3000).collect() } else { vec![] };
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| mult - c * 1_000_003).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| shift - c % 3).collect();
        let per_oc = k_h * k_w * fic;
        let folded: Vec<i32> = (0..out_c)
            .map(|c| {
                let s: i32 = filter[c * per_oc..(c + 1) * per_oc].iter().map(|&v| v as i32).sum();
                bias.get(c).copied().unwrap_or(0) - zp * s
            })
            .collect();
        let all_folded = folded.clone();
        let folded: &[i32] = if fold { &folded } else { &[] };
        let p = Conv2d {
            batches: 1, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, filter_in_c: fic,
            stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: dw, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: out_zp, act_min: act.0, act_max: act.1,
            filter: &filter, bias: &bias, bias_folded: folded, multiplier: &multiplier, shift: &shifts,
        };
        let mut out = vec![0i8; out_h * out_w * out_c];
        conv_2d(&p, &input, &mut out, scratch(&mut Vec::new(), nn_runtime::kernels::conv_2d::scratch_bytes(&p)));
        // The DSP builds' entry point with the variant and the scratch the
        // compiler plans, where the blocked path takes the layer.
        // The compiler always passes the folded bias and the filter padded
        // to a multiple of 8 after its last row.
        let mut padded = filter.clone();
        padded.resize(filter.len() + per_oc.next_multiple_of(8) - per_oc, 0);
        let q = Conv2d { filter: &padded, bias_folded: &all_folded, ..p };
        if let Some(path) = nn_runtime::kernels::conv_2d::blocked_path(&q) {
            let mut dsp = vec![0i8; out.len()];
            nn_runtime::kernels::conv_2d::conv_2d_dsp(&q, &input, &mut dsp, scratch(&mut Vec::new(), nn_runtime::kernels::conv_2d::scratch_bytes(&q)), path);
            prop_assert_eq!(&dsp, &out);
        }
        prop_assert_eq!(out, conv_reference(&p, &input));
    }

    #[test]
    fn blocked_conv_matches_reference(
        g in geometry(),
        (in_c, out_c, batches) in (1usize..21, 1usize..10, 1usize..3),
        zp in -128i32..128, out_zp in -128i32..128,
        shift in -12i32..2, mult in (1i32 << 30)..i32::MAX,
        act in (-128i32..0, 0i32..128),
        with_bias in any::<bool>(), seed in any::<u64>(),
    ) {
        let (in_h, in_w, k_h, k_w, sh, sw, dh, dw, pt, pl) = g;
        let (out_h, out_w) = (out_len(in_h, k_h, sh, dh, pt), out_len(in_w, k_w, sw, dw, pl));
        let input = vec_i8(batches * in_h * in_w * in_c, seed);
        let per_oc = k_h * k_w * in_c;
        let mut filter = vec_i8(out_c * per_oc, seed ^ 0xabcdef);
        let bias: Vec<i32> = if with_bias { (0..out_c as i32).map(|c| c * 977 - 3000).collect() } else { vec![] };
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| mult - c * 1_000_003).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| shift - c % 3).collect();
        let folded: Vec<i32> = (0..out_c)
            .map(|c| {
                let s: i32 = filter[c * per_oc..(c + 1) * per_oc].iter().map(|&v| v as i32).sum();
                bias.get(c).copied().unwrap_or(0) - zp * s
            })
            .collect();
        let reference_filter = filter.clone();
        filter.resize(filter.len() + per_oc.next_multiple_of(8) - per_oc, 0);
        let p = Conv2d {
            batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, filter_in_c: in_c,
            stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: dw, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: out_zp, act_min: act.0, act_max: act.1,
            filter: &filter, bias: &bias, bias_folded: &folded, multiplier: &multiplier, shift: &shifts,
        };
        let mut out = vec![0i8; batches * out_h * out_w * out_c];
        let kp = per_oc.next_multiple_of(8);
        let handled = in_c % 4 == 0 || kp <= 128;
        prop_assert_eq!(nn_runtime::kernels::conv_2d::conv_2d_blocked(&p, &input, &mut out, scratch(&mut Vec::new(), nn_runtime::kernels::conv_2d::scratch_bytes(&p))), handled);
        if handled {
            let reference = conv_reference(&Conv2d { filter: &reference_filter, ..p }, &input);
            prop_assert_eq!(out, reference);
        }
    }

    /// More channels than the blocked path's constant table holds.
    #[test]
    fn blocked_conv_many_channels(out_c in 60usize..200, in_c in prop_oneof![Just(4usize), Just(12), Just(3)], seed in any::<u64>()) {
        let (in_h, in_w, k) = (3, 5, 3);
        let input = vec_i8(in_h * in_w * in_c, seed);
        let per_oc = k * k * in_c;
        let mut filter = vec_i8(out_c * per_oc, seed ^ 3);
        let bias: Vec<i32> = (0..out_c as i32).map(|c| c * 57 - 2000).collect();
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| (1 << 30) + c * 3_000_017).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| -2 - c % 9).collect();
        let folded: Vec<i32> = (0..out_c)
            .map(|c| bias[c] + 7 * filter[c * per_oc..(c + 1) * per_oc].iter().map(|&v| v as i32).sum::<i32>())
            .collect();
        let reference_filter = filter.clone();
        filter.resize(filter.len() + per_oc.next_multiple_of(8) - per_oc, 0);
        let p = Conv2d {
            batches: 1, in_h, in_w, in_c, out_h: in_h, out_w: in_w, out_c, k_h: k, k_w: k, filter_in_c: in_c,
            stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: 1, pad_left: 1,
            input_offset: 7, output_offset: -20, act_min: -100, act_max: 127,
            filter: &filter, bias: &bias, bias_folded: &folded, multiplier: &multiplier, shift: &shifts,
        };
        let mut out = vec![0i8; in_h * in_w * out_c];
        prop_assert!(nn_runtime::kernels::conv_2d::conv_2d_blocked(&p, &input, &mut out, scratch(&mut Vec::new(), nn_runtime::kernels::conv_2d::scratch_bytes(&p))));
        prop_assert_eq!(out, conv_reference(&Conv2d { filter: &reference_filter, ..p }, &input));
    }

    #[test]
    fn depthwise_matches_reference(
        g in geometry(),
        in_c in 1usize..80, dm in prop_oneof![8 => 1usize..4, 1 => 65usize..68],
        zp in -128i32..128, out_zp in -128i32..128,
        shift in -12i32..2, mult in (1i32 << 30)..i32::MAX,
        with_bias in any::<bool>(), seed in any::<u64>(),
    ) {
        // Multipliers above 64 (the portable path's chunk) split an input
        // channel's outputs between chunks.
        let in_c = if dm > 64 { in_c % 3 + 1 } else { in_c };
        let (in_h, in_w, k_h, k_w, sh, sw, dh, dw, pt, pl) = g;
        let (out_h, out_w) = (out_len(in_h, k_h, sh, dh, pt), out_len(in_w, k_w, sw, dw, pl));
        let out_c = in_c * dm;
        let input = vec_i8(in_h * in_w * in_c, seed);
        let filter = vec_i8(k_h * k_w * out_c, seed ^ 0x1234);
        let bias: Vec<i32> = if with_bias { (0..out_c as i32).map(|c| c * 331 - 900).collect() } else { vec![] };
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| mult - c * 7_000_003).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| shift - c % 4).collect();
        let p = DepthwiseConv2d {
            batches: 1, in_h, in_w, in_c, out_h, out_w, depth_multiplier: dm, k_h, k_w,
            stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: dw, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: out_zp, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, multiplier: &multiplier, shift: &shifts,
        };
        let mut out = vec![0i8; out_h * out_w * out_c];
        depthwise_conv_2d(&p, &input, &mut out, scratch(&mut Vec::new(), nn_runtime::kernels::depthwise_conv_2d::scratch_bytes(&p, false)));
        // The DSP builds' entry point with the path and the scratch the
        // compiler plans, where a DSP path takes the layer.
        if let Some(path) = nn_runtime::kernels::depthwise_conv_2d::dsp_path(&p, false) {
            let mut dsp = vec![0i8; out.len()];
            nn_runtime::kernels::depthwise_conv_2d::depthwise_conv_2d_dsp(&p, &input, &mut dsp, scratch(&mut Vec::new(), nn_runtime::kernels::depthwise_conv_2d::scratch_bytes(&p, false)), path);
            prop_assert_eq!(&dsp, &out);
        }
        prop_assert_eq!(out, depthwise_reference(&p, &input));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    /// The planar 3x3 path (its plain-Rust form on the host).
    #[test]
    fn planar_depthwise_matches_reference(
        (in_h, in_w, in_c, batches, dm) in (1usize..12, 1usize..40, 1usize..20, 1usize..3, prop_oneof![Just(1usize), 1usize..9]),
        (sh, sw, pt, pl) in (1usize..4, 1usize..3, 0usize..3, 0usize..3),
        zp in -128i32..128, out_zp in -128i32..128,
        shift in -20i32..2, mult in (1i32 << 30)..i32::MAX,
        act in prop_oneof![Just((-128i32, 127i32)), (-128i32..0, 0i32..128)],
        with_bias in any::<bool>(), seed in any::<u64>(),
    ) {
        let (out_h, out_w) = (out_len(in_h, 3, sh, 1, pt), out_len(in_w, 3, sw, 1, pl));
        let out_c = in_c * dm;
        let input = vec_i8(batches * in_h * in_w * in_c, seed);
        let filter = vec_i8(9 * out_c, seed ^ 0x1234);
        let bias: Vec<i32> = if with_bias { (0..out_c as i32).map(|c| c * 331 - 900).collect() } else { vec![] };
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| mult - c * 7_000_003).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| shift - c % 3).collect();
        let p = DepthwiseConv2d {
            batches, in_h, in_w, in_c, out_h, out_w, depth_multiplier: dm, k_h: 3, k_w: 3,
            stride_h: sh, stride_w: sw, dilation_h: 1, dilation_w: 1, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: out_zp, act_min: act.0, act_max: act.1,
            filter: &filter, bias: &bias, multiplier: &multiplier, shift: &shifts,
        };
        let mut out = vec![0i8; batches * out_h * out_w * out_c];
        prop_assert!(nn_runtime::kernels::depthwise_conv_2d::depthwise_conv_2d_planar(&p, &input, &mut out, scratch(&mut Vec::new(), nn_runtime::kernels::depthwise_conv_2d::scratch_bytes(&p, false))));
        prop_assert_eq!(out, depthwise_reference(&p, &input));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(200)))]

    /// The int8 table path of ADD and SUB (taken from 512 elements without
    /// broadcasting) equals the per-element path (forced by an identity
    /// broadcast).
    #[test]
    fn int8_add_sub_tables(
        n in 512usize..1500, seed in any::<u64>(), is_sub in any::<bool>(),
        (o1, o2, oo) in (-128i32..128, -128i32..128, -128i32..128),
        (m1, m2, mo) in ((1i32 << 30)..i32::MAX, (1i32 << 30)..i32::MAX, (1i32 << 30)..i32::MAX),
        (s1, s2, so) in (-3i32..=0, -3i32..=0, -25i32..=-15),
        act in prop_oneof![Just((-128i32, 127i32)), (-128i32..0, 0i32..128)],
    ) {
        use nn_runtime::kernels::{add::{add, Arithmetic}, sub::sub, Broadcast};
        let (a, b) = (vec_i8(n, seed), vec_i8(n, seed ^ 0x77));
        let p = Arithmetic {
            input1_offset: o1, input2_offset: o2, output_offset: oo, left_shift: 20,
            input1_multiplier: m1, input1_shift: s1, input2_multiplier: m2, input2_shift: s2,
            output_multiplier: mo, output_shift: so, act_min: act.0, act_max: act.1, broadcast: None,
            tables: None,
        };
        let tables = nn_runtime::kernels::add::Int8Tables::new(&p);
        let p = Arithmetic { tables: Some(&tables), ..p };
        let identity = Broadcast { dims: [1, 1, 1, 1, 1, n], a_strides: [0, 0, 0, 0, 0, 1], b_strides: [0, 0, 0, 0, 0, 1] };
        let slow = Arithmetic { broadcast: Some(identity), ..p };
        let (mut fast_out, mut slow_out) = (vec![0i8; n], vec![0i8; n]);
        if is_sub {
            sub(&p, &a, &b, &mut fast_out);
            sub(&slow, &a, &b, &mut slow_out);
        } else {
            add(&p, &a, &b, &mut fast_out);
            add(&slow, &a, &b, &mut slow_out);
        }
        prop_assert_eq!(fast_out, slow_out);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    /// A depthwise layer with one input channel run as a convolution.
    #[test]
    fn depthwise_one_channel_as_conv(
        g in geometry(), dm in 1usize..12, batches in 1usize..3,
        zp in -128i32..128, out_zp in -128i32..128,
        shift in -12i32..2, mult in (1i32 << 30)..i32::MAX,
        with_bias in any::<bool>(), seed in any::<u64>(),
    ) {
        let (in_h, in_w, k_h, k_w, sh, sw, dh, dw, pt, pl) = g;
        let (out_h, out_w) = (out_len(in_h, k_h, sh, dh, pt), out_len(in_w, k_w, sw, dw, pl));
        let input = vec_i8(batches * in_h * in_w, seed);
        let filter = vec_i8(k_h * k_w * dm, seed ^ 0x4321);
        let bias: Vec<i32> = if with_bias { (0..dm as i32).map(|c| c * 331 - 900).collect() } else { vec![] };
        let multiplier: Vec<i32> = (0..dm as i32).map(|c| mult - c * 7_000_003).collect();
        let shifts: Vec<i32> = (0..dm as i32).map(|c| shift - c % 4).collect();
        let p = DepthwiseConv2d {
            batches, in_h, in_w, in_c: 1, out_h, out_w, depth_multiplier: dm, k_h, k_w,
            stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: dw, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: out_zp, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, multiplier: &multiplier, shift: &shifts,
        };
        let mut out = vec![0i8; batches * out_h * out_w * dm];
        prop_assert!(nn_runtime::kernels::depthwise_conv_2d::depthwise_conv_2d_as_conv(&p, &input, &mut out, scratch(&mut Vec::new(), nn_runtime::kernels::depthwise_conv_2d::as_conv_scratch_bytes(&p))));
        prop_assert_eq!(out, depthwise_reference(&p, &input));
    }
}

/// TFLM's `FullyConnected` / `FullyConnectedPerChannel` loop nest.
fn fc_reference(p: &FullyConnected, input: &[i8]) -> Vec<i8> {
    let mut out = Vec::new();
    for b in 0..p.batches {
        for oc in 0..p.out_c {
            let mut acc = 0i32;
            for d in 0..p.depth {
                let x = input[b * p.depth + d] as i32 + p.input_offset;
                let w = p.filter[oc * p.depth + d] as i32 + p.filter_offset;
                acc = acc.wrapping_add(x * w);
            }
            if !p.bias.is_empty() {
                acc = acc.wrapping_add(p.bias[oc]);
            }
            let ch = if p.multiplier.len() > 1 { oc } else { 0 };
            out.push(requant(acc, p.multiplier[ch], p.shift[ch], p.output_offset, p.act_min, p.act_max));
        }
    }
    out
}

/// Per unit, the bias plus `input_offset` times the sum of its weights (what
/// the compiler emits as `bias_folded`).
fn fc_folded(filter: &[i8], bias: &[i32], out_c: usize, depth: usize, input_offset: i32) -> Vec<i32> {
    (0..out_c)
        .map(|c| {
            let s: i32 = filter[c * depth..(c + 1) * depth].iter().map(|&w| w as i32).sum();
            bias.get(c).copied().unwrap_or(0).wrapping_add(input_offset.wrapping_mul(s))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(500)))]

    /// The fast fully connected path (four units at a time over the
    /// depth's whole words, the last `depth % 4` values one by one, the
    /// one-multiply requantization where it applies) equals TFLM's loops.
    #[test]
    fn fully_connected_fast_matches_reference(
        (batches, depth, out_c) in (1usize..4, 1usize..70, 1usize..14),
        per_channel in any::<bool>(),
        zp in -128i32..128, out_zp in -128i32..128,
        // Mostly the right shifts of the one-multiply form, sometimes
        // others (left shifts, very small multipliers).
        shift in prop_oneof![-20i32..0, -29i32..8],
        mult in prop_oneof![(1i32 << 30)..i32::MAX, 0i32..(1 << 30)],
        act in prop_oneof![Just((-128i32, 127i32)), (-128i32..0, 0i32..128)],
        with_bias in any::<bool>(), seed in any::<u64>(),
    ) {
        let input = vec_i8(batches * depth, seed);
        let filter = vec_i8(out_c * depth, seed ^ 0x5a5a);
        let bias: Vec<i32> = if with_bias { (0..out_c as i32).map(|c| c * 1231 - 7000).collect() } else { vec![] };
        let n = if per_channel { out_c } else { 1 };
        let multiplier: Vec<i32> = (0..n as i32).map(|c| mult.wrapping_sub(c * 3_000_017).max(0)).collect();
        let shifts: Vec<i32> = (0..n as i32).map(|c| shift - c % 3).collect();
        let folded = fc_folded(&filter, &bias, out_c, depth, -zp);
        let p = FullyConnected {
            batches, depth, out_c, input_offset: -zp, filter_offset: 0, output_offset: out_zp,
            act_min: act.0, act_max: act.1, filter: &filter, bias: &bias, bias_folded: &folded,
            multiplier: &multiplier, shift: &shifts,
        };
        let reference = fc_reference(&p, &input);
        let mut out = vec![0i8; batches * out_c];
        prop_assert!(fully_connected_fast(&p, &input, &mut out));
        prop_assert_eq!(&out, &reference);
        let mut out = vec![0i8; batches * out_c];
        fully_connected(&p, &input, &mut out);
        prop_assert_eq!(&out, &reference);
        let mut out = vec![0i8; batches * out_c];
        fully_connected_portable(&p, &input, &mut out);
        prop_assert_eq!(&out, &reference);
        // Without the folded bias the fast path declines and the reference
        // path runs.
        let unfolded = FullyConnected { bias_folded: &[], ..p };
        let mut out = vec![0i8; batches * out_c];
        prop_assert!(!fully_connected_fast(&unfolded, &input, &mut out));
        fully_connected(&unfolded, &input, &mut out);
        prop_assert_eq!(&out, &reference);
    }

    /// A filter zero point (not emitted for int8 weights, but part of the
    /// kernel's interface) takes the reference path.
    #[test]
    fn fully_connected_filter_offset(
        (depth, out_c) in (1usize..20, 1usize..6), filter_offset in -3i32..4, seed in any::<u64>(),
    ) {
        let input = vec_i8(depth, seed);
        let filter = vec_i8(out_c * depth, seed ^ 9);
        let folded = fc_folded(&filter, &[], out_c, depth, 5);
        let p = FullyConnected {
            batches: 1, depth, out_c, input_offset: 5, filter_offset, output_offset: 3,
            act_min: -128, act_max: 127, filter: &filter, bias: &[], bias_folded: &folded,
            multiplier: &[1_500_000_000], shift: &[-9],
        };
        let mut out = vec![0i8; out_c];
        prop_assert_eq!(fully_connected_fast(&p, &input, &mut out), filter_offset == 0);
        fully_connected(&p, &input, &mut out);
        prop_assert_eq!(out, fc_reference(&p, &input));
    }

    /// The blocked convolution's columns of whole-word rows with a channel
    /// count that is not a multiple of four (micro_speech's one-channel
    /// 10x8 filter): inside the input, partly in the vertical padding,
    /// partly in the horizontal padding.
    #[test]
    fn blocked_conv_word_rows(
        (in_h, in_w) in (1usize..14, 1usize..14),
        (in_c, k_w) in prop_oneof![Just((1usize, 4usize)), Just((1, 8)), Just((1, 12)), Just((2, 2)), Just((2, 6)), Just((3, 4))],
        k_h in 1usize..11, (sh, sw, dh) in (1usize..4, 1usize..4, 1usize..3), (pt, pl) in (0usize..6, 0usize..6),
        (out_c, batches) in (1usize..10, 1usize..3),
        zp in -128i32..128, out_zp in -128i32..128, seed in any::<u64>(),
    ) {
        prop_assume!((k_h * k_w * in_c).next_multiple_of(8) <= 128);
        let (out_h, out_w) = (out_len(in_h, k_h, sh, dh, pt), out_len(in_w, k_w, sw, 1, pl));
        let input = vec_i8(batches * in_h * in_w * in_c, seed);
        let per_oc = k_h * k_w * in_c;
        let mut filter = vec_i8(out_c * per_oc, seed ^ 0x77);
        let bias: Vec<i32> = (0..out_c as i32).map(|c| c * 313 - 1000).collect();
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| (1 << 30) + c * 9_000_011).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| -3 - c % 7).collect();
        let folded = fc_folded(&filter, &bias, out_c, per_oc, -zp);
        let reference_filter = filter.clone();
        filter.resize(filter.len() + per_oc.next_multiple_of(8) - per_oc, 0);
        let p = Conv2d {
            batches, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, filter_in_c: in_c,
            stride_h: sh, stride_w: sw, dilation_h: dh, dilation_w: 1, pad_top: pt, pad_left: pl,
            input_offset: -zp, output_offset: out_zp, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, bias_folded: &folded, multiplier: &multiplier, shift: &shifts,
        };
        let mut out = vec![0i8; batches * out_h * out_w * out_c];
        let mut buf = Vec::new();
        let s = scratch(&mut buf, nn_runtime::kernels::conv_2d::scratch_bytes(&p));
        prop_assert!(nn_runtime::kernels::conv_2d::conv_2d_blocked(&p, &input, &mut out, s));
        prop_assert_eq!(out, conv_reference(&Conv2d { filter: &reference_filter, ..p }, &input));
    }
}

/// `round(a * b / 2^31)` with ties toward +infinity, saturated: what
/// gemmlowp's nudge-then-truncate computes.
fn high_product(a: i128, b: i128) -> i128 {
    ((a * b + (1i128 << 30)).div_euclid(1i128 << 31)).clamp(i32::MIN as i128, i32::MAX as i128)
}

/// Round-half-away-from-zero of `n / d` for `d > 0`, exactly.
fn div_round_away(n: i128, d: i128) -> i128 {
    let q = (n.abs() + d / 2) / d;
    if n < 0 {
        -q
    } else {
        q
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2000)))]

    #[test]
    fn srdhm_equals_gemmlowp_transcription(a in any::<i32>(), b in any::<i32>()) {
        use nn_runtime::quant::saturating_rounding_doubling_high_mul as srdhm;
        // gemmlowp's SaturatingRoundingDoublingHighMul, literally.
        let reference = if a == b && a == i32::MIN {
            i32::MAX
        } else {
            let ab = a as i64 * b as i64;
            let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
            ((ab + nudge) / (1i64 << 31)) as i32
        };
        prop_assert_eq!(srdhm(a, b), reference);
    }

    #[test]
    fn srdhm_is_rounded_doubling_high_product(
        a in prop_oneof![Just(i32::MIN), Just(i32::MAX), Just(-1), Just(1 << 30), Just(-(1 << 30)), any::<i32>()],
        b in prop_oneof![Just(i32::MIN), Just(i32::MAX), Just(1 << 30), Just(1), any::<i32>()],
    ) {
        use nn_runtime::quant::saturating_rounding_doubling_high_mul as srdhm;
        prop_assert_eq!(srdhm(a, b) as i128, high_product(a as i128, b as i128));
    }

    #[test]
    fn rounding_divide_is_round_half_away(x in any::<i32>(), e in 0i32..=31) {
        use nn_runtime::quant::rounding_divide_by_pot;
        prop_assert_eq!(rounding_divide_by_pot(x, e) as i128, div_round_away(x as i128, 1i128 << e));
    }

    #[test]
    fn quantized_multiplier_left_shifts(x in -(1i32 << 16)..(1i32 << 16), m in prop_oneof![Just(0), Just(i32::MAX), (1i32 << 30)..i32::MAX],
                                        shift in 1i32..=30) {
        // A positive shift multiplies first (in wrapping int32, as TFLM's
        // `x * (1 << shift)`), then one doubling high multiply.
        use nn_runtime::quant::multiply_by_quantized_multiplier as mbqm;
        let shifted = (x as i64 * (1i64 << shift)) as i32;
        prop_assert_eq!(mbqm(x, m, shift) as i128, high_product(shifted as i128, m as i128));
    }

    #[test]
    fn fused_requantization_equals_two_roundings(
        x in prop_oneof![Just(i32::MIN), Just(i32::MAX), Just(0), Just(-1), Just(1), any::<i32>(), -100_000i32..100_000],
        m in prop_oneof![Just(0), Just(1 << 30), Just(i32::MAX), (1i32 << 30)..i32::MAX, 0..i32::MAX],
        shift in -22i32..=-1, offset in -255i32..=255,
    ) {
        use nn_runtime::quant::{multiply_by_quantized_multiplier as mbqm, requantize_constant, requantize_fused};
        let c = requantize_constant(shift, offset).unwrap();
        prop_assert_eq!(requantize_fused(x, m, c, shift), mbqm(x, m, shift) + offset);
    }

    #[test]
    fn quantized_multiplier_edges(x in prop_oneof![Just(i32::MIN), Just(i32::MAX), Just(0), Just(-1), any::<i32>()],
                                  m in prop_oneof![Just(0), Just(1 << 30), Just(i32::MAX), (1i32 << 30)..i32::MAX],
                                  shift in -31i32..=0) {
        // With shift <= 0 there is no left shift: one doubling high multiply,
        // then one rounding shift (double rounding, as TFLM).
        use nn_runtime::quant::multiply_by_quantized_multiplier as mbqm;
        let high = high_product(x as i128, m as i128);
        prop_assert_eq!(mbqm(x, m, shift) as i128, div_round_away(high, 1i128 << -shift));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    /// The overlapping pointwise kernel, with its output placed as low as
    /// allowed below its input in one buffer, equals the ordinary kernel.
    #[test]
    fn overlapping_pointwise_matches(
        (h, w, in_c, out_c) in (1usize..6, 1usize..6, 1usize..20, 1usize..20),
        zp in -128i32..128, seed in any::<u64>(), slack in 0usize..5,
    ) {
        let pixels = h * w;
        let input = vec_i8(pixels * in_c, seed);
        let filter = vec_i8(out_c * in_c, seed ^ 77);
        let bias: Vec<i32> = (0..out_c as i32).map(|c| c * 101 - 500).collect();
        let multiplier: Vec<i32> = (0..out_c as i32).map(|c| (1 << 30) + c * 12_345).collect();
        let shifts: Vec<i32> = (0..out_c as i32).map(|c| -5 - c % 3).collect();
        let p = Conv2d {
            batches: 1, in_h: h, in_w: w, in_c, out_h: h, out_w: w, out_c, k_h: 1, k_w: 1, filter_in_c: in_c,
            stride_h: 1, stride_w: 1, dilation_h: 1, dilation_w: 1, pad_top: 0, pad_left: 0,
            input_offset: -zp, output_offset: 3, act_min: -128, act_max: 127,
            filter: &filter, bias: &bias, bias_folded: &[], multiplier: &multiplier, shift: &shifts,
        };
        let mut expected = vec![0i8; pixels * out_c];
        conv_2d(&p, &input, &mut expected, &mut []);
        // The least gap: max over p of (p + 1) * out_c - p * in_c.
        let gap = out_c.max((pixels * out_c).saturating_sub((pixels - 1) * in_c)) + slack;
        let (out_off, in_off) = (0, gap);
        let mut buf = vec![0i8; (in_off + pixels * in_c).max(out_off + pixels * out_c)];
        buf[in_off..in_off + pixels * in_c].copy_from_slice(&input);
        nn_runtime::kernels::conv_2d::conv_2d_1x1_overlapping(&p, &mut buf, in_off, out_off);
        prop_assert_eq!(&buf[out_off..out_off + pixels * out_c], &expected[..]);
    }
}
