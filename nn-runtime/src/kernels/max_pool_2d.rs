//! MAX_POOL_2D, int8 and float32; TFLM's reference `MaxPool` (padding cells are
//! ignored).

use super::Pool2d;
use crate::kernels::clamp;
use core::num::NonZeroUsize;

/// Runs the max pool: per output pixel, the elementwise maximum of the
/// window's input pixels (the maximum does not depend on the order), then
/// the activation clamp.
///
/// Pixels are cut by `chunks_exact` over the non-zero channel count and
/// rows with `get`, so there is no panic path; a view out of bounds
/// (impossible for a layer the compiler planned) ends the layer.
pub fn max_pool_2d(p: &Pool2d, input: &[i8], output: &mut [i8]) {
    let Some(c) = NonZeroUsize::new(p.channels) else { return };
    let c = c.get();
    let row = p.in_w * c;
    let plane = p.in_h * row;
    let mut out = output.chunks_exact_mut(c);
    for b in 0..p.batches {
        let Some(batch) = input.get(b * plane..(b + 1) * plane) else { return };
        for oy in 0..p.out_h {
            let (y0, y1) = p.window(oy * p.stride_h, p.pad_top, p.k_h, p.in_h);
            for ox in 0..p.out_w {
                let (x0, x1) = p.window(ox * p.stride_w, p.pad_left, p.k_w, p.in_w);
                let Some(o) = out.next() else { return };
                o.fill(i8::MIN);
                for iy in y0..y1 {
                    let Some(run) = batch.get(iy * row + x0 * c..iy * row + x1 * c) else { return };
                    for px in run.chunks_exact(c) {
                        for (o, &x) in o.iter_mut().zip(px) {
                            *o = (*o).max(x);
                        }
                    }
                }
                for o in o.iter_mut() {
                    *o = clamp(*o as i32, p.act_min, p.act_max) as i8;
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
