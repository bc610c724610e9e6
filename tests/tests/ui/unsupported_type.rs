// A hybrid convolution (float32 activations, int8 weights): not supported.
nn_macro::include_model!("ui/models/hybrid_conv.tflite");

fn main() {}
