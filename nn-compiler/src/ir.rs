//! The lowered program: one kernel call per step, with every constant the
//! runtime needs already computed.

use crate::parse::DType;

/// Per-channel requantization and fused activation of an int8 output.
#[derive(Clone, Debug, PartialEq)]
pub struct Requant {
    /// Q0.31 multipliers (one, or one per output channel).
    pub multiplier: Vec<i32>,
    /// Shifts, same length.
    pub shift: Vec<i32>,
    /// Output zero point.
    pub output_offset: i32,
    /// Activation lower bound.
    pub act_min: i32,
    /// Activation upper bound.
    pub act_max: i32,
}

/// Geometry of a windowed operator over an NHWC tensor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Batch size.
    pub batches: usize,
    /// Input (height, width, channels).
    pub input: (usize, usize, usize),
    /// Output (height, width, channels).
    pub output: (usize, usize, usize),
    /// Window (height, width).
    pub kernel: (usize, usize),
    /// (height, width) stride.
    pub stride: (usize, usize),
    /// (height, width) dilation.
    pub dilation: (usize, usize),
    /// Padding before (top, left).
    pub pad: (usize, usize),
}

/// Broadcasting of a binary operator, padded to 6 dimensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broadcast {
    /// Output dimensions.
    pub dims: [usize; 6],
    /// First input's element strides (0 where broadcast).
    pub a_strides: [usize; 6],
    /// Second input's element strides.
    pub b_strides: [usize; 6],
}

/// Sizes of an SVDF layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SvdfGeometry {
    /// Input rows.
    pub batches: usize,
    /// Row length.
    pub input_size: usize,
    /// Filters (`units * rank`).
    pub filters: usize,
    /// Filters summed per output unit.
    pub rank: usize,
    /// Past projections kept per filter.
    pub memory: usize,
}

/// The shape of a resize: an NHWC input, resized in height and width.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resize {
    /// Batch size.
    pub batches: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Channels.
    pub channels: usize,
}

/// One output row or column of an integer bilinear resize: the two source
/// indices and the weight of the second in 1/1024 (the first's is `1024 -
/// weight`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lerp {
    /// First source index.
    pub lo: usize,
    /// Second source index.
    pub hi: usize,
    /// Weight of `hi`, in 1/1024.
    pub weight: i32,
}

/// One output row or column of a float bilinear resize.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LerpF32 {
    /// First source index.
    pub lo: usize,
    /// Second source index.
    pub hi: usize,
    /// The source coordinate minus `lo` (the weight of `hi`).
    pub frac: f32,
}

/// The shape of a sequence LSTM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LstmShape {
    /// Batch size.
    pub batches: usize,
    /// Time steps.
    pub time_steps: usize,
    /// Input laid out `[time, batch, features]` (else `[batch, time,
    /// features]`).
    pub time_major: bool,
    /// Input features.
    pub input_dim: usize,
    /// Units.
    pub state_dim: usize,
}

/// Per-gate constants of an LSTM, in TFLite's gate order (input, forget,
/// cell, output).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LstmGates {
    /// `[units][features]` input weights: int8 values, or little-endian
    /// float32 bytes.
    pub input_weights: [Vec<u8>; 4],
    /// `[units][units]` recurrent weights, likewise.
    pub recurrent_weights: [Vec<u8>; 4],
    /// float32: the bias bytes.
    pub bias: [Vec<u8>; 4],
    /// int8: bias plus the input zero-point term.
    pub input_bias: [Vec<i32>; 4],
    /// int8: the hidden-state zero-point term.
    pub recurrent_bias: [Vec<i32>; 4],
}

/// The element operation of a float32 binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryF32 {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
}

/// A float32 element-wise activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryF32 {
    /// RELU.
    Relu,
    /// RELU6.
    Relu6,
    /// LEAKY_RELU with its alpha.
    LeakyRelu(f32),
}

/// A kernel call with its constants.
#[derive(Clone, Debug, PartialEq)]
pub enum Kernel {
    /// CONV_2D, int8.
    Conv2d {
        /// Geometry.
        window: Window,
        /// Input channels per group.
        filter_in_c: usize,
        /// Minus the input zero point.
        input_offset: i32,
        /// `[out_c][k_h][k_w][filter_in_c]` weights.
        filter: Vec<i8>,
        /// Bias per output channel (empty for none).
        bias: Vec<i32>,
        /// Requantization.
        requant: Requant,
    },
    /// DEPTHWISE_CONV_2D, int8.
    DepthwiseConv2d {
        /// Geometry.
        window: Window,
        /// Output channels per input channel.
        depth_multiplier: usize,
        /// Minus the input zero point.
        input_offset: i32,
        /// `[k_h][k_w][out_c]` weights.
        filter: Vec<i8>,
        /// Bias per output channel (empty for none).
        bias: Vec<i32>,
        /// Requantization.
        requant: Requant,
    },
    /// CONV_2D, float32.
    Conv2dF32 {
        /// Geometry.
        window: Window,
        /// Input channels per group.
        filter_in_c: usize,
        /// `[out_c][k_h][k_w][filter_in_c]` weights, little-endian f32 bytes.
        filter: Vec<u8>,
        /// Bias, little-endian f32 bytes (empty for none).
        bias: Vec<u8>,
        /// Activation bounds.
        act: (f32, f32),
    },
    /// DEPTHWISE_CONV_2D, float32.
    DepthwiseConv2dF32 {
        /// Geometry.
        window: Window,
        /// Output channels per input channel.
        depth_multiplier: usize,
        /// `[k_h][k_w][out_c]` weights, little-endian f32 bytes.
        filter: Vec<u8>,
        /// Bias, little-endian f32 bytes (empty for none).
        bias: Vec<u8>,
        /// Activation bounds.
        act: (f32, f32),
    },
    /// FULLY_CONNECTED, int8.
    FullyConnected {
        /// Input rows.
        batches: usize,
        /// Row length.
        depth: usize,
        /// Output units.
        out_c: usize,
        /// Minus the input zero point.
        input_offset: i32,
        /// Minus the filter zero point.
        filter_offset: i32,
        /// `[out_c][depth]` weights.
        filter: Vec<i8>,
        /// Bias per unit (empty for none).
        bias: Vec<i32>,
        /// Requantization (per-tensor: one multiplier).
        requant: Requant,
    },
    /// FULLY_CONNECTED, float32.
    FullyConnectedF32 {
        /// Input rows.
        batches: usize,
        /// Row length.
        depth: usize,
        /// Output units.
        out_c: usize,
        /// `[out_c][depth]` weights, little-endian f32 bytes.
        filter: Vec<u8>,
        /// Bias, little-endian f32 bytes (empty for none).
        bias: Vec<u8>,
        /// Activation bounds.
        act: (f32, f32),
    },
    /// SVDF, int8 input and output, int8 or int16 state and time weights.
    Svdf {
        /// State and time-weight type (int8 or int16).
        state_dtype: DType,
        /// Geometry.
        geometry: SvdfGeometry,
        /// Zero points of the input, the state and the output.
        zero_points: (i32, i32, i32),
        /// (multiplier, shift) of `input_scale * feature_scale / state_scale`.
        feature_multiplier: (i32, i32),
        /// (multiplier, shift) of `state_scale * time_scale / output_scale`.
        time_multiplier: (i32, i32),
        /// `[filters][input_size]` feature weights.
        weights_feature: Vec<i8>,
        /// `[filters][memory]` time weights, little-endian bytes.
        weights_time: Vec<u8>,
        /// Bias per unit.
        bias: Vec<i32>,
    },
    /// SVDF, float32.
    SvdfF32 {
        /// Geometry.
        geometry: SvdfGeometry,
        /// Fused activation.
        activation: crate::parse::Activation,
        /// `[filters][input_size]` feature weights, little-endian f32 bytes.
        weights_feature: Vec<u8>,
        /// `[filters][memory]` time weights, little-endian f32 bytes.
        weights_time: Vec<u8>,
        /// Bias per unit, little-endian f32 bytes.
        bias: Vec<u8>,
    },
    /// BATCH_MATMUL (int8, int16, float32) over broadcast batch dimensions.
    BatchMatMul {
        /// Element type of both inputs and the output.
        dtype: DType,
        /// Output batch dimensions, padded to 3 with leading ones.
        batch_dims: [usize; 3],
        /// First input's element strides per batch dimension (0 where broadcast).
        lhs_batch_strides: [usize; 3],
        /// Second input's element strides per batch dimension.
        rhs_batch_strides: [usize; 3],
        /// (rows, columns, depth) of each product.
        mkn: (usize, usize, usize),
        /// First input's (row, depth) element strides.
        lhs_strides: (usize, usize),
        /// Second input's (depth, column) element strides.
        rhs_strides: (usize, usize),
        /// Minus the zero points of the inputs.
        input_offsets: (i32, i32),
        /// Output zero point.
        output_offset: i32,
        /// (multiplier, shift) of `s_lhs * s_rhs / s_out` (unused for float32).
        multiplier: (i32, i32),
    },
    /// ADD or SUB of two quantized tensors (int8 or int16), broadcasting.
    Arithmetic {
        /// SUB rather than ADD.
        sub: bool,
        /// Element type.
        dtype: DType,
        /// Minus the zero points of the inputs.
        input_offsets: (i32, i32),
        /// Headroom shift.
        left_shift: i32,
        /// (multiplier, shift) of each input and of the result.
        multipliers: [(i32, i32); 3],
        /// Output zero point.
        output_offset: i32,
        /// Activation bounds.
        act: (i32, i32),
        /// Index mapping when shapes differ.
        broadcast: Option<Broadcast>,
        /// Whether the layer gets the int8 tables of the rescaled operands
        /// (`nn_runtime::kernels::add::Int8Tables`).
        tables: bool,
    },
    /// ADD, SUB or MUL, float32.
    BinaryF32 {
        /// The element operation.
        kind: BinaryF32,
        /// Activation bounds.
        act: (f32, f32),
        /// Index mapping when shapes differ.
        broadcast: Option<Broadcast>,
    },
    /// MEAN or SUM, quantized.
    Mean {
        /// Element type.
        dtype: DType,
        /// Kept axes' sizes and input strides (padded to 6).
        kept: ([usize; 6], [usize; 6]),
        /// Reduced axes' sizes and input strides.
        reduced: ([usize; 6], [usize; 6]),
        /// Elements per output.
        count: i32,
        /// Input and output zero points.
        zero_points: (i32, i32),
        /// (multiplier, shift), with MEAN's division folded in.
        multiplier: (i32, i32),
    },
    /// MEAN or SUM, float32.
    ReduceF32 {
        /// Kept axes' sizes and input strides (padded to 6).
        kept: ([usize; 6], [usize; 6]),
        /// Reduced axes' sizes and input strides.
        reduced: ([usize; 6], [usize; 6]),
        /// Elements per output.
        count: usize,
        /// MEAN (divide the sum by `count`) rather than SUM.
        mean: bool,
    },
    /// MUL of two quantized tensors (int8 or int16), broadcasting.
    Mul {
        /// Element type.
        dtype: DType,
        /// Minus the zero points of the inputs.
        input_offsets: (i32, i32),
        /// Output zero point.
        output_offset: i32,
        /// (multiplier, shift) of `s1 * s2 / s_out`.
        multiplier: (i32, i32),
        /// Activation bounds.
        act: (i32, i32),
        /// Index mapping when shapes differ.
        broadcast: Option<Broadcast>,
    },
    /// MAXIMUM or MINIMUM.
    MaximumMinimum {
        /// MAXIMUM rather than MINIMUM.
        maximum: bool,
        /// Element type.
        dtype: DType,
        /// Index mapping when shapes differ.
        broadcast: Option<Broadcast>,
    },
    /// RELU, quantized.
    Relu {
        /// Element type.
        dtype: DType,
        /// Input zero point.
        input_offset: i32,
        /// Output zero point.
        output_offset: i32,
        /// (multiplier, shift) of `s_in / s_out`.
        multiplier: (i32, i32),
        /// Bounds.
        act: (i32, i32),
    },
    /// RELU6, quantized: a clamp of the stored values.
    Relu6 {
        /// Element type.
        dtype: DType,
        /// Quantized 0 and 6 of the input.
        bounds: (i32, i32),
    },
    /// CONV_2D with int16 activations and int8 weights (16x8).
    Conv2d16x8 {
        /// Geometry.
        window: Window,
        /// Input channels per group.
        filter_in_c: usize,
        /// `[out_c][k_h][k_w][filter_in_c]` weights.
        filter: Vec<i8>,
        /// int64 bias per output channel (empty for none).
        bias: Vec<i64>,
        /// Requantization.
        requant: Requant,
    },
    /// TRANSPOSE_CONV, float32.
    TransposeConvF32 {
        /// Geometry (input, output, kernel, stride, padding).
        window: Window,
        /// `[out_c][k_h][k_w][in_c]` weights, little-endian f32 bytes.
        filter: Vec<u8>,
        /// Bias, little-endian f32 bytes (empty for none).
        bias: Vec<u8>,
        /// Activation bounds.
        act: (f32, f32),
    },
    /// DEPTHWISE_CONV_2D with int16 activations and int8 weights (16x8).
    DepthwiseConv2d16x8 {
        /// Geometry.
        window: Window,
        /// Output channels per input channel.
        depth_multiplier: usize,
        /// `[k_h][k_w][out_c]` weights.
        filter: Vec<i8>,
        /// int64 bias per output channel (empty for none).
        bias: Vec<i64>,
        /// Requantization.
        requant: Requant,
    },
    /// FULLY_CONNECTED with int16 activations and int8 weights (16x8).
    FullyConnected16x8 {
        /// Input rows.
        batches: usize,
        /// Row length.
        depth: usize,
        /// Output units.
        out_c: usize,
        /// `[out_c][depth]` weights.
        filter: Vec<i8>,
        /// int64 bias per unit (empty for none).
        bias: Vec<i64>,
        /// Requantization (per-tensor: one multiplier).
        requant: Requant,
    },
    /// TRANSPOSE_CONV, int8 or 16x8.
    TransposeConv {
        /// Activation type (int8 or int16).
        dtype: DType,
        /// Geometry (input, output, kernel, stride, padding).
        window: Window,
        /// Minus the input zero point.
        input_offset: i32,
        /// `[out_c][k_h][k_w][in_c]` weights.
        filter: Vec<i8>,
        /// Bias per output channel (int32 for int8, int64 for int16).
        bias: Vec<i64>,
        /// Requantization.
        requant: Requant,
    },
    /// LEAKY_RELU, int8 or int16.
    LeakyRelu {
        /// Element type.
        dtype: DType,
        /// Input zero point.
        input_offset: i32,
        /// Output zero point.
        output_offset: i32,
        /// (multiplier, shift) for non-negative inputs.
        identity: (i32, i32),
        /// (multiplier magnitude, shift) for negative inputs.
        alpha: (i32, i32),
        /// Whether alpha is negative.
        alpha_negative: bool,
    },
    /// PRELU, int8: `x >= 0 ? x : x * alpha`, alpha broadcast.
    Prelu {
        /// Minus the input zero point.
        input_offset: i32,
        /// Minus the alpha zero point.
        alpha_offset: i32,
        /// Output zero point.
        output_offset: i32,
        /// (multiplier, shift) of `s_in / s_out`, for non-negative inputs.
        identity: (i32, i32),
        /// (multiplier, shift) of `s_in * s_alpha / s_out`, for negative inputs.
        alpha: (i32, i32),
        /// Index mapping when the input and alpha shapes differ.
        broadcast: Option<Broadcast>,
    },
    /// PRELU, float32.
    PreluF32 {
        /// Index mapping when the input and alpha shapes differ.
        broadcast: Option<Broadcast>,
    },
    /// HARD_SWISH, int8: TFLM's integer algorithm evaluated for every input.
    HardSwish {
        /// Output per input byte, indexed by `x as u8`.
        table: Vec<i8>,
    },
    /// HARD_SWISH, float32.
    HardSwishF32,
    /// RELU, RELU6 or LEAKY_RELU, float32.
    UnaryF32 {
        /// The activation.
        kind: UnaryF32,
    },
    /// RESIZE_NEAREST_NEIGHBOR: a copy of one source pixel per output pixel.
    ResizeNearest {
        /// Element type.
        dtype: DType,
        /// Input geometry.
        geometry: Resize,
        /// Source row per output row.
        rows: Vec<usize>,
        /// Source column per output column.
        cols: Vec<usize>,
    },
    /// RESIZE_BILINEAR, int8 (TFLM's integer interpolation).
    ResizeBilinear {
        /// Input geometry.
        geometry: Resize,
        /// Per output row.
        rows: Vec<Lerp>,
        /// Per output column.
        cols: Vec<Lerp>,
    },
    /// RESIZE_BILINEAR, float32.
    ResizeBilinearF32 {
        /// Input geometry.
        geometry: Resize,
        /// Per output row.
        rows: Vec<LerpF32>,
        /// Per output column.
        cols: Vec<LerpF32>,
    },
    /// LOGISTIC or TANH.
    LogisticTanh {
        /// TANH rather than LOGISTIC.
        tanh: bool,
        /// Element type (int8, int16 or float32).
        dtype: DType,
        /// int8: the output for every input, indexed by the input's bits.
        table: Vec<i8>,
        /// int16: TFLM's `input_multiplier` and `input_left_shift`.
        int16: (i32, i32),
    },
    /// UNIDIRECTIONAL_SEQUENCE_LSTM, int8 with an int16 cell state.
    LstmI8 {
        /// Shape.
        shape: LstmShape,
        /// Weights and folded biases.
        gates: LstmGates,
        /// Per gate: (multiplier, shift) of the input product to 2^-12.
        input_multiplier: [(i32, i32); 4],
        /// Per gate: (multiplier, shift) of the recurrent product to 2^-12.
        recurrent_multiplier: [(i32, i32); 4],
        /// Forget gate times cell state, to the cell scale.
        forget_cell_multiplier: (i32, i32),
        /// Input gate times cell gate, to the cell scale.
        input_cell_multiplier: (i32, i32),
        /// tanh(cell) times output gate, to the hidden scale.
        hidden_multiplier: (i32, i32),
        /// Hidden state zero point.
        hidden_zero_point: i32,
        /// Quantized cell clip, if any.
        cell_clip: Option<i16>,
        /// TFLM's tanh parameters for the cell state.
        cell_tanh: (i32, i32),
    },
    /// UNIDIRECTIONAL_SEQUENCE_LSTM, float32.
    LstmF32 {
        /// Shape.
        shape: LstmShape,
        /// Weights and biases.
        gates: LstmGates,
        /// Cell clip, if any.
        cell_clip: Option<f32>,
    },
    /// PAD / PADV2.
    Pad {
        /// Element type.
        dtype: DType,
        /// Input dimensions (padded to 6).
        in_dims: [usize; 6],
        /// Padding before each dimension.
        before: [usize; 6],
        /// Output dimensions.
        out_dims: [usize; 6],
        /// Fill value (for float32, the bit pattern of the float).
        value: i64,
    },
    /// A copy of the whole input into a window of the output (one input of
    /// CONCATENATION or PACK; the output is written by several such steps).
    CopyWindow {
        /// Element type.
        dtype: DType,
        /// First output index per axis.
        start: [usize; 6],
        /// Input dimensions (the window's size).
        count: [usize; 6],
        /// Output element strides per axis.
        out_strides: [usize; 6],
    },
    /// A strided gather: STRIDED_SLICE, SLICE, TRANSPOSE, SPLIT, SPLIT_V,
    /// UNPACK.
    StridedSlice {
        /// Element type.
        dtype: DType,
        /// First index per axis.
        start: [isize; 6],
        /// Step per axis.
        stride: [isize; 6],
        /// Count per axis.
        count: [usize; 6],
        /// Input element strides per axis.
        in_strides: [usize; 6],
    },
    /// AVERAGE_POOL_2D, int8.
    AveragePool2d {
        /// Geometry.
        window: Window,
        /// Activation bounds.
        act: (i32, i32),
    },
    /// AVERAGE_POOL_2D or MAX_POOL_2D, float32.
    Pool2dF32 {
        /// Geometry.
        window: Window,
        /// AVERAGE_POOL_2D rather than MAX_POOL_2D.
        average: bool,
        /// Activation bounds.
        act: (f32, f32),
    },
    /// MAX_POOL_2D, int8.
    MaxPool2d {
        /// Geometry.
        window: Window,
        /// Activation bounds.
        act: (i32, i32),
    },
    /// SOFTMAX, int8 to int8 or int16 (the output slice's type).
    Softmax {
        /// Rows.
        rows: usize,
        /// Row length.
        depth: usize,
        /// Input multiplier.
        input_multiplier: i32,
        /// Input left shift.
        input_left_shift: i32,
        /// Cut-off difference.
        diff_min: i32,
    },
    /// SOFTMAX, int16 to int16.
    SoftmaxI16 {
        /// Rows.
        rows: usize,
        /// Row length.
        depth: usize,
        /// Input multiplier (to the exp table's input range).
        input_multiplier: i32,
        /// Input shift (positive: left).
        input_left_shift: i32,
        /// TFLM's 513-entry `exp` table.
        exp_lut: Vec<i16>,
        /// TFLM's 513-entry `1 / (1 + x)` table.
        one_over_one_plus_x_lut: Vec<i16>,
    },
    /// SOFTMAX, float32.
    SoftmaxF32 {
        /// Rows.
        rows: usize,
        /// Row length.
        depth: usize,
        /// Inverse temperature.
        beta: f32,
    },
    /// QUANTIZE float32 to int8.
    QuantizeF32 {
        /// Output scale.
        scale: f32,
        /// Output zero point.
        zero_point: i32,
    },
    /// QUANTIZE between integer types (int8, int16, int32).
    Requantize {
        /// Input type.
        from: DType,
        /// Output type.
        to: DType,
        /// Multiplier.
        multiplier: i32,
        /// Shift.
        shift: i32,
        /// Input zero point.
        input_zero_point: i32,
        /// Output zero point.
        output_zero_point: i32,
    },
    /// DEQUANTIZE int8 to float32.
    Dequantize {
        /// Input scale.
        scale: f32,
        /// Input zero point.
        zero_point: i32,
    },
}

impl Kernel {
    /// Bytes of constant data the kernel's parameters place in flash:
    /// weights, biases, multipliers and shifts.
    pub fn const_bytes(&self) -> usize {
        match self {
            // Conv2d also stores the bias with the zero-point sums folded in.
            Kernel::Conv2d { filter, bias, requant, window, .. } => {
                filter.len()
                    + crate::emit::conv_filter_padding(filter.len(), window.output.2)
                    + 4 * (bias.len() + requant.multiplier.len() * 2 + requant.shift.len())
            }
            Kernel::DepthwiseConv2d { filter, bias, requant, .. } => {
                filter.len() + 4 * (bias.len() + requant.multiplier.len() + requant.shift.len())
            }
            // Also the bias with the zero-point sums folded in, per unit.
            Kernel::FullyConnected { filter, bias, requant, out_c, filter_offset, .. } => {
                let folded = if *filter_offset == 0 { *out_c } else { 0 };
                filter.len() + 4 * (bias.len() + folded + requant.multiplier.len() + requant.shift.len())
            }
            Kernel::FullyConnectedF32 { filter, bias, .. }
            | Kernel::Conv2dF32 { filter, bias, .. }
            | Kernel::DepthwiseConv2dF32 { filter, bias, .. }
            | Kernel::TransposeConvF32 { filter, bias, .. } => filter.len() + bias.len(),
            Kernel::Svdf { weights_feature, weights_time, bias, .. } => {
                weights_feature.len() + weights_time.len() + 4 * bias.len()
            }
            Kernel::SvdfF32 { weights_feature, weights_time, bias, .. } => {
                weights_feature.len() + weights_time.len() + bias.len()
            }
            Kernel::HardSwish { table } => table.len(),
            Kernel::Arithmetic { tables: true, .. } => core::mem::size_of::<nn_runtime::kernels::add::Int8Tables>(),
            Kernel::Conv2d16x8 { filter, bias, requant, .. }
            | Kernel::DepthwiseConv2d16x8 { filter, bias, requant, .. }
            | Kernel::FullyConnected16x8 { filter, bias, requant, .. } => {
                filter.len() + 8 * bias.len() + 4 * (requant.multiplier.len() + requant.shift.len())
            }
            Kernel::TransposeConv { dtype, filter, bias, requant, .. } => {
                let b = if *dtype == DType::I16 { 8 } else { 4 };
                filter.len() + b * bias.len() + 4 * (requant.multiplier.len() + requant.shift.len())
            }
            Kernel::LogisticTanh { table, .. } => table.len(),
            Kernel::SoftmaxI16 { exp_lut, one_over_one_plus_x_lut, .. } => {
                2 * (exp_lut.len() + one_over_one_plus_x_lut.len())
            }
            Kernel::LstmI8 { gates: g, .. } | Kernel::LstmF32 { gates: g, .. } => {
                let vecs = g.input_weights.iter().chain(&g.recurrent_weights).chain(&g.bias);
                vecs.map(Vec::len).sum::<usize>()
                    + 4 * g.input_bias.iter().chain(&g.recurrent_bias).map(Vec::len).sum::<usize>()
            }
            _ => 0,
        }
    }

    /// Multiply-accumulates per inference.
    pub fn macs(&self) -> u64 {
        match self {
            Kernel::Conv2d { window: w, filter_in_c, .. } | Kernel::Conv2dF32 { window: w, filter_in_c, .. } => {
                (w.batches * w.output.0 * w.output.1 * w.output.2 * w.kernel.0 * w.kernel.1 * filter_in_c) as u64
            }
            Kernel::DepthwiseConv2d { window: w, .. }
            | Kernel::DepthwiseConv2dF32 { window: w, .. }
            | Kernel::DepthwiseConv2d16x8 { window: w, .. } => {
                (w.batches * w.output.0 * w.output.1 * w.output.2 * w.kernel.0 * w.kernel.1) as u64
            }
            Kernel::FullyConnected { batches, depth, out_c, .. }
            | Kernel::FullyConnectedF32 { batches, depth, out_c, .. }
            | Kernel::FullyConnected16x8 { batches, depth, out_c, .. } => (batches * depth * out_c) as u64,
            // The feature projection and the time filter of every filter.
            Kernel::Svdf { geometry: g, .. } | Kernel::SvdfF32 { geometry: g, .. } => {
                (g.batches * g.filters * (g.input_size + g.memory)) as u64
            }
            Kernel::BatchMatMul { batch_dims, mkn: (m, n, k), .. } => {
                (batch_dims.iter().product::<usize>() * m * n * k) as u64
            }
            Kernel::Conv2d16x8 { window: w, filter_in_c, .. } => {
                (w.batches * w.output.0 * w.output.1 * w.output.2 * w.kernel.0 * w.kernel.1 * filter_in_c) as u64
            }
            // Four gates, each an input and a recurrent product per step.
            Kernel::LstmI8 { shape: s, .. } | Kernel::LstmF32 { shape: s, .. } => {
                (4 * s.batches * s.time_steps * s.state_dim * (s.input_dim + s.state_dim)) as u64
            }
            // Every input element meets every filter tap and output channel.
            Kernel::TransposeConv { window: w, .. } | Kernel::TransposeConvF32 { window: w, .. } => {
                (w.batches * w.input.0 * w.input.1 * w.input.2 * w.kernel.0 * w.kernel.1 * w.output.2) as u64
            }
            _ => 0,
        }
    }
}

/// One step of the program: a kernel reading some tensors and writing one.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Index of the TFLite operator it implements.
    pub op_index: usize,
    /// TFLite name of that operator.
    pub op_name: String,
    /// The kernel.
    pub kernel: Kernel,
    /// Activation tensors read, in kernel argument order.
    pub inputs: Vec<usize>,
    /// Activation tensor written.
    pub output: usize,
    /// Variable (state) tensors the kernel reads and updates in place,
    /// passed as mutable slices after the output. They keep their values
    /// across inferences in one arena, as TFLM's variable tensors do.
    pub state: Vec<usize>,
    /// Step-local scratch buffers (element type, element count), planned in
    /// the arena and passed as mutable slices after the state.
    pub scratch: Vec<(DType, usize)>,
}

/// An activation tensor of the lowered program.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    /// Tensor name in the model.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// Per-tensor (scale, zero point) if quantized.
    pub quant: Option<(f32, i32)>,
}

impl Value {
    /// Size in bytes.
    pub fn bytes(&self) -> usize {
        self.shape.iter().product::<usize>() * self.dtype.size()
    }
}

/// The lowered model.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// Tensors by model tensor index (`None` for constants and unused).
    pub values: Vec<Option<Value>>,
    /// Steps in execution order.
    pub steps: Vec<Step>,
    /// Tensors that share storage with another (RESHAPE, SQUEEZE): `alias[t]`
    /// is the tensor whose storage `t` uses (itself if none).
    pub alias: Vec<usize>,
    /// Graph inputs.
    pub inputs: Vec<usize>,
    /// Graph outputs.
    pub outputs: Vec<usize>,
    /// Variable (state) tensors, in order of first use.
    pub state: Vec<usize>,
    /// TFLite operators per step, for documentation: (index, name, output shape).
    pub layers: Vec<(usize, String, Vec<usize>)>,
    /// Constant tensors read by steps as operands (e.g. the constant of
    /// `x + k`): tensor index, type and little-endian data.
    pub constants: Vec<(usize, DType, Vec<u8>)>,
}
