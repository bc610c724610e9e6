// A model that does not compile, used as if it did: only the model's error
// is reported, not errors about the missing module.
nn_macro::include_model!("ui/models/unsupported_op.tflite");

fn main() {
    let input: unsupported_op::Input = [0; 8];
    let out: unsupported_op::Output = unsupported_op::infer(&input);
    let _ = (out, unsupported_op::ARENA_BYTES, unsupported_op::INPUT_QUANT);
}
