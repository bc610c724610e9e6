//! The compiler never panics, whatever the bytes: every truncation and
//! thousands of seeded mutations of real (project-owned) models either
//! compile or produce diagnostics.

use nn_compiler::{compile, EmitOptions};
use std::path::Path;

fn opts() -> EmitOptions {
    EmitOptions {
        module: "m".into(),
        model_path: "/m.tflite".into(),
        display_path: "m.tflite".into(),
        max_ram: None,
        max_flash: None,
    }
}

fn model(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const MODELS: [&str; 3] =
    ["tests/ui/models/tiny_int8.tflite", "tests/ui/models/unsupported_op.tflite", "tests/ui/models/float_fc.tflite"];

#[test]
fn valid_model_compiles() {
    let tokens = compile(&model(MODELS[0]), &opts()).expect("tiny_int8 compiles");
    let text = tokens.to_string();
    assert!(text.contains("include_bytes"), "the model is tracked for rebuilds");
    assert!(text.contains("pub fn infer"));
}

#[test]
fn every_truncation_is_diagnosed() {
    for rel in MODELS {
        let bytes = model(rel);
        for len in 0..bytes.len() {
            let result = compile(&bytes[..len], &opts());
            let diags = result.expect_err("a truncated model must not compile");
            assert!(!diags.is_empty() && diags.iter().all(|d| !d.message.is_empty()));
        }
    }
}

#[test]
fn mutations_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut ok, mut rejected) = (0, 0);
    for rel in MODELS {
        let original = model(rel);
        for _ in 0..10_000 {
            let mut bytes = original.clone();
            match rng.below(4) {
                // Flip a few bits.
                0 => {
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(bytes.len());
                        bytes[i] ^= 1 << rng.below(8);
                    }
                }
                // Overwrite a 32-bit word with an extreme value (offsets,
                // lengths, indices, dimensions).
                1 => {
                    let i = rng.below(bytes.len() - 4) & !3;
                    let v: u32 = [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x10000][rng.below(6)];
                    bytes[i..i + 4].copy_from_slice(&v.to_le_bytes());
                }
                // Random bytes in a span.
                2 => {
                    let i = rng.below(bytes.len());
                    let n = (1 + rng.below(16)).min(bytes.len() - i);
                    for b in &mut bytes[i..i + n] {
                        *b = rng.next() as u8;
                    }
                }
                // Duplicate a span elsewhere (shifts offsets).
                _ => {
                    let i = rng.below(bytes.len());
                    let n = (1 + rng.below(64)).min(bytes.len() - i);
                    let span = bytes[i..i + n].to_vec();
                    let j = rng.below(bytes.len() - n);
                    bytes[j..j + n].copy_from_slice(&span);
                }
            }
            match compile(&bytes, &opts()) {
                Ok(_) => ok += 1,
                Err(d) => {
                    assert!(!d.is_empty());
                    rejected += 1;
                }
            }
        }
    }
    assert_eq!(ok + rejected, 30_000);
    println!("mutations: {ok} compiled, {rejected} rejected with diagnostics");
}
