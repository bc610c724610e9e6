//! Classifies 20 real CIFAR-10 test images with a CIFAR-10 CNN compiled into
//! this binary by `include_model!`, checks every output against the TFLM
//! reference kernels' output, and reports accuracy and time per inference.
//!
//! Run it with `cargo run --release -p cifar10`.

use std::time::Instant;

// Expands to `pub mod cifar10 { Input, Output, infer, ... }`, at compile time.
nn_macro::include_model!("data/cifar10.tflite");

const CLASSES: [&str; 10] = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

/// The images, already quantized to the model's int8 input (`pixel - 128`).
static INPUTS: &[u8] = include_bytes!("../data/inputs_int8.bin");
/// The true class of each image.
static LABELS: &[u8] = include_bytes!("../data/labels.bin");
/// What TensorFlow Lite Micro's reference kernels output for each image.
static REFERENCE: &[u8] = include_bytes!("../data/reference_output_int8.bin");

fn image(i: usize) -> cifar10::Input {
    let len = core::mem::size_of::<cifar10::Input>();
    let mut img: cifar10::Input = [[[0; 3]; 32]; 32];
    for (dst, &src) in img.as_flattened_mut().as_flattened_mut().iter_mut().zip(&INPUTS[i * len..(i + 1) * len]) {
        *dst = src as i8;
    }
    img
}

fn argmax(v: &[i8]) -> usize {
    // The first maximum, as numpy's argmax.
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

fn main() {
    let n = LABELS.len();
    println!(
        "cifar10: {} multiply-accumulates, {} bytes of weights, {} bytes of arena",
        cifar10::MACS,
        cifar10::WEIGHT_BYTES,
        cifar10::ARENA_BYTES
    );
    let (mut correct, mut exact) = (0, 0);
    for i in 0..n {
        let out: cifar10::Output = cifar10::infer(&image(i));
        let reference: Vec<i8> = REFERENCE[i * 10..(i + 1) * 10].iter().map(|&b| b as i8).collect();
        let predicted = argmax(&out);
        let label = LABELS[i] as usize;
        correct += usize::from(predicted == label);
        let same = out[..] == reference[..];
        exact += usize::from(same);
        println!(
            "image {i:2}: label {:<10} predicted {:<10} {}  {}",
            CLASSES[label],
            CLASSES[predicted],
            if predicted == label { "ok   " } else { "wrong" },
            if same { "bit-exact with TFLM" } else { "DIFFERS from TFLM" }
        );
    }

    // Time the whole set several times with one caller-owned arena.
    let images: Vec<cifar10::Input> = (0..n).map(image).collect();
    let mut arena = cifar10::Arena::new();
    let mut out = [0i8; 10];
    let rounds = 10;
    let start = Instant::now();
    for _ in 0..rounds {
        for img in &images {
            cifar10::infer_in(&mut arena, img, &mut out);
            std::hint::black_box(&out);
        }
    }
    let per = start.elapsed().as_secs_f64() / (rounds * n) as f64;

    println!(
        "accuracy: {correct}/{n} ({:.1}%); outputs bit-exact with TFLM: {exact}/{n}; {:.3} ms per inference",
        100.0 * correct as f64 / n as f64,
        per * 1e3
    );
    if exact != n {
        std::process::exit(1);
    }
}
