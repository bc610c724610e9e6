//! SUB, int8 and int16, with broadcasting; TFLM's reference
//! `SubElementwise`/`BroadcastQuantSubSlow` (the same rescaling as ADD).

use super::add::Arithmetic;
use super::Quantized;

/// Subtracts the second quantized tensor from the first.
pub fn sub<T: Quantized>(p: &Arithmetic, input1: &[T], input2: &[T], output: &mut [T]) {
    if let Some(t) = super::add::Int8Tables::of::<T>(p) {
        super::add::arithmetic_tables(t, p, true, input1, input2, output);
        return;
    }
    p.apply(input1, input2, output, |a, b| {
        let (a, b) = p.scaled(a, b);
        p.finish(a.wrapping_sub(b))
    });
}
