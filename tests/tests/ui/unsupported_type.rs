// A float32 model: FULLY_CONNECTED is supported in int8 only.
nn_macro::include_model!("ui/models/float_fc.tflite");

fn main() {}
