//! Link setup for cortex-m-rt, and the test vectors of the shared models.
//!
//! The firmware cannot read `.npy` files at run time, so this script copies
//! the raw int8 data of each `../shared/models/**/{input,reference_output}.npy`
//! (the header stripped, dtype and shape checked) into `OUT_DIR`, where the
//! binaries `include_bytes!` it. Nothing from `../shared` is copied into the
//! repository.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// (name in OUT_DIR, folder under ../shared/models).
const SHARED: &[(&str, &str)] = &[
    ("resnet8", "mlcommons-tiny/ic_resnet8_int8"),
    ("person_detect", "tflite-micro/person_detect"),
    ("micro_speech", "tflite-micro/micro_speech"),
    ("hello_world", "tflite-micro/hello_world_int8"),
    ("mnist_lstm", "tflite-micro/mnist_lstm_int8"),
    ("micro_speech_lstm", "tflite-micro/micro_speech_lstm"),
];

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));

    // cortex-m-rt's link.x includes memory.x from the linker search path.
    fs::copy(manifest.join("memory.x"), out.join("memory.x")).expect("copy memory.x");
    // cortex-m-rt's `device` feature includes device.x, where a device crate
    // names its interrupt handlers; the firmware enables none.
    fs::write(out.join("device.x"), "/* No device interrupt handlers. */\n").expect("write device.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("TARGET").is_ok_and(|t| t.starts_with("thumb")) {
        println!("cargo:rustc-link-arg-bins=-Tlink.x");
        // No page alignment of sections: saves flash, needed for small targets.
        println!("cargo:rustc-link-arg-bins=--nmagic");
    }

    let shared = manifest.join("../../shared/models");
    if !shared.is_dir() {
        panic!(
            "{} is missing: the firmware embeds test vectors from ../shared/models beside the repository",
            shared.display()
        );
    }
    for (name, dir) in SHARED {
        for (file, suffix) in [("input.npy", "input"), ("reference_output.npy", "reference")] {
            let path = shared.join(dir).join(file);
            println!("cargo:rerun-if-changed={}", path.display());
            let data = npy_int8(&path);
            fs::write(out.join(format!("{name}_{suffix}.bin")), data).expect("write OUT_DIR");
        }
    }
}

/// The data of an int8 C-order `.npy` file (format versions 1 to 3).
fn npy_int8(path: &Path) -> Vec<u8> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fail = |what: &str| -> ! { panic!("{}: {what}", path.display()) };
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        fail("not a .npy file");
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize, 12),
        _ => fail("unsupported .npy version"),
    };
    let header = bytes.get(start..start + len).unwrap_or_else(|| fail("truncated header"));
    let header = std::str::from_utf8(header).unwrap_or_else(|_| fail("header is not text"));
    if !header.contains("'descr': '|i1'") {
        fail("dtype is not int8 ('|i1')");
    }
    if !header.contains("'fortran_order': False") {
        fail("not C order");
    }
    let shape = header.split("'shape': (").nth(1).and_then(|s| s.split(')').next()).unwrap_or_else(|| fail("no shape"));
    let count: usize = shape
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse::<usize>().unwrap_or_else(|_| fail("bad shape")))
        .product();
    let data = &bytes[start + len..];
    if data.len() != count {
        fail("data length does not match the shape");
    }
    data.to_vec()
}
