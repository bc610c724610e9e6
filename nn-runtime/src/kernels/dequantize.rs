//! DEQUANTIZE: int8 to float32; TFLM's reference `Dequantize` (the product
//! is formed in `f64`, then narrowed).

/// Converts one quantized value to float32.
#[inline]
pub fn dequantize_one(q: i32, scale: f32, zero_point: i32) -> f32 {
    (scale as f64 * (q as i64 - zero_point as i64) as f64) as f32
}

/// Constants of an int8 to float32 DEQUANTIZE.
#[derive(Clone, Copy, Debug)]
pub struct Dequantize {
    /// Input scale.
    pub scale: f32,
    /// Input zero point.
    pub zero_point: i32,
}

/// Dequantizes int8 values to float32.
pub fn dequantize_i8_f32(p: &Dequantize, input: &[i8], output: &mut [f32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = dequantize_one(x as i32, p.scale, p.zero_point);
    }
}
