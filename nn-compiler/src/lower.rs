//! Lowers a parsed graph into a [`Program`]: checks every operator against
//! what the runtime implements and precomputes its constants.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Program, Step, Value};
use crate::ops;
use crate::parse::{DType, Graph, Op, Tensor};

/// The operators this compiler implements, with the types it accepts.
pub const SUPPORTED: &[&str] = &[
    "ADD (int8, int16, float32)",
    "AVERAGE_POOL_2D (int8, float32)",
    "BATCH_MATMUL (int8, int16, float32)",
    "CONCATENATION, PACK (int8, int16, int32, float32)",
    "CONV_2D (int8, 16x8, float32)",
    "DEPTHWISE_CONV_2D (int8, 16x8, float32)",
    "DEQUANTIZE (int8 -> float32)",
    "FULLY_CONNECTED (int8, 16x8, float32)",
    "HARD_SWISH (int8, float32)",
    "LEAKY_RELU (int8, int16, float32)",
    "LOGISTIC (int8, int16, float32)",
    "MAX_POOL_2D (int8, float32)",
    "MAXIMUM, MINIMUM (int8, int16, float32)",
    "MEAN, SUM (int8, int16, float32)",
    "MUL (int8, int16, float32)",
    "PAD, PADV2 (int8, int16, float32)",
    "PRELU (int8, float32)",
    "QUANTIZE (float32 -> int8, between int8, int16 and int32, uint8 <-> int8)",
    "RELU, RELU6 (int8, int16, float32)",
    "RESHAPE",
    "RESIZE_BILINEAR (int8, float32)",
    "RESIZE_NEAREST_NEIGHBOR (int8, int16, float32)",
    "SLICE, SPLIT, SPLIT_V, TRANSPOSE, UNPACK (int8, int16, int32, float32)",
    "SOFTMAX (int8 -> int8 or int16, int16, float32)",
    "SQUEEZE",
    "STRIDED_SLICE (int8, int16, int32, float32)",
    "SUB (int8, int16, float32)",
    "SVDF (int8 with int8 or int16 state, float32)",
    "TANH (int8, int16, float32)",
    "TRANSPOSE_CONV (int8, 16x8, float32)",
    "UNIDIRECTIONAL_SEQUENCE_LSTM (int8 with int16 cell state, float32)",
];

/// The operators that may read variable (state) tensors.
const STATEFUL: &[&str] = &["SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM"];

/// What an operator lowers to.
#[allow(clippy::large_enum_variant)] // Built once per operator.
pub enum Lowered {
    /// A kernel call.
    Step(Step),
    /// Several kernel calls (one per input or output of the operator).
    Steps(Vec<Step>),
    /// No code: the output shares the input's storage.
    Alias {
        /// The tensor whose storage is reused.
        input: usize,
        /// The tensor that reuses it.
        output: usize,
    },
}

/// Read access to the graph for the per-operator lowering functions.
pub struct Cx<'g, 'a> {
    /// The parsed graph.
    pub graph: &'g Graph<'a>,
}

impl<'a> Cx<'_, 'a> {
    /// A diagnostic about `op`.
    pub fn err(&self, op: &Op, msg: impl std::fmt::Display) -> Diagnostic {
        Diagnostic::op(op.index, &op.name, msg)
    }

    /// Checks the operator's input and output counts.
    pub fn arity(&self, op: &Op, min_in: usize, max_in: usize, outs: usize) -> Result<(), Diagnostic> {
        if op.inputs.len() < min_in || op.inputs.len() > max_in || op.outputs.len() != outs {
            let want = if min_in == max_in { format!("{min_in}") } else { format!("{min_in} to {max_in}") };
            return Err(self.err(
                op,
                format_args!(
                    "has {} inputs and {} outputs; expected {want} inputs and {outs} output(s)",
                    op.inputs.len(),
                    op.outputs.len()
                ),
            ));
        }
        Ok(())
    }

    /// The tensor index of required input `i`.
    pub fn input(&self, op: &Op, i: usize) -> Result<usize, Diagnostic> {
        op.inputs.get(i).copied().flatten().ok_or_else(|| {
            self.err(op, format_args!("input {i} is missing (the operator has {} inputs)", op.inputs.len()))
        })
    }

    /// The tensor index of optional input `i`.
    pub fn optional_input(&self, op: &Op, i: usize) -> Option<usize> {
        op.inputs.get(i).copied().flatten()
    }

    /// Tensor `t`.
    pub fn tensor(&self, t: usize) -> &Tensor<'a> {
        &self.graph.tensors[t]
    }

    /// Describes tensor `t` for messages: index and name.
    pub fn describe(&self, t: usize) -> String {
        format!("tensor {t} (`{}`)", self.tensor(t).name)
    }

    /// Checks that `t` is a per-tensor quantized int8 activation; returns its
    /// shape, scale and zero point.
    pub fn int8_activation(&self, op: &Op, t: usize, role: &str) -> Result<(Vec<usize>, f32, i32), Diagnostic> {
        let tensor = self.tensor(t);
        if tensor.dtype != DType::I8 {
            return Err(self.err(
                op,
                format_args!(
                    "{role} {} has type {}, but only int8 is supported for this operator; \
                     quantize the model to full int8 (TFLiteConverter with a representative dataset and \
                     `inference_input_type = tf.int8`)",
                    self.describe(t),
                    tensor.dtype.name()
                ),
            ));
        }
        let (scale, zp) = self.quant_of(op, t, role)?;
        if !(-128..=127).contains(&zp) {
            return Err(self.err(op, format_args!("{role} {} has zero point {zp}, outside int8", self.describe(t))));
        }
        Ok((tensor.shape.clone(), scale, zp))
    }

    /// Checks that `t` is a per-tensor quantized activation of one of the
    /// `allowed` types, with a zero point inside its type (and zero for
    /// int16, as TFLite's 16x8 scheme requires); returns its shape, type,
    /// scale and zero point.
    pub fn quantized_activation(
        &self,
        op: &Op,
        t: usize,
        role: &str,
        allowed: &[DType],
    ) -> Result<(Vec<usize>, DType, f32, i32), Diagnostic> {
        let tensor = self.tensor(t);
        if !allowed.contains(&tensor.dtype) {
            let names: Vec<&str> = allowed.iter().map(|d| d.name()).collect();
            return Err(self.err(
                op,
                format_args!(
                    "{role} {} has type {}; this operator supports {}",
                    self.describe(t),
                    tensor.dtype.name(),
                    names.join(" and ")
                ),
            ));
        }
        let (scale, zp) = self.quant_of(op, t, role)?;
        let ok = match tensor.dtype {
            DType::I8 => (-128..=127).contains(&zp),
            DType::U8 => (0..=255).contains(&zp),
            DType::I16 => zp == 0,
            _ => true,
        };
        if !ok {
            return Err(self.err(
                op,
                format_args!(
                    "{role} {} has zero point {zp}, outside what {} allows",
                    self.describe(t),
                    tensor.dtype.name()
                ),
            ));
        }
        Ok((tensor.shape.clone(), tensor.dtype, scale, zp))
    }

    /// The constant int64 data of `t` (16x8 biases).
    pub fn const_i64(&self, op: &Op, t: usize, role: &str) -> Result<Vec<i64>, Diagnostic> {
        let tensor = self.tensor(t);
        if tensor.dtype != DType::I64 {
            return Err(self.err(
                op,
                format_args!("{role} {} has type {}; int64 is required", self.describe(t), tensor.dtype.name()),
            ));
        }
        let data = self.const_data(op, t, role, 8)?;
        Ok(data.chunks_exact(8).map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect())
    }

    /// Constant int32 values of a small parameter tensor (shapes, paddings,
    /// slice indices).
    pub fn const_ints(&self, op: &Op, t: usize, role: &str) -> Result<Vec<i64>, Diagnostic> {
        match self.tensor(t).dtype {
            DType::I64 => self.const_i64(op, t, role),
            _ => Ok(self.const_i32(op, t, role)?.into_iter().map(i64::from).collect()),
        }
    }

    /// The per-tensor scale and zero point of `t`, checked to be usable.
    pub fn quant_of(&self, op: &Op, t: usize, role: &str) -> Result<(f32, i32), Diagnostic> {
        let tensor = self.tensor(t);
        let (scale, zp) = tensor
            .scalar_quant()
            .ok_or_else(|| self.err(op, format_args!("{role} {} has no quantization parameters", self.describe(t))))?;
        if tensor.quant.as_ref().is_some_and(|q| q.scale.len() > 1) {
            return Err(
                self.err(op, format_args!("{role} {} is quantized per channel; only weights may be", self.describe(t)))
            );
        }
        if !(scale.is_finite() && scale > 0.0) {
            return Err(self.err(
                op,
                format_args!("{role} {} has scale {scale}; scales must be finite and positive", self.describe(t)),
            ));
        }
        Ok((scale, zp))
    }

    /// The constant int8 data of `t` (weights).
    pub fn const_i8(&self, op: &Op, t: usize, role: &str) -> Result<Vec<i8>, Diagnostic> {
        let tensor = self.tensor(t);
        if tensor.dtype != DType::I8 {
            return Err(self.err(
                op,
                format_args!("{role} {} has type {}; int8 weights are required", self.describe(t), tensor.dtype.name()),
            ));
        }
        let data = self.const_data(op, t, role, 1)?;
        Ok(data.iter().map(|&b| b as i8).collect())
    }

    /// The constant int32 data of `t` (biases).
    pub fn const_i32(&self, op: &Op, t: usize, role: &str) -> Result<Vec<i32>, Diagnostic> {
        let tensor = self.tensor(t);
        if tensor.dtype != DType::I32 {
            return Err(self.err(
                op,
                format_args!("{role} {} has type {}; int32 is required", self.describe(t), tensor.dtype.name()),
            ));
        }
        let data = self.const_data(op, t, role, 4)?;
        Ok(data.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    fn const_data(&self, op: &Op, t: usize, role: &str, elem: usize) -> Result<&'a [u8], Diagnostic> {
        let tensor = self.tensor(t);
        let data = tensor.data.ok_or_else(|| {
            self.err(
                op,
                format_args!(
                    "{role} {} must be a constant (weights computed at run time are not supported)",
                    self.describe(t)
                ),
            )
        })?;
        let want = tensor.elements().checked_mul(elem);
        if want != Some(data.len()) {
            return Err(self.err(
                op,
                format_args!(
                    "{role} {} has {} bytes of data but its shape {:?} needs {}",
                    self.describe(t),
                    data.len(),
                    tensor.shape,
                    want.map_or_else(|| "more than fits in memory".to_string(), |w| w.to_string())
                ),
            ));
        }
        Ok(data)
    }

    /// Per-channel (or per-tensor) scales of a weight tensor, checked: all
    /// positive, zero points all zero, and `count` of them or one.
    pub fn weight_scales(&self, op: &Op, t: usize, count: usize, dim: i32) -> Result<Vec<f32>, Diagnostic> {
        let tensor = self.tensor(t);
        let q = tensor
            .quant
            .as_ref()
            .ok_or_else(|| self.err(op, format_args!("weights {} are not quantized", self.describe(t))))?;
        if q.scale.len() != 1 && q.scale.len() != count {
            return Err(self.err(
                op,
                format_args!(
                    "weights {} have {} scales; expected 1 or {count} (one per output channel)",
                    self.describe(t),
                    q.scale.len()
                ),
            ));
        }
        // Per-tensor tensors may carry any quantized_dimension (real
        // converters write 3 on biases); it only matters for several scales.
        if q.scale.len() > 1 && q.dim != dim {
            return Err(self.err(
                op,
                format_args!("weights {} are quantized along dimension {}; expected {dim}", self.describe(t), q.dim),
            ));
        }
        if let Some(s) = q.scale.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(
                self.err(op, format_args!("weights {} have scale {s}; scales must be positive", self.describe(t)))
            );
        }
        if q.zero_point.iter().any(|&z| z != 0) {
            return Err(self.err(
                op,
                format_args!(
                    "weights {} have a non-zero zero point; int8 weights must be symmetric (TFLite's int8 spec)",
                    self.describe(t)
                ),
            ));
        }
        Ok(q.scale.clone())
    }

    /// A non-zero stride or dilation from the options.
    pub fn positive(&self, op: &Op, v: i32, what: &str) -> Result<usize, Diagnostic> {
        usize::try_from(v)
            .ok()
            .filter(|&v| v > 0 && v <= 1 << 16)
            .ok_or_else(|| self.err(op, format_args!("{what} is {v}; it must be a positive integer")))
    }
}

/// Lowers every operator, collecting all diagnostics.
pub fn lower(graph: &Graph<'_>) -> Result<Program, Vec<Diagnostic>> {
    let cx = Cx { graph };
    let mut diags = Diagnostics::default();
    let mut steps = Vec::new();
    let mut alias: Vec<usize> = (0..graph.tensors.len()).collect();
    let mut layers = Vec::new();
    let mut produced = vec![false; graph.tensors.len()];
    for &t in &graph.inputs {
        produced[t] = true;
    }

    for op in &graph.ops {
        // Every activation input must be produced before it is read: this
        // also rejects cycles and operators listed out of order.
        for t in op.inputs.iter().flatten() {
            let tensor = &graph.tensors[*t];
            if tensor.data.is_none() && !produced[*t] && !tensor.is_variable {
                diags.push(cx.err(
                    op,
                    format_args!(
                        "reads {} before any operator writes it; the graph is not in execution order",
                        cx.describe(*t)
                    ),
                ));
            }
        }
        // Variable (state) tensors are updated in place by the stateful
        // operator that reads them; no operator may write one as its output.
        let writes_variable = op.outputs.iter().any(|&t| graph.tensors[t].is_variable);
        let custom = op.code == crate::tflite::BuiltinOperator::Custom as i32;
        let result = if writes_variable {
            Err(cx.err(op, "writes a variable (state) tensor as its output; only stateful operators update state"))
        } else if custom {
            Err(cx.err(
                op,
                format_args!(
                    "custom operator `{}` is not supported: only TFLite builtin operators are. Supported operators: {}. \
                     Replace it in the model",
                    op.name,
                    SUPPORTED.join(", ")
                ),
            ))
        } else {
            lower_builtin(&cx, op)
        };
        for &o in &op.outputs {
            if produced[o] || graph.tensors[o].data.is_some() {
                diags.push(cx.err(op, format_args!("writes {}, which is already written or constant", cx.describe(o))));
            }
            produced[o] = true;
        }
        // A variable tensor is meaningful only to the stateful operator that
        // updates it; any other reader would always see its reset value.
        let result = result.and_then(|lowered| {
            let steps: &[Step] = match &lowered {
                Lowered::Step(s) => std::slice::from_ref(s),
                Lowered::Steps(list) => list,
                Lowered::Alias { .. } => &[],
            };
            let state: Vec<usize> = steps.iter().flat_map(|s| s.state.iter().copied()).collect();
            match op.inputs.iter().flatten().find(|&&t| graph.tensors[t].is_variable && !state.contains(&t)) {
                Some(&t) => Err(cx.err(
                    op,
                    format_args!(
                        "reads the variable (state) tensor {}, which only stateful operators (SVDF, \
                         UNIDIRECTIONAL_SEQUENCE_LSTM) may use",
                        cx.describe(t)
                    ),
                )),
                None => Ok(lowered),
            }
        });
        // When the lowering failed, a variable read by an operator that is
        // never stateful is reported too: it is likely the cause (its shape
        // or type need not fit the operator).
        if result.is_err() && !STATEFUL.contains(&op.name.as_str()) {
            if let Some(&t) = op.inputs.iter().flatten().find(|&&t| graph.tensors[t].is_variable) {
                diags.push(cx.err(
                    op,
                    format_args!(
                        "reads the variable (state) tensor {}, which only stateful operators ({}) may use",
                        cx.describe(t),
                        STATEFUL.join(", ")
                    ),
                ));
            }
        }
        match result {
            Ok(Lowered::Step(step)) => {
                layers.push((op.index, op.name.clone(), graph.tensors[step.output].shape.clone()));
                steps.push(step);
            }
            Ok(Lowered::Steps(list)) => {
                for step in list {
                    layers.push((op.index, op.name.clone(), graph.tensors[step.output].shape.clone()));
                    steps.push(step);
                }
            }
            Ok(Lowered::Alias { input, output }) => {
                alias[output] = alias[input];
                layers.push((op.index, op.name.clone(), graph.tensors[output].shape.clone()));
            }
            Err(d) => diags.push(d),
        }
    }

    for &t in graph.inputs.iter().chain(&graph.outputs) {
        let tensor = &graph.tensors[t];
        if tensor.is_variable {
            diags.push(Diagnostic::model(format!(
                "graph input or output {} (`{}`) is a variable (state) tensor; it must be an activation",
                t, tensor.name
            )));
        }
        if tensor.data.is_some() {
            diags.push(Diagnostic::model(format!(
                "graph input or output {} (`{}`) is a constant; it must be an activation",
                t, tensor.name
            )));
        }
    }
    for &t in &graph.outputs {
        if !produced[t] {
            diags.push(Diagnostic::model(format!(
                "graph output {} (`{}`) is never written by any operator",
                t, graph.tensors[t].name
            )));
        }
    }
    if graph.inputs.is_empty() || graph.outputs.is_empty() {
        diags.push(Diagnostic::model("the model has no inputs or no outputs"));
    }
    if !diags.is_empty() {
        return Err(diags.0);
    }

    let values = graph
        .tensors
        .iter()
        .map(|t| {
            (t.data.is_none()).then(|| Value {
                name: t.name.clone(),
                shape: t.shape.clone(),
                dtype: t.dtype,
                quant: t.scalar_quant(),
            })
        })
        .collect();
    // Variable tensors read by any step, in order of first use. TFLM
    // ignores a variable tensor's buffer (it resets the memory instead), but
    // a variable with data is ambiguous, so it is rejected.
    let mut state: Vec<usize> = Vec::new();
    for s in &steps {
        for &t in s.inputs.iter().chain(&s.state) {
            let tensor = &graph.tensors[t];
            if tensor.is_variable && !state.contains(&t) {
                state.push(t);
                if tensor.data.is_some() {
                    diags.push(Diagnostic::model(format!(
                        "variable (state) tensor {} (`{}`) has initial data; TFLM would ignore it and start from \
                         zero, so remove the data from the model",
                        t, tensor.name
                    )));
                }
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags.0);
    }
    let mut constants: Vec<(usize, DType, Vec<u8>)> = Vec::new();
    for s in &steps {
        for &t in &s.inputs {
            let tensor = &graph.tensors[t];
            if let Some(data) = tensor.data {
                if !constants.iter().any(|c| c.0 == t) {
                    constants.push((t, tensor.dtype, data.to_vec()));
                }
            }
        }
    }
    Ok(Program {
        values,
        steps,
        alias,
        inputs: graph.inputs.clone(),
        outputs: graph.outputs.clone(),
        state,
        layers,
        constants,
    })
}

/// The lowering of a supported builtin operator.
type Lowering = fn(&Cx, &Op) -> Result<Lowered, Diagnostic>;

/// The lowering of each supported builtin operator, by name.
fn lowering(name: &str) -> Option<Lowering> {
    Some(match name {
        "CONV_2D" => ops::conv_2d::lower,
        "DEPTHWISE_CONV_2D" => ops::depthwise_conv_2d::lower,
        "FULLY_CONNECTED" => ops::fully_connected::lower,
        "BATCH_MATMUL" => ops::batch_matmul::lower,
        "ADD" => ops::add::lower,
        "SUB" => ops::sub::lower,
        "MUL" => ops::mul::lower,
        "MEAN" | "SUM" => ops::mean::lower,
        "MAXIMUM" | "MINIMUM" => ops::maximum_minimum::lower,
        "RELU" | "RELU6" => ops::relu::lower,
        "LEAKY_RELU" => ops::leaky_relu::lower,
        "HARD_SWISH" => ops::hard_swish::lower,
        "PAD" | "PADV2" => ops::pad::lower,
        "PRELU" => ops::prelu::lower,
        "STRIDED_SLICE" => ops::strided_slice::lower,
        "SLICE" | "TRANSPOSE" | "SPLIT" | "SPLIT_V" | "UNPACK" => ops::gather::lower,
        "CONCATENATION" | "PACK" => ops::concatenation::lower,
        "TRANSPOSE_CONV" => ops::transpose_conv::lower,
        "AVERAGE_POOL_2D" => ops::average_pool_2d::lower,
        "MAX_POOL_2D" => ops::max_pool_2d::lower,
        "SOFTMAX" => ops::softmax::lower,
        "SVDF" => ops::svdf::lower,
        "LOGISTIC" => ops::logistic::lower,
        "TANH" => ops::tanh::lower,
        "UNIDIRECTIONAL_SEQUENCE_LSTM" => ops::lstm::lower,
        "RESHAPE" | "SQUEEZE" => ops::reshape::lower,
        "RESIZE_BILINEAR" | "RESIZE_NEAREST_NEIGHBOR" => ops::resize::lower,
        "QUANTIZE" => ops::quantize::lower,
        "DEQUANTIZE" => ops::dequantize::lower,
        _ => return None,
    })
}

/// Dispatches a builtin operator to its lowering, after checking that its
/// version is one whose semantics are known.
fn lower_builtin(cx: &Cx, op: &Op) -> Result<Lowered, Diagnostic> {
    match lowering(&op.name) {
        Some(lower) => match crate::versions::check(&op.name, op.version) {
            Some(why) => Err(cx.err(op, why)),
            None => lower(cx, op),
        },
        None => Err(cx.err(
            op,
            format_args!(
                "{} (builtin code {}) is not supported. Supported operators: {}. \
                     Replace it in the model, or open an issue with the model attached",
                op.name,
                op.code,
                SUPPORTED.join(", ")
            ),
        )),
    }
}
