//! MAX_POOL_2D, int8 and float32; TFLM's reference `MaxPool` (padding cells are
//! ignored).

use super::Pool2d;
use crate::kernels::clamp;

/// Runs the max pool.
pub fn max_pool_2d(p: &Pool2d, input: &[i8], output: &mut [i8]) {
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.channels;
        for oy in 0..p.out_h {
            let (y0, y1) = p.window(oy * p.stride_h, p.pad_top, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let (x0, x1) = p.window(ox * p.stride_w, p.pad_left, p.k_w, p.in_w);
                for c in 0..p.channels {
                    let mut max = i8::MIN as i32;
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            max = max.max(input[in_batch + (iy * p.in_w + ix) * p.channels + c] as i32);
                        }
                    }
                    output[o] = clamp(max, p.act_min, p.act_max) as i8;
                    o += 1;
                }
            }
        }
    }
}

/// Runs a float32 max pool as TFLM's reference float `MaxPool`: the maximum
/// starts at `f32::MIN` and takes `std::max(max, x)` (`max < x ? x : max`)
/// over the input cells, then the activation clamp.
pub fn max_pool_2d_f32(q: &super::Pool2dF32, input: &[f32], output: &mut [f32]) {
    let p = &q.pool;
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.channels;
        for oy in 0..p.out_h {
            let (y0, y1) = p.window(oy * p.stride_h, p.pad_top, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let (x0, x1) = p.window(ox * p.stride_w, p.pad_left, p.k_w, p.in_w);
                for c in 0..p.channels {
                    let mut max = f32::MIN;
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            let x = input[in_batch + (iy * p.in_w + ix) * p.channels + c];
                            if max < x {
                                max = x;
                            }
                        }
                    }
                    output[o] = super::fully_connected::clamp_f32(max, q.act_min, q.act_max);
                    o += 1;
                }
            }
        }
    }
}
