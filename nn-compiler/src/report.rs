//! The memory plan as a per-layer table, for the generated docs, budget
//! errors and the `nn plan` command.

use crate::ir::Program;
use crate::plan::{Loc, Plan};
use std::fmt::Write;

/// One row of the plan: a kernel call and the arena tensors (and the
/// call's scratch buffers) alive during it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Operator index in the model.
    pub op_index: usize,
    /// TFLite operator name.
    pub op_name: String,
    /// Arena tensors alive: (name, offset, bytes).
    pub live: Vec<(String, usize, usize)>,
    /// Their total size.
    pub live_bytes: usize,
}

/// The plan, step by step.
pub fn rows(p: &Program, plan: &Plan) -> Vec<Row> {
    p.steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut live: Vec<(String, usize, usize)> = plan
                .life
                .iter()
                .enumerate()
                .filter(|(_, l)| l.is_some_and(|(a, b)| a <= i && i <= b))
                .filter_map(|(r, _)| match plan.loc[r] {
                    Some(Loc::Arena { offset, len }) => {
                        Some((p.values[r].as_ref().map_or_else(String::new, |v| v.name.clone()), offset, len))
                    }
                    _ => None,
                })
                .collect();
            for (k, &(offset, len)) in plan.scratch.get(i).into_iter().flatten().enumerate() {
                live.push((format!("scratch {k}"), offset, len));
            }
            if let Some(&Some((offset, len))) = plan.dsp_scratch.get(i) {
                live.push(("DSP scratch".to_string(), offset, len));
            }
            live.sort_by_key(|l| l.1);
            let live_bytes = live.iter().map(|l| l.2).sum();
            Row { op_index: s.op_index, op_name: s.op_name.clone(), live, live_bytes }
        })
        .collect()
}

/// A Markdown table of the plan, with a summary line.
pub fn table(p: &Program, plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Arena: {} bytes; liveness lower bound: {} bytes{}.\n",
        plan.arena_bytes,
        plan.lower_bound,
        if plan.arena_bytes < plan.lower_bound {
            " (the plan goes below it: convolutions and elementwise layers overwrite inputs they consume)"
        } else if plan.optimal {
            " (the plan reaches it)"
        } else {
            ""
        }
    );
    if plan.dsp_arena_bytes > plan.arena_bytes {
        let _ = writeln!(
            out,
            "With the Cortex-M DSP kernels (`nn_runtime::DSP`, e.g. Cortex-M4/M7): {} bytes, their scratch \
             (`DSP scratch` below) placed where no tensor lives at that step.\n",
            plan.dsp_arena_bytes
        );
    }
    out.push_str("| op | operator | live arena tensors `name @ offset +bytes` | live bytes |\n|---|---|---|---|\n");
    for r in rows(p, plan) {
        let live: Vec<String> = r.live.iter().map(|(n, o, l)| format!("`{}` @ {o} +{l}", short(n))).collect();
        let _ = writeln!(out, "| {} | {} | {} | {} |", r.op_index, r.op_name, live.join(", "), r.live_bytes);
    }
    out
}

/// Tensor names from converters can be very long; keep their end, which
/// names the layer.
fn short(name: &str) -> String {
    const MAX: usize = 40;
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= MAX {
        name.to_string()
    } else {
        let tail: String = chars[chars.len() - (MAX - 1)..].iter().collect();
        format!("…{tail}")
    }
}
