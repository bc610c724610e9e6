//! Reads a `.tflite` flatbuffer into an owned, validated-for-structure graph.
//!
//! Every access goes through planus, which bounds-checks offsets; any error
//! becomes a [`Diagnostic`]. Indices (tensors, buffers, opcodes) are checked
//! here so later stages can index without panicking.

use crate::diag::Diagnostic;
use crate::tflite;
use planus::ReadAsRoot;

/// Element type of a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// 32-bit float.
    F32,
    /// Signed 8-bit integer.
    I8,
    /// Unsigned 8-bit integer.
    U8,
    /// Signed 16-bit integer.
    I16,
    /// Signed 32-bit integer.
    I32,
    /// Signed 64-bit integer.
    I64,
    /// Any other TFLite type, by its schema name.
    Other(&'static str),
}

impl DType {
    /// Size of one element in bytes (0 for unsupported types).
    pub fn size(self) -> usize {
        match self {
            DType::I8 | DType::U8 => 1,
            DType::I16 => 2,
            DType::F32 | DType::I32 => 4,
            DType::I64 => 8,
            DType::Other(_) => 0,
        }
    }

    /// The TFLite name of the type.
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::I8 => "int8",
            DType::U8 => "uint8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::Other(n) => n,
        }
    }
}

/// Affine quantization parameters of a tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantParams {
    /// One scale (per-tensor) or one per slice along `dim`.
    pub scale: Vec<f32>,
    /// Zero points, same length as `scale` (or empty).
    pub zero_point: Vec<i64>,
    /// The quantized dimension (meaningful only for several scales).
    pub dim: i32,
}

/// A tensor of the graph.
#[derive(Clone, Debug)]
pub struct Tensor<'a> {
    /// Its name in the model (may be empty).
    pub name: String,
    /// Its shape (dimensions are checked to be non-negative).
    pub shape: Vec<usize>,
    /// Its element type.
    pub dtype: DType,
    /// Its quantization, if any.
    pub quant: Option<QuantParams>,
    /// Constant data, for weights and other constants.
    pub data: Option<&'a [u8]>,
    /// Whether the tensor is a variable (state).
    pub is_variable: bool,
    /// Whether the converter marked a dimension as dynamic (a negative entry
    /// in its shape signature, as a dynamic batch gives); `shape` then holds
    /// the converter's guess, 1 in that place, which may be wrong for tensors
    /// whose size it could not infer.
    pub dynamic: bool,
}

impl Tensor<'_> {
    /// Number of elements, saturating on absurd shapes.
    pub fn elements(&self) -> usize {
        self.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).unwrap_or(usize::MAX)
    }

    /// The per-tensor scale and zero point, if quantized.
    pub fn scalar_quant(&self) -> Option<(f32, i32)> {
        let q = self.quant.as_ref()?;
        let scale = *q.scale.first()?;
        let zp = q.zero_point.first().copied().unwrap_or(0);
        Some((scale, i32::try_from(zp).ok()?))
    }
}

/// Fused activation of an operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// None.
    None,
    /// `max(0, x)`.
    Relu,
    /// `clamp(x, -1, 1)`.
    ReluN1To1,
    /// `clamp(x, 0, 6)`.
    Relu6,
    /// Unsupported (TANH, SIGN_BIT), by name.
    Other(&'static str),
}

/// Padding scheme of a windowed operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Output size `ceil(in / stride)`, zero-point padding split evenly
    /// (the extra row or column at the bottom/right).
    Same,
    /// No padding.
    Valid,
}

/// Options of the operators the compiler understands.
#[derive(Clone, Debug, PartialEq)]
pub enum Options {
    /// No options table.
    None,
    /// CONV_2D.
    Conv2d {
        /// Padding.
        padding: Padding,
        /// (height, width) stride.
        stride: (i32, i32),
        /// (height, width) dilation.
        dilation: (i32, i32),
        /// Fused activation.
        activation: Activation,
    },
    /// DEPTHWISE_CONV_2D.
    DepthwiseConv2d {
        /// Padding.
        padding: Padding,
        /// (height, width) stride.
        stride: (i32, i32),
        /// (height, width) dilation.
        dilation: (i32, i32),
        /// Depth multiplier as written in the model.
        depth_multiplier: i32,
        /// Fused activation.
        activation: Activation,
    },
    /// AVERAGE_POOL_2D and MAX_POOL_2D.
    Pool2d {
        /// Padding.
        padding: Padding,
        /// (height, width) stride.
        stride: (i32, i32),
        /// (height, width) window.
        filter: (i32, i32),
        /// Fused activation.
        activation: Activation,
    },
    /// FULLY_CONNECTED.
    FullyConnected {
        /// Fused activation.
        activation: Activation,
        /// Whether the weights are in the default layout.
        default_weights_format: bool,
        /// Keep the input's leading dimensions in the output.
        keep_num_dims: bool,
    },
    /// SOFTMAX.
    Softmax {
        /// Inverse temperature.
        beta: f32,
    },
    /// ADD.
    Add {
        /// Fused activation.
        activation: Activation,
    },
    /// CONCATENATION.
    Concatenation {
        /// Axis (may be negative).
        axis: i32,
        /// Fused activation.
        activation: Activation,
    },
    /// PACK and UNPACK: the axis.
    Axis {
        /// Axis (may be negative).
        axis: i32,
    },
    /// MEAN, SUM and other reductions.
    Reducer {
        /// Keep reduced axes as size 1.
        keep_dims: bool,
    },
    /// MUL.
    Mul {
        /// Fused activation.
        activation: Activation,
    },
    /// SUB.
    Sub {
        /// Fused activation.
        activation: Activation,
    },
    /// LEAKY_RELU.
    LeakyRelu {
        /// Slope for negative inputs.
        alpha: f32,
    },
    /// STRIDED_SLICE.
    StridedSlice {
        /// Axes whose begin index is ignored.
        begin_mask: i32,
        /// Axes whose end index is ignored.
        end_mask: i32,
        /// Ellipsis axes (unsupported unless 0).
        ellipsis_mask: i32,
        /// New axes (unsupported unless 0).
        new_axis_mask: i32,
        /// Axes removed from the output.
        shrink_axis_mask: i32,
    },
    /// TRANSPOSE_CONV.
    TransposeConv {
        /// Padding.
        padding: Padding,
        /// (height, width) stride.
        stride: (i32, i32),
        /// Fused activation.
        activation: Activation,
    },
    /// SVDF.
    Svdf {
        /// Filters summed per output unit.
        rank: i32,
        /// Fused activation.
        activation: Activation,
    },
    /// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR.
    Resize {
        /// Map the corner pixels of input and output onto each other.
        align_corners: bool,
        /// Sample at pixel centers (`+ 0.5`).
        half_pixel_centers: bool,
    },
    /// BATCH_MATMUL.
    BatchMatMul {
        /// Transpose the last two dimensions of the first input.
        adj_x: bool,
        /// Transpose the last two dimensions of the second input.
        adj_y: bool,
    },
    /// GATHER.
    Gather {
        /// Axis of the parameters that the indices select along (may be
        /// negative).
        axis: i32,
        /// Leading dimensions shared by parameters and indices.
        batch_dims: i32,
    },
    /// UNIDIRECTIONAL_SEQUENCE_LSTM.
    SequenceLstm {
        /// Activation of the cell gate and of the cell state (TANH in
        /// practice).
        activation: Activation,
        /// Bound of the cell state (0: none).
        cell_clip: f32,
        /// Bound of the projection (0: none).
        proj_clip: f32,
        /// Input is `[time, batch, features]` rather than `[batch, time,
        /// features]`.
        time_major: bool,
        /// Hybrid models quantize inputs asymmetrically.
        asymmetric_quantize_inputs: bool,
        /// Recurrent weights are diagonal (a vector per gate).
        diagonal_recurrent_tensors: bool,
    },
    /// Some options table the compiler does not read.
    Other,
}

/// An operator of the graph.
#[derive(Clone, Debug)]
pub struct Op {
    /// Its index in the subgraph's operator list.
    pub index: usize,
    /// Builtin code (`-1` for custom operators).
    pub code: i32,
    /// TFLite name (`CONV_2D`, or the custom code).
    pub name: String,
    /// Operator version.
    pub version: i32,
    /// Input tensor indices; `None` for omitted optional inputs.
    pub inputs: Vec<Option<usize>>,
    /// Output tensor indices.
    pub outputs: Vec<usize>,
    /// Parsed options.
    pub options: Options,
}

/// A parsed single-subgraph model.
#[derive(Clone, Debug)]
pub struct Graph<'a> {
    /// All tensors.
    pub tensors: Vec<Tensor<'a>>,
    /// Operators in execution order.
    pub ops: Vec<Op>,
    /// Graph input tensors.
    pub inputs: Vec<usize>,
    /// Graph output tensors.
    pub outputs: Vec<usize>,
}

/// Turns a planus error into a diagnostic about a malformed file.
fn malformed(what: &str, e: planus::Error) -> Diagnostic {
    Diagnostic::model(format!(
        "the file is not a valid TensorFlow Lite model: reading {what} failed ({e}); is it truncated or \
         corrupted? Re-export it with the TensorFlow Lite converter"
    ))
}

macro_rules! get {
    ($e:expr, $what:expr) => {
        $e.map_err(|e| malformed($what, e))?
    };
}

/// Maximum tensor rank accepted; TFLite itself supports at most 6.
const MAX_RANK: usize = 6;

/// Largest tensor accepted, in bytes: TFLM sizes tensors with `int32`, and
/// bounding every tensor keeps all later size arithmetic far from overflow.
pub const MAX_TENSOR_BYTES: usize = i32::MAX as usize;

/// Parses and structurally checks a model.
pub fn parse(bytes: &[u8]) -> Result<Graph<'_>, Diagnostic> {
    if bytes.len() < 8 {
        return Err(Diagnostic::model(format!(
            "the file is {} bytes long, too short to be a TensorFlow Lite model; is it truncated?",
            bytes.len()
        )));
    }
    if &bytes[4..8] != b"TFL3" {
        return Err(Diagnostic::model(
            "the file is not a TensorFlow Lite model: its flatbuffer identifier is not \"TFL3\"; \
             pass a `.tflite` file written by the TensorFlow Lite converter",
        ));
    }
    let model = get!(tflite::ModelRef::read_as_root(bytes), "root table");
    let version = get!(model.version(), "model version");
    if version != 3 {
        return Err(Diagnostic::model(format!(
            "schema version {version} is not supported (only version 3 is); re-export the model with a current converter"
        )));
    }

    let subgraphs =
        get!(model.subgraphs(), "subgraphs").ok_or_else(|| Diagnostic::model("the model has no subgraph"))?;
    if subgraphs.len() != 1 {
        return Err(Diagnostic::model(format!(
            "the model has {} subgraphs; only single-subgraph models are supported \
             (control flow such as WHILE/IF creates more): convert the model without control flow",
            subgraphs.len()
        )));
    }
    let sg = get!(subgraphs.iter().next().ok_or_else(|| Diagnostic::model("the model has no subgraph"))?, "subgraph 0");

    // Buffers.
    let mut buffers: Vec<Option<&[u8]>> = Vec::new();
    if let Some(bufs) = get!(model.buffers(), "buffers") {
        for b in bufs.iter() {
            let b = get!(b, "buffer");
            buffers.push(get!(b.data(), "buffer data").filter(|d| !d.is_empty()));
        }
    }

    // Operator codes.
    let mut opcodes: Vec<(i32, String, i32)> = Vec::new();
    if let Some(codes) = get!(model.operator_codes(), "operator codes") {
        for c in codes.iter() {
            let c = get!(c, "operator code");
            let deprecated = get!(c.deprecated_builtin_code(), "deprecated builtin code") as i32;
            // An unknown builtin code is reported by number below rather than
            // rejected as a malformed file.
            let code = match c.builtin_code() {
                Ok(b) => (b as i32).max(deprecated),
                Err(_) => -2,
            };
            let version = get!(c.version(), "operator version");
            let name = if code == tflite::BuiltinOperator::Custom as i32 {
                get!(c.custom_code(), "custom code").unwrap_or("").to_string()
            } else if code == -2 {
                "an unknown builtin operator".to_string()
            } else {
                tflite::builtin_name(code).unwrap_or("UNKNOWN").to_string()
            };
            opcodes.push((code, name, version));
        }
    }

    // Tensors.
    let mut tensors = Vec::new();
    if let Some(ts) = get!(sg.tensors(), "tensors") {
        for (i, t) in ts.iter().enumerate() {
            let t = get!(t, "tensor");
            let name = get!(t.name(), "tensor name").unwrap_or("").to_string();
            let mut shape = Vec::new();
            if let Some(s) = get!(t.shape(), "tensor shape") {
                if s.len() > MAX_RANK {
                    return Err(Diagnostic::model(format!(
                        "tensor {i} (`{name}`) has rank {}; at most {MAX_RANK} is supported",
                        s.len()
                    )));
                }
                for d in s.iter() {
                    let d = usize::try_from(d).map_err(|_| {
                        Diagnostic::model(format!(
                            "tensor {i} (`{name}`) has a dynamic or negative dimension ({d}); \
                             only static shapes are supported: export the model with a fixed batch size and input size"
                        ))
                    })?;
                    shape.push(d);
                }
            }
            let dtype = match get!(t.type_(), "tensor type") {
                tflite::TensorType::Float32 => DType::F32,
                tflite::TensorType::Int8 => DType::I8,
                tflite::TensorType::Uint8 => DType::U8,
                tflite::TensorType::Int16 => DType::I16,
                tflite::TensorType::Int32 => DType::I32,
                tflite::TensorType::Int64 => DType::I64,
                other => DType::Other(tensor_type_name(other)),
            };
            let quant = match get!(t.quantization(), "quantization") {
                Some(q) => {
                    let scale: Vec<f32> = match get!(q.scale(), "quantization scale") {
                        Some(v) => v.iter().collect(),
                        None => Vec::new(),
                    };
                    let zero_point: Vec<i64> = match get!(q.zero_point(), "quantization zero point") {
                        Some(v) => v.iter().collect(),
                        None => Vec::new(),
                    };
                    let dim = get!(q.quantized_dimension(), "quantized dimension");
                    (!scale.is_empty()).then_some(QuantParams { scale, zero_point, dim })
                }
                None => None,
            };
            let buffer = get!(t.buffer(), "tensor buffer index") as usize;
            let data = match buffers.get(buffer) {
                Some(d) => *d,
                None if buffer == 0 => None,
                None => {
                    return Err(Diagnostic::model(format!(
                        "tensor {i} (`{name}`) refers to buffer {buffer}, but the model has {} buffers",
                        buffers.len()
                    )))
                }
            };
            if get!(t.sparsity(), "sparsity").is_some() {
                return Err(Diagnostic::model(format!(
                    "tensor {i} (`{name}`) is sparse; sparse tensors are not supported: convert without sparsity"
                )));
            }
            let bytes = shape.iter().try_fold(dtype.size().max(1), |a, &d| a.checked_mul(d));
            if bytes.is_none_or(|b| b > MAX_TENSOR_BYTES) {
                return Err(Diagnostic::model(format!(
                    "tensor {i} (`{name}`) with shape {shape:?} is larger than {MAX_TENSOR_BYTES} bytes; \
                     no microcontroller model needs that: check the model's shapes"
                )));
            }
            let is_variable = get!(t.is_variable(), "is_variable");
            let dynamic = get!(t.shape_signature(), "shape signature").is_some_and(|s| s.iter().any(|d| d < 0));
            tensors.push(Tensor { name, shape, dtype, quant, data, is_variable, dynamic });
        }
    }
    let n_tensors = tensors.len();
    let tensor_index = |v: i32, what: &str| -> Result<usize, Diagnostic> {
        usize::try_from(v).ok().filter(|&i| i < n_tensors).ok_or_else(|| {
            Diagnostic::model(format!("{what} refers to tensor {v}, but the subgraph has {n_tensors} tensors"))
        })
    };

    let mut inputs = Vec::new();
    for v in get!(sg.inputs(), "subgraph inputs").into_iter().flat_map(|v| v.iter()) {
        inputs.push(tensor_index(v, "a graph input")?);
    }
    let mut outputs = Vec::new();
    for v in get!(sg.outputs(), "subgraph outputs").into_iter().flat_map(|v| v.iter()) {
        outputs.push(tensor_index(v, "a graph output")?);
    }

    let mut ops = Vec::new();
    if let Some(list) = get!(sg.operators(), "operators") {
        for (index, op) in list.iter().enumerate() {
            let op = get!(op, "operator");
            let opcode_index = get!(op.opcode_index(), "opcode index") as usize;
            let (code, name, version) = opcodes.get(opcode_index).cloned().ok_or_else(|| {
                Diagnostic::model(format!(
                    "operator {index} refers to operator code {opcode_index}, but the model has {} codes",
                    opcodes.len()
                ))
            })?;
            let mut op_inputs = Vec::new();
            for v in get!(op.inputs(), "operator inputs").into_iter().flat_map(|v| v.iter()) {
                op_inputs.push(if v == -1 {
                    None
                } else {
                    Some(tensor_index(v, &format!("operator {index} ({name})"))?)
                });
            }
            let mut op_outputs = Vec::new();
            for v in get!(op.outputs(), "operator outputs").into_iter().flat_map(|v| v.iter()) {
                op_outputs.push(tensor_index(v, &format!("operator {index} ({name})"))?);
            }
            let options = read_options(get!(op.builtin_options(), "builtin options"))
                .map_err(|e| malformed(&format!("options of operator {index} ({name})"), e))?;
            ops.push(Op { index, code, name, version, inputs: op_inputs, outputs: op_outputs, options });
        }
    }
    Ok(Graph { tensors, ops, inputs, outputs })
}

fn activation(a: tflite::ActivationFunctionType) -> Activation {
    use tflite::ActivationFunctionType as A;
    match a {
        A::None => Activation::None,
        A::Relu => Activation::Relu,
        A::ReluN1To1 => Activation::ReluN1To1,
        A::Relu6 => Activation::Relu6,
        A::Tanh => Activation::Other("TANH"),
        A::SignBit => Activation::Other("SIGN_BIT"),
    }
}

fn padding(p: tflite::Padding) -> Padding {
    match p {
        tflite::Padding::Same => Padding::Same,
        tflite::Padding::Valid => Padding::Valid,
    }
}

fn read_options(o: Option<tflite::BuiltinOptionsRef<'_>>) -> Result<Options, planus::Error> {
    use tflite::BuiltinOptionsRef as B;
    Ok(match o {
        None => Options::None,
        Some(B::Conv2DOptions(c)) => Options::Conv2d {
            padding: padding(c.padding()?),
            stride: (c.stride_h()?, c.stride_w()?),
            dilation: (c.dilation_h_factor()?, c.dilation_w_factor()?),
            activation: activation(c.fused_activation_function()?),
        },
        Some(B::DepthwiseConv2DOptions(c)) => Options::DepthwiseConv2d {
            padding: padding(c.padding()?),
            stride: (c.stride_h()?, c.stride_w()?),
            dilation: (c.dilation_h_factor()?, c.dilation_w_factor()?),
            depth_multiplier: c.depth_multiplier()?,
            activation: activation(c.fused_activation_function()?),
        },
        Some(B::Pool2DOptions(c)) => Options::Pool2d {
            padding: padding(c.padding()?),
            stride: (c.stride_h()?, c.stride_w()?),
            filter: (c.filter_height()?, c.filter_width()?),
            activation: activation(c.fused_activation_function()?),
        },
        Some(B::FullyConnectedOptions(c)) => Options::FullyConnected {
            activation: activation(c.fused_activation_function()?),
            default_weights_format: c.weights_format()? == tflite::FullyConnectedOptionsWeightsFormat::Default,
            keep_num_dims: c.keep_num_dims()?,
        },
        Some(B::SoftmaxOptions(c)) => Options::Softmax { beta: c.beta()? },
        Some(B::AddOptions(c)) => Options::Add { activation: activation(c.fused_activation_function()?) },
        Some(B::ConcatenationOptions(c)) => {
            Options::Concatenation { axis: c.axis()?, activation: activation(c.fused_activation_function()?) }
        }
        Some(B::PackOptions(c)) => Options::Axis { axis: c.axis()? },
        Some(B::UnpackOptions(c)) => Options::Axis { axis: c.axis()? },
        Some(B::ReducerOptions(c)) => Options::Reducer { keep_dims: c.keep_dims()? },
        Some(B::MulOptions(c)) => Options::Mul { activation: activation(c.fused_activation_function()?) },
        Some(B::SubOptions(c)) => Options::Sub { activation: activation(c.fused_activation_function()?) },
        Some(B::LeakyReluOptions(c)) => Options::LeakyRelu { alpha: c.alpha()? },
        Some(B::StridedSliceOptions(c)) => Options::StridedSlice {
            begin_mask: c.begin_mask()?,
            end_mask: c.end_mask()?,
            ellipsis_mask: c.ellipsis_mask()?,
            new_axis_mask: c.new_axis_mask()?,
            shrink_axis_mask: c.shrink_axis_mask()?,
        },
        Some(B::TransposeConvOptions(c)) => Options::TransposeConv {
            padding: padding(c.padding()?),
            stride: (c.stride_h()?, c.stride_w()?),
            activation: activation(c.fused_activation_function()?),
        },
        Some(B::SvdfOptions(c)) => {
            Options::Svdf { rank: c.rank()?, activation: activation(c.fused_activation_function()?) }
        }
        Some(B::ResizeBilinearOptions(c)) => {
            Options::Resize { align_corners: c.align_corners()?, half_pixel_centers: c.half_pixel_centers()? }
        }
        Some(B::ResizeNearestNeighborOptions(c)) => {
            Options::Resize { align_corners: c.align_corners()?, half_pixel_centers: c.half_pixel_centers()? }
        }
        Some(B::BatchMatMulOptions(c)) => Options::BatchMatMul { adj_x: c.adj_x()?, adj_y: c.adj_y()? },
        Some(B::GatherOptions(c)) => Options::Gather { axis: c.axis()?, batch_dims: c.batch_dims()? },
        Some(B::UnidirectionalSequenceLstmOptions(c)) => Options::SequenceLstm {
            activation: activation(c.fused_activation_function()?),
            cell_clip: c.cell_clip()?,
            proj_clip: c.proj_clip()?,
            time_major: c.time_major()?,
            asymmetric_quantize_inputs: c.asymmetric_quantize_inputs()?,
            diagonal_recurrent_tensors: c.diagonal_recurrent_tensors()?,
        },
        Some(_) => Options::Other,
    })
}

fn tensor_type_name(t: tflite::TensorType) -> &'static str {
    use tflite::TensorType as T;
    match t {
        T::Float16 => "float16",
        T::String => "string",
        T::Bool => "bool",
        T::Complex64 => "complex64",
        T::Float64 => "float64",
        T::Complex128 => "complex128",
        T::Uint64 => "uint64",
        T::Resource => "resource",
        T::Variant => "variant",
        T::Uint32 => "uint32",
        T::Uint16 => "uint16",
        T::Int4 => "int4",
        _ => "an unsupported type",
    }
}
