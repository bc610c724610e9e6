// A model with a WHILE loop, hence three subgraphs.
nn_macro::include_model!("ui/models/two_subgraphs.tflite");

fn main() {}
