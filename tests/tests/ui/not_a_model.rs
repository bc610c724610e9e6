// A file that is not a flatbuffer at all.
nn_macro::include_model!("ui/models/not_a_model.tflite");

fn main() {}
