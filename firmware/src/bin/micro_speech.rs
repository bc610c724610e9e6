//! Micro speech (TFLM example, yes/no keyword spotting) on its 4 shipped
//! feature arrays, each checked against the TFLM reference output.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use nn_firmware::{entry, run, Model};

nn_macro::include_model!(micro_speech = "../../shared/models/tflite-micro/micro_speech/micro_speech_quantized.tflite");

/// The activation memory, a static in RAM (.bss).
static mut ARENA: micro_speech::Arena = micro_speech::Arena::new();

/// One inference: a function of its own, never inlined into the harness, so
/// that `tools/qemu/code_size.py` finds the code it reaches under this name.
#[no_mangle]
#[inline(never)]
fn nn_infer(arena: &mut micro_speech::Arena, input: &micro_speech::Input, output: &mut micro_speech::Output) {
    micro_speech::infer_in(arena, input, output)
}

#[entry]
fn main() -> ! {
    // SAFETY: the only reference to ARENA, taken once.
    let arena = unsafe { &mut *addr_of_mut!(ARENA) };
    let model = Model {
        name: "micro_speech",
        macs: micro_speech::MACS,
        weight_bytes: micro_speech::WEIGHT_BYTES,
        arena_bytes: micro_speech::ARENA_BYTES,
    };
    run(
        &model,
        include_bytes!(concat!(env!("OUT_DIR"), "/micro_speech_input.bin")),
        include_bytes!(concat!(env!("OUT_DIR"), "/micro_speech_reference.bin")),
        usize::MAX,
        |input, output| nn_infer(arena, input, output),
    )
}
