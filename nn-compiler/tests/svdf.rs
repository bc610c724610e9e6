//! SVDF models TFLM refuses or cannot run are compile errors that name the
//! operator and the problem; the lowering computes TFLM's constants. The
//! models are the conformance suite's SVDF cases, edited with the planus
//! object API.

use nn_compiler::ir::Kernel;
use nn_compiler::tflite::{self, ActivationFunctionType, BuiltinOptions, Model, TensorType};
use nn_compiler::{analyze, Diagnostic};
use planus::ReadAsRoot;
use std::path::Path;

fn case(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance").join(name).join("model.tflite");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Model::try_from(tflite::ModelRef::read_as_root(&bytes).expect("reads")).expect("decodes")
}

/// Serializes with the `TFL3` identifier in the standard place (planus
/// 1.3.0 writes identifier and root offset the other way round; see
/// `mutations.rs`).
fn encode(m: &Model) -> Vec<u8> {
    let mut bytes = planus::Builder::new().finish(m, Some(*b"TFL3")).to_vec();
    if bytes[..4] == *b"TFL3" {
        let root = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) + 4;
        bytes[..4].copy_from_slice(&root.to_le_bytes());
        bytes[4..8].copy_from_slice(b"TFL3");
    }
    bytes
}

/// The SVDF's inputs (input, weights_feature, weights_time, bias, state).
fn svdf_inputs(m: &mut Model) -> &mut Vec<i32> {
    let op = &mut m.subgraphs.as_mut().expect("subgraphs")[0].operators.as_mut().expect("operators")[0];
    op.inputs.as_mut().expect("inputs")
}

fn tensor(m: &mut Model, input: usize) -> &mut tflite::Tensor {
    let t = svdf_inputs(m)[input] as usize;
    &mut m.subgraphs.as_mut().expect("subgraphs")[0].tensors.as_mut().expect("tensors")[t]
}

/// The one diagnostic of a rejected model, which must name operator 0.
fn rejected(m: &Model) -> Diagnostic {
    match analyze(&encode(m)) {
        Ok(_) => panic!("the model compiled"),
        Err(d) => {
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(d[0].op_index, Some(0), "{d:?}");
            assert!(d[0].to_string().contains("SVDF"), "{}", d[0]);
            d[0].clone()
        }
    }
}

#[test]
fn constants_are_tflm_s() {
    let (p, plan) = analyze(&encode(&case("svdf_r2_m3_patched"))).expect("compiles");
    let Kernel::Svdf { geometry: g, zero_points, weights_time, bias, .. } = &p.steps[0].kernel else {
        panic!("not an SVDF step: {:?}", p.steps[0].kernel)
    };
    assert_eq!((g.batches, g.input_size, g.filters, g.rank, g.memory), (1, 16, 12, 2, 3));
    assert_eq!(zero_points.1, 0, "int16 state");
    assert_eq!((weights_time.len(), bias.len()), (2 * 12 * 3, 6));
    // The state is planned like an activation and kept for the whole run.
    assert_eq!(p.steps[0].state.len(), 1);
    assert_eq!(plan.life[p.steps[0].state[0]], Some((0, p.steps.len())));
    assert_eq!(p.steps[0].kernel.macs(), 12 * (16 + 3));
}

#[test]
fn a_missing_bias_is_refused() {
    // TFLM dereferences the bias unconditionally and crashes.
    for name in ["svdf_r1_m4_patched", "f32_svdf_r2_m3_patched"] {
        let mut m = case(name);
        svdf_inputs(&mut m)[3] = -1;
        assert!(rejected(&m).message.contains("no bias"), "{name}");
    }
}

#[test]
fn an_int16_input_is_refused() {
    let mut m = case("svdf_r1_m4_patched");
    tensor(&mut m, 0).type_ = TensorType::Int16;
    assert!(rejected(&m).message.contains("int8 and float32"));
}

#[test]
fn the_state_must_be_a_variable_of_the_time_weights_type() {
    let mut m = case("svdf_r1_m4_patched");
    tensor(&mut m, 4).is_variable = false;
    // No longer a variable, it is read before any operator writes it.
    assert!(analyze(&encode(&m)).is_err());
    let mut m = case("svdf_i8_state_patched");
    tensor(&mut m, 4).type_ = TensorType::Int16;
    assert!(rejected(&m).message.contains("both must be int16, or both int8"));
}

#[test]
fn the_bias_scale_must_be_state_times_time_scale() {
    let mut m = case("svdf_r1_m4_patched");
    let q = tensor(&mut m, 3).quantization.as_mut().expect("quantized bias");
    q.scale = Some(vec![0.01]);
    assert!(rejected(&m).message.contains("bias scale"));
}

#[test]
fn shapes_are_checked() {
    let mut m = case("svdf_r2_m3_patched");
    let Some(BuiltinOptions::SvdfOptions(o)) =
        m.subgraphs.as_mut().expect("subgraphs")[0].operators.as_mut().expect("operators")[0].builtin_options.as_mut()
    else {
        panic!("SVDF options")
    };
    o.rank = 3; // 12 filters would make 4 units, not the output's 6.
    assert!(rejected(&m).message.contains("shapes do not match for rank 3"));
}

#[test]
fn float_tanh_is_refused() {
    let mut m = case("f32_svdf_relu_patched");
    let op = &mut m.subgraphs.as_mut().expect("subgraphs")[0].operators.as_mut().expect("operators")[0];
    let Some(BuiltinOptions::SvdfOptions(o)) = op.builtin_options.as_mut() else { panic!("SVDF options") };
    o.fused_activation_function = ActivationFunctionType::Tanh;
    assert!(rejected(&m).message.contains("TANH"));
}
