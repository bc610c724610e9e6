//! Shape arithmetic of dynamic-batch models is folded at compile time: the
//! generated conformance models (`tests/conformance/dyn_*`) lower without any
//! step for SHAPE and its consumers, dynamic RESHAPE outputs get the shape
//! their folded target gives, and mutations of those models never panic.

use nn_compiler::{analyze, compile, EmitOptions};
use std::path::Path;

fn model(case: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance").join(case).join("model.tflite");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const CASES: [&str; 8] = [
    "dyn_reshape_conv",
    "dyn_flatten_fc",
    "dyn_concat_shape",
    "dyn_gather_twin",
    "dyn_flatten_m1_twin",
    "dyn_cast_twin",
    "dyn_mul_floordiv_twin",
    "dyn_reduce_prod_twin",
];

#[test]
fn shape_arithmetic_emits_no_code() {
    for case in CASES {
        let (program, _) = analyze(&model(case)).unwrap_or_else(|d| panic!("{case}: {d:?}"));
        let names: Vec<&str> = program.layers.iter().map(|l| l.1.as_str()).collect();
        assert!(
            names.iter().all(|n| matches!(*n, "CONV_2D" | "FULLY_CONNECTED" | "RESHAPE")),
            "{case}: layers {names:?}"
        );
    }
}

#[test]
fn dynamic_reshape_outputs_are_resolved() {
    let output_shape = |case: &str| {
        let (p, _) = analyze(&model(case)).expect("compiles");
        let reshape = p.layers.iter().find(|l| l.1 == "RESHAPE").expect("a RESHAPE");
        reshape.2.clone()
    };
    // The converter wrote [1,1] and [1,12] for these outputs.
    assert_eq!(output_shape("dyn_flatten_m1_twin"), vec![1, 48]);
    assert_eq!(output_shape("dyn_mul_floordiv_twin"), vec![8, 8]);
    assert_eq!(output_shape("dyn_reduce_prod_twin"), vec![1, 48]);
}

#[test]
fn mutated_shape_arithmetic_never_panics() {
    let opts = EmitOptions {
        module: "m".into(),
        model_path: "/m.tflite".into(),
        display_path: "m.tflite".into(),
        max_ram: None,
        max_flash: None,
    };
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    };
    for case in ["dyn_mul_floordiv_twin", "dyn_reduce_prod_twin", "dyn_gather_twin"] {
        let original = model(case);
        for _ in 0..3000 {
            let mut bytes = original.clone();
            let i = (next() as usize % (bytes.len() - 4)) & !3;
            if next() % 2 == 0 {
                // Extreme values where offsets, dimensions and shape constants live.
                let v: u32 = [0, 1, 2, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x10000][next() as usize % 7];
                bytes[i..i + 4].copy_from_slice(&v.to_le_bytes());
            } else {
                bytes[i + (next() as usize % 4)] ^= 1 << (next() % 8);
            }
            if let Err(d) = compile(&bytes, &opts) {
                assert!(!d.is_empty());
            }
        }
    }
}
