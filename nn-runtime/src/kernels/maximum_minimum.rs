//! MAXIMUM and MINIMUM, with broadcasting; TFLM compares the stored values
//! directly (inputs and output share one quantization).

use super::Broadcast;

fn apply<T: Copy>(bc: Option<&Broadcast>, a: &[T], b: &[T], out: &mut [T], f: impl Fn(T, T) -> T) {
    match bc {
        None => {
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                *o = f(x, y);
            }
        }
        Some(bc) => bc.for_each(|o, i, j| {
            if let (Some(dst), Some(&x), Some(&y)) = (out.get_mut(o), a.get(i), b.get(j)) {
                *dst = f(x, y);
            }
        }),
    }
}

/// Element-wise maximum.
pub fn maximum<T: Copy + PartialOrd>(bc: &Option<Broadcast>, a: &[T], b: &[T], out: &mut [T]) {
    apply(bc.as_ref(), a, b, out, |x, y| if x > y { x } else { y });
}

/// Element-wise minimum.
pub fn minimum<T: Copy + PartialOrd>(bc: &Option<Broadcast>, a: &[T], b: &[T], out: &mut [T]) {
    apply(bc.as_ref(), a, b, out, |x, y| if x < y { x } else { y });
}
