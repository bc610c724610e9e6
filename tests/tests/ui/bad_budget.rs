// Budgets are integer expressions of literals.
const LIMIT: u64 = 1024;
nn_macro::include_model!("ui/models/tiny_int8.tflite", max_ram = LIMIT);

fn main() {}
