//! Person detection (TFLM example, MobileNet v1 0.25, 96x96 grayscale) on the
//! two shipped images, each checked against the TFLM reference output.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use nn_firmware::{entry, run, Model};

nn_macro::include_model!("../../shared/models/tflite-micro/person_detect/person_detect.tflite");

/// The activation memory, a static in RAM (.bss).
static mut ARENA: person_detect::Arena = person_detect::Arena::new();

/// One inference: a function of its own, never inlined into the harness, so
/// that `tools/qemu/code_size.py` finds the code it reaches under this name.
#[no_mangle]
#[inline(never)]
fn nn_infer(arena: &mut person_detect::Arena, input: &person_detect::Input, output: &mut person_detect::Output) {
    person_detect::infer_in(arena, input, output)
}

#[entry]
fn main() -> ! {
    // SAFETY: the only reference to ARENA, taken once.
    let arena = unsafe { &mut *addr_of_mut!(ARENA) };
    let model = Model {
        name: "person_detect",
        macs: person_detect::MACS,
        weight_bytes: person_detect::WEIGHT_BYTES,
        arena_bytes: person_detect::ARENA_BYTES,
    };
    run(
        &model,
        include_bytes!(concat!(env!("OUT_DIR"), "/person_detect_input.bin")),
        include_bytes!(concat!(env!("OUT_DIR"), "/person_detect_reference.bin")),
        usize::MAX,
        |input, output| nn_infer(arena, input, output),
    )
}
