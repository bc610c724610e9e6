//! Real models from `../shared/models` compiled with `include_model!` and
//! compared bit for bit with the TFLM reference outputs on every sample.

use nn_tests::check_model;

nn_macro::include_model!(resnet8 = "../../shared/models/mlcommons-tiny/ic_resnet8_int8/pretrainedResnet_quant.tflite");
nn_macro::include_model!("../../shared/models/tflite-micro/person_detect/person_detect.tflite");
nn_macro::include_model!(micro_speech = "../../shared/models/tflite-micro/micro_speech/micro_speech_quantized.tflite");
nn_macro::include_model!("../../shared/models/tflite-micro/hello_world_int8/hello_world_int8.tflite");
nn_macro::include_model!(dwconv = "../../shared/models/tflite-micro/network_tester_dwconv/network_model.tflite");
nn_macro::include_model!("../../shared/models/tflite-micro/hello_world_float/hello_world_float.tflite");
nn_macro::include_model!(simple_add = "../../shared/models/tflite-micro/simple_add/simple_add_model.tflite");
nn_macro::include_model!(keyword = "../../shared/models/tflite-micro/keyword_scrambled/keyword_scrambled.tflite");
nn_macro::include_model!(mnist_lstm_int8 = "../../shared/models/tflite-micro/mnist_lstm_int8/trained_lstm_int8.tflite");
nn_macro::include_model!(mnist_lstm_float = "../../shared/models/tflite-micro/mnist_lstm_float/trained_lstm.tflite");
nn_macro::include_model!(
    micro_speech_lstm = "../../shared/models/tflite-micro/micro_speech_lstm/micro_speech_lstm.tflite"
);

#[test]
fn resnet8_matches_tflm() {
    let n = check_model("mlcommons-tiny/ic_resnet8_int8", resnet8::infer);
    assert_eq!(n, 22);
}

#[test]
fn person_detect_matches_tflm() {
    let n = check_model("tflite-micro/person_detect", person_detect::infer);
    assert_eq!(n, 2);
}

#[test]
fn micro_speech_matches_tflm() {
    let n = check_model("tflite-micro/micro_speech", micro_speech::infer);
    assert_eq!(n, 4);
}

#[test]
fn hello_world_int8_matches_tflm() {
    let n = check_model("tflite-micro/hello_world_int8", hello_world_int8::infer);
    assert_eq!(n, 4);
}

#[test]
fn hello_world_float_matches_tflm_bit_for_bit() {
    // Float32 FULLY_CONNECTED summed in TFLM's order: identical bits.
    let n = check_model("tflite-micro/hello_world_float", hello_world_float::infer);
    assert_eq!(n, 4);
}

#[test]
fn mnist_lstm_int8_matches_tflm() {
    let n = check_model("tflite-micro/mnist_lstm_int8", mnist_lstm_int8::infer);
    assert_eq!(n, 10);
}

#[test]
fn mnist_lstm_float_matches_tflm_bit_for_bit() {
    // Float32 LSTM, FULLY_CONNECTED and SOFTMAX with glibc's expf and
    // tanhf algorithms, as the oracle computes them: identical bits.
    let n = check_model("tflite-micro/mnist_lstm_float", mnist_lstm_float::infer);
    assert_eq!(n, 10);
}

#[test]
fn micro_speech_lstm_matches_tflm() {
    let n = check_model("tflite-micro/micro_speech_lstm", micro_speech_lstm::infer);
    assert_eq!(n, 2);
}

#[test]
fn lstm_state_carries_over_in_one_arena() {
    // TFLM keeps the LSTM's variable tensors between invocations of one
    // interpreter, and so does an arena reused with infer_in. The expected
    // outputs are TFLM's for samples 2 then 3, and 3 twice, on one
    // interpreter (oracle venv, tflite-micro 0.dev20261023).
    use nn_tests::{shared_models, Flat, Npy};
    let input = Npy::load(&shared_models().join("tflite-micro/mnist_lstm_int8/input.npy"));
    let sample = |s: usize| {
        let mut x = <mnist_lstm_int8::Input as Flat>::zeroed();
        x.bytes_mut().copy_from_slice(&input.data[s * 28 * 28..(s + 1) * 28 * 28]);
        x
    };
    let mut arena = mnist_lstm_int8::Arena::new();
    let mut out = [0i8; 10];
    mnist_lstm_int8::infer_in(&mut arena, &sample(2), &mut out);
    assert_eq!(out, mnist_lstm_int8::infer(&sample(2)));
    mnist_lstm_int8::infer_in(&mut arena, &sample(3), &mut out);
    assert_eq!(out, [-128, -128, -127, 77, -126, -85, -128, -128, -127, -124]);
    arena.reset();
    mnist_lstm_int8::infer_in(&mut arena, &sample(3), &mut out);
    assert_eq!(out, [-128, -128, -125, 96, -126, -116, -128, -128, -128, -114]);
    mnist_lstm_int8::infer_in(&mut arena, &sample(3), &mut out);
    assert_eq!(out, [-128, -128, -127, 2, -36, -105, -128, -128, -127, -120]);
    // The hidden state (int8) and the cell state (int16) of 20 units.
    assert_eq!(mnist_lstm_int8::STATE_BYTES, 20 + 2 * 20);
}

#[test]
fn network_tester_dwconv_matches_tflm() {
    let n = check_model("tflite-micro/network_tester_dwconv", dwconv::infer);
    assert_eq!(n, 1);
}

#[test]
fn keyword_scrambled_matches_tflm() {
    // Seven SVDF layers (int16 state), FULLY_CONNECTED, int8 -> int16
    // SOFTMAX and int16 -> int32 QUANTIZE; TFLM runs each sample in a fresh
    // interpreter, as `infer` starts from the reset state.
    let n = check_model("tflite-micro/keyword_scrambled", keyword::infer);
    assert_eq!(n, 3);
    // The seven activation states: 4 x [1, 512] and 3 x [1, 1024] int16.
    assert_eq!(keyword::STATE_BYTES, 2 * (4 * 512 + 3 * 1024));
    assert_eq!(keyword::MACS, 21_056);
}

#[test]
fn simple_add_two_inputs_match_tflm() {
    use nn_tests::{shared_models, Flat, Npy};
    let dir = shared_models().join("tflite-micro/simple_add");
    let (a, b) = (Npy::load(&dir.join("input_0.npy")), Npy::load(&dir.join("input_1.npy")));
    let reference = Npy::load(&dir.join("reference_output.npy"));
    assert_eq!(a.samples(), 3);
    let len = 128 * 128;
    for s in 0..a.samples() {
        let (mut x, mut y) = (<simple_add::Input0 as Flat>::zeroed(), <simple_add::Input1 as Flat>::zeroed());
        x.bytes_mut().copy_from_slice(&a.data[s * len..(s + 1) * len]);
        y.bytes_mut().copy_from_slice(&b.data[s * len..(s + 1) * len]);
        let out: simple_add::Output = simple_add::infer(&x, &y);
        assert_eq!(out.bytes(), &reference.data[s * len..(s + 1) * len], "sample {s} differs from TFLM");
    }
    // Inputs are read and the output written in place: no arena at all.
    assert_eq!(simple_add::ARENA_BYTES, 0);
}

#[test]
fn arena_infer_in_matches_infer() {
    // The caller-owned arena path gives the same result, also when reused.
    static mut ARENA: person_detect::Arena = person_detect::Arena::new();
    let mut arena = person_detect::Arena::new();
    let input = [[[7i8; 1]; 96]; 96];
    let mut out = [0i8; 2];
    person_detect::infer_in(&mut arena, &input, &mut out);
    person_detect::infer_in(&mut arena, &input, &mut out);
    assert_eq!(out, person_detect::infer(&input));
    let _ = &raw const ARENA;
}

#[test]
fn generated_constants() {
    for (name, arena, weights, macs) in [
        ("resnet8", resnet8::ARENA_BYTES, resnet8::WEIGHT_BYTES, resnet8::MACS),
        ("person_detect", person_detect::ARENA_BYTES, person_detect::WEIGHT_BYTES, person_detect::MACS),
        ("micro_speech", micro_speech::ARENA_BYTES, micro_speech::WEIGHT_BYTES, micro_speech::MACS),
        ("hello_world_int8", hello_world_int8::ARENA_BYTES, hello_world_int8::WEIGHT_BYTES, hello_world_int8::MACS),
        ("dwconv", dwconv::ARENA_BYTES, dwconv::WEIGHT_BYTES, dwconv::MACS),
        ("cifar10_example", cifar10_example::ARENA_BYTES, cifar10_example::WEIGHT_BYTES, cifar10_example::MACS),
    ] {
        println!("{name}: arena {arena} B, weights {weights} B, {macs} MACs");
    }
    assert_eq!(person_detect::MACS, 7_157_888);
    assert_eq!(resnet8::MACS, 12_501_632);
    assert_eq!(micro_speech::MACS, 336_000);
    assert_eq!(hello_world_int8::MACS, 288);
    assert_eq!(person_detect::OUTPUT_QUANT, nn_runtime::Quant { scale: 0.00390625, zero_point: -128 });
    assert_eq!(resnet8::INPUT_QUANT, nn_runtime::Quant { scale: 1.0, zero_point: -128 });
    const { assert!(person_detect::ARENA_BYTES > 0 && person_detect::ARENA_BYTES % 16 == 0) };
    // Weights and biases (218,928 bytes of constant buffers) plus per-channel multipliers and shifts.
    const { assert!(person_detect::WEIGHT_BYTES >= 218_928) };
    assert_eq!(core::mem::align_of::<person_detect::Arena>(), 16);
    assert_eq!(core::mem::size_of::<person_detect::Arena>(), person_detect::ARENA_BYTES);
}

nn_macro::include_model!(cifar10_example = "../examples/cifar10/data/cifar10.tflite");

#[test]
fn example_cifar10_model_matches_its_committed_tflm_outputs() {
    use nn_tests::Flat;
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/cifar10/data");
    let inputs = std::fs::read(data.join("inputs_int8.bin")).unwrap();
    let reference = std::fs::read(data.join("reference_output_int8.bin")).unwrap();
    let n = inputs.len() / 3072;
    assert_eq!(n, 20);
    assert_eq!(reference.len(), n * 10);
    for s in 0..n {
        let mut img = [[[0i8; 3]; 32]; 32];
        for (d, &b) in img.flat_mut().iter_mut().zip(&inputs[s * 3072..(s + 1) * 3072]) {
            *d = b as i8;
        }
        let out = cifar10_example::infer(&img);
        let want: Vec<i8> = reference[s * 10..(s + 1) * 10].iter().map(|&b| b as i8).collect();
        assert_eq!(&out[..], &want[..], "image {s} differs from TFLM");
    }
}
