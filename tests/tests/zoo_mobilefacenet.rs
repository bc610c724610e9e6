//! MobileFaceNet from the project's zoo (`tests/models/mobilefacenet/`,
//! built by `tools/models/build_zoo.py`: seeded weights, real-image
//! calibration, 33 PRELU layers with per-channel alphas) compiled with
//! `include_model!` and compared bit for bit with the TFLM reference outputs
//! on every sample.

use nn_tests::check_zoo;

nn_macro::include_model!(mobilefacenet = "models/mobilefacenet/model.tflite");

#[test]
fn mobilefacenet_matches_tflm() {
    assert_eq!(check_zoo("mobilefacenet", mobilefacenet::infer), 4);
}

#[test]
fn mobilefacenet_macs_match_the_generator() {
    // The generator's count from the float Keras graph (manifest.json).
    assert_eq!(mobilefacenet::MACS, 220_965_376);
}
