//! ADD, int8 and int16 (and float32 ADD, SUB, MUL), with broadcasting; TFLM's reference
//! `AddElementwise`/`BroadcastAdd*Slow`: both inputs are rescaled to a common
//! scale with headroom (20 bits for int8, 15 for int16), summed, then
//! requantized.

use super::{Broadcast, Quantized};
use crate::kernels::clamp;
use crate::quant::multiply_by_quantized_multiplier_smaller_than_one_exp as scale_down;

/// Constants of one quantized ADD or SUB layer.
#[derive(Clone, Copy, Debug)]
pub struct Arithmetic {
    /// Minus the first input's zero point.
    pub input1_offset: i32,
    /// Minus the second input's zero point.
    pub input2_offset: i32,
    /// The output zero point.
    pub output_offset: i32,
    /// Headroom bits applied before rescaling (20 for int8, 15 for int16).
    pub left_shift: i32,
    /// Multiplier of the first input.
    pub input1_multiplier: i32,
    /// Shift (<= 0) of the first input.
    pub input1_shift: i32,
    /// Multiplier of the second input.
    pub input2_multiplier: i32,
    /// Shift (<= 0) of the second input.
    pub input2_shift: i32,
    /// Multiplier of the result.
    pub output_multiplier: i32,
    /// Shift (<= 0) of the result.
    pub output_shift: i32,
    /// Lower bound of the fused activation.
    pub act_min: i32,
    /// Upper bound of the fused activation.
    pub act_max: i32,
    /// Index mapping when the input shapes differ.
    pub broadcast: Option<Broadcast>,
}

impl Arithmetic {
    /// Both inputs rescaled to the common scale.
    #[inline(always)]
    pub(crate) fn scaled<T: Quantized>(&self, a: T, b: T) -> (i32, i32) {
        let a = (a.get() + self.input1_offset).wrapping_mul(1 << self.left_shift);
        let b = (b.get() + self.input2_offset).wrapping_mul(1 << self.left_shift);
        (
            scale_down(a, self.input1_multiplier, self.input1_shift),
            scale_down(b, self.input2_multiplier, self.input2_shift),
        )
    }

    /// The requantized, clamped result.
    #[inline(always)]
    pub(crate) fn finish<T: Quantized>(&self, raw: i32) -> T {
        let out = scale_down(raw, self.output_multiplier, self.output_shift).wrapping_add(self.output_offset);
        T::from_clamped(clamp(out, self.act_min, self.act_max))
    }

    /// Applies `f` element by element, broadcasting if needed.
    #[inline(always)]
    pub(crate) fn apply<T: Quantized>(&self, input1: &[T], input2: &[T], output: &mut [T], f: impl Fn(T, T) -> T) {
        match &self.broadcast {
            None => {
                for ((o, &a), &b) in output.iter_mut().zip(input1).zip(input2) {
                    *o = f(a, b);
                }
            }
            Some(bc) => bc.for_each(|o, a, b| {
                if let (Some(out), Some(&x), Some(&y)) = (output.get_mut(o), input1.get(a), input2.get(b)) {
                    *out = f(x, y);
                }
            }),
        }
    }
}

/// Elements from which the int8 tables of [`Int8Tables`] pay for their
/// construction (two rescalings of each of 256 values).
pub(crate) const TABLE_MIN_ELEMENTS: usize = 512;

/// The int8 path of ADD and SUB: TFLM rescales each element of each operand
/// on its own, so for int8 a table of the 256 rescaled values per operand
/// replaces two requantizations per element, and the final requantization
/// is one 64-bit multiply-add (`quant::requantize_fused`) when its shift
/// allows. Same bits as [`Arithmetic::scaled`] and [`Arithmetic::finish`].
pub(crate) struct Int8Tables {
    first: [i32; 256],
    second: [i32; 256],
    /// The fused rounding constant of the output requantization, if any.
    constant: Option<i64>,
}

impl Int8Tables {
    /// The tables of `p`, or `None` unless `T` is int8 and `n` large enough.
    #[inline(always)]
    pub(crate) fn new<T: Quantized>(p: &Arithmetic, n: usize) -> Option<Self> {
        if (T::MIN, T::MAX) != (-128, 127) || n < TABLE_MIN_ELEMENTS {
            return None;
        }
        let mut t = Int8Tables { first: [0; 256], second: [0; 256], constant: None };
        for i in 0..256 {
            let v = T::from_clamped(i as u8 as i8 as i32);
            (t.first[i], t.second[i]) = p.scaled(v, v);
        }
        if p.output_multiplier >= 0 {
            t.constant = crate::quant::requantize_constant(p.output_shift, p.output_offset);
        }
        Some(t)
    }

    /// The requantized, clamped `first(x) + second(y)` (or `-` for SUB).
    #[inline(always)]
    pub(crate) fn combine<T: Quantized>(&self, p: &Arithmetic, x: T, y: T, sub: bool) -> T {
        let (a, b) = (self.first[x.get() as u8 as usize], self.second[y.get() as u8 as usize]);
        let raw = if sub { a.wrapping_sub(b) } else { a.wrapping_add(b) };
        match self.constant {
            Some(c) => {
                let out = crate::quant::requantize_fused(raw, p.output_multiplier, c, p.output_shift);
                T::from_clamped(clamp(out, p.act_min, p.act_max))
            }
            None => p.finish(raw),
        }
    }
}

/// Adds two quantized tensors.
pub fn add<T: Quantized>(p: &Arithmetic, input1: &[T], input2: &[T], output: &mut [T]) {
    if p.broadcast.is_none() {
        if let Some(t) = Int8Tables::new::<T>(p, output.len()) {
            for ((o, &a), &b) in output.iter_mut().zip(input1).zip(input2) {
                *o = t.combine(p, a, b, false);
            }
            return;
        }
    }
    p.apply(input1, input2, output, |a, b| {
        let (a, b) = p.scaled(a, b);
        p.finish(a.wrapping_add(b))
    });
}

/// The element operation of a float32 binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOpF32 {
    /// ADD: `a + b`.
    Add,
    /// SUB: `a - b`.
    Sub,
    /// MUL: `a * b`.
    Mul,
}

/// Constants of one float32 ADD, SUB or MUL layer.
#[derive(Clone, Copy, Debug)]
pub struct BinaryF32 {
    /// The element operation.
    pub op: BinaryOpF32,
    /// Lower bound of the fused activation.
    pub act_min: f32,
    /// Upper bound of the fused activation.
    pub act_max: f32,
    /// Index mapping when the input shapes differ.
    pub broadcast: Option<Broadcast>,
}

/// Runs a float32 ADD, SUB or MUL as TFLM's reference float kernels do: one
/// IEEE operation per element, then the activation clamp.
pub fn binary_f32(p: &BinaryF32, a: &[f32], b: &[f32], output: &mut [f32]) {
    use super::fully_connected::clamp_f32;
    let (lo, hi) = (p.act_min, p.act_max);
    match p.op {
        BinaryOpF32::Add => super::prelu::each(&p.broadcast, a, b, output, |x, y| clamp_f32(x + y, lo, hi)),
        BinaryOpF32::Sub => super::prelu::each(&p.broadcast, a, b, output, |x, y| clamp_f32(x - y, lo, hi)),
        BinaryOpF32::Mul => super::prelu::each(&p.broadcast, a, b, output, |x, y| clamp_f32(x * y, lo, hi)),
    }
}
