//! `nn-compiler`: turns the bytes of a TensorFlow Lite model into the Rust
//! module that `nn_macro::include_model!` expands to.
//!
//! The pipeline is `parse` (verified flatbuffer to graph) → `lower` (checks
//! every operator, precomputes TFLM's requantization constants) → `plan`
//! (static arena offsets) → `emit` (tokens calling `::nn_runtime`). The
//! compiler does no I/O, never panics on any input, and reports every problem
//! it finds as a [`Diagnostic`].

pub mod diag;
pub mod emit;
pub mod ir;
pub mod lower;
pub mod ops;
pub mod parse;
pub mod plan;
pub mod quant;
pub mod tflite;

pub use diag::Diagnostic;
pub use emit::EmitOptions;

/// The module's API with an empty body, when the model's inputs and outputs
/// can be read; see [`emit::stub`].
pub fn stub(bytes: &[u8], opts: &EmitOptions) -> Option<proc_macro2::TokenStream> {
    let graph = parse::parse(bytes).ok()?;
    let values = graph
        .tensors
        .iter()
        .map(|t| {
            Some(ir::Value { name: t.name.clone(), shape: t.shape.clone(), dtype: t.dtype, quant: t.scalar_quant() })
        })
        .collect();
    let program = ir::Program {
        values,
        steps: Vec::new(),
        alias: (0..graph.tensors.len()).collect(),
        inputs: graph.inputs.clone(),
        outputs: graph.outputs.clone(),
        layers: Vec::new(),
    };
    emit::stub(&program, opts)
}

/// Compiles a model into the tokens of its module.
pub fn compile(bytes: &[u8], opts: &EmitOptions) -> Result<proc_macro2::TokenStream, Vec<Diagnostic>> {
    let graph = parse::parse(bytes).map_err(|d| vec![d])?;
    let program = lower::lower(&graph)?;
    let plan = plan::plan(&program);
    emit::emit(&program, &plan, opts)
}
