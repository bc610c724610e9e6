// The path must be a string literal.
nn_macro::include_model!(models::tiny);

fn main() {}
