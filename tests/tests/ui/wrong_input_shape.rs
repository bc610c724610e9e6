// A valid int8 model called with an input of the wrong shape.
nn_macro::include_model!(tiny = "ui/models/tiny_int8.tflite");

fn main() {
    let image = [[[0i8; 3]; 8]; 9];
    let _ = tiny::infer(&image);
}
