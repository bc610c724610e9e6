//! Bindings of the TensorFlow Lite flatbuffer schema.
//!
//! `generated.rs` and `op_names.rs` are produced by `regenerate.sh` (planus
//! 1.3.0 from TensorFlow's `schema.fbs`, version 3b); do not edit them by
//! hand. planus checks every offset and length on access, so reading a
//! hostile buffer yields errors, never panics or out-of-bounds reads.

#[allow(missing_docs, unused, clippy::all, clippy::pedantic, clippy::undocumented_unsafe_blocks)]
#[rustfmt::skip]
mod generated;
mod op_names;

pub use generated::tflite::*;
pub use op_names::BUILTIN_OPERATOR_NAMES;

/// The TFLite name of a builtin operator code (`CONV_2D`), if known.
pub fn builtin_name(code: i32) -> Option<&'static str> {
    BUILTIN_OPERATOR_NAMES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}
