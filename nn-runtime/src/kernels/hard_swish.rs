//! HARD_SWISH, `x * relu6(x + 3) / 6`. int8 is a table lookup: the compiler
//! evaluates TFLM's integer algorithm (`reference_ops::HardSwish<int8_t>`)
//! for all 256 inputs. float32 is TFLM's float reference.

/// Constants of one int8 HARD_SWISH layer.
#[derive(Clone, Copy, Debug)]
pub struct HardSwish {
    /// The output for each input, indexed by the input's bits (`x as u8`).
    pub table: [i8; 256],
}

/// int8 HARD_SWISH.
pub fn hard_swish(p: &HardSwish, input: &[i8], output: &mut [i8]) {
    super::lookup_i8(&p.table, input, output);
}

/// float32 HARD_SWISH, in TFLM's order: `x * min(6, max(0, x + 3)) / 6`,
/// with `std::max`/`std::min`'s comparisons (a NaN sum gives 0).
pub fn hard_swish_f32(_: &(), input: &[f32], output: &mut [f32]) {
    for (o, &x) in output.iter_mut().zip(input) {
        let s = x + 3.0;
        let relu = if 0.0 < s { s } else { 0.0 };
        let relu6 = if relu < 6.0 { relu } else { 6.0 };
        *o = x * relu6 / 6.0;
    }
}
