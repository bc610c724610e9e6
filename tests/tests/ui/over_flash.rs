// The weights need more flash than the budget allows.
nn_macro::include_model!(tiny = "ui/models/tiny_int8.tflite", max_flash = 1 << 9);

fn main() {}
