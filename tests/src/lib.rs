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

/// Flat `i8` views of nested `i8` arrays of any rank.
pub trait FlatI8 {
    /// The elements in row-major order.
    fn flat(&self) -> &[i8];
    /// The elements in row-major order, mutably.
    fn flat_mut(&mut self) -> &mut [i8];
}

impl<const N: usize> FlatI8 for [i8; N] {
    fn flat(&self) -> &[i8] {
        self
    }
    fn flat_mut(&mut self) -> &mut [i8] {
        self
    }
}

impl<T: FlatI8, const N: usize> FlatI8 for [T; N] {
    fn flat(&self) -> &[i8] {
        // SAFETY: `T` is a nested array of `i8` (the only implementors), so
        // `[T; N]` is `size_of::<Self>()` contiguous, initialized `i8`s.
        unsafe { std::slice::from_raw_parts(self.as_ptr().cast::<i8>(), std::mem::size_of::<Self>()) }
    }
    fn flat_mut(&mut self) -> &mut [i8] {
        // SAFETY: as above, with the exclusive borrow carried over.
        unsafe { std::slice::from_raw_parts_mut(self.as_mut_ptr().cast::<i8>(), std::mem::size_of::<Self>()) }
    }
}

/// Runs every sample of `input.npy` in `dir` through `infer` and asserts
/// each output equals `reference_output.npy` (TFLM) bit for bit. Returns the
/// number of samples checked.
pub fn check_model<I: FlatI8, O: FlatI8>(
    dir: &str,
    mut make_input: impl FnMut() -> I,
    infer: impl Fn(&I) -> O,
) -> usize {
    let dir = shared_models().join(dir);
    let input = Npy::load(&dir.join("input.npy"));
    let reference = Npy::load(&dir.join("reference_output.npy"));
    let (x, y) = (input.i8s(), reference.i8s());
    let n = input.samples();
    assert_eq!(reference.samples(), n);
    let (in_len, out_len) = (x.len() / n, y.len() / n);
    for s in 0..n {
        let mut sample = make_input();
        assert_eq!(sample.flat().len(), in_len, "input size");
        sample.flat_mut().copy_from_slice(&x[s * in_len..(s + 1) * in_len]);
        let out = infer(&sample);
        assert_eq!(out.flat(), &y[s * out_len..(s + 1) * out_len], "{}: sample {s} differs from TFLM", dir.display());
    }
    n
}
