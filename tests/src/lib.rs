//! Helpers for the end-to-end tests: a minimal `.npy` reader and flat views
//! of the nested arrays that generated modules use for inputs and outputs.

use std::path::{Path, PathBuf};

/// The shared models directory (`../shared/models` beside the repository).
///
/// Fails loudly when it is missing under CI, where it must exist.
pub fn shared_models() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/models");
    assert!(
        dir.is_dir(),
        "{} is missing: the real-model tests need ../shared/models beside the repository",
        dir.display()
    );
    dir
}

/// An array read from a `.npy` file: its shape and raw little-endian data.
pub struct Npy {
    /// Dimensions.
    pub shape: Vec<usize>,
    /// The numpy dtype descriptor, e.g. `|i1` or `<f4`.
    pub descr: String,
    /// Raw element bytes in C order.
    pub data: Vec<u8>,
}

impl Npy {
    /// Reads a version 1.0/2.0 `.npy` file in C order.
    pub fn load(path: &Path) -> Npy {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        assert_eq!(&bytes[..6], b"\x93NUMPY", "{} is not a .npy file", path.display());
        let (header_len, start) = match bytes[6] {
            1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
            _ => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        };
        let header = std::str::from_utf8(&bytes[start..start + header_len]).expect("header is ASCII");
        assert!(header.contains("'fortran_order': False"), "only C-order arrays are supported");
        let descr = header.split("'descr': '").nth(1).and_then(|s| s.split('\'').next()).expect("descr").to_string();
        let shape_text = header.split("'shape': (").nth(1).and_then(|s| s.split(')').next()).expect("shape");
        let shape = shape_text.split(',').filter_map(|d| d.trim().parse().ok()).collect();
        Npy { shape, descr, data: bytes[start + header_len..].to_vec() }
    }

    /// The data as `i8`; panics if the array is not int8.
    pub fn i8s(&self) -> Vec<i8> {
        assert_eq!(self.descr, "|i1", "expected an int8 array");
        self.data.iter().map(|&b| b as i8).collect()
    }

    /// The number of samples (axis 0).
    pub fn samples(&self) -> usize {
        self.shape[0]
    }
}

/// Plain numeric element types of model inputs and outputs.
pub trait Elem: Copy + 'static {}
impl Elem for i8 {}
impl Elem for u8 {}
impl Elem for i16 {}
impl Elem for i32 {}
impl Elem for f32 {}

/// Nested arrays of a numeric type, viewed flat (row-major).
///
/// # Safety
/// Implementors must be (nested arrays of) one [`Elem`] type, with no padding
/// and every bit pattern valid.
pub unsafe trait Flat: Sized {
    /// The element type.
    type E: Elem;
    /// A value with all bits zero.
    fn zeroed() -> Self {
        // SAFETY: the trait's contract: plain numbers, all-zero is valid.
        unsafe { std::mem::zeroed() }
    }
    /// The raw bytes, for bit-exact comparison.
    fn bytes(&self) -> &[u8] {
        // SAFETY: `Self` is plain numeric data without padding.
        unsafe { std::slice::from_raw_parts((self as *const Self).cast::<u8>(), std::mem::size_of::<Self>()) }
    }
    /// The raw bytes, mutably.
    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above; every bit pattern is a valid value.
        unsafe { std::slice::from_raw_parts_mut((self as *mut Self).cast::<u8>(), std::mem::size_of::<Self>()) }
    }
    /// The elements.
    fn flat(&self) -> &[Self::E] {
        let n = std::mem::size_of::<Self>() / std::mem::size_of::<Self::E>();
        // SAFETY: `Self` is `n` contiguous `E`s.
        unsafe { std::slice::from_raw_parts((self as *const Self).cast::<Self::E>(), n) }
    }
    /// The elements, mutably.
    fn flat_mut(&mut self) -> &mut [Self::E] {
        let n = std::mem::size_of::<Self>() / std::mem::size_of::<Self::E>();
        // SAFETY: as above, with the exclusive borrow carried over.
        unsafe { std::slice::from_raw_parts_mut((self as *mut Self).cast::<Self::E>(), n) }
    }
}

macro_rules! flat_impls {
    ($($e:ty),*) => {$(
        // SAFETY: (nested) arrays of plain numbers are contiguous, without
        // padding, and valid for every bit pattern.
        unsafe impl<const A: usize> Flat for [$e; A] { type E = $e; }
        // SAFETY: as above.
        unsafe impl<const A: usize, const B: usize> Flat for [[$e; A]; B] { type E = $e; }
        // SAFETY: as above.
        unsafe impl<const A: usize, const B: usize, const C: usize> Flat for [[[$e; A]; B]; C] { type E = $e; }
        // SAFETY: as above.
        unsafe impl<const A: usize, const B: usize, const C: usize, const D: usize> Flat for [[[[$e; A]; B]; C]; D] {
            type E = $e;
        }
    )*};
}
flat_impls!(i8, u8, i16, i32, f32);

/// The element type code numpy uses for `E`.
fn descr_of<E: Elem>() -> &'static str {
    let id = std::any::TypeId::of::<E>();
    if id == std::any::TypeId::of::<i8>() {
        "|i1"
    } else if id == std::any::TypeId::of::<u8>() {
        "|u1"
    } else if id == std::any::TypeId::of::<i16>() {
        "<i2"
    } else if id == std::any::TypeId::of::<i32>() {
        "<i4"
    } else {
        "<f4"
    }
}

/// Runs every sample of `input` through `infer` and asserts each output's
/// bytes equal the corresponding sample of `reference` (TFLM). Returns the
/// number of samples.
pub fn check_samples<I: Flat, O: Flat>(
    what: &str,
    input: &Npy,
    reference: &Npy,
    mut infer: impl FnMut(&I) -> O,
) -> usize {
    let n = input.samples();
    assert!(n > 0, "{what}: no samples");
    assert_eq!(reference.samples(), n, "{what}: sample counts differ");
    assert_eq!(input.descr, descr_of::<I::E>(), "{what}: input element type");
    assert_eq!(reference.descr, descr_of::<O::E>(), "{what}: output element type");
    let (in_len, out_len) = (input.data.len() / n, reference.data.len() / n);
    for s in 0..n {
        let mut x = I::zeroed();
        assert_eq!(x.bytes().len(), in_len, "{what}: input size");
        x.bytes_mut().copy_from_slice(&input.data[s * in_len..(s + 1) * in_len]);
        let y = infer(&x);
        assert_eq!(y.bytes().len(), out_len, "{what}: output size");
        if y.bytes() != &reference.data[s * out_len..(s + 1) * out_len] {
            let want = &reference.data[s * out_len..(s + 1) * out_len];
            let diff = y.bytes().iter().zip(want).filter(|(a, b)| a != b).count();
            panic!("{what}: sample {s} differs from TFLM in {diff} of {out_len} bytes");
        }
    }
    n
}

/// Checks a model from `../shared/models/<dir>` on all its samples
/// (`input.npy` against `reference_output.npy`).
pub fn check_model<I: Flat, O: Flat>(dir: &str, infer: impl Fn(&I) -> O) -> usize {
    let dir = shared_models().join(dir);
    let input = Npy::load(&dir.join("input.npy"));
    let reference = Npy::load(&dir.join("reference_output.npy"));
    check_samples(&dir.display().to_string(), &input, &reference, infer)
}

/// Checks a conformance case from `tests/conformance/<name>` (`input.npy`
/// against `output.npy`, both written by the generator from TFLM).
pub fn check_case<I: Flat, O: Flat>(name: &str, infer: impl Fn(&I) -> O) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance").join(name);
    let input = Npy::load(&dir.join("input.npy"));
    let reference = Npy::load(&dir.join("output.npy"));
    check_samples(name, &input, &reference, infer)
}

/// Checks one of the project's own models from `tests/models/<name>`
/// (written by `tools/models/build_zoo.py`) on all its samples (`input.npy`
/// against `reference_output.npy`, both from TFLM).
pub fn check_zoo<I: Flat, O: Flat>(name: &str, infer: impl Fn(&I) -> O) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(name);
    let input = Npy::load(&dir.join("input.npy"));
    let reference = Npy::load(&dir.join("reference_output.npy"));
    check_samples(name, &input, &reference, infer)
}

/// Checks a stateful conformance case (SVDF): its inputs run in order
/// through `step` (`infer_in` on one arena, which carries the state), each
/// output compared with `output_seq.npy`, TFLM's outputs for the same
/// sequence run in one interpreter.
pub fn check_sequence<I: Flat, O: Flat>(name: &str, mut step: impl FnMut(&I, &mut O)) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance").join(name);
    let input = Npy::load(&dir.join("input.npy"));
    let reference = Npy::load(&dir.join("output_seq.npy"));
    check_samples(&format!("{name} (one sequence)"), &input, &reference, |x: &I| {
        let mut y = O::zeroed();
        step(x, &mut y);
        y
    })
}

/// Runs every sample of two inputs through `infer` and compares the output
/// bytes with `reference` (TFLM).
pub fn check_samples2<I0: Flat, I1: Flat, O: Flat>(
    what: &str,
    inputs: (&Npy, &Npy),
    reference: &Npy,
    infer: impl Fn(&I0, &I1) -> O,
) -> usize {
    let n = inputs.0.samples();
    assert!(n > 0 && inputs.1.samples() == n && reference.samples() == n, "{what}: sample counts differ");
    assert_eq!(inputs.0.descr, descr_of::<I0::E>(), "{what}: first input element type");
    assert_eq!(inputs.1.descr, descr_of::<I1::E>(), "{what}: second input element type");
    assert_eq!(reference.descr, descr_of::<O::E>(), "{what}: output element type");
    let (l0, l1, lo) = (inputs.0.data.len() / n, inputs.1.data.len() / n, reference.data.len() / n);
    for s in 0..n {
        let (mut x0, mut x1) = (I0::zeroed(), I1::zeroed());
        x0.bytes_mut().copy_from_slice(&inputs.0.data[s * l0..(s + 1) * l0]);
        x1.bytes_mut().copy_from_slice(&inputs.1.data[s * l1..(s + 1) * l1]);
        let y = infer(&x0, &x1);
        let want = &reference.data[s * lo..(s + 1) * lo];
        let diff = y.bytes().iter().zip(want).filter(|(a, b)| a != b).count();
        assert!(y.bytes().len() == lo && diff == 0, "{what}: sample {s} differs from TFLM in {diff} of {lo} bytes");
    }
    n
}

/// Checks one per-layer model of `../shared/models/tflite-micro/seanet_int16`
/// (`<name>_input.npy` against TFLM's `<name>_reference_output.npy`).
pub fn check_seanet<I: Flat, O: Flat>(name: &str, infer: impl Fn(&I) -> O) -> usize {
    let base = shared_models().join("tflite-micro/seanet_int16").join(name);
    let input = Npy::load(&base.with_file_name(format!("{}_input.npy", file_stem(&base))));
    let reference = Npy::load(&base.with_file_name(format!("{}_reference_output.npy", file_stem(&base))));
    check_samples(name, &input, &reference, infer)
}

/// Like [`check_seanet`] for two-input models (`<name>_input_0.npy`, `_1`).
pub fn check_seanet2<I0: Flat, I1: Flat, O: Flat>(name: &str, infer: impl Fn(&I0, &I1) -> O) -> usize {
    let base = shared_models().join("tflite-micro/seanet_int16").join(name);
    let stem = file_stem(&base);
    let a = Npy::load(&base.with_file_name(format!("{stem}_input_0.npy")));
    let b = Npy::load(&base.with_file_name(format!("{stem}_input_1.npy")));
    let reference = Npy::load(&base.with_file_name(format!("{stem}_reference_output.npy")));
    check_samples2(name, (&a, &b), &reference, infer)
}

fn file_stem(p: &Path) -> String {
    p.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}
