//! SUB, int8 and int16, with broadcasting; TFLM's reference
//! `SubElementwise`/`BroadcastQuantSubSlow` (the same rescaling as ADD).

use super::add::Arithmetic;
use super::Quantized;

/// Subtracts the second quantized tensor from the first.
pub fn sub<T: Quantized>(p: &Arithmetic, input1: &[T], input2: &[T], output: &mut [T]) {
    if p.broadcast.is_none() {
        if let Some(t) = super::add::Int8Tables::new::<T>(p, output.len()) {
            for ((o, &a), &b) in output.iter_mut().zip(input1).zip(input2) {
                *o = t.combine(p, a, b, true);
            }
            return;
        }
    }
    p.apply(input1, input2, output, |a, b| {
        let (a, b) = p.scaled(a, b);
        p.finish(a.wrapping_sub(b))
    });
}
