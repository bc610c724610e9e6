//! Host inference time of real models, for comparison with TFLM's
//! reference kernels run by `tools/bench/host_vs_tflm.py` on the same
//! machine. Prints one line per model: `name ms_per_inference`.
//!
//! `cargo run --release -p nn-tests --example host_bench`

use nn_tests::{shared_models, Flat, Npy};
use std::time::Instant;

nn_macro::include_model!("../../shared/models/tflite-micro/person_detect/person_detect.tflite");
nn_macro::include_model!(resnet8 = "../../shared/models/mlcommons-tiny/ic_resnet8_int8/pretrainedResnet_quant.tflite");
nn_macro::include_model!(micro_speech = "../../shared/models/tflite-micro/micro_speech/micro_speech_quantized.tflite");

/// Median time per inference over `rounds` passes over every sample.
fn time<I: Flat, O: Flat>(dir: &str, rounds: usize, infer: impl Fn(&I) -> O) -> f64 {
    let input = Npy::load(&shared_models().join(dir).join("input.npy"));
    let n = input.samples();
    let len = input.data.len() / n;
    let samples: Vec<I> = (0..n)
        .map(|s| {
            let mut x = I::zeroed();
            x.bytes_mut().copy_from_slice(&input.data[s * len..(s + 1) * len]);
            x
        })
        .collect();
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for x in &samples {
                std::hint::black_box(infer(std::hint::black_box(x)));
            }
            start.elapsed().as_secs_f64() / n as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[rounds / 2] * 1e3
}

fn main() {
    println!("person_detect {:.3}", time("tflite-micro/person_detect", 21, person_detect::infer));
    println!("ic_resnet8_int8 {:.3}", time("mlcommons-tiny/ic_resnet8_int8", 5, resnet8::infer));
    println!("micro_speech {:.3}", time("tflite-micro/micro_speech", 51, micro_speech::infer));
}
