// The model needs more activation memory than the budget allows.
nn_macro::include_model!("ui/models/tiny_int8.tflite", max_ram = 64);

fn main() {}
