//! Diagnostics: what is wrong with a model, where, and what to do.

use std::fmt;

/// One problem found in a model. The message names the operator (index and
/// TFLite opcode) or tensor it concerns, and what the user can do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Index of the operator in the subgraph, if the problem is in one.
    pub op_index: Option<usize>,
    /// The complete, human-readable message.
    pub message: String,
}

impl Diagnostic {
    /// A problem with the model as a whole.
    pub fn model(message: impl Into<String>) -> Self {
        Diagnostic { op_index: None, message: message.into() }
    }

    /// A problem with operator `index`, whose TFLite name is `opcode`.
    pub fn op(index: usize, opcode: &str, message: impl fmt::Display) -> Self {
        Diagnostic { op_index: Some(index), message: format!("operator {index} ({opcode}): {message}") }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Collects diagnostics so that one compilation reports every problem
/// instead of stopping at the first.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Whether nothing went wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
