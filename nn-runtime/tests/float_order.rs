//! The float32 kernels whose TFLM reference loops visit the data in another
//! order than ours (TRANSPOSE_CONV scatters, MEAN and SUM walk the whole
//! input) give the same bits as plain transcriptions of those loops, on
//! random shapes, strides, paddings, axes and values. Float addition is not
//! associative, so only the same order of additions gives the same bits.

use nn_runtime::kernels::mean::{mean_f32, ReduceF32};
use nn_runtime::kernels::transpose_conv::{transpose_conv_f32, TransposeConvF32};
use proptest::prelude::*;

/// Property-test cases: `n` natively; a few under Miri.
const fn cases(n: u32) -> u32 {
    if cfg!(miri) {
        3
    } else {
        n
    }
}

/// Values in [-2, 2) with full mantissas, from a xorshift generator.
fn vec_f32(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 22) as f32 - 2.0
        })
        .collect()
}

fn bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// TFLM's reference float `TransposeConv`: zero the output, scatter every
/// input element's products, then add the bias and clamp.
#[allow(clippy::too_many_arguments)]
fn tconv_reference(
    (n, ih, iw, ic): (usize, usize, usize, usize),
    (oh, ow, oc): (usize, usize, usize),
    (kh, kw, sh, sw): (usize, usize, usize, usize),
    (pt, pl): (usize, usize),
    input: &[f32],
    filter: &[f32],
    bias: &[f32],
    (lo, hi): (f32, f32),
) -> Vec<f32> {
    let mut out = vec![0.0f32; n * oh * ow * oc];
    for b in 0..n {
        for iy in 0..ih {
            for ix in 0..iw {
                for c in 0..ic {
                    let (oy0, ox0) = ((iy * sh) as isize - pt as isize, (ix * sw) as isize - pl as isize);
                    for fy in 0..kh {
                        for fx in 0..kw {
                            for o in 0..oc {
                                let (y, x) = (oy0 + fy as isize, ox0 + fx as isize);
                                if y >= 0 && x >= 0 && (y as usize) < oh && (x as usize) < ow {
                                    let v = input[((b * ih + iy) * iw + ix) * ic + c];
                                    let w = filter[((o * kh + fy) * kw + fx) * ic + c];
                                    out[((b * oh + y as usize) * ow + x as usize) * oc + o] += v * w;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for (i, v) in out.iter_mut().enumerate() {
        let mut acc = *v;
        if !bias.is_empty() {
            acc += bias[i % oc];
        }
        let acc = if acc < lo { lo } else { acc };
        *v = if hi < acc { hi } else { acc };
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn transpose_conv_f32_matches_tflm_scatter(
        (n, ih, iw, ic, oc) in (1usize..3, 1usize..6, 1usize..6, 1usize..6, 1usize..5),
        (kh, kw, sh, sw) in (1usize..6, 1usize..6, 1usize..4, 1usize..4),
        (crop_h, crop_w, pt, pl) in (0usize..4, 0usize..4, 0usize..3, 0usize..3),
        with_bias in any::<bool>(),
        act in 0usize..3,
        seed in any::<u64>(),
    ) {
        // The full output of a transpose convolution, cropped at the bottom
        // and right as well as by the padding at the top and left.
        let (full_h, full_w) = ((ih - 1) * sh + kh, (iw - 1) * sw + kw);
        let (oh, ow) = (full_h.saturating_sub(pt + crop_h).max(1), full_w.saturating_sub(pl + crop_w).max(1));
        let input = vec_f32(n * ih * iw * ic, seed);
        let filter = vec_f32(oc * kh * kw * ic, seed ^ 0x9e37_79b9);
        let bias = if with_bias { vec_f32(oc, seed ^ 0x85eb_ca6b) } else { Vec::new() };
        let (lo, hi) = [(f32::MIN, f32::MAX), (0.0, f32::MAX), (-1.0, 1.0)][act];
        let want = tconv_reference(
            (n, ih, iw, ic), (oh, ow, oc), (kh, kw, sh, sw), (pt, pl), &input, &filter, &bias, (lo, hi));
        let (fb, bb) = (bytes(&filter), bytes(&bias));
        let p = TransposeConvF32 {
            batches: n, in_h: ih, in_w: iw, in_c: ic, out_h: oh, out_w: ow, out_c: oc, k_h: kh, k_w: kw,
            stride_h: sh, stride_w: sw, pad_top: pt, pad_left: pl, act_min: lo, act_max: hi,
            filter: &fb, bias: &bb,
        };
        let mut got = vec![f32::NAN; want.len()];
        transpose_conv_f32(&p, &input, &mut got);
        prop_assert_eq!(bits(&got), bits(&want));
    }

    #[test]
    fn mean_sum_f32_match_tflm_reduce(
        dims in proptest::collection::vec(1usize..5, 1..5),
        axes_mask in 0u32..16,
        mean in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let rank = dims.len();
        let reduce: Vec<bool> = (0..rank).map(|d| axes_mask >> d & 1 == 1).collect();
        let total: usize = dims.iter().product();
        let input = vec_f32(total, seed);
        let mut strides = vec![1usize; rank];
        for d in (0..rank.saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * dims[d + 1];
        }
        // TFLM's Reduce: walk the whole input in row-major order, adding
        // each element into the output its kept indices select.
        let kept: Vec<usize> = (0..rank).filter(|&d| !reduce[d]).collect();
        let red: Vec<usize> = (0..rank).filter(|&d| reduce[d]).collect();
        let outputs: usize = kept.iter().map(|&d| dims[d]).product();
        let count: usize = red.iter().map(|&d| dims[d]).product();
        let mut want = vec![0.0f32; outputs];
        for (i, &x) in input.iter().enumerate() {
            let mut o = 0;
            for &d in &kept {
                o = o * dims[d] + i / strides[d] % dims[d];
            }
            want[o] += x;
        }
        if mean {
            for v in &mut want {
                *v /= count as f32;
            }
        }
        // The kernel's padded axes, as the compiler lays them out.
        let (mut kd, mut ks, mut rd, mut rs) = ([1usize; 6], [0usize; 6], [1usize; 6], [0usize; 6]);
        for (k, &d) in kept.iter().enumerate() {
            kd[6 - kept.len() + k] = dims[d];
            ks[6 - kept.len() + k] = strides[d];
        }
        for (k, &d) in red.iter().enumerate() {
            rd[6 - red.len() + k] = dims[d];
            rs[6 - red.len() + k] = strides[d];
        }
        let p = ReduceF32 { kept_dims: kd, kept_strides: ks, reduced_dims: rd, reduced_strides: rs, count, mean };
        let mut got = vec![f32::NAN; outputs];
        mean_f32(&p, &input, &mut got);
        prop_assert_eq!(bits(&got), bits(&want));
    }
}
