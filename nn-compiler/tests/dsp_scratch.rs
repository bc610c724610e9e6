//! The Cortex-M DSP kernels' scratch buffers in the memory plan: on every
//! model the project has (conformance cases, zoo models, the real models in
//! `../shared/models`), each step's buffer is aligned, sized as
//! `nn_runtime` asks for the step's shape, inside the DSP arena, and clear
//! of every arena tensor and step scratch buffer alive during the step;
//! and the compiler names a DSP path for every step it planned scratch for.

use nn_compiler::plan::{dsp_path, dsp_scratch_bytes, runs_in_place, Loc, Plan, ALIGN};
use std::path::{Path, PathBuf};

fn models_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            models_under(&path, out);
        } else if path.extension().is_some_and(|x| x == "tflite") {
            out.push(path);
        }
    }
}

/// Checks one plan; returns how many steps have a DSP buffer.
fn check(name: &str, p: &nn_compiler::ir::Program, plan: &Plan) -> usize {
    assert_eq!(plan.dsp_scratch.len(), p.steps.len(), "{name}");
    assert!(plan.dsp_arena_bytes >= plan.arena_bytes, "{name}");
    let mut with = 0;
    for (i, s) in p.steps.iter().enumerate() {
        let in_place = runs_in_place(p, plan, i, 0);
        let want = dsp_scratch_bytes(&s.kernel, in_place);
        let Some((at, len)) = plan.dsp_scratch[i] else {
            assert_eq!(want, 0, "{name}: step {i} needs DSP scratch but has none");
            continue;
        };
        with += 1;
        assert!(dsp_path(&s.kernel, in_place).is_some(), "{name}: step {i} has DSP scratch but no DSP path");
        assert_eq!(len, want, "{name}: step {i}");
        assert_eq!(at % ALIGN, 0, "{name}: step {i} misaligned");
        assert!(at + len <= plan.dsp_arena_bytes, "{name}: step {i} beyond the DSP arena");
        let clear = |o: usize, l: usize| o + l <= at || at + len <= o;
        for (t, loc) in plan.loc.iter().enumerate() {
            if let (Some(Loc::Arena { offset, len: l }), Some((a, b))) = (loc, plan.life[t]) {
                if a <= i && i <= b {
                    assert!(clear(*offset, *l), "{name}: step {i}: tensor {t} overlaps the DSP scratch");
                }
            }
        }
        for &(o, l) in &plan.scratch[i] {
            assert!(clear(o, l), "{name}: step {i}: its scratch overlaps the DSP scratch");
        }
    }
    with
}

#[test]
fn dsp_scratch_is_planned_clear_of_live_tensors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    models_under(&root.join("tests/conformance"), &mut files);
    models_under(&root.join("tests/models"), &mut files);
    models_under(&root.join("examples"), &mut files);
    let shared = root.join("../shared/models");
    if std::env::var_os("CI").is_some() {
        assert!(shared.is_dir(), "{} is missing", shared.display());
    }
    models_under(&shared, &mut files);
    let (mut planned, mut steps) = (0, 0);
    for f in &files {
        let bytes = std::fs::read(f).expect("readable model");
        // Models with operators nn rejects (the audio front ends) have no plan.
        let Ok((p, plan)) = nn_compiler::analyze(&bytes) else { continue };
        steps += check(&f.display().to_string(), &p, &plan);
        planned += 1;
    }
    println!("{planned} models planned, {steps} steps with DSP scratch");
    assert!(planned > 300, "only {planned} models planned");
    assert!(steps > 100, "only {steps} steps with DSP scratch");
}
