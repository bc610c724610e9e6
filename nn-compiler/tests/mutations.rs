//! Semantic mutations of the project's own models, with a fixed seed.
//!
//! Each model is decoded with the planus object API (`tflite::Model`), one
//! targeted defect is introduced (huge or negative dimensions, out-of-range
//! indices, cycles, broken quantization, wrong types, missing inputs, wrong
//! bias lengths, empty buffers, bad options, unsupported operators, ...), the
//! model is re-serialized and compiled. Every compilation must return without
//! panicking, within a time and memory bound, with either tokens or a
//! non-empty list of non-empty diagnostics, one of which names the defect.
//! Defects that no correct compiler can accept must be rejected.
//!
//! Counts per kind are printed with `--nocapture`; with
//! `NN_MUTATIONS_VERBOSE=1`, every accepted mutation too.
//!
//! Two gaps of the planus bindings shape this file: the owned types
//! (`Model`, `Tensor`, `Operator`, ...) have no `Clone`, `Debug` or
//! `PartialEq`, because `regenerate.sh` deletes every line mentioning serde
//! and planus writes those tables' derives on one line, so every mutation
//! decodes its model afresh; and planus 1.3.0's `Builder::finish` writes the
//! file identifier before the root offset, which `encode` puts right.

use nn_compiler::tflite::{
    self, ActivationFunctionType, BuiltinOperator, BuiltinOptions, FullyConnectedOptionsWeightsFormat, Model, Operator,
    OperatorCode, Padding, QuantizationParameters, TensorType,
};
use nn_compiler::{compile, Diagnostic, EmitOptions};
use planus::ReadAsRoot;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Memory accounting: a per-thread peak of live heap bytes.

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn track(grow: usize, shrink: usize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().saturating_sub(shrink).saturating_add(grow);
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded unchanged to `System`; the counters only
// observe sizes and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            track(layout.size(), 0);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            track(layout.size(), 0);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) };
        track(0, layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            track(new_size, layout.size());
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result with the most heap bytes it held at once.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let r = f();
    (r, PEAK.with(Cell::get).saturating_sub(base))
}

// ---------------------------------------------------------------------------
// Models and compilation.

fn opts() -> EmitOptions {
    EmitOptions {
        module: "m".into(),
        model_path: "/m.tflite".into(),
        display_path: "m.tflite".into(),
        max_ram: None,
        max_flash: None,
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The project's own models: the UI test model, the conformance suite and the
/// example, as (name, bytes).
fn models() -> Vec<(String, Vec<u8>)> {
    let mut paths = vec![repo().join("tests/ui/models/tiny_int8.tflite")];
    let suite = repo().join("tests/conformance");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&suite)
        .unwrap_or_else(|e| panic!("{}: {e}", suite.display()))
        .filter_map(|e| Some(e.ok()?.path().join("model.tflite")))
        .filter(|p| p.is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no conformance models in {}", suite.display());
    paths.extend(cases);
    paths.push(repo().join("examples/cifar10/data/cifar10.tflite"));
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let name = p.strip_prefix(repo()).unwrap_or(&p).display().to_string();
            (name, bytes)
        })
        .collect()
}

fn decode(bytes: &[u8]) -> Model {
    let root = tflite::ModelRef::read_as_root(bytes).expect("a project model reads");
    Model::try_from(root).expect("a project model decodes")
}

/// Serializes a model with the `TFL3` identifier.
///
/// planus 1.3.0's `Builder::finish(root, Some(identifier))` writes the
/// identifier at bytes 0..4 and, at 4..8, the root's offset from byte 4: the
/// reverse of the FlatBuffers layout (planus-org/planus#377). The standard
/// layout is the root's offset from byte 0, then the identifier.
fn encode(m: &Model) -> Vec<u8> {
    let mut bytes = planus::Builder::new().finish(m, Some(*b"TFL3")).to_vec();
    if bytes[..4] == *b"TFL3" {
        let root = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) + 4;
        bytes[..4].copy_from_slice(&root.to_le_bytes());
        bytes[4..8].copy_from_slice(b"TFL3");
    }
    bytes
}

/// Longest a single compilation may take, in CPU time of the compiling
/// thread (wall time would also count other tests and processes sharing the
/// machine).
const TIME_LIMIT: Duration = Duration::from_secs(2);

/// CPU time consumed so far by the calling thread.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a
    // constant Linux provides.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The outcome of one guarded compilation.
enum Outcome {
    Compiled,
    Rejected(Vec<Diagnostic>),
}

/// Compiles under `catch_unwind`, checking time, memory and the shape of the
/// result; a violation is returned as a message.
fn guarded(bytes: &[u8]) -> Result<Outcome, String> {
    let start = thread_cpu_time();
    let (result, peak) = peak_of(|| catch_unwind(AssertUnwindSafe(|| compile(bytes, &opts()))));
    let elapsed = thread_cpu_time().saturating_sub(start);
    let result = result.map_err(|e| {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("PANIC: {msg}")
    })?;
    if elapsed > TIME_LIMIT {
        return Err(format!("took {elapsed:?}, more than {TIME_LIMIT:?}"));
    }
    // Weights are copied a few times (filters, byte-string literals, tokens);
    // anything far beyond the model's size means unbounded growth.
    let memory_limit = 64 * 1024 * 1024 + 64 * bytes.len();
    if peak > memory_limit {
        return Err(format!("held {peak} bytes at once, more than {memory_limit}"));
    }
    match result {
        Ok(tokens) if tokens.is_empty() => Err("compiled to no tokens".into()),
        Ok(_) => Ok(Outcome::Compiled),
        Err(d) if d.is_empty() => Err("rejected without a diagnostic".into()),
        Err(d) if d.iter().any(|d| d.message.trim().is_empty()) => Err("an empty diagnostic".into()),
        Err(d) => Ok(Outcome::Rejected(d)),
    }
}

// ---------------------------------------------------------------------------
// Deterministic choices.

/// xorshift64*, as in `hostile.rs`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, v: &[T]) -> Option<T> {
        (!v.is_empty()).then(|| v[self.below(v.len())])
    }
}

// ---------------------------------------------------------------------------
// Access to the decoded model.

fn ops(m: &Model) -> &[Operator] {
    m.subgraphs.as_ref().and_then(|s| s.first()).and_then(|s| s.operators.as_deref()).unwrap_or(&[])
}

fn ops_mut(m: &mut Model) -> &mut Vec<Operator> {
    m.subgraphs.as_mut().expect("subgraphs")[0].operators.get_or_insert_with(Vec::new)
}

fn tensors(m: &Model) -> &[tflite::Tensor] {
    m.subgraphs.as_ref().and_then(|s| s.first()).and_then(|s| s.tensors.as_deref()).unwrap_or(&[])
}

fn tensor_mut(m: &mut Model, t: usize) -> &mut tflite::Tensor {
    &mut m.subgraphs.as_mut().expect("subgraphs")[0].tensors.as_mut().expect("tensors")[t]
}

fn graph_inputs(m: &Model) -> Vec<i32> {
    m.subgraphs.as_ref().and_then(|s| s.first()).and_then(|s| s.inputs.clone()).unwrap_or_default()
}

fn graph_outputs(m: &Model) -> Vec<i32> {
    m.subgraphs.as_ref().and_then(|s| s.first()).and_then(|s| s.outputs.clone()).unwrap_or_default()
}

fn code(m: &Model, op: usize) -> BuiltinOperator {
    let i = ops(m)[op].opcode_index as usize;
    m.operator_codes.as_ref().expect("operator codes")[i].builtin_code
}

fn op_inputs(m: &Model, op: usize) -> Vec<i32> {
    ops(m)[op].inputs.clone().unwrap_or_default()
}

fn op_outputs(m: &Model, op: usize) -> Vec<i32> {
    ops(m)[op].outputs.clone().unwrap_or_default()
}

fn data(m: &Model, t: usize) -> Option<&Vec<u8>> {
    let b = tensors(m)[t].buffer as usize;
    m.buffers.as_ref()?.get(b)?.data.as_ref().filter(|d| !d.is_empty())
}

fn is_const(m: &Model, t: usize) -> bool {
    data(m, t).is_some()
}

/// Sets tensor `t`'s data to a new buffer (`None`: no data).
fn set_data(m: &mut Model, t: usize, bytes: Option<Vec<u8>>) {
    let buffers = m.buffers.get_or_insert_with(Vec::new);
    if buffers.is_empty() {
        buffers.push(tflite::Buffer { data: None });
    }
    let index = match bytes {
        Some(d) => {
            buffers.push(tflite::Buffer { data: Some(d) });
            buffers.len() - 1
        }
        None => 0,
    };
    tensor_mut(m, t).buffer = index as u32;
}

const WEIGHTED: [BuiltinOperator; 3] =
    [BuiltinOperator::Conv2d, BuiltinOperator::DepthwiseConv2d, BuiltinOperator::FullyConnected];
const WINDOWED: [BuiltinOperator; 4] = [
    BuiltinOperator::Conv2d,
    BuiltinOperator::DepthwiseConv2d,
    BuiltinOperator::MaxPool2d,
    BuiltinOperator::AveragePool2d,
];
/// Operators that read their options (ADD, RESHAPE, QUANTIZE do not need any).
const WITH_OPTIONS: [BuiltinOperator; 6] = [
    BuiltinOperator::Conv2d,
    BuiltinOperator::DepthwiseConv2d,
    BuiltinOperator::MaxPool2d,
    BuiltinOperator::AveragePool2d,
    BuiltinOperator::FullyConnected,
    BuiltinOperator::Softmax,
];

fn ops_of(m: &Model, codes: &[BuiltinOperator]) -> Vec<usize> {
    (0..ops(m).len()).filter(|&i| codes.contains(&code(m, i))).collect()
}

/// Every (operator, input slot) that holds a tensor.
fn input_slots(m: &Model) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    for o in 0..ops(m).len() {
        for (s, &t) in op_inputs(m, o).iter().enumerate() {
            if t >= 0 {
                v.push((o, s));
            }
        }
    }
    v
}

/// Tensors read or written by some operator, and whether they are int8
/// activations (no data).
fn used_tensors(m: &Model) -> Vec<usize> {
    let mut v: Vec<usize> = (0..ops(m).len())
        .flat_map(|o| op_inputs(m, o).into_iter().chain(op_outputs(m, o)))
        .filter_map(|t| usize::try_from(t).ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Int8 activations that some operator other than RESHAPE, SQUEEZE,
/// STRIDED_SLICE and QUANTIZE/DEQUANTIZE reads or writes (their quantization
/// is checked).
fn checked_activations(m: &Model) -> Vec<usize> {
    let mut v = Vec::new();
    for o in 0..ops(m).len() {
        let c = code(m, o);
        // Data movement copies bytes whatever the quantization (as TFLM).
        if matches!(c, BuiltinOperator::Reshape | BuiltinOperator::Squeeze | BuiltinOperator::StridedSlice) {
            continue;
        }
        let mut ts: Vec<i32> = op_outputs(m, o);
        if WEIGHTED.contains(&c) {
            ts.extend(op_inputs(m, o).first());
        } else if c != BuiltinOperator::Quantize && c != BuiltinOperator::Dequantize {
            ts.extend(op_inputs(m, o));
        }
        for t in ts.into_iter().filter_map(|t| usize::try_from(t).ok()) {
            if !is_const(m, t) && tensors(m)[t].type_ == TensorType::Int8 {
                v.push(t);
            }
        }
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// (operator, weights tensor) of every CONV_2D, DEPTHWISE_CONV_2D and
/// FULLY_CONNECTED with quantized (int8) weights.
fn weights(m: &Model) -> Vec<(usize, usize)> {
    ops_of(m, &WEIGHTED)
        .into_iter()
        .filter_map(|o| Some((o, usize::try_from(*op_inputs(m, o).get(1)?).ok()?)))
        .filter(|&(_, w)| tensors(m)[w].type_ == TensorType::Int8)
        .collect()
}

/// (operator, bias tensor) of every operator of [`weights`] with a bias.
fn biases(m: &Model) -> Vec<(usize, usize)> {
    weights(m).into_iter().filter_map(|(o, _)| Some((o, usize::try_from(*op_inputs(m, o).get(2)?).ok()?))).collect()
}

/// Adds an operator code and returns its index.
fn add_code(m: &mut Model, builtin: BuiltinOperator, custom: Option<&str>) -> u32 {
    let codes = m.operator_codes.get_or_insert_with(Vec::new);
    codes.push(OperatorCode {
        deprecated_builtin_code: (builtin as i32).min(127) as i8,
        custom_code: custom.map(str::to_string),
        version: 1,
        builtin_code: builtin,
    });
    codes.len() as u32 - 1
}

fn quant_mut(m: &mut Model, t: usize) -> &mut QuantizationParameters {
    tensor_mut(m, t).quantization.get_or_insert_with(Default::default)
}

// ---------------------------------------------------------------------------
// The mutations.

/// What a mutation did and what the compiler must say about it.
struct Mutation {
    /// What was changed, for failure messages.
    what: String,
    /// One diagnostic must contain one of these (case-insensitive).
    words: &'static [&'static str],
    /// Whether a compiler that accepts the model is wrong.
    must_reject: bool,
}

fn reject(what: String, words: &'static [&'static str]) -> Option<Mutation> {
    Some(Mutation { what, words, must_reject: true })
}

fn either(what: String, words: &'static [&'static str]) -> Option<Mutation> {
    Some(Mutation { what, words, must_reject: false })
}

type Mutator = fn(&mut Model, &mut Rng) -> Option<Mutation>;

/// Words that a diagnostic about inconsistent shapes uses.
const SHAPE_WORDS: &[&str] = &[
    "shape",
    "rank",
    "axis",
    "dimension",
    "larger",
    "bytes",
    "output is",
    "inconsistent",
    "does not give",
    "differ",
    "element",
    "values",
    "scales",
    "channel",
    "groups",
];

/// Out-of-range values for an `i32` tensor index, given the tensor count.
fn bad_index(r: &mut Rng, n: usize) -> i32 {
    let n = n as i32;
    [n, n + 1, n + 1000, i32::MAX, -2, -1000, i32::MIN][r.below(7)]
}

fn op_input_out_of_range(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let (o, s) = r.pick(&input_slots(m))?;
    let v = bad_index(r, tensors(m).len());
    ops_mut(m)[o].inputs.as_mut()?[s] = v;
    reject(format!("operator {o} input {s} := tensor {v}"), &["tensor"])
}

fn op_output_out_of_range(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let v = bad_index(r, tensors(m).len());
    let outs = ops_mut(m).get_mut(o)?.outputs.as_mut()?;
    *outs.first_mut()? = v;
    reject(format!("operator {o} output := tensor {v}"), &["tensor"])
}

fn graph_io_out_of_range(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let v = bad_index(r, tensors(m).len());
    let sg = &mut m.subgraphs.as_mut()?[0];
    let (list, which) = if r.below(2) == 0 { (&mut sg.inputs, "input") } else { (&mut sg.outputs, "output") };
    *list.as_mut()?.first_mut()? = v;
    reject(format!("graph {which} := tensor {v}"), &["tensor"])
}

fn buffer_out_of_range(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.below(tensors(m).len());
    let n = m.buffers.as_ref().map_or(0, Vec::len) as u32;
    let v = [n, n + 1, n + 5000, u32::MAX, 1 << 31][r.below(5)];
    tensor_mut(m, t).buffer = v;
    reject(format!("tensor {t} buffer := {v}"), &["buffer"])
}

fn opcode_out_of_range(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let n = m.operator_codes.as_ref().map_or(0, Vec::len) as u32;
    let v = [n, n + 1, n + 300, u32::MAX, 1 << 31][r.below(5)];
    ops_mut(m).get_mut(o)?.opcode_index = v;
    reject(format!("operator {o} opcode index := {v}"), &["operator code"])
}

fn required_input_missing(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    use BuiltinOperator as B;
    let o = r.below(ops(m).len());
    // TRANSPOSE_CONV's first input (the output shape) is not read.
    let required: &[usize] = match code(m, o) {
        B::TransposeConv => &[1, 2],
        B::StridedSlice => &[0, 1, 2, 3],
        c if WEIGHTED.contains(&c) => &[0, 1],
        B::Add | B::Sub | B::Mul | B::Maximum | B::Minimum | B::Pad | B::Padv2 => &[0, 1],
        _ => &[0],
    };
    let s = r.pick(required)?;
    *ops_mut(m)[o].inputs.as_mut()?.get_mut(s)? = -1;
    reject(format!("operator {o} required input {s} := -1 (omitted)"), &["missing"])
}

fn inputs_removed(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let op = ops_mut(m).get_mut(o)?;
    op.inputs = if r.below(2) == 0 { None } else { Some(Vec::new()) };
    reject(format!("operator {o} has no inputs"), &["inputs"])
}

fn outputs_removed(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let op = ops_mut(m).get_mut(o)?;
    op.outputs = if r.below(2) == 0 { None } else { Some(Vec::new()) };
    reject(format!("operator {o} has no outputs"), &["output"])
}

fn extra_output(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let t = r.below(tensors(m).len()) as i32;
    ops_mut(m).get_mut(o)?.outputs.as_mut()?.push(t);
    reject(format!("operator {o} gets a second output, tensor {t}"), &["output", "written", "constant"])
}

fn extra_input(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let t = r.below(tensors(m).len()) as i32;
    ops_mut(m).get_mut(o)?.inputs.get_or_insert_with(Vec::new).push(t);
    either(format!("operator {o} gets an extra input, tensor {t}"), &["input", "bias", "before"])
}

fn huge_dimension(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.pick(&used_tensors(m))?;
    let shape = tensor_mut(m, t).shape.as_mut()?;
    let d = r.below(shape.len().max(1));
    let v = [1 << 16, 46_341, 1 << 20, 1 << 24, 1 << 30, i32::MAX][r.below(6)];
    *shape.get_mut(d)? = v;
    either(format!("tensor {t} dimension {d} := {v}"), SHAPE_WORDS)
}

fn negative_dimension(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.below(tensors(m).len());
    let shape = tensor_mut(m, t).shape.as_mut()?;
    let d = r.below(shape.len().max(1));
    let v = [-1, -2, -1000, i32::MIN][r.below(4)];
    *shape.get_mut(d)? = v;
    reject(format!("tensor {t} dimension {d} := {v}"), &["negative"])
}

fn zero_dimension(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.pick(&used_tensors(m))?;
    let shape = tensor_mut(m, t).shape.as_mut()?;
    let d = r.below(shape.len().max(1));
    *shape.get_mut(d)? = 0;
    either(format!("tensor {t} dimension {d} := 0"), SHAPE_WORDS)
}

fn rank_changed(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.pick(&used_tensors(m))?;
    let shape = tensor_mut(m, t).shape.get_or_insert_with(Vec::new);
    match r.below(3) {
        0 => {
            shape.resize(7 + r.below(100), 1);
            reject(format!("tensor {t} has rank {}", shape.len()), &["rank"])
        }
        1 => {
            shape.pop()?;
            either(format!("tensor {t} loses its last dimension"), SHAPE_WORDS)
        }
        _ => {
            shape.insert(0, 2);
            either(format!("tensor {t} gains a leading 2"), SHAPE_WORDS)
        }
    }
}

/// One dimension of a tensor that an operator reads or writes changes, so
/// that it no longer matches its neighbours.
fn connected_shape_mismatch(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.pick(&checked_activations(m))?;
    let shape = tensor_mut(m, t).shape.as_mut()?;
    let d = r.below(shape.len().max(1));
    let old = *shape.get(d)?;
    let v = if old > 1 && r.below(2) == 0 { old - 1 } else { old + 1 + r.below(3) as i32 };
    shape[d] = v;
    either(format!("tensor {t} dimension {d}: {old} -> {v}"), SHAPE_WORDS)
}

fn bad_activation_scale(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.pick(&checked_activations(m))?;
    let v = [0.0, -0.0, -1.0, -0.5, f32::NAN, f32::INFINITY, f32::NEG_INFINITY][r.below(7)];
    quant_mut(m, t).scale = Some(vec![v]);
    reject(format!("activation tensor {t} scale := {v}"), &["scale", "quantization"])
}

fn bad_weight_scale(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let (o, w) = r.pick(&weights(m))?;
    let v = [0.0, -1.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY][r.below(5)];
    let q = quant_mut(m, w);
    let scales = q.scale.get_or_insert_with(Vec::new);
    if scales.is_empty() {
        scales.push(1.0);
    }
    let c = r.below(scales.len());
    scales[c] = v;
    reject(format!("operator {o} weights tensor {w} scale {c} := {v}"), &["scale"])
}

fn extreme_scale(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.pick(&used_tensors(m))?;
    let v = [1e-45, 1e-38, 1e-30, 1e-12, 1e12, 1e30, f32::MAX, f32::MIN_POSITIVE][r.below(8)];
    let q = quant_mut(m, t);
    let scales = q.scale.get_or_insert_with(|| vec![1.0]);
    for s in scales.iter_mut() {
        *s = v;
    }
    either(
        format!("tensor {t} scales := {v:e}"),
        &["scale", "quantization", "rescaling", "accumulate", "beta", "ratio"],
    )
}

fn quantization_removed(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t =
        r.pick(&checked_activations(m).into_iter().chain(weights(m).into_iter().map(|w| w.1)).collect::<Vec<_>>())?;
    if r.below(2) == 0 {
        tensor_mut(m, t).quantization = None;
    } else {
        quant_mut(m, t).scale = Some(Vec::new());
    }
    reject(format!("tensor {t} loses its quantization"), &["quantiz"])
}

fn wrong_scale_count(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    if r.below(2) == 0 {
        let t = r.pick(&checked_activations(m))?;
        let q = quant_mut(m, t);
        let s = q.scale.as_ref()?.first().copied()?;
        q.scale = Some(vec![s; 2 + r.below(4)]);
        q.zero_point = Some(vec![q.zero_point.as_ref()?.first().copied().unwrap_or(0); q.scale.as_ref()?.len()]);
        reject(format!("activation tensor {t} quantized per channel"), &["per channel"])
    } else {
        let (o, w) = r.pick(&weights(m))?;
        let channels = *tensors(m)[w].shape.as_ref()?.first()? as usize;
        let n = [2, channels + 1, channels.saturating_sub(1), 2 * channels][r.below(4)];
        if n == channels || n <= 1 {
            return None;
        }
        let q = quant_mut(m, w);
        let s = q.scale.as_ref()?.first().copied()?;
        q.scale = Some(vec![s; n]);
        q.zero_point = Some(vec![0; n]);
        reject(format!("operator {o} weights tensor {w} has {n} scales"), &["scales"])
    }
}

fn zero_point_out_of_range(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.pick(&checked_activations(m))?;
    let v = [128, -129, 255, 1000, -40_000, 1 << 40, i64::MAX, i64::MIN][r.below(8)];
    quant_mut(m, t).zero_point = Some(vec![v]);
    reject(format!("activation tensor {t} zero point := {v}"), &["zero point", "quantization"])
}

fn weight_zero_point(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let (o, w) = r.pick(&weights(m))?;
    let q = quant_mut(m, w);
    let n = q.scale.as_ref().map_or(1, Vec::len).max(1);
    let mut zp = vec![0; n];
    zp[r.below(n)] = [1, -1, 127, -128][r.below(4)];
    q.zero_point = Some(zp);
    reject(format!("operator {o} weights tensor {w} has a non-zero zero point"), &["zero point"])
}

fn wrong_quantized_dimension(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let per_channel: Vec<(usize, usize)> = weights(m)
        .into_iter()
        .filter(|&(_, w)| {
            tensors(m)[w].quantization.as_ref().and_then(|q| q.scale.as_ref()).is_some_and(|s| s.len() > 1)
        })
        .collect();
    let (o, w) = r.pick(&per_channel)?;
    let q = quant_mut(m, w);
    let v = (q.quantized_dimension + 1 + r.below(3) as i32) % 4;
    q.quantized_dimension = [v, -1, 100][r.below(3)];
    let v = q.quantized_dimension;
    reject(format!("operator {o} weights tensor {w} quantized along dimension {v}"), &["dimension"])
}

const TYPES: [TensorType; 12] = [
    TensorType::Float32,
    TensorType::Float16,
    TensorType::Int32,
    TensorType::Uint8,
    TensorType::Int64,
    TensorType::String,
    TensorType::Bool,
    TensorType::Int16,
    TensorType::Int8,
    TensorType::Float64,
    TensorType::Uint32,
    TensorType::Int4,
];

/// Every TFLite type name the diagnostics may use.
const TYPE_WORDS: &[&str] = &[
    "type",
    "float32",
    "float16",
    "float64",
    "int4",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "string",
    "quantiz",
    "bytes",
    "larger",
    "supported",
];

fn wrong_type(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    // Int8 activations, weights and biases.
    let activations = checked_activations(m);
    let mut constants: Vec<usize> = weights(m).into_iter().map(|w| w.1).collect();
    constants.extend(biases(m).into_iter().map(|b| b.1));
    let all: Vec<usize> = activations.iter().chain(&constants).copied().collect();
    let t = r.pick(&all)?;
    let old = tensors(m)[t].type_;
    let new = TYPES[r.below(TYPES.len())];
    if new == old {
        return None;
    }
    tensor_mut(m, t).type_ = new;
    let what = format!("tensor {t} type {old:?} -> {new:?}");
    // A different activation type can be valid (a QUANTIZE to int16 that is
    // a graph output); the weights' and biases' types are fixed by the
    // activations'.
    if constants.contains(&t) {
        reject(what, TYPE_WORDS)
    } else {
        either(what, TYPE_WORDS)
    }
}

fn any_type(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let t = r.pick(&used_tensors(m))?;
    let new = TYPES[r.below(TYPES.len())];
    tensor_mut(m, t).type_ = new;
    either(format!("tensor {t} type := {new:?}"), TYPE_WORDS)
}

fn constant_emptied(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let candidates: Vec<(usize, usize)> = weights(m).into_iter().chain(biases(m)).collect();
    let (o, t) = r.pick(&candidates)?;
    if r.below(2) == 0 {
        set_data(m, t, Some(Vec::new()));
    } else {
        set_data(m, t, None);
    }
    reject(format!("operator {o} constant tensor {t} has no data"), &["constant", "before"])
}

fn constant_resized(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let candidates: Vec<(usize, usize)> = weights(m).into_iter().chain(biases(m)).collect();
    let (o, t) = r.pick(&candidates)?;
    let mut d = data(m, t)?.clone();
    let k = 1 + r.below(8);
    if r.below(2) == 0 && d.len() > k {
        d.truncate(d.len() - k);
    } else {
        d.extend(std::iter::repeat_n(0, k));
    }
    let n = d.len();
    set_data(m, t, Some(d));
    reject(format!("operator {o} constant tensor {t} has {n} bytes"), &["bytes"])
}

fn activation_made_constant(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let mut candidates: Vec<usize> = (0..ops(m).len()).flat_map(|o| op_outputs(m, o)).map(|t| t as usize).collect();
    candidates.extend(graph_inputs(m).into_iter().map(|t| t as usize));
    let t = r.pick(&candidates)?;
    let n = 1 + r.below(64);
    set_data(m, t, Some(vec![7; n]));
    reject(format!("activation tensor {t} given {n} bytes of data"), &["constant", "written"])
}

fn wrong_bias_length(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let (o, b) = r.pick(&biases(m))?;
    let len = *tensors(m)[b].shape.as_ref()?.first()? as usize;
    let n = [len + 1, len.saturating_sub(1), 1, 2 * len][r.below(4)];
    if n == len {
        return None;
    }
    tensor_mut(m, b).shape = Some(vec![n as i32]);
    set_data(m, b, Some(vec![0; 4 * n]));
    reject(format!("operator {o} bias tensor {b} has {n} values for {len} channels"), &["bias", "bytes", "constant"])
}

fn extreme_weights(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let candidates: Vec<(usize, usize)> = weights(m).into_iter().chain(biases(m)).collect();
    let (o, t) = r.pick(&candidates)?;
    let mut d = data(m, t)?.clone();
    let is_bias = tensors(m)[t].type_ == TensorType::Int32;
    if is_bias {
        let v = [i32::MAX, i32::MIN, i32::MAX / 2][r.below(3)];
        for c in d.chunks_exact_mut(4) {
            c.copy_from_slice(&v.to_le_bytes());
        }
    } else {
        let v = [0x80u8, 0x7f][r.below(2)];
        d.fill(v);
    }
    set_data(m, t, Some(d));
    either(format!("operator {o} constant tensor {t} filled with extreme values"), &["accumulate", "overflow"])
}

fn self_cycle(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let out = *op_outputs(m, o).first()?;
    *ops_mut(m)[o].inputs.as_mut()?.first_mut()? = out;
    reject(format!("operator {o} reads its own output, tensor {out}"), &["before any operator writes", "written"])
}

fn reads_later_output(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let n = ops(m).len();
    if n < 2 {
        return None;
    }
    let i = r.below(n - 1);
    let j = i + 1 + r.below(n - i - 1);
    let out = *op_outputs(m, j).first()?;
    *ops_mut(m)[i].inputs.as_mut()?.first_mut()? = out;
    reject(format!("operator {i} reads tensor {out}, written by the later operator {j}"), &["execution order"])
}

fn variable_self_loop(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let out = *op_outputs(m, o).first()?;
    *ops_mut(m)[o].inputs.as_mut()?.first_mut()? = out;
    tensor_mut(m, out as usize).is_variable = true;
    reject(
        format!("operator {o} reads its own output, tensor {out}, marked as a variable"),
        &["variable", "written", "before", "shape", "output is", "differ", "type", "element"],
    )
}

/// A variable tensor is state kept across invocations (zero-initialized in
/// TFLM); reading one that no operator writes reads arena memory that the
/// planner gives to other tensors.
fn variable_read_before_written(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let (o, s) = r.pick(&input_slots(m))?;
    let t = usize::try_from(op_inputs(m, o)[s]).ok()?;
    // Swapping a stateful operator's state (SVDF's) for a fresh variable
    // leaves a valid model.
    if is_const(m, t) || tensors(m)[t].is_variable {
        return None;
    }
    let old = &tensors(m)[t];
    let variable = tflite::Tensor {
        shape: old.shape.clone(),
        type_: old.type_,
        name: Some("state".into()),
        quantization: old.quantization.as_ref().map(|q| {
            Box::new(QuantizationParameters {
                scale: q.scale.clone(),
                zero_point: q.zero_point.clone(),
                quantized_dimension: q.quantized_dimension,
                ..Default::default()
            })
        }),
        is_variable: true,
        ..Default::default()
    };
    let sg = &mut m.subgraphs.as_mut()?[0];
    let list = sg.tensors.as_mut()?;
    list.push(variable);
    let v = list.len() as i32 - 1;
    ops_mut(m)[o].inputs.as_mut()?[s] = v;
    reject(
        format!("operator {o} input {s} := new variable tensor {v}, which no operator writes"),
        &["variable", "before", "never written"],
    )
}

fn operators_swapped(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let n = ops(m).len();
    if n < 2 {
        return None;
    }
    let i = r.below(n - 1);
    let j = i + 1 + r.below(n - i - 1);
    // The later operator reads the earlier one's output: swapping them
    // breaks the execution order.
    let out_i = op_outputs(m, i);
    let depends = op_inputs(m, j).iter().any(|t| out_i.contains(t));
    ops_mut(m).swap(i, j);
    let what = format!("operators {i} and {j} swapped");
    if depends {
        reject(what, &["execution order"])
    } else {
        either(what, &["execution order"])
    }
}

fn two_writers(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let n = ops(m).len();
    if n < 2 {
        return None;
    }
    let (i, j) = (r.below(n), r.below(n));
    if i == j {
        return None;
    }
    let out = *op_outputs(m, i).first()?;
    *ops_mut(m)[j].outputs.as_mut()?.first_mut()? = out;
    reject(format!("operators {i} and {j} both write tensor {out}"), &["already written", "before"])
}

fn writes_graph_input(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let t = r.pick(&graph_inputs(m))?;
    *ops_mut(m)[o].outputs.as_mut()?.first_mut()? = t;
    reject(format!("operator {o} writes graph input tensor {t}"), &["already written", "before"])
}

fn duplicated_operator(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    // No `Clone`: a second decoding provides the copy.
    let copy = ops_mut(&mut decode(&encode(m))).remove(o);
    ops_mut(m).insert(o + 1, copy);
    reject(format!("operator {o} duplicated"), &["already written"])
}

fn output_never_written(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let written: Vec<i32> = (0..ops(m).len()).flat_map(|o| op_outputs(m, o)).collect();
    let inputs = graph_inputs(m);
    let candidates: Vec<i32> =
        (0..tensors(m).len() as i32).filter(|t| !written.contains(t) && !inputs.contains(t)).collect();
    let t = r.pick(&candidates)?;
    *m.subgraphs.as_mut()?[0].outputs.as_mut()?.first_mut()? = t;
    reject(format!("graph output := tensor {t}, which no operator writes"), &["never written", "constant"])
}

fn no_graph_io(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let sg = &mut m.subgraphs.as_mut()?[0];
    let which = if r.below(2) == 0 { &mut sg.inputs } else { &mut sg.outputs };
    *which = if r.below(2) == 0 { None } else { Some(Vec::new()) };
    reject("the graph loses its inputs or outputs".into(), &["no inputs", "before", "never written"])
}

fn operators_removed(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let inputs = graph_inputs(m);
    if graph_outputs(m).iter().all(|t| inputs.contains(t)) {
        return None;
    }
    let sg = &mut m.subgraphs.as_mut()?[0];
    sg.operators = if r.below(2) == 0 { None } else { Some(Vec::new()) };
    reject("every operator removed".into(), &["never written"])
}

fn subgraph_count(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let subgraphs = m.subgraphs.as_mut()?;
    if r.below(2) == 0 {
        subgraphs.clear();
        reject("no subgraph".into(), &["subgraph"])
    } else {
        subgraphs.push(Default::default());
        reject("a second subgraph".into(), &["subgraph"])
    }
}

fn schema_version(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    m.version = [0, 1, 2, 4, u32::MAX][r.below(5)];
    reject(format!("schema version := {}", m.version), &["version"])
}

fn windowed_options<'m>(m: &'m mut Model, r: &mut Rng) -> Option<&'m mut BuiltinOptions> {
    let o = r.pick(&ops_of(m, &WINDOWED))?;
    ops_mut(m)[o].builtin_options.as_mut()
}

fn bad_stride(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let v = [0, -1, -2, i32::MIN, i32::MAX, 1 << 17][r.below(6)];
    let h = r.below(2) == 0;
    match windowed_options(m, r)? {
        BuiltinOptions::Conv2DOptions(c) => *if h { &mut c.stride_h } else { &mut c.stride_w } = v,
        BuiltinOptions::DepthwiseConv2DOptions(c) => *if h { &mut c.stride_h } else { &mut c.stride_w } = v,
        BuiltinOptions::Pool2DOptions(c) => *if h { &mut c.stride_h } else { &mut c.stride_w } = v,
        _ => return None,
    }
    reject(format!("stride := {v}"), &["stride"])
}

fn other_stride(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let v = [1, 2, 3, 7, 1 << 16][r.below(5)];
    match windowed_options(m, r)? {
        BuiltinOptions::Conv2DOptions(c) => c.stride_w = v,
        BuiltinOptions::DepthwiseConv2DOptions(c) => c.stride_w = v,
        BuiltinOptions::Pool2DOptions(c) => c.stride_w = v,
        _ => return None,
    }
    either(format!("stride_w := {v}"), &["output is", "shapes", "padding", "window"])
}

fn bad_dilation(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let v = [0, -1, i32::MIN, i32::MAX, 1 << 17][r.below(5)];
    let h = r.below(2) == 0;
    let o = r.pick(&ops_of(m, &[BuiltinOperator::Conv2d, BuiltinOperator::DepthwiseConv2d]))?;
    match ops_mut(m)[o].builtin_options.as_mut()? {
        BuiltinOptions::Conv2DOptions(c) => *if h { &mut c.dilation_h_factor } else { &mut c.dilation_w_factor } = v,
        BuiltinOptions::DepthwiseConv2DOptions(c) => {
            *if h { &mut c.dilation_h_factor } else { &mut c.dilation_w_factor } = v
        }
        _ => return None,
    }
    reject(format!("operator {o} dilation := {v}"), &["dilation"])
}

fn bad_pool_filter(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.pick(&ops_of(m, &[BuiltinOperator::MaxPool2d, BuiltinOperator::AveragePool2d]))?;
    let v = [0, -3, i32::MIN, i32::MAX, 1 << 17][r.below(5)];
    let Some(BuiltinOptions::Pool2DOptions(c)) = ops_mut(m)[o].builtin_options.as_mut() else { return None };
    if r.below(2) == 0 {
        c.filter_height = v;
    } else {
        c.filter_width = v;
    }
    reject(format!("operator {o} pool window := {v}"), &["filter"])
}

fn padding_flipped(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let flip = |p: &mut Padding| *p = if *p == Padding::Same { Padding::Valid } else { Padding::Same };
    match windowed_options(m, r)? {
        BuiltinOptions::Conv2DOptions(c) => flip(&mut c.padding),
        BuiltinOptions::DepthwiseConv2DOptions(c) => flip(&mut c.padding),
        BuiltinOptions::Pool2DOptions(c) => flip(&mut c.padding),
        _ => return None,
    }
    either("padding flipped".into(), &["output is", "shapes", "padding", "window"])
}

fn options_removed(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.pick(&ops_of(m, &WITH_OPTIONS))?;
    ops_mut(m)[o].builtin_options = None;
    reject(format!("operator {o} loses its options"), &["options"])
}

fn foreign_options(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.pick(&ops_of(m, &WITH_OPTIONS))?;
    let c = code(m, o);
    let options = if c == BuiltinOperator::Softmax {
        BuiltinOptions::AddOptions(Box::default())
    } else {
        BuiltinOptions::SoftmaxOptions(Box::new(tflite::SoftmaxOptions { beta: 1.0 }))
    };
    ops_mut(m)[o].builtin_options = Some(options);
    reject(format!("operator {o} ({c:?}) carries another operator's options"), &["options"])
}

fn unsupported_activation(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o =
        r.pick(&ops_of(m, &WINDOWED.iter().copied().chain([BuiltinOperator::FullyConnected]).collect::<Vec<_>>()))?;
    let a = [ActivationFunctionType::Tanh, ActivationFunctionType::SignBit][r.below(2)];
    match ops_mut(m)[o].builtin_options.as_mut()? {
        BuiltinOptions::Conv2DOptions(c) => c.fused_activation_function = a,
        BuiltinOptions::DepthwiseConv2DOptions(c) => c.fused_activation_function = a,
        BuiltinOptions::Pool2DOptions(c) => c.fused_activation_function = a,
        BuiltinOptions::FullyConnectedOptions(c) => c.fused_activation_function = a,
        _ => return None,
    }
    reject(format!("operator {o} fused activation := {a:?}"), &["activation"])
}

fn bad_beta(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.pick(&ops_of(m, &[BuiltinOperator::Softmax]))?;
    let (v, must) = [
        (0.0, true),
        (-1.0, true),
        (f32::NEG_INFINITY, true),
        (1e-30, true),
        (f32::INFINITY, false),
        (1e30, false),
        (f32::MAX, false),
    ][r.below(7)];
    // A float softmax computes with any finite positive beta.
    let float = op_inputs(m, o).first().is_some_and(|&t| tensors(m)[t as usize].type_ == TensorType::Float32);
    let Some(BuiltinOptions::SoftmaxOptions(c)) = ops_mut(m)[o].builtin_options.as_mut() else { return None };
    c.beta = v;
    let what = format!("operator {o} softmax beta := {v}");
    if must && !(float && v > 0.0) {
        reject(what, &["beta"])
    } else {
        either(what, &["beta", "scale"])
    }
}

fn nan_beta(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.pick(&ops_of(m, &[BuiltinOperator::Softmax]))?;
    let Some(BuiltinOptions::SoftmaxOptions(c)) = ops_mut(m)[o].builtin_options.as_mut() else { return None };
    c.beta = f32::NAN;
    reject(format!("operator {o} softmax beta := NaN"), &["beta"])
}

fn shuffled_weights(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.pick(&ops_of(m, &[BuiltinOperator::FullyConnected]))?;
    let Some(BuiltinOptions::FullyConnectedOptions(c)) = ops_mut(m)[o].builtin_options.as_mut() else { return None };
    c.weights_format = FullyConnectedOptionsWeightsFormat::Shuffled4x16Int8;
    reject(format!("operator {o} weights format := shuffled"), &["weights format"])
}

/// Whether the compiler lists `code` among its supported operators.
fn supported(code: BuiltinOperator) -> bool {
    let name = tflite::builtin_name(code as i32).unwrap_or("");
    nn_compiler::lower::SUPPORTED.iter().flat_map(|s| s.split(" (").next().unwrap_or("").split(", ")).any(|n| n == name)
}

fn unsupported_operator(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let b = [
        BuiltinOperator::Lstm,
        BuiltinOperator::Tanh,
        BuiltinOperator::Concatenation,
        BuiltinOperator::Mul,
        BuiltinOperator::Logistic,
        BuiltinOperator::Sub,
        BuiltinOperator::Transpose,
        BuiltinOperator::Call,
        BuiltinOperator::Svdf,
        BuiltinOperator::Gather,
        BuiltinOperator::Mean,
        BuiltinOperator::ResizeBilinear,
    ][r.below(12)];
    if supported(b) {
        return None;
    }
    let i = add_code(m, b, None);
    ops_mut(m).get_mut(o)?.opcode_index = i;
    reject(format!("operator {o} := {b:?}"), &["not supported"])
}

fn custom_operator(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let name = ["MyOp", "", "conv_2d_fast", "TFLite_Detection_PostProcess"][r.below(4)];
    let i = add_code(m, BuiltinOperator::Custom, Some(name));
    ops_mut(m).get_mut(o)?.opcode_index = i;
    reject(format!("operator {o} := custom `{name}`"), &["custom"])
}

/// A custom operator whose custom code is a builtin's name is still a custom
/// operator, with the semantics of its own kernel.
fn custom_named_like_builtin(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let name = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX", "ADD", "RESHAPE", "QUANTIZE"][r.below(7)];
    let i = add_code(m, BuiltinOperator::Custom, Some(name));
    ops_mut(m).get_mut(o)?.opcode_index = i;
    reject(format!("operator {o} := custom `{name}`"), &["custom"])
}

fn operator_swapped_for_supported(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let o = r.below(ops(m).len());
    let b = [
        BuiltinOperator::Conv2d,
        BuiltinOperator::DepthwiseConv2d,
        BuiltinOperator::FullyConnected,
        BuiltinOperator::Add,
        BuiltinOperator::MaxPool2d,
        BuiltinOperator::AveragePool2d,
        BuiltinOperator::Softmax,
        BuiltinOperator::Reshape,
        BuiltinOperator::Squeeze,
        BuiltinOperator::Quantize,
        BuiltinOperator::Dequantize,
    ][r.below(11)];
    let i = add_code(m, b, None);
    ops_mut(m).get_mut(o)?.opcode_index = i;
    either(
        format!("operator {o} := {b:?} with the original operands"),
        &["options", "inputs", "type", "shape", "differ", "quantiz", "scale", "constant", "missing", "element"],
    )
}

fn operator_version(m: &mut Model, r: &mut Rng) -> Option<Mutation> {
    let codes = m.operator_codes.as_mut()?;
    let i = r.below(codes.len());
    let v = [0, -1, 99, i32::MAX][r.below(4)];
    codes[i].version = v;
    // None of these versions exists, so every operator using the code is
    // rejected (an unused code is harmless).
    let used = ops_mut(m).iter().any(|op| op.opcode_index as usize == i);
    let what = format!("operator code {i} version := {v}");
    if used {
        reject(what, &["version"])
    } else {
        either(what, &["version"])
    }
}

const MUTATORS: &[(&str, Mutator)] = &[
    ("op input out of range", op_input_out_of_range),
    ("op output out of range", op_output_out_of_range),
    ("graph io out of range", graph_io_out_of_range),
    ("buffer out of range", buffer_out_of_range),
    ("opcode out of range", opcode_out_of_range),
    ("required input missing", required_input_missing),
    ("inputs removed", inputs_removed),
    ("outputs removed", outputs_removed),
    ("extra output", extra_output),
    ("extra input", extra_input),
    ("huge dimension", huge_dimension),
    ("negative dimension", negative_dimension),
    ("zero dimension", zero_dimension),
    ("rank changed", rank_changed),
    ("connected shape mismatch", connected_shape_mismatch),
    ("bad activation scale", bad_activation_scale),
    ("bad weight scale", bad_weight_scale),
    ("extreme scale", extreme_scale),
    ("quantization removed", quantization_removed),
    ("wrong scale count", wrong_scale_count),
    ("zero point out of range", zero_point_out_of_range),
    ("weight zero point", weight_zero_point),
    ("wrong quantized dimension", wrong_quantized_dimension),
    ("wrong type", wrong_type),
    ("any type", any_type),
    ("constant emptied", constant_emptied),
    ("constant resized", constant_resized),
    ("activation made constant", activation_made_constant),
    ("wrong bias length", wrong_bias_length),
    ("extreme weights", extreme_weights),
    ("self cycle", self_cycle),
    ("reads later output", reads_later_output),
    ("variable self loop", variable_self_loop),
    ("variable read before written", variable_read_before_written),
    ("operators swapped", operators_swapped),
    ("two writers", two_writers),
    ("writes graph input", writes_graph_input),
    ("duplicated operator", duplicated_operator),
    ("output never written", output_never_written),
    ("no graph io", no_graph_io),
    ("operators removed", operators_removed),
    ("subgraph count", subgraph_count),
    ("schema version", schema_version),
    ("bad stride", bad_stride),
    ("other stride", other_stride),
    ("bad dilation", bad_dilation),
    ("bad pool filter", bad_pool_filter),
    ("padding flipped", padding_flipped),
    ("options removed", options_removed),
    ("foreign options", foreign_options),
    ("unsupported activation", unsupported_activation),
    ("bad beta", bad_beta),
    ("NaN beta", nan_beta),
    ("shuffled weights", shuffled_weights),
    ("unsupported operator", unsupported_operator),
    ("custom operator", custom_operator),
    ("custom operator named like a builtin", custom_named_like_builtin),
    ("operator swapped for a supported one", operator_swapped_for_supported),
    ("operator version", operator_version),
];

// ---------------------------------------------------------------------------
// The tests.

/// Mutations in all, shared evenly by the small models; each large model
/// (the example) gets `PER_LARGE_MODEL`.
const TOTAL: usize = 20_000;
const PER_LARGE_MODEL: usize = 400;

#[test]
fn semantic_mutations_are_diagnosed() {
    let mut rng = Rng(0x6d75_7461_7469_6f6e);
    let (mut applied, mut compiled, mut rejected, mut skipped) = (0usize, 0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    let mut per_kind = vec![(0usize, 0usize); MUTATORS.len()];
    let start = Instant::now();
    let verbose = std::env::var_os("NN_MUTATIONS_VERBOSE").is_some();
    let models = models();
    let large = models.iter().filter(|m| m.1.len() > 64 * 1024).count();
    let per_small_model = (TOTAL - large * PER_LARGE_MODEL).div_ceil(models.len() - large);
    for (name, original) in models {
        // The baseline: re-serializing changes nothing. (A model the
        // compiler does not handle yet is still mutated.)
        let describe = |bytes: &[u8]| match guarded(bytes) {
            Ok(Outcome::Compiled) => Ok(String::new()),
            Ok(Outcome::Rejected(d)) => Ok(d.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join("; ")),
            Err(violation) => Err(violation),
        };
        let before = describe(&original).unwrap_or_else(|v| panic!("{name}: {v}"));
        let after = describe(&encode(&decode(&original))).unwrap_or_else(|v| panic!("{name} re-serialized: {v}"));
        assert_eq!(before, after, "{name}: re-serializing changes the outcome");
        if !before.is_empty() {
            println!("note: {name} does not compile unmutated: {before}");
        }
        let count = if original.len() > 64 * 1024 { PER_LARGE_MODEL } else { per_small_model };
        let mut done = 0;
        while done < count {
            let k = rng.below(MUTATORS.len());
            let (kind, mutate) = MUTATORS[k];
            let mut model = decode(&original);
            let Some(mutation) = mutate(&mut model, &mut rng) else {
                // Not applicable to this model (no such operator, ...).
                skipped += 1;
                assert!(skipped < 100 * (applied + 1), "mutations keep not applying");
                continue;
            };
            done += 1;
            applied += 1;
            let bytes = encode(&model);
            let context = format!("{name}: {kind}: {}", mutation.what);
            match guarded(&bytes) {
                Err(violation) => failures.push(format!("{context}: {violation}")),
                Ok(Outcome::Compiled) => {
                    compiled += 1;
                    per_kind[k].0 += 1;
                    if verbose {
                        println!("compiled: {context}");
                    }
                    if mutation.must_reject {
                        failures.push(format!("{context}: compiled, but the model is invalid"));
                    }
                }
                Ok(Outcome::Rejected(diags)) => {
                    rejected += 1;
                    per_kind[k].1 += 1;
                    let text: Vec<String> = diags.iter().map(|d| d.message.to_lowercase()).collect();
                    if !mutation.words.iter().any(|w| text.iter().any(|t| t.contains(&w.to_lowercase()))) {
                        let messages: Vec<&String> = diags.iter().map(|d| &d.message).collect();
                        failures.push(format!(
                            "{context}: no diagnostic mentions any of {:?}: {messages:?}",
                            mutation.words
                        ));
                    }
                    if let Some(d) = text.iter().find(|t| t.contains("internal compiler error")) {
                        failures.push(format!("{context}: {d}"));
                    }
                }
            }
        }
    }
    println!("mutation kinds (compiled, rejected):");
    for ((kind, _), (c, r)) in MUTATORS.iter().zip(&per_kind) {
        println!("  {kind}: {c}, {r}");
    }
    println!(
        "mutations: {applied} applied, {compiled} compiled, {rejected} rejected with diagnostics, \
         {skipped} drawn but not applicable; {:?}",
        start.elapsed()
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(applied, compiled + rejected);
    assert!(applied >= TOTAL, "only {applied} mutations");
}

/// Inputs the fuzzers found (`fuzz/regressions/`) still compile or are
/// diagnosed, without panicking.
#[test]
fn fuzz_regressions() {
    let dir = repo().join("fuzz/regressions");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).filter(|p| p.is_file()).collect();
    paths.sort();
    let mut failures = Vec::new();
    for p in paths.iter().filter(|p| p.extension().is_none_or(|e| e != "md")) {
        let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        if let Err(v) = guarded(&bytes) {
            failures.push(format!("{}: {v}", p.display()));
        }
        if catch_unwind(|| nn_compiler::stub(&bytes, &opts())).is_err() {
            failures.push(format!("{}: `stub` panicked", p.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Minimal reproducers of the bugs the mutations found, fixed in 4e2414e.

fn conformance(case: &str) -> Model {
    let path = repo().join("tests/conformance").join(case).join("model.tflite");
    decode(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn rejected_with(bytes: &[u8], word: &str) -> bool {
    matches!(guarded(bytes), Ok(Outcome::Rejected(d)) if d.iter().any(|d| d.message.contains(word)))
}

/// A custom operator whose custom code is a builtin's name is still custom
/// (it was compiled as the builtin: `lower` dispatched on the name).
#[test]
fn custom_operator_named_like_a_builtin() {
    let mut m = conformance("conv_k3_s1_valid_c5_o16");
    m.operator_codes.as_mut().expect("codes")[0] = OperatorCode {
        deprecated_builtin_code: BuiltinOperator::Custom as i8,
        custom_code: Some("CONV_2D".into()),
        version: 1,
        builtin_code: BuiltinOperator::Custom,
    };
    assert!(rejected_with(&encode(&m), "custom"));
}

/// Variable (state) tensors are rejected. The execution-order check used to
/// skip them, so an operator could read its own output (for a graph output
/// the emitted call borrowed the output array both ways, `softmax(&L0,
/// &*out0, &mut *out0)`, error E0502 in the user's crate; for an arena
/// tensor it was an internal compiler error), and a variable that no
/// operator writes compiled to a read of arena memory that other tensors
/// reuse (TFLM zero-initializes variables and keeps them).
#[test]
fn variable_tensors() {
    for case in ["softmax_2d", "float_io_fc"] {
        let mut m = conformance(case);
        let sg = &mut m.subgraphs.as_mut().expect("subgraphs")[0];
        let op = &mut sg.operators.as_mut().expect("operators")[0];
        let out = op.outputs.as_ref().expect("outputs")[0];
        op.inputs.as_mut().expect("inputs")[0] = out;
        sg.tensors.as_mut().expect("tensors")[out as usize].is_variable = true;
        let bytes = encode(&m);
        assert!(rejected_with(&bytes, "variable") || rejected_with(&bytes, "before"), "{case}: self loop");
        assert!(!rejected_with(&bytes, "internal compiler error"), "{case}: self loop");
    }
    // SOFTMAX reads a new variable tensor (the input's shape and
    // quantization) that no operator writes.
    let mut m = conformance("softmax_2d");
    let sg = &mut m.subgraphs.as_mut().expect("subgraphs")[0];
    let ts = sg.tensors.as_mut().expect("tensors");
    let q = ts[0].quantization.as_ref().expect("quantized input");
    let state = tflite::Tensor {
        shape: ts[0].shape.clone(),
        type_: ts[0].type_,
        name: Some("state".into()),
        quantization: Some(Box::new(QuantizationParameters {
            scale: q.scale.clone(),
            zero_point: q.zero_point.clone(),
            ..Default::default()
        })),
        is_variable: true,
        ..Default::default()
    };
    ts.push(state);
    let v = ts.len() as i32 - 1;
    sg.operators.as_mut().expect("operators")[0].inputs = Some(vec![v]);
    assert!(rejected_with(&encode(&m), "variable"), "softmax reading a never-written variable");
}

/// A NaN softmax beta is named (`f64::min` dropped the NaN of
/// `beta * input_scale`, which was reported as "the input scale ratio
/// 2.147483647e9 is too large").
#[test]
fn nan_beta_is_named() {
    let mut m = conformance("softmax_2d");
    let op = &mut ops_mut(&mut m)[0];
    let Some(BuiltinOptions::SoftmaxOptions(o)) = op.builtin_options.as_mut() else { panic!("softmax options") };
    o.beta = f32::NAN;
    assert!(rejected_with(&encode(&m), "beta"));
}

/// The int16 combinations that the 16x8 paths do not implement are compile
/// errors naming the operator, its opcode and the type: an int32 bias on an
/// int16 FULLY_CONNECTED (TFLM's int32 accumulator), int16 in and int8 out
/// on a DEPTHWISE_CONV_2D, and an int16 SOFTMAX output off TFLM's 1/32768.
#[test]
fn int16_combinations_outside_16x8_are_named() {
    let mut m = conformance("i16_fc_k13_o8");
    let bias = op_inputs(&m, 0)[2] as usize;
    let narrowed: Vec<u8> = data(&m, bias)
        .expect("a constant bias")
        .chunks_exact(8)
        .flat_map(|c| (i64::from_le_bytes(c.try_into().expect("8 bytes")) as i32).to_le_bytes())
        .collect();
    tensor_mut(&mut m, bias).type_ = TensorType::Int32;
    set_data(&mut m, bias, Some(narrowed));
    assert!(rejected_with(&encode(&m), "operator 0 (FULLY_CONNECTED): bias tensor"));
    assert!(rejected_with(&encode(&m), "has type int32; int16 FULLY_CONNECTED is supported with an int64 bias"));

    let mut m = conformance("i16_dw_k3_s1_same_c8_relu");
    let out = op_outputs(&m, 0)[0] as usize;
    tensor_mut(&mut m, out).type_ = TensorType::Int8;
    assert!(rejected_with(&encode(&m), "operator 0 (DEPTHWISE_CONV_2D): the input is int16 but the output int8"));

    let mut m = conformance("i16_softmax_2d");
    let out = op_outputs(&m, 0)[0] as usize;
    quant_mut(&mut m, out).scale = Some(vec![1.0 / 256.0]);
    assert!(rejected_with(&encode(&m), "operator 0 (SOFTMAX): the output has scale 0.00390625"));
}

/// A generated model whose `n` int8 activations have random overlapping
/// lifetimes and sizes: `FULLY_CONNECTED` from the graph input makes each,
/// a later `FULLY_CONNECTED` consumes it into a 1-element tensor, and ADDs
/// sum those into the graph output.
fn overlapping_lifetimes(n: usize, seed: u64) -> Vec<u8> {
    let mut r = Rng(seed);
    let quant = || {
        Some(Box::new(QuantizationParameters {
            scale: Some(vec![1.0]),
            zero_point: Some(vec![0]),
            ..Default::default()
        }))
    };
    let mut tensors = Vec::new();
    let mut buffers = vec![tflite::Buffer { data: None }];
    let mut tensor = |shape: Vec<i32>, data: Option<Vec<u8>>| {
        let buffer = data.map_or(0, |d| {
            buffers.push(tflite::Buffer { data: Some(d) });
            buffers.len() as u32 - 1
        });
        let name = Some(format!("t{}", tensors.len()));
        tensors.push(tflite::Tensor {
            shape: Some(shape),
            type_: TensorType::Int8,
            buffer,
            name,
            quantization: quant(),
            ..Default::default()
        });
        tensors.len() as i32 - 1
    };
    let op = |code: u32, inputs: Vec<i32>, output: i32| Operator {
        opcode_index: code,
        inputs: Some(inputs),
        outputs: Some(vec![output]),
        builtin_options: Some(if code == 0 {
            BuiltinOptions::FullyConnectedOptions(Box::default())
        } else {
            BuiltinOptions::AddOptions(Box::default())
        }),
        ..Default::default()
    };
    let x = tensor(vec![1, 1], None);
    let spans: Vec<(usize, usize, i32)> = (0..n)
        .map(|_| {
            let first = r.below(n);
            (first, first + r.below(n / 2 + 1), 16 * (1 + r.below(64)) as i32)
        })
        .collect();
    let (mut ops, mut made, mut sum) = (Vec::new(), vec![0; n], -1);
    for step in 0..2 * n {
        for (i, &(_, _, size)) in spans.iter().enumerate().filter(|s| s.1 .0 == step) {
            let w = tensor(vec![size, 1], Some(vec![1; size as usize]));
            made[i] = tensor(vec![1, size], None);
            ops.push(op(0, vec![x, w, -1], made[i]));
        }
        for (i, &(_, _, size)) in spans.iter().enumerate().filter(|s| s.1 .1 == step) {
            let v = tensor(vec![1, size], Some(vec![1; size as usize]));
            let c = tensor(vec![1, 1], None);
            ops.push(op(0, vec![made[i], v, -1], c));
            sum = if sum < 0 {
                c
            } else {
                let s = tensor(vec![1, 1], None);
                ops.push(op(1, vec![sum, c], s));
                s
            };
        }
    }
    let code = |b: BuiltinOperator| OperatorCode {
        deprecated_builtin_code: b as i8,
        custom_code: None,
        version: 1,
        builtin_code: b,
    };
    let model = Model {
        version: 3,
        operator_codes: Some(vec![code(BuiltinOperator::FullyConnected), code(BuiltinOperator::Add)]),
        subgraphs: Some(vec![tflite::SubGraph {
            tensors: Some(tensors),
            inputs: Some(vec![x]),
            outputs: Some(vec![sum]),
            operators: Some(ops),
            name: None,
        }]),
        buffers: Some(buffers),
        ..Default::default()
    };
    encode(&model)
}

#[test]
fn overlapping_lifetimes_compile() {
    let bytes = overlapping_lifetimes(24, 7);
    assert!(matches!(guarded(&bytes), Ok(Outcome::Compiled)));
}

fn plans_within_time_limit(activations: usize) {
    let bytes = overlapping_lifetimes(activations, 0x5eed);
    let start = thread_cpu_time();
    let result = guarded(&bytes);
    assert!(matches!(result, Ok(Outcome::Compiled)), "{:?}", result.err());
    let elapsed = thread_cpu_time().saturating_sub(start);
    assert!(elapsed < TIME_LIMIT, "{elapsed:?}");
}

/// 300 overlapping activations (a 212 KB model) took 20 s in this profile
/// before 4e2414e bounded the exact search's work.
#[test]
fn planning_time_is_bounded() {
    plans_within_time_limit(300);
}

/// 1000 overlapping activations (a 633 KB model) took 5 s in the dev profile
/// while the greedy orders compared every candidate offset with every placed
/// buffer; they now sweep only the buffers alive at the same time.
#[test]
fn planning_many_activations() {
    plans_within_time_limit(1000);
}

/// LSTM variants TFLM does not run are rejected with the reason: layer
/// normalization, peepholes, projection, a hidden state that is not a
/// variable tensor, a cell activation other than TANH, per-channel weights.
#[test]
fn lstm_variants_are_named() {
    let lstm = |f: &dyn Fn(&mut Model)| {
        let mut m = conformance("lstm_t5_f6_u4");
        f(&mut m);
        encode(&m)
    };
    let set_input = |slot: usize, from: usize| {
        move |m: &mut Model| {
            let op = &mut m.subgraphs.as_mut().expect("subgraphs")[0].operators.as_mut().expect("operators")[0];
            let inputs = op.inputs.as_mut().expect("inputs");
            inputs[slot] = inputs[from];
        }
    };
    assert!(matches!(guarded(&lstm(&|_| {})), Ok(Outcome::Compiled)), "the unmodified model compiles");
    assert!(rejected_with(&lstm(&set_input(20, 12)), "layer-normalization"));
    assert!(rejected_with(&lstm(&set_input(9, 12)), "peephole"));
    assert!(rejected_with(&lstm(&set_input(16, 5)), "projection"));
    let hidden = op_inputs(&conformance("lstm_t5_f6_u4"), 0)[18] as usize;
    assert!(rejected_with(&lstm(&|m| tensor_mut(m, hidden).is_variable = false), "variable"));
    assert!(rejected_with(
        &lstm(&|m| {
            let op = &mut m.subgraphs.as_mut().expect("subgraphs")[0].operators.as_mut().expect("operators")[0];
            if let Some(BuiltinOptions::UnidirectionalSequenceLstmOptions(o)) = op.builtin_options.as_mut() {
                o.fused_activation_function = ActivationFunctionType::Relu;
            }
        }),
        "TANH"
    ));
    let weights = op_inputs(&conformance("lstm_t5_f6_u4"), 0)[2] as usize;
    assert!(rejected_with(
        &lstm(&|m| {
            let q = quant_mut(m, weights);
            q.scale = Some(vec![0.01; 4]);
            q.zero_point = Some(vec![0; 4]);
        }),
        "per channel"
    ));
}
