//! `nn-compiler`: turns the bytes of a TensorFlow Lite model into the Rust
//! module that `nn_macro::include_model!` expands to.
//!
//! The pipeline is `parse` (verified flatbuffer to graph) → `fold`
//! (evaluates shape arithmetic into constants) → `lower` (checks
//! every operator, precomputes TFLM's requantization constants) → `plan`
//! (static arena offsets) → `emit` (tokens calling `::nn_runtime`). The
//! compiler does no I/O, never panics on any input, and reports every problem
//! it finds as a [`Diagnostic`].

pub mod diag;
pub mod emit;
pub mod fold;
pub mod ir;
pub mod lower;
pub mod ops;
pub mod parse;
pub mod plan;
pub mod quant;
pub mod report;
pub mod tflite;
pub mod versions;

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
        state: Vec::new(),
        layers: Vec::new(),
        constants: Vec::new(),
    };
    emit::stub(&program, opts)
}

/// Parses, lowers and plans a model without emitting code (for tools).
pub fn analyze(bytes: &[u8]) -> Result<(ir::Program, plan::Plan), Vec<Diagnostic>> {
    let graph = parse::parse(bytes).map_err(|d| vec![d])?;
    let folded = fold::fold(&graph)?;
    let graph = folded.apply(graph);
    let program = lower::lower(&graph)?;
    let plan = plan::plan(&program);
    Ok((program, plan))
}

/// Bytes of weights and constants the program places in flash.
pub fn weight_bytes(p: &ir::Program) -> usize {
    p.steps.iter().map(|s| s.kernel.const_bytes()).sum::<usize>() + p.constants.iter().map(|c| c.2.len()).sum::<usize>()
}

/// Checks the user's `max_ram` and `max_flash` budgets.
fn check_budgets(p: &ir::Program, plan: &plan::Plan, opts: &EmitOptions) -> Result<(), Vec<Diagnostic>> {
    let mut diags = Vec::new();
    // The budget holds for every target: the arena with the DSP kernels'
    // scratch is the larger one.
    if let Some(max) = opts.max_ram.filter(|&m| plan.dsp_arena_bytes as u64 > m) {
        diags.push(Diagnostic::model(format!(
            "the activation arena needs {} bytes, more than max_ram = {max} (liveness lower bound: {} bytes). \
             The plan, per layer:\n{}",
            plan.dsp_arena_bytes,
            plan.lower_bound,
            report::table(p, plan)
        )));
    }
    let weights = weight_bytes(p);
    if let Some(max) = opts.max_flash.filter(|&m| weights as u64 > m) {
        let mut per_layer = String::new();
        for s in &p.steps {
            let b = s.kernel.const_bytes();
            if b > 0 {
                per_layer.push_str(&format!("\n  operator {} ({}): {b} bytes", s.op_index, s.op_name));
            }
        }
        diags.push(Diagnostic::model(format!(
            "weights and constants take {weights} bytes, more than max_flash = {max}:{per_layer}"
        )));
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags)
    }
}

/// Compiles a model into the tokens of its module.
pub fn compile(bytes: &[u8], opts: &EmitOptions) -> Result<proc_macro2::TokenStream, Vec<Diagnostic>> {
    let (program, plan) = analyze(bytes)?;
    check_budgets(&program, &plan, opts)?;
    emit::emit(&program, &plan, opts)
}
