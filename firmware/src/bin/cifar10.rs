//! The project's CIFAR-10 example model on its 20 real test
//! images, each checked against the TFLM reference output committed beside it.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use nn_firmware::{entry, run, Model};

nn_macro::include_model!("../examples/cifar10/data/cifar10.tflite");

/// The activation memory, a static in RAM (.bss).
static mut ARENA: cifar10::Arena = cifar10::Arena::new();

/// One inference: a function of its own, never inlined into the harness, so
/// that `tools/qemu/code_size.py` finds the code it reaches under this name.
#[no_mangle]
#[inline(never)]
fn nn_infer(arena: &mut cifar10::Arena, input: &cifar10::Input, output: &mut cifar10::Output) {
    cifar10::infer_in(arena, input, output)
}

#[entry]
fn main() -> ! {
    // SAFETY: the only reference to ARENA, taken once.
    let arena = unsafe { &mut *addr_of_mut!(ARENA) };
    let model = Model {
        name: "cifar10",
        macs: cifar10::MACS,
        weight_bytes: cifar10::WEIGHT_BYTES,
        arena_bytes: cifar10::ARENA_BYTES,
    };
    run(
        &model,
        include_bytes!("../../../examples/cifar10/data/inputs_int8.bin"),
        include_bytes!("../../../examples/cifar10/data/reference_output_int8.bin"),
        usize::MAX,
        |input, output| nn_infer(arena, input, output),
    )
}
