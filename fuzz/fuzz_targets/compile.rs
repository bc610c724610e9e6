//! The whole compiler as `include_model!` drives it: any bytes either
//! compile or give a non-empty list of non-empty diagnostics, after which the
//! macro also asks for the module's stub.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_compiler::{compile, stub, EmitOptions};

fuzz_target!(|data: &[u8]| {
    let opts = EmitOptions {
        module: "m".into(),
        model_path: "/m.tflite".into(),
        display_path: "m.tflite".into(),
        max_ram: None,
        max_flash: None,
    };
    match compile(data, &opts) {
        Ok(tokens) => assert!(!tokens.is_empty()),
        Err(diags) => {
            assert!(!diags.is_empty(), "Err with no diagnostics");
            assert!(diags.iter().all(|d| !d.message.is_empty()), "empty diagnostic message");
            let _ = stub(data, &opts);
        }
    }
});
