//! AVERAGE_POOL_2D, int8 and float32; TFLM's reference `AveragePool` (padding cells are
//! excluded from the count; the division rounds half away from zero).

use super::Pool2d;
use crate::kernels::clamp;

/// Runs the average pool.
pub fn average_pool_2d(p: &Pool2d, input: &[i8], output: &mut [i8]) {
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.channels;
        for oy in 0..p.out_h {
            let (y0, y1) = p.window(oy * p.stride_h, p.pad_top, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let (x0, x1) = p.window(ox * p.stride_w, p.pad_left, p.k_w, p.in_w);
                let count = ((y1 - y0) * (x1 - x0)) as i32;
                for c in 0..p.channels {
                    let mut acc: i32 = 0;
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            acc = acc.wrapping_add(input[in_batch + (iy * p.in_w + ix) * p.channels + c] as i32);
                        }
                    }
                    // The compiler rejects windows that lie wholly in the
                    // padding, so `count` is at least one.
                    let avg = if count == 0 {
                        0
                    } else if acc > 0 {
                        acc.wrapping_add(count / 2) / count
                    } else {
                        acc.wrapping_sub(count / 2) / count
                    };
                    output[o] = clamp(avg, p.act_min, p.act_max) as i8;
                    o += 1;
                }
            }
        }
    }
}

/// Runs a float32 average pool as TFLM's reference float `AveragePool`: an
/// `f32` running sum over rows then columns of the input cells, divided by
/// their count (as `f32`), then the activation clamp.
pub fn average_pool_2d_f32(q: &super::Pool2dF32, input: &[f32], output: &mut [f32]) {
    let p = &q.pool;
    let mut o = 0;
    for b in 0..p.batches {
        let in_batch = b * p.in_h * p.in_w * p.channels;
        for oy in 0..p.out_h {
            let (y0, y1) = p.window(oy * p.stride_h, p.pad_top, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let (x0, x1) = p.window(ox * p.stride_w, p.pad_left, p.k_w, p.in_w);
                let count = ((y1 - y0) * (x1 - x0)) as f32;
                for c in 0..p.channels {
                    let mut total = 0.0f32;
                    for iy in y0..y1 {
                        for ix in x0..x1 {
                            total += input[in_batch + (iy * p.in_w + ix) * p.channels + c];
                        }
                    }
                    output[o] = super::fully_connected::clamp_f32(total / count, q.act_min, q.act_max);
                    o += 1;
                }
            }
        }
    }
}
