//! Micro speech LSTM (TFLM xtensa example, int8 UNIDIRECTIONAL_SEQUENCE_LSTM
//! over 49 frames) on its 2 shipped feature arrays, each checked against the
//! TFLM reference output.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use nn_firmware::{entry, run, Model};

nn_macro::include_model!(
    micro_speech_lstm = "../../shared/models/tflite-micro/micro_speech_lstm/micro_speech_lstm.tflite"
);

/// The activation memory, a static in RAM (.bss).
static mut ARENA: micro_speech_lstm::Arena = micro_speech_lstm::Arena::new();

/// One inference: a function of its own, never inlined into the harness, so
/// that `tools/qemu/code_size.py` finds the code it reaches under this name.
#[no_mangle]
#[inline(never)]
fn nn_infer(
    arena: &mut micro_speech_lstm::Arena,
    input: &micro_speech_lstm::Input,
    output: &mut micro_speech_lstm::Output,
) {
    micro_speech_lstm::infer_in(arena, input, output)
}

#[entry]
fn main() -> ! {
    // SAFETY: the only reference to ARENA, taken once.
    let arena = unsafe { &mut *addr_of_mut!(ARENA) };
    let model = Model {
        name: "micro_speech_lstm",
        macs: micro_speech_lstm::MACS,
        weight_bytes: micro_speech_lstm::WEIGHT_BYTES,
        arena_bytes: micro_speech_lstm::ARENA_BYTES,
    };
    run(
        &model,
        include_bytes!(concat!(env!("OUT_DIR"), "/micro_speech_lstm_input.bin")),
        include_bytes!(concat!(env!("OUT_DIR"), "/micro_speech_lstm_reference.bin")),
        usize::MAX,
        // Each reference output is TFLM's from a fresh interpreter: start
        // every sample from the reset LSTM state.
        |input, output| {
            arena.reset();
            nn_infer(arena, input, output)
        },
    )
}
