//! Planning and emission of state (variable tensors) and step scratch
//! buffers, on a real model whose first step is given both by hand.

use nn_compiler::emit::{emit, EmitOptions};
use nn_compiler::ir::Value;
use nn_compiler::parse::DType;
use nn_compiler::plan::{plan, Loc, ALIGN};

const MODEL: &[u8] = include_bytes!("../../tests/ui/models/tiny_int8.tflite");

fn options() -> EmitOptions {
    EmitOptions {
        module: "m".into(),
        model_path: "/m.tflite".into(),
        display_path: "m.tflite".into(),
        max_ram: None,
        max_flash: None,
    }
}

#[test]
fn state_lives_throughout_and_scratch_only_in_its_step() {
    let (mut p, base) = nn_compiler::analyze(MODEL).expect("the model compiles");
    assert!(p.state.is_empty() && base.scratch.iter().all(Vec::is_empty));
    // Give the first step a new state tensor to update in place and the
    // last step a scratch buffer.
    let last = p.steps.len() - 1;
    let state_t = p.values.len();
    p.values.push(Some(Value { name: "state".into(), shape: vec![1, 24], dtype: DType::I16, quant: Some((0.5, 0)) }));
    p.alias.push(state_t);
    p.steps[0].state.push(state_t);
    p.state.push(state_t);
    p.steps[last].scratch.push((DType::I32, 10));
    let plan = plan(&p);
    assert_eq!(plan.life[state_t], Some((0, p.steps.len())));
    let Some(Loc::Arena { offset: so, len: sl }) = plan.loc[state_t] else { panic!("state not in the arena") };
    let &[(xo, xl)] = plan.scratch[last].as_slice() else { panic!("scratch not planned") };
    assert_eq!(xl, 40);
    assert_eq!((so % ALIGN, xo % ALIGN), (0, 0));
    assert!(so + sl <= xo || xo + xl <= so, "state and scratch overlap");
    // No arena buffer live at the last step overlaps the scratch.
    for (t, l) in plan.loc.iter().enumerate() {
        if let (Some(Loc::Arena { offset, len }), Some((a, b))) = (l, plan.life[t]) {
            if a <= last && last <= b {
                assert!(offset + len <= xo || xo + xl <= *offset, "tensor {t} overlaps the scratch");
            }
        }
    }
    assert!(plan.arena_bytes >= base.arena_bytes);
    assert!(plan.lower_bound >= base.lower_bound + 40);
    let tokens = emit(&p, &plan, &options()).expect("emits").to_string();
    assert!(tokens.contains("split_many"), "{tokens}");
    assert!(tokens.contains("STATE_BYTES"));
}
