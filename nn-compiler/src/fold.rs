//! Compile-time evaluation of shape arithmetic.
//!
//! Models converted with a dynamic batch dimension compute a RESHAPE's
//! target shape at run time: `SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE`,
//! sometimes with GATHER, CONCATENATION, CAST or integer arithmetic on the
//! shape values. Every shape is static here, so this pass evaluates each
//! operator whose inputs are all known at compile time (constants, or the
//! outputs of SHAPE and of operators already evaluated) and whose outputs are
//! unquantized int32/int64 tensors, turns its outputs into constants and drops
//! the operator: a folded operator emits no code. Anything it cannot evaluate
//! is left to the lowering, which reports it as usual.
//!
//! The converter cannot size a RESHAPE output whose target depends on the
//! dynamic dimension (`[batch, -1]`, `[batch * 4, 12]`): it writes 1 for
//! every dimension it could not infer, and TFLM then refuses the model.
//! When the target shape has been folded and the output is marked dynamic,
//! the pass gives the output the shape the target resolves to.

use crate::diag::Diagnostic;
use crate::ops::strided_slice;
use crate::parse::{Activation, DType, Graph, Op, Options};

/// Operators the pass can evaluate.
pub const FOLDABLE: &[&str] = &[
    "SHAPE",
    "CAST",
    "RESHAPE",
    "SQUEEZE",
    "EXPAND_DIMS",
    "STRIDED_SLICE",
    "SLICE",
    "GATHER",
    "PACK",
    "CONCATENATION",
    "ADD",
    "SUB",
    "MUL",
    "FLOOR_DIV",
    "FLOOR_MOD",
    "MAXIMUM",
    "MINIMUM",
    "REDUCE_PROD",
    "SUM",
    "REDUCE_MAX",
    "REDUCE_MIN",
];

/// Largest tensor the pass evaluates, in elements: shape arithmetic is tiny,
/// and the bound keeps compile time small whatever the model says.
const MAX_ELEMENTS: usize = 1 << 16;

/// The outcome of folding: the data of the tensors that became constants and
/// the operators that no longer run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Folded {
    /// (tensor index, little-endian data) of every folded tensor.
    pub values: Vec<(usize, Vec<u8>)>,
    /// Positions in `Graph::ops` of the folded operators.
    pub removed: Vec<usize>,
    /// (tensor index, shape) of the dynamic RESHAPE outputs given the shape
    /// their folded target resolves to.
    pub shapes: Vec<(usize, Vec<usize>)>,
}

impl Folded {
    /// The graph with the folded tensors as constants and without the
    /// folded operators (the others keep their original indices).
    pub fn apply<'f>(&'f self, mut graph: Graph<'f>) -> Graph<'f> {
        for (t, data) in &self.values {
            if let Some(tensor) = graph.tensors.get_mut(*t) {
                tensor.data = Some(data);
            }
        }
        for (t, shape) in &self.shapes {
            if let Some(tensor) = graph.tensors.get_mut(*t) {
                tensor.shape.clone_from(shape);
            }
        }
        let mut pos = 0;
        graph.ops.retain(|_| {
            pos += 1;
            !self.removed.contains(&(pos - 1))
        });
        graph
    }
}

/// A known integer tensor: its shape and its values in row-major order.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Known {
    shape: Vec<usize>,
    values: Vec<i64>,
}

/// Operators that exist only as shape arithmetic: the lowering does not
/// implement them, so their structural problems are reported here.
const SHAPE_ONLY: &[&str] =
    &["SHAPE", "CAST", "EXPAND_DIMS", "GATHER", "FLOOR_DIV", "FLOOR_MOD", "REDUCE_PROD", "REDUCE_MAX", "REDUCE_MIN"];

/// Whether every operator reads only tensors written before it (or
/// constants, graph inputs, variables) and every tensor is written once: the
/// pass folds only such graphs and leaves the others to the lowering's
/// diagnostics.
fn well_ordered(graph: &Graph<'_>) -> bool {
    let mut produced = vec![false; graph.tensors.len()];
    for &t in &graph.inputs {
        produced[t] = true;
    }
    for op in &graph.ops {
        let reads_ok = op.inputs.iter().flatten().all(|&t| {
            let tensor = &graph.tensors[t];
            produced[t] || tensor.data.is_some() || tensor.is_variable
        });
        if !reads_ok {
            return false;
        }
        for &t in &op.outputs {
            if std::mem::replace(&mut produced[t], true) || graph.tensors[t].data.is_some() {
                return false;
            }
        }
    }
    true
}

/// Whether `op` writes only int32/int64 tensors (at least one).
fn int_outputs(graph: &Graph<'_>, op: &Op) -> bool {
    !op.outputs.is_empty() && op.outputs.iter().all(|&t| matches!(graph.tensors[t].dtype, DType::I32 | DType::I64))
}

/// Which tensors hold shape values, in operator order: integer constants,
/// and the integer outputs of SHAPE and of foldable operators whose present
/// inputs all hold shape values.
fn shape_values(graph: &Graph<'_>, foldable: impl Fn(&Op) -> bool) -> Vec<bool> {
    let mut derived: Vec<bool> = graph.tensors.iter().map(|t| t.data.is_some()).collect();
    for op in graph.ops.iter().filter(|op| foldable(op) && int_outputs(graph, op)) {
        if op.name == "SHAPE" || op.inputs.iter().flatten().all(|&t| derived[t]) {
            for &t in &op.outputs {
                derived[t] = true;
            }
        }
    }
    derived
}

/// Structural problems of a shape arithmetic operator (SHAPE, one computing
/// integers from shape values only, or a shape-only operator without
/// outputs): a variable (state) input, no inputs, a missing input, not
/// exactly one output.
fn check_arity(graph: &Graph<'_>, derived: &[bool], op: &Op) -> Result<(), String> {
    if int_outputs(graph, op) {
        if let Some(&t) = op.inputs.iter().flatten().find(|&&t| graph.tensors[t].is_variable) {
            return Err(format!(
                "reads the variable (state) tensor {t} (`{}`), which only stateful operators (SVDF, \
                 UNIDIRECTIONAL_SEQUENCE_LSTM) may use",
                graph.tensors[t].name
            ));
        }
    }
    let shape_only_without_outputs = SHAPE_ONLY.contains(&op.name.as_str()) && op.outputs.is_empty();
    let from_shapes = op.name == "SHAPE" || op.inputs.iter().flatten().all(|&t| derived[t]);
    if !(shape_only_without_outputs || (int_outputs(graph, op) && from_shapes)) {
        return Ok(());
    }
    if op.inputs.is_empty() {
        return Err("has no inputs; it needs at least one".into());
    }
    // RESHAPE's target shape may be omitted (it is then in the options).
    let required = if op.name == "RESHAPE" { 1 } else { op.inputs.len() };
    if let Some(i) = op.inputs[..required].iter().position(Option::is_none) {
        return Err(format!("input {i} is missing"));
    }
    if op.outputs.len() != 1 {
        return Err(format!("has {} outputs; expected 1 output", op.outputs.len()));
    }
    Ok(())
}

/// Evaluates every foldable operator of `graph`, in order.
pub fn fold(graph: &Graph<'_>) -> Result<Folded, Vec<Diagnostic>> {
    let foldable =
        |op: &Op| op.code != crate::tflite::BuiltinOperator::Custom as i32 && FOLDABLE.contains(&op.name.as_str());
    let derived = shape_values(graph, foldable);
    let diags: Vec<Diagnostic> = graph
        .ops
        .iter()
        .filter(|op| foldable(op))
        .filter_map(|op| check_arity(graph, &derived, op).err().map(|msg| Diagnostic::op(op.index, &op.name, msg)))
        .collect();
    if !diags.is_empty() {
        return Err(diags);
    }
    if !well_ordered(graph) {
        return Ok(Folded::default());
    }
    let mut known: Vec<Option<Known>> = vec![None; graph.tensors.len()];
    // Shapes as resolved so far (SHAPE reads these).
    let mut shapes: Vec<Vec<usize>> = graph.tensors.iter().map(|t| t.shape.clone()).collect();
    let mut out = Folded::default();
    let mut diags = Vec::new();
    for (pos, op) in graph.ops.iter().enumerate() {
        if !foldable(op) {
            continue;
        }
        if let Some(msg) = quantized_shape_value(graph, &known, op) {
            diags.push(Diagnostic::op(op.index, &op.name, msg));
            continue;
        }
        // An operator version whose semantics are unknown is never folded.
        if let Some(why) = crate::versions::check(&op.name, op.version) {
            if candidate(graph, op) {
                diags.push(Diagnostic::op(op.index, &op.name, why));
            }
            continue;
        }
        if !candidate(graph, op) {
            if let Some((t, shape)) = resolve_reshape(graph, &known, &shapes, op) {
                shapes[t].clone_from(&shape);
                out.shapes.push((t, shape));
            }
            continue;
        }
        let inputs: Vec<Option<Known>> = op.inputs.iter().map(|t| t.and_then(|t| lookup(graph, &known, t))).collect();
        match evaluate(graph, &shapes, op, &inputs) {
            Ok(Some(results)) => {
                let mut encoded = Vec::new();
                for (&t, k) in op.outputs.iter().zip(results) {
                    let tensor = &graph.tensors[t];
                    if k.values.len() != tensor.elements() {
                        diags.push(Diagnostic::op(
                            op.index,
                            &op.name,
                            format_args!(
                                "computes {} values {:?} from its inputs at compile time, but its output {t} \
                                 (`{}`) has shape {:?}",
                                k.values.len(),
                                k.shape,
                                tensor.name,
                                tensor.shape
                            ),
                        ));
                        encoded.clear();
                        break;
                    }
                    encoded.push((t, encode(tensor.dtype, &k.values), Known { shape: tensor.shape.clone(), ..k }));
                }
                if encoded.len() == op.outputs.len() {
                    for (t, bytes, k) in encoded {
                        known[t] = Some(k);
                        out.values.push((t, bytes));
                    }
                    out.removed.push(pos);
                }
            }
            Ok(None) => {}
            Err(msg) => diags.push(Diagnostic::op(op.index, &op.name, msg)),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// A quantized integer tensor among the inputs or outputs of an operator
/// that would otherwise be folded: shape values are plain integers, so such
/// a model is broken.
fn quantized_shape_value(graph: &Graph<'_>, known: &[Option<Known>], op: &Op) -> Option<String> {
    if !int_outputs(graph, op) {
        return None;
    }
    let all_known = op.name == "SHAPE"
        || op.inputs.iter().flatten().all(|&t| known[t].is_some() || graph.tensors[t].data.is_some());
    if !all_known {
        return None;
    }
    let ints = op.inputs.iter().flatten().chain(&op.outputs).filter(|&&t| is_int_type(graph, t));
    let t = *ints.into_iter().find(|&&t| graph.tensors[t].quant.is_some())?;
    let scale = graph.tensors[t].quant.as_ref().and_then(|q| q.scale.first().copied()).unwrap_or(0.0);
    Some(format!(
        "computes shape values at compile time, but tensor {t} (`{}`) has quantization parameters (scale {scale}); \
         shape values are plain integers",
        graph.tensors[t].name
    ))
}

/// Whether tensor `t` is int32 or int64.
fn is_int_type(graph: &Graph<'_>, t: usize) -> bool {
    matches!(graph.tensors[t].dtype, DType::I32 | DType::I64)
}

/// The shape a dynamic RESHAPE output gets from its folded target shape,
/// when that differs from the converter's guess: `(output, shape)`.
fn resolve_reshape(
    graph: &Graph<'_>,
    known: &[Option<Known>],
    shapes: &[Vec<usize>],
    op: &Op,
) -> Option<(usize, Vec<usize>)> {
    if op.name != "RESHAPE" || op.outputs.len() != 1 {
        return None;
    }
    let (Some(&Some(x)), Some(&Some(s)), &y) = (op.inputs.first(), op.inputs.get(1), &op.outputs[0]) else {
        return None;
    };
    if !graph.tensors[y].dynamic {
        return None;
    }
    let target = lookup(graph, known, s)?.values;
    let elements = shapes[x].iter().try_fold(1usize, |a, &d| a.checked_mul(d))?;
    // One -1 takes what the other dimensions leave.
    let fixed =
        target.iter().filter(|&&d| d != -1).try_fold(1usize, |a, &d| a.checked_mul(usize::try_from(d).ok()?))?;
    let stretch = target.iter().filter(|&&d| d == -1).count();
    let shape: Vec<usize> = match stretch {
        0 if fixed == elements => target.iter().map(|&d| d as usize).collect(),
        1 if fixed > 0 && elements % fixed == 0 => {
            target.iter().map(|&d| if d == -1 { elements / fixed } else { d as usize }).collect()
        }
        _ => return None,
    };
    (shape.len() <= 6 && shape != shapes[y]).then_some((y, shape))
}

/// Whether `op` is a foldable operator writing only small unquantized
/// integer tensors that are not graph outputs, with its needed inputs known.
fn candidate(graph: &Graph<'_>, op: &Op) -> bool {
    if !FOLDABLE.contains(&op.name.as_str()) || op.outputs.is_empty() {
        return false;
    }
    let outputs_ok = op.outputs.iter().all(|&t| {
        let tensor = &graph.tensors[t];
        matches!(tensor.dtype, DType::I32 | DType::I64)
            && tensor.quant.is_none()
            && tensor.data.is_none()
            && !tensor.is_variable
            && tensor.elements() <= MAX_ELEMENTS
            && !graph.outputs.contains(&t)
    });
    outputs_ok && op.inputs.iter().flatten().all(|&t| !graph.tensors[t].is_variable)
}

/// The value of tensor `t` if known: folded earlier, or an integer constant.
fn lookup(graph: &Graph<'_>, known: &[Option<Known>], t: usize) -> Option<Known> {
    if let Some(k) = &known[t] {
        return Some(k.clone());
    }
    let tensor = &graph.tensors[t];
    let data = tensor.data?;
    if tensor.quant.is_some() || tensor.elements() > MAX_ELEMENTS {
        return None;
    }
    let values: Vec<i64> = match tensor.dtype {
        DType::I32 => data.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect(),
        DType::I64 => {
            data.chunks_exact(8).map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect()
        }
        _ => return None,
    };
    (values.len() == tensor.elements()).then(|| Known { shape: tensor.shape.clone(), values })
}

/// Little-endian bytes of `values` as `dtype` (int32 wraps, as a C cast).
fn encode(dtype: DType, values: &[i64]) -> Vec<u8> {
    match dtype {
        DType::I32 => values.iter().flat_map(|&v| (v as i32).to_le_bytes()).collect(),
        _ => values.iter().flat_map(|&v| v.to_le_bytes()).collect(),
    }
}

/// Row-major element strides of `shape`.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut st = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        st[d] = st[d + 1] * shape[d + 1];
    }
    st
}

/// A possibly negative axis of a rank-`rank` tensor, resolved.
fn axis(a: i64, rank: usize) -> Result<usize, String> {
    let r = if a < 0 { a + rank as i64 } else { a };
    usize::try_from(r).ok().filter(|&r| r < rank).ok_or_else(|| format!("axis {a} is out of range for rank {rank}"))
}

/// Evaluates `op` on its known inputs: `Ok(None)` when it cannot be folded
/// (an input is unknown, or a variant the pass does not evaluate), an error
/// when the model is inconsistent.
fn evaluate(
    graph: &Graph<'_>,
    shapes: &[Vec<usize>],
    op: &Op,
    inputs: &[Option<Known>],
) -> Result<Option<Vec<Known>>, String> {
    let input = |i: usize| inputs.get(i).cloned().flatten();
    let result = |shape: Vec<usize>, values: Vec<i64>| Ok(Some(vec![Known { shape, values }]));
    // The output is `elem` of the output's element type; wrap int32 results.
    let out_i32 = op.outputs.first().is_some_and(|&t| graph.tensors[t].dtype == DType::I32);
    let wrap = |v: i64| if out_i32 { v as i32 as i64 } else { v };
    match op.name.as_str() {
        // The shape is static, whether or not the input's values are known.
        "SHAPE" => {
            let Some(&Some(x)) = op.inputs.first() else { return Ok(None) };
            let shape = &shapes[x];
            result(vec![shape.len()], shape.iter().map(|&d| d as i64).collect())
        }
        // The element count is checked against the static output shape.
        "RESHAPE" | "SQUEEZE" | "EXPAND_DIMS" | "CAST" => {
            let Some(x) = input(0) else { return Ok(None) };
            if op.name == "CAST" && !matches!(op.inputs.first(), Some(&Some(t)) if is_int(graph, t)) {
                return Ok(None);
            }
            result(x.shape, x.values.iter().map(|&v| wrap(v)).collect())
        }
        "STRIDED_SLICE" => {
            let Options::StridedSlice { begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask } =
                op.options
            else {
                return Ok(None);
            };
            let (Some(x), Some(b), Some(e), Some(s)) = (input(0), input(1), input(2), input(3)) else {
                return Ok(None);
            };
            if ellipsis_mask != 0 || new_axis_mask != 0 {
                return Ok(None);
            }
            let axes = strided_slice::resolve(
                &x.shape,
                &b.values,
                &e.values,
                &s.values,
                begin_mask,
                end_mask,
                shrink_axis_mask,
            )?;
            let walk: Vec<(i64, i64, usize)> = axes.iter().map(|a| (a.start, a.stride, a.count)).collect();
            let shape = axes.iter().filter(|a| !a.shrink).map(|a| a.count).collect();
            result(shape, gather_walk(&x, &walk)?)
        }
        "SLICE" => {
            let (Some(x), Some(b), Some(n)) = (input(0), input(1), input(2)) else { return Ok(None) };
            let rank = x.shape.len();
            if b.values.len() != rank || n.values.len() != rank {
                return Err(format!("begin and size must have one value per axis of {:?}", x.shape));
            }
            let mut walk = Vec::new();
            for d in 0..rank {
                let (start, dim) = (b.values[d], x.shape[d] as i64);
                let size = if n.values[d] == -1 { dim - start } else { n.values[d] };
                if start < 0 || size < 0 || start.saturating_add(size) > dim {
                    return Err(format!("begin {:?} and size {:?} do not fit {:?}", b.values, n.values, x.shape));
                }
                walk.push((start, 1, size as usize));
            }
            let shape = walk.iter().map(|w| w.2).collect();
            result(shape, gather_walk(&x, &walk)?)
        }
        "GATHER" => {
            let Options::Gather { axis: a, batch_dims } = op.options else { return Ok(None) };
            let (Some(x), Some(idx)) = (input(0), input(1)) else { return Ok(None) };
            if batch_dims != 0 {
                return Ok(None);
            }
            let a = axis(a as i64, x.shape.len())?;
            let (outer, n, inner) =
                (x.shape[..a].iter().product::<usize>(), x.shape[a], x.shape[a + 1..].iter().product::<usize>());
            if outer.saturating_mul(idx.values.len()).saturating_mul(inner) > MAX_ELEMENTS {
                return Ok(None);
            }
            let mut values = Vec::new();
            for o in 0..outer {
                for &i in &idx.values {
                    let i = usize::try_from(i)
                        .ok()
                        .filter(|&i| i < n)
                        .ok_or_else(|| format!("index {i} is out of range for axis {a} of {:?}", x.shape))?;
                    let at = (o * n + i) * inner;
                    values.extend_from_slice(&x.values[at..at + inner]);
                }
            }
            let mut shape = x.shape[..a].to_vec();
            shape.extend_from_slice(&idx.shape);
            shape.extend_from_slice(&x.shape[a + 1..]);
            result(shape, values)
        }
        "PACK" | "CONCATENATION" => {
            let ax = match op.options {
                Options::Axis { axis } => axis,
                Options::Concatenation { axis, activation: Activation::None } => axis,
                _ => return Ok(None),
            };
            let Some(parts) = inputs.iter().cloned().collect::<Option<Vec<Known>>>() else { return Ok(None) };
            let Some(first) = parts.first() else { return Ok(None) };
            let pack = op.name == "PACK";
            // Each part as [outer, along, inner] around the axis.
            let out_rank = first.shape.len() + usize::from(pack);
            let a = axis(ax as i64, out_rank)?;
            let mut shape = first.shape.clone();
            if pack {
                shape.insert(a, 0);
            } else {
                shape[a] = 0;
            }
            for p in &parts {
                let mut s = p.shape.clone();
                if pack {
                    s.insert(a, 1);
                }
                let fits =
                    s.len() == shape.len() && s.iter().zip(&shape).enumerate().all(|(d, (x, y))| d == a || x == y);
                if !fits {
                    return Err(format!("input shapes {:?} do not fit one another", p.shape));
                }
                shape[a] += s[a];
            }
            let outer = shape[..a].iter().product::<usize>();
            let mut values = Vec::new();
            for o in 0..outer {
                for p in &parts {
                    let chunk = p.values.len() / outer.max(1);
                    values.extend_from_slice(&p.values[o * chunk..(o + 1) * chunk]);
                }
            }
            result(shape, values)
        }
        "ADD" | "SUB" | "MUL" | "FLOOR_DIV" | "FLOOR_MOD" | "MAXIMUM" | "MINIMUM" => {
            let act = match op.options {
                Options::Add { activation } | Options::Sub { activation } | Options::Mul { activation } => activation,
                _ => Activation::None,
            };
            let (Some(x), Some(y)) = (input(0), input(1)) else { return Ok(None) };
            if act != Activation::None || !op.inputs.iter().flatten().all(|&t| is_int(graph, t)) {
                return Ok(None);
            }
            let name = op.name.as_str();
            let (shape, values) = broadcast(&x, &y, |a, b| {
                let v = match name {
                    "ADD" => a.wrapping_add(b),
                    "SUB" => a.wrapping_sub(b),
                    "MUL" => a.wrapping_mul(b),
                    "MAXIMUM" => a.max(b),
                    "MINIMUM" => a.min(b),
                    _ => {
                        if b == 0 {
                            return Err(format!("divides {a} by zero"));
                        }
                        let (q, r) = (a.wrapping_div(b), a.wrapping_rem(b));
                        // Floor division and its remainder (the sign of the divisor).
                        let floor = if r != 0 && ((r < 0) != (b < 0)) { q - 1 } else { q };
                        if name == "FLOOR_DIV" {
                            floor
                        } else {
                            a.wrapping_sub(floor.wrapping_mul(b))
                        }
                    }
                };
                Ok(wrap(v))
            })?;
            result(shape, values)
        }
        "REDUCE_PROD" | "SUM" | "REDUCE_MAX" | "REDUCE_MIN" => {
            let (Some(x), Some(axes)) = (input(0), input(1)) else { return Ok(None) };
            let rank = x.shape.len();
            let mut reduced = vec![false; rank];
            for &a in &axes.values {
                reduced[axis(a, rank)?] = true;
            }
            let st = strides(&x.shape);
            let kept: Vec<usize> = (0..rank).filter(|&d| !reduced[d]).collect();
            let out_count: usize = kept.iter().map(|&d| x.shape[d]).product();
            let mut acc: Vec<Option<i64>> = vec![None; out_count];
            for (i, &v) in x.values.iter().enumerate() {
                // The output index of input element `i`: its kept coordinates.
                let o = kept.iter().fold(0usize, |o, &d| o * x.shape[d] + (i / st[d]) % x.shape[d]);
                acc[o] = Some(match (acc[o], op.name.as_str()) {
                    (None, _) => v,
                    (Some(p), "REDUCE_PROD") => p.wrapping_mul(v),
                    (Some(p), "SUM") => p.wrapping_add(v),
                    (Some(p), "REDUCE_MAX") => p.max(v),
                    (Some(p), _) => p.min(v),
                });
            }
            let empty = match op.name.as_str() {
                "REDUCE_PROD" => 1,
                "SUM" => 0,
                // The maximum or minimum of nothing has no value.
                _ if acc.iter().any(Option::is_none) => return Ok(None),
                _ => 0,
            };
            let shape = kept.iter().map(|&d| x.shape[d]).collect();
            result(shape, acc.into_iter().map(|v| wrap(v.unwrap_or(empty))).collect())
        }
        _ => Ok(None),
    }
}

/// Whether tensor `t` is an unquantized int32 or int64 tensor.
fn is_int(graph: &Graph<'_>, t: usize) -> bool {
    let tensor = &graph.tensors[t];
    matches!(tensor.dtype, DType::I32 | DType::I64) && tensor.quant.is_none()
}

/// The elements of `x` at `start + i * stride` along each axis, for `i` in
/// `0..count`, in row-major order.
fn gather_walk(x: &Known, walk: &[(i64, i64, usize)]) -> Result<Vec<i64>, String> {
    let st = strides(&x.shape);
    let total = walk.iter().try_fold(1usize, |a, w| a.checked_mul(w.2)).filter(|&n| n <= MAX_ELEMENTS);
    let total = total.ok_or("the slice is too large to evaluate at compile time")?;
    let mut values = Vec::with_capacity(total);
    let mut idx = vec![0usize; walk.len()];
    for _ in 0..total {
        let mut at = 0i64;
        for (d, &(start, stride, _)) in walk.iter().enumerate() {
            at += (start + idx[d] as i64 * stride) * st[d] as i64;
        }
        let v = usize::try_from(at).ok().and_then(|i| x.values.get(i)).ok_or("the slice reads outside its input")?;
        values.push(*v);
        for d in (0..walk.len()).rev() {
            idx[d] += 1;
            if idx[d] < walk[d].2 {
                break;
            }
            idx[d] = 0;
        }
    }
    Ok(values)
}

/// NumPy broadcasting of a binary function.
fn broadcast(
    x: &Known,
    y: &Known,
    f: impl Fn(i64, i64) -> Result<i64, String>,
) -> Result<(Vec<usize>, Vec<i64>), String> {
    let rank = x.shape.len().max(y.shape.len());
    let pad = |s: &[usize]| {
        let mut p = vec![1; rank - s.len()];
        p.extend_from_slice(s);
        p
    };
    let (sx, sy) = (pad(&x.shape), pad(&y.shape));
    let mut shape = Vec::with_capacity(rank);
    for d in 0..rank {
        let (a, b) = (sx[d], sy[d]);
        if a != b && a != 1 && b != 1 {
            return Err(format!("shapes {:?} and {:?} do not broadcast", x.shape, y.shape));
        }
        shape.push(if a == 1 { b } else { a });
    }
    let (tx, ty, to) = (strides(&sx), strides(&sy), strides(&shape));
    let total = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).filter(|&n| n <= MAX_ELEMENTS);
    let total = total.ok_or("the result is too large to evaluate at compile time")?;
    let mut values = Vec::with_capacity(total);
    for o in 0..total {
        let (mut i, mut j) = (0, 0);
        for d in 0..rank {
            let c = (o / to[d]) % shape[d];
            i += if sx[d] == 1 { 0 } else { c * tx[d] };
            j += if sy[d] == 1 { 0 } else { c * ty[d] };
        }
        let (Some(&a), Some(&b)) = (x.values.get(i), y.values.get(j)) else {
            return Err("an operand has fewer values than its shape".to_string());
        };
        values.push(f(a, b)?);
    }
    Ok((shape, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(shape: &[usize], values: &[i64]) -> Known {
        Known { shape: shape.to_vec(), values: values.to_vec() }
    }

    use crate::parse::{Op, Tensor};

    fn tensor<'a>(shape: &[usize], dtype: DType, data: Option<&'a [u8]>) -> Tensor<'a> {
        Tensor {
            name: String::new(),
            shape: shape.to_vec(),
            dtype,
            quant: None,
            data,
            is_variable: false,
            dynamic: false,
        }
    }

    fn bytes(v: &[i32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    /// Folds `name(a, b)` of two constant int32 tensors into an output of
    /// `out` elements; returns the values or the diagnostic.
    fn binary(name: &str, a: &[i32], b: &[i32], out: usize, options: Options) -> Result<Vec<i32>, String> {
        let (da, db) = (bytes(a), bytes(b));
        let graph = Graph {
            tensors: vec![
                tensor(&[a.len()], DType::I32, Some(&da)),
                tensor(&[b.len()], DType::I32, Some(&db)),
                tensor(&[out], DType::I32, None),
                tensor(&[out], DType::I8, None),
            ],
            ops: vec![Op {
                index: 0,
                code: 0,
                name: name.to_string(),
                version: 1,
                inputs: vec![Some(0), Some(1)],
                outputs: vec![2],
                options,
            }],
            inputs: vec![],
            outputs: vec![3],
        };
        let folded = fold(&graph).map_err(|d| d[0].message.clone())?;
        assert_eq!(folded.removed, vec![0]);
        Ok(folded.values[0].1.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    #[test]
    fn integer_arithmetic() {
        let none = Options::None;
        assert_eq!(binary("FLOOR_DIV", &[7, -7, 7, -7], &[2, 2, -2, -2], 4, none.clone()), Ok(vec![3, -4, -4, 3]));
        assert_eq!(binary("FLOOR_MOD", &[7, -7, 7, -7], &[2, 2, -2, -2], 4, none.clone()), Ok(vec![1, 1, -1, -1]));
        assert_eq!(
            binary("MUL", &[1 << 30, 3], &[4], 2, Options::Mul { activation: Activation::None }),
            Ok(vec![0, 12])
        );
        assert_eq!(binary("MAXIMUM", &[1, 5], &[3, 2], 2, none.clone()), Ok(vec![3, 5]));
        assert!(binary("FLOOR_DIV", &[1], &[0], 1, none.clone()).unwrap_err().contains("by zero"));
        assert_eq!(
            binary("GATHER", &[10, 20, 30], &[2, 0, 2], 3, Options::Gather { axis: 0, batch_dims: 0 }),
            Ok(vec![30, 10, 30])
        );
        assert!(binary("GATHER", &[10, 20], &[2], 1, Options::Gather { axis: 0, batch_dims: 0 })
            .unwrap_err()
            .contains("out of range"));
        assert_eq!(binary("REDUCE_PROD", &[2, 3, 4], &[0], 1, Options::Reducer { keep_dims: false }), Ok(vec![24]));
        assert_eq!(
            binary("CONCATENATION", &[1, 2], &[3], 3, Options::Concatenation { axis: 0, activation: Activation::None }),
            Ok(vec![1, 2, 3])
        );
        // A count that disagrees with the output's shape is an error.
        assert!(binary("ADD", &[1, 2], &[3, 4], 3, Options::Add { activation: Activation::None })
            .unwrap_err()
            .contains("computes 2 values"));
    }

    #[test]
    fn walks_and_broadcasts() {
        let x = k(&[2, 3], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(gather_walk(&x, &[(1, 1, 1), (2, -1, 2)]), Ok(vec![6, 5]));
        let (shape, v) = broadcast(&x, &k(&[3], &[10, 20, 30]), |a, b| Ok(a + b)).unwrap();
        assert_eq!((shape, v), (vec![2, 3], vec![11, 22, 33, 14, 25, 36]));
    }
}
