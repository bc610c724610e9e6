//! LOGISTIC: int8, int16 and float32; TFLM's reference kernels.
//!
//! - int8: TFLM evaluates gemmlowp's fixed-point logistic on the input
//!   rescaled to Q4.27, clamped outside a radius. There are only 256
//!   inputs, so the compiler evaluates [`logistic_i8_reference`] for each
//!   and the kernel is a table lookup.
//! - int16: TFLM's interpolation in a 256-entry table of `sigmoid(i / 24)`
//!   ([`logistic_i16_one`], which the LSTM reuses).
//! - float32: `1 / (1 + exp(-x))` with TFLM's cut-offs, and glibc's `expf`.

use crate::math::expf;
use crate::quant::{fixed_point_logistic, multiply_by_quantized_multiplier, rounding_divide_by_pot};

/// `65536 * sigmoid(i / 24)` for `i` in `0..256` (saturated to 65535):
/// TFLM's `sigmoid_table_uint16`, shared by the int16 LOGISTIC and TANH
/// (`tanh(x) = 2 sigmoid(2x) - 1`). The values are TFLM's, which differ
/// from rounding the exact value by one in a few entries.
pub(crate) const SIGMOID_TABLE: [u16; 256] = [
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
];

/// TFLM's int8 LOGISTIC constants (`CalculateArithmeticOpDataLogistic`),
/// also TANH's ([`TanhI8`](super::tanh::TanhI8)).
#[derive(Clone, Copy, Debug)]
pub struct LogisticI8 {
    /// Input zero point.
    pub input_zero_point: i32,
    /// Inputs at or beyond this distance from the zero point saturate.
    pub input_range_radius: i32,
    /// Q0.31 multiplier taking the input to Q4.27.
    pub input_multiplier: i32,
    /// Its (left) shift.
    pub input_left_shift: i32,
}

/// TFLM's int8 logistic of one value (output scale 1/256, zero point
/// -128).
pub fn logistic_i8_reference(p: &LogisticI8, x: i8) -> i8 {
    let input = x as i32 - p.input_zero_point;
    if input <= -p.input_range_radius {
        return i8::MIN;
    }
    if input >= p.input_range_radius {
        return i8::MAX;
    }
    let q4 = multiply_by_quantized_multiplier(input, p.input_multiplier, p.input_left_shift);
    let q23 = rounding_divide_by_pot(fixed_point_logistic(q4, 4), 31 - 8) - 128;
    super::clamp(q23, -128, 127) as i8
}

/// The int8 kernel: a lookup in the table the compiler filled with
/// [`logistic_i8_reference`] (index: the input as `u8`).
pub fn logistic_i8(table: &[i8; 256], input: &[i8], output: &mut [i8]) {
    super::lookup_i8(table, input, output);
}

/// Constants of an int16 LOGISTIC or TANH (TFLM's `input_multiplier` and
/// `input_left_shift`; a multiplier of 0 means `3 << input_left_shift`
/// with no shift, TFLM's power-of-two convention).
#[derive(Clone, Copy, Debug)]
pub struct Int16Activation {
    /// Multiplier to TFLM's table scale (0: power-of-two input scale).
    pub input_multiplier: i32,
    /// Right shift after the multiplier.
    pub input_left_shift: i32,
}

/// The input rescaled as TFLM's int16 LOGISTIC and TANH do.
#[inline(always)]
pub(crate) const fn rescale_i16(x: i16, input_multiplier: i32, input_left_shift: i32) -> i32 {
    let (multiplier, shift) =
        if input_multiplier == 0 { (3 << input_left_shift, 0) } else { (input_multiplier, input_left_shift) };
    let round = if shift > 0 { 1 << (shift - 1) } else { 0 };
    (x as i32).wrapping_mul(multiplier).wrapping_add(round) >> shift
}

/// TFLM's int16 logistic of one value (input Q3.12 after rescaling, output
/// Q0.15).
#[inline(always)]
pub const fn logistic_i16_one(x: i16, input_multiplier: i32, input_left_shift: i32) -> i16 {
    let v = rescale_i16(x, input_multiplier, input_left_shift);
    let abs = v.unsigned_abs();
    let index = (abs >> 9) as usize;
    let result = if index >= 255 {
        0x7fff << 10
    } else {
        let (a, b) = (SIGMOID_TABLE[index] as u32, SIGMOID_TABLE[index + 1] as u32);
        (a << 9) + (abs & 0x1ff) * (b - a)
    };
    let result = if v >= 0 { result + (1 << 9) } else { (1 << 25) - result + (1 << 9) - 1 };
    (result >> 10) as i16
}

/// The int16 kernel.
pub fn logistic_i16(p: &Int16Activation, input: &[i16], output: &mut [i16]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = logistic_i16_one(x, p.input_multiplier, p.input_left_shift);
    }
}

/// TFLM's float logistic of one value.
#[inline(always)]
pub fn logistic_f32_one(x: f32) -> f32 {
    const CUTOFF_UPPER: f32 = 16.619_047; // TFLM's 16.619047164916992188f.
    const CUTOFF_LOWER: f32 = -9.0;
    if x > CUTOFF_UPPER {
        1.0
    } else if x < CUTOFF_LOWER {
        expf(x)
    } else {
        1.0 / (1.0 + expf(-x))
    }
}

/// The float32 kernel.
pub fn logistic_f32(_: &(), input: &[f32], output: &mut [f32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        *o = logistic_f32_one(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sigmoid() {
        for (i, &t) in SIGMOID_TABLE.iter().enumerate() {
            let s = 65536.0 / (1.0 + (-(i as f64) / 24.0).exp());
            assert!((t as f64 - s.min(65535.0)).abs() < 1.2, "{i}");
        }
    }

    #[test]
    fn int16_is_close_to_sigmoid() {
        // Input scale 2^-12 (power of two): multiplier 0, shift 0.
        for x in (i16::MIN..=i16::MAX).step_by(37) {
            let got = logistic_i16_one(x, 0, 0) as f64 / 32768.0;
            let want = 1.0 / (1.0 + (-(x as f64) / 4096.0).exp());
            assert!((got - want).abs() < 1e-4, "{x}: {got} vs {want}");
        }
        assert_eq!(logistic_i16_one(0, 0, 0), 16384);
        // Q3.12 spans [-8, 8): sigmoid(8) = 0.99966.
        assert_eq!(logistic_i16_one(i16::MAX, 0, 0), 32757);
        assert_eq!(logistic_i16_one(i16::MIN, 0, 0), 11);
        // Twice the input scale saturates.
        assert_eq!(logistic_i16_one(i16::MAX, 0, 1), 32767);
    }

    #[test]
    fn int8_reference_is_close_to_sigmoid() {
        // Input scale 1/16, zero point 3, as TFLM's Prepare derives it.
        let scale = 1.0f64 / 16.0;
        let real = scale * (1u64 << 27) as f64;
        let shift = real.log2().floor() as i32 + 1;
        let multiplier = (real / (1u64 << shift) as f64 * (1u64 << 31) as f64).round() as i32;
        let radius = (15.0 * (1u64 << 27) as f64 / (1u64 << shift) as f64).floor() as i32;
        let p = LogisticI8 {
            input_zero_point: 3,
            input_range_radius: radius,
            input_multiplier: multiplier,
            input_left_shift: shift,
        };
        for x in i8::MIN..=i8::MAX {
            let got = (logistic_i8_reference(&p, x) as f64 + 128.0) / 256.0;
            let want = 1.0 / (1.0 + (-(x as f64 - 3.0) * scale).exp());
            assert!((got - want).abs() <= 1.0 / 256.0, "{x}: {got} vs {want}");
        }
    }

    #[test]
    fn float_cutoffs() {
        assert_eq!(logistic_f32_one(17.0), 1.0);
        assert_eq!(logistic_f32_one(0.0), 0.5);
        assert_eq!(logistic_f32_one(-20.0), expf(-20.0));
        assert!(logistic_f32_one(f32::NAN).is_nan());
    }
}
