//! MAX_POOL_2D, int8; TFLM's reference `MaxPool` (padding cells are
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
