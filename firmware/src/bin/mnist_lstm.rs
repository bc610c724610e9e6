//! MNIST LSTM (TFLM example, int8 UNIDIRECTIONAL_SEQUENCE_LSTM over 28 rows)
//! on its 10 shipped digits, each checked against the TFLM reference output.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use nn_firmware::{entry, run, Model};

nn_macro::include_model!(mnist_lstm = "../../shared/models/tflite-micro/mnist_lstm_int8/trained_lstm_int8.tflite");

/// The activation memory, a static in RAM (.bss).
static mut ARENA: mnist_lstm::Arena = mnist_lstm::Arena::new();

/// One inference: a function of its own, never inlined into the harness, so
/// that `tools/qemu/code_size.py` finds the code it reaches under this name.
#[no_mangle]
#[inline(never)]
fn nn_infer(arena: &mut mnist_lstm::Arena, input: &mnist_lstm::Input, output: &mut mnist_lstm::Output) {
    mnist_lstm::infer_in(arena, input, output)
}

#[entry]
fn main() -> ! {
    // SAFETY: the only reference to ARENA, taken once.
    let arena = unsafe { &mut *addr_of_mut!(ARENA) };
    let model = Model {
        name: "mnist_lstm",
        macs: mnist_lstm::MACS,
        weight_bytes: mnist_lstm::WEIGHT_BYTES,
        arena_bytes: mnist_lstm::ARENA_BYTES,
    };
    run(
        &model,
        include_bytes!(concat!(env!("OUT_DIR"), "/mnist_lstm_input.bin")),
        include_bytes!(concat!(env!("OUT_DIR"), "/mnist_lstm_reference.bin")),
        usize::MAX,
        // Each reference output is TFLM's from a fresh interpreter: start
        // every sample from the reset LSTM state.
        |input, output| {
            arena.reset();
            nn_infer(arena, input, output)
        },
    )
}
