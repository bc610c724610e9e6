// A float32 model: float arrays in and out.
nn_macro::include_model!("ui/models/float_fc.tflite");

fn main() {
    let input: float_fc::Input = [0.5, -1.0, 2.0, 0.25];
    let out: [f32; 3] = float_fc::infer(&input);
    assert!(out.iter().all(|v| v.is_finite()));
    assert_eq!(float_fc::INPUT_QUANT.scale, 0.0);
}
