//! Static memory plan: where every activation lives.
//!
//! Graph inputs are read in place from the caller's input arrays; a graph
//! output that an operator writes directly is written into the caller's
//! output array; every other activation gets a byte range of one arena,
//! assigned from tensor lifetimes (greedy by size, best offset first).

use crate::ir::Program;

/// Where a tensor's storage lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// The caller's input `k`.
    Input(usize),
    /// The caller's output `k`.
    Output(usize),
    /// `len` bytes at `offset` in the arena.
    Arena {
        /// Byte offset.
        offset: usize,
        /// Byte length.
        len: usize,
    },
}

/// The memory plan of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Location of every tensor's storage root (`None` for constants).
    pub loc: Vec<Option<Loc>>,
    /// Arena size in bytes.
    pub arena_bytes: usize,
    /// Graph outputs that must be copied from their storage at the end:
    /// `(output index, tensor)`.
    pub final_copies: Vec<(usize, usize)>,
}

/// Alignment of every arena buffer, enough for any element type and for
/// word-wise kernel access.
pub const ALIGN: usize = 16;

/// Plans the program's memory.
pub fn plan(p: &Program) -> Plan {
    let n = p.values.len();
    let root = |t: usize| p.alias[t];
    let mut loc: Vec<Option<Loc>> = vec![None; n];
    for (k, &t) in p.inputs.iter().enumerate() {
        loc[root(t)] = Some(Loc::Input(k));
    }
    // A graph output written by a step (not an alias, not also another
    // output) can live in the caller's output array.
    let mut final_copies = Vec::new();
    for (k, &t) in p.outputs.iter().enumerate() {
        let written = p.steps.iter().any(|s| s.output == t);
        let shared = p.outputs.iter().filter(|&&o| root(o) == root(t)).count() > 1;
        if written && root(t) == t && loc[t].is_none() && !shared {
            loc[t] = Some(Loc::Output(k));
        } else {
            final_copies.push((k, t));
        }
    }

    // Lifetimes of arena roots, in step indices.
    let steps = p.steps.len();
    let mut first = vec![usize::MAX; n];
    let mut last = vec![0usize; n];
    for (i, s) in p.steps.iter().enumerate() {
        for &t in s.inputs.iter().chain(std::iter::once(&s.output)) {
            let r = root(t);
            first[r] = first[r].min(i);
            last[r] = last[r].max(i);
        }
    }
    for &(_, t) in &final_copies {
        last[root(t)] = steps;
    }
    let mut buffers: Vec<(usize, usize)> = (0..n)
        .filter(|&r| root(r) == r && loc[r].is_none() && first[r] != usize::MAX)
        .filter_map(|r| p.values[r].as_ref().map(|v| (r, v.bytes())))
        .collect();
    // Largest first; ties by first use so the plan is deterministic.
    buffers.sort_by(|a, b| b.1.cmp(&a.1).then(first[a.0].cmp(&first[b.0])).then(a.0.cmp(&b.0)));
    let mut placed: Vec<(usize, usize, usize)> = Vec::new(); // (root, offset, len)
    let mut arena_bytes = 0;
    for (r, len) in buffers {
        let overlaps = |o: &&(usize, usize, usize)| first[o.0] <= last[r] && first[r] <= last[o.0];
        let mut busy: Vec<(usize, usize)> = placed.iter().filter(overlaps).map(|&(_, off, l)| (off, off + l)).collect();
        busy.sort_unstable();
        // The lowest aligned gap that fits.
        let mut offset = 0;
        for (start, end) in busy {
            if offset + len <= start {
                break;
            }
            offset = offset.max(end.next_multiple_of(ALIGN));
        }
        placed.push((r, offset, len));
        loc[r] = Some(Loc::Arena { offset, len });
        arena_bytes = arena_bytes.max(offset + len);
    }
    Plan { loc, arena_bytes: arena_bytes.next_multiple_of(ALIGN), final_copies }
}
