// A float32 convolution: CONV_2D is supported in int8 and 16x8 only.
nn_macro::include_model!("ui/models/float_conv.tflite");

fn main() {}
