// A model path that does not exist.
nn_macro::include_model!("ui/models/does_not_exist.tflite");

fn main() {}
