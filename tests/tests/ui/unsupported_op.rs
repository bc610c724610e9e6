// An int8 model ending in ARG_MAX, which is not supported.
nn_macro::include_model!("ui/models/unsupported_op.tflite");

fn main() {}
