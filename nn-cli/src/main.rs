//! `nn`: reports what `include_model!` would generate for a model.
//!
//! ```sh
//! cargo run -p nn-cli -- plan model.tflite   # sizes and the memory plan per layer
//! cargo run -p nn-cli -- check model.tflite  # diagnostics only; exit status 1 on errors
//! ```

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: nn plan <model.tflite>\n       nn check <model.tflite>");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [command, path] = args.as_slice() else {
        return usage();
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match nn_compiler::analyze(&bytes) {
        Err(diags) => {
            for d in diags {
                eprintln!("error: {path}: {d}");
            }
            ExitCode::FAILURE
        }
        Ok((program, plan)) => {
            match command.as_str() {
                "check" => println!("{path}: ok, {} kernel calls", program.steps.len()),
                "plan" => {
                    let macs: u64 = program.steps.iter().map(|s| s.kernel.macs()).sum();
                    println!("model: {path}");
                    for (kind, list) in [("input", &program.inputs), ("output", &program.outputs)] {
                        for &t in list {
                            if let Some(v) = &program.values[t] {
                                println!("{kind}: `{}` {:?} {}", v.name, v.shape, v.dtype.name());
                            }
                        }
                    }
                    println!(
                        "ARENA_BYTES: {} ({} with the Cortex-M DSP kernels)\nWEIGHT_BYTES: {}\nMACS: {macs}\n",
                        plan.arena_bytes,
                        plan.dsp_arena_bytes,
                        nn_compiler::weight_bytes(&program)
                    );
                    print!("{}", nn_compiler::report::table(&program, &plan));
                }
                _ => return usage(),
            }
            ExitCode::SUCCESS
        }
    }
}
