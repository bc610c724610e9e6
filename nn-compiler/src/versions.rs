//! Operator versions.
//!
//! A TFLite operator's version number tells which variant of its semantics
//! the converter relied on (new types, options or arithmetic). Versions up to
//! the highest one TFLite's builtin resolver registers are understood: what
//! distinguishes them (types, per-channel quantization, options) is checked
//! by each operator's lowering. A version outside that range may carry
//! semantics this compiler has never seen, so it is rejected rather than
//! compiled into possibly wrong code.

/// The highest version of each builtin operator whose semantics are known
/// (TFLite's builtin resolver registers versions `1..=max`). Operators not
/// listed have a single version.
const MAX_VERSIONS: &[(&str, i32)] = &[
    ("ABS", 5),
    ("ADD", 5),
    ("AVERAGE_POOL_2D", 3),
    ("BATCH_MATMUL", 4),
    ("CAST", 7),
    ("CONCATENATION", 4),
    ("CONV_2D", 8),
    ("DEPTHWISE_CONV_2D", 7),
    ("DEQUANTIZE", 6),
    ("FLOOR_DIV", 3),
    ("FLOOR_MOD", 2),
    ("FULLY_CONNECTED", 13),
    ("GATHER", 7),
    ("LEAKY_RELU", 2),
    ("LOGISTIC", 3),
    ("MAXIMUM", 4),
    ("MAX_POOL_2D", 3),
    ("MEAN", 3),
    ("MINIMUM", 4),
    ("MUL", 7),
    ("PACK", 4),
    ("PAD", 5),
    ("PADV2", 5),
    ("QUANTIZE", 4),
    ("REDUCE_MAX", 3),
    ("REDUCE_MIN", 3),
    ("REDUCE_PROD", 2),
    ("RELU", 3),
    ("RELU6", 3),
    ("RESIZE_BILINEAR", 4),
    ("RESIZE_NEAREST_NEIGHBOR", 4),
    ("SLICE", 6),
    ("SOFTMAX", 3),
    ("SPLIT", 4),
    ("SPLIT_V", 2),
    ("SQUEEZE", 2),
    ("STRIDED_SLICE", 8),
    ("SUB", 5),
    ("SUM", 2),
    ("SVDF", 4),
    ("TANH", 3),
    ("TRANSPOSE", 7),
    ("TRANSPOSE_CONV", 5),
    ("UNIDIRECTIONAL_SEQUENCE_LSTM", 4),
    ("UNPACK", 4),
];

/// The highest known version of a builtin operator.
pub fn max_version(name: &str) -> i32 {
    MAX_VERSIONS.iter().find(|(n, _)| *n == name).map_or(1, |&(_, v)| v)
}

/// Why `version` of builtin operator `name` cannot be compiled, if it
/// cannot.
pub fn check(name: &str, version: i32) -> Option<String> {
    let max = max_version(name);
    if version < 1 {
        Some(format!("has version {version}; operator versions start at 1, so the model is malformed"))
    } else if version > max {
        Some(format!(
            "is version {version}, newer than the versions whose semantics this compiler knows (1 to {max}); \
             re-convert the model with a converter that emits version {max} or lower, or open an issue"
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ranges() {
        assert_eq!(check("CONV_2D", 1), None);
        assert_eq!(check("CONV_2D", 8), None);
        assert!(check("CONV_2D", 9).is_some_and(|m| m.contains("1 to 8")));
        assert!(check("RESHAPE", 2).is_some());
        assert!(check("ADD", 0).is_some_and(|m| m.contains("malformed")));
        assert!(check("ADD", -1).is_some());
    }

    #[test]
    fn table_is_sorted_and_unique() {
        assert!(MAX_VERSIONS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
