//! The project's own large models (`tests/models/`, built by
//! `tools/models/build_zoo.py` with seeded weights and real-image
//! calibration) compiled with `include_model!` and compared bit for bit with
//! the TFLM reference outputs on every sample.

use nn_tests::check_zoo;

nn_macro::include_model!(mobilenet_v2 = "models/mobilenet_v2/model.tflite");

#[test]
fn mobilenet_v2_matches_tflm() {
    assert_eq!(check_zoo("mobilenet_v2", mobilenet_v2::infer), 4);
}

#[test]
fn mobilenet_v2_macs_match_the_generator() {
    // The generator's count from the float Keras graph (manifest.json).
    assert_eq!(mobilenet_v2::MACS, 10_666_928);
}
