// Only `max_ram` and `max_flash` are options.
nn_macro::include_model!("ui/models/tiny_int8.tflite", max_stack = 1024);

fn main() {}
