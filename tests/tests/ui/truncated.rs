// The first 600 bytes of a valid model.
nn_macro::include_model!("ui/models/truncated.tflite");

fn main() {}
