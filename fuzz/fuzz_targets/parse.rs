//! The reader alone: any bytes either parse into a graph or give one
//! non-empty diagnostic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(d) = nn_compiler::parse::parse(data) {
        assert!(!d.message.is_empty(), "empty diagnostic");
    }
});
