// A valid int8 model called with a float input.
nn_macro::include_model!("ui/models/tiny_int8.tflite");

fn main() {
    let image = [[[0.5f32; 3]; 8]; 8];
    let _ = tiny_int8::infer(&image);
}
