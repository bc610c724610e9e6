//! ADD, int8 and int16 (and float32 ADD, SUB, MUL), with broadcasting; TFLM's reference
//! `AddElementwise`/`BroadcastAdd*Slow`: both inputs are rescaled to a common
//! scale with headroom (20 bits for int8, 15 for int16), summed, then
//! requantized.

use super::{Broadcast, Quantized};
use crate::kernels::clamp;
use crate::quant::multiply_by_quantized_multiplier_smaller_than_one_exp as scale_down;
use core::cell::Cell;

/// Constants of one quantized ADD or SUB layer.
#[derive(Clone, Copy, Debug)]
pub struct Arithmetic<'a> {
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
    /// For int8 without broadcasting, the tables of [`Int8Tables::new`],
    /// which the compiler computes and places in flash for layers of at
    /// least [`TABLE_MIN_ELEMENTS`] elements; `None` rescales each element.
    pub tables: Option<&'a Int8Tables>,
}

impl Arithmetic<'_> {
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

/// Elements from which the compiler gives an int8 ADD or SUB its
/// [`Int8Tables`] (2 KB of flash each).
pub const TABLE_MIN_ELEMENTS: usize = 512;

/// The int8 path of ADD and SUB: TFLM rescales each element of each operand
/// on its own, so for int8 a table of the 256 rescaled values per operand
/// replaces two requantizations per element, and the final requantization
/// is one 64-bit multiply-add (`quant::requantize_fused`) when its shift
/// allows. Same bits as `Arithmetic::scaled` and `Arithmetic::finish`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Int8Tables {
    /// The first operand's rescaled value, indexed by its bits as `u8`.
    pub first: [i32; 256],
    /// The second operand's rescaled value, likewise.
    pub second: [i32; 256],
    /// The fused rounding constant of the output requantization, if any.
    pub constant: Option<i64>,
}

impl Int8Tables {
    /// The tables of an int8 layer with the constants of `p`.
    pub fn new(p: &Arithmetic) -> Self {
        let mut t = Int8Tables { first: [0; 256], second: [0; 256], constant: None };
        for i in 0..256 {
            let v = i as u8 as i8;
            (t.first[i], t.second[i]) = p.scaled(v, v);
        }
        if p.output_multiplier >= 0 {
            t.constant = crate::quant::requantize_constant(p.output_shift, p.output_offset);
        }
        t
    }

    /// The tables of `p` for elements of type `T`, if it has them.
    #[inline(always)]
    pub(crate) fn of<'a, T: Quantized>(p: &Arithmetic<'a>) -> Option<&'a Self> {
        p.tables.filter(|_| (T::MIN, T::MAX) == (-128, 127) && p.broadcast.is_none())
    }

    /// Runs the layer over `items`: operands `(x, y)` and the cell of the
    /// result. `x` is the first operand, or the second if `swap`. ADD or
    /// SUB, the operand order and the form of the requantization are
    /// chosen once, outside the loop.
    #[inline(always)]
    pub(crate) fn run<'c, T: Quantized + 'c>(
        &self,
        p: &Arithmetic,
        sub: bool,
        swap: bool,
        items: impl Iterator<Item = (T, T, &'c Cell<T>)>,
    ) {
        let (tx, ty) = if swap { (&self.second, &self.first) } else { (&self.first, &self.second) };
        let (m, s, lo, hi) = (p.output_multiplier, p.output_shift, p.act_min, p.act_max);
        let fused =
            |c: i64| move |raw: i32| T::from_clamped(clamp(crate::quant::requantize_fused(raw, m, c, s), lo, hi));
        let plain = |raw: i32| p.finish(raw);
        // `first(a) - second(b)` with the operands swapped is `ty[y] - tx[x]`.
        let (add, sub_xy, sub_yx) = (i32::wrapping_add, i32::wrapping_sub, |a: i32, b: i32| b.wrapping_sub(a));
        match (self.constant, sub, swap) {
            (Some(c), false, _) => each(tx, ty, items, add, fused(c)),
            (Some(c), true, false) => each(tx, ty, items, sub_xy, fused(c)),
            (Some(c), true, true) => each(tx, ty, items, sub_yx, fused(c)),
            (None, false, _) => each(tx, ty, items, add, plain),
            (None, true, false) => each(tx, ty, items, sub_xy, plain),
            (None, true, true) => each(tx, ty, items, sub_yx, plain),
        }
    }
}

/// One loop of [`Int8Tables::run`].
#[inline(always)]
fn each<'c, T: Quantized + 'c>(
    tx: &[i32; 256],
    ty: &[i32; 256],
    items: impl Iterator<Item = (T, T, &'c Cell<T>)>,
    op: impl Fn(i32, i32) -> i32,
    finish: impl Fn(i32) -> T,
) {
    for (x, y, out) in items {
        out.set(finish(op(tx[x.get() as u8 as usize], ty[y.get() as u8 as usize])));
    }
}

/// The table path of ADD and SUB over separate buffers.
pub(crate) fn arithmetic_tables<T: Quantized>(
    t: &Int8Tables,
    p: &Arithmetic,
    sub: bool,
    input1: &[T],
    input2: &[T],
    output: &mut [T],
) {
    let out = Cell::from_mut(output).as_slice_of_cells();
    t.run(p, sub, false, input1.iter().zip(input2).zip(out).map(|((&x, &y), o)| (x, y, o)));
}

/// Adds two quantized tensors.
pub fn add<T: Quantized>(p: &Arithmetic, input1: &[T], input2: &[T], output: &mut [T]) {
    if let Some(t) = Int8Tables::of::<T>(p) {
        arithmetic_tables(t, p, false, input1, input2, output);
        return;
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
