//! Hello world (TFLM example, sine regression, int8) on its 4 shipped inputs,
//! each checked against the TFLM reference output.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use nn_firmware::{entry, run, Model};

nn_macro::include_model!("../../shared/models/tflite-micro/hello_world_int8/hello_world_int8.tflite");

/// The activation memory, a static in RAM (.bss).
static mut ARENA: hello_world_int8::Arena = hello_world_int8::Arena::new();

/// One inference: a function of its own, never inlined into the harness, so
/// that `tools/qemu/code_size.py` finds the code it reaches under this name.
#[no_mangle]
#[inline(never)]
fn nn_infer(
    arena: &mut hello_world_int8::Arena,
    input: &hello_world_int8::Input,
    output: &mut hello_world_int8::Output,
) {
    hello_world_int8::infer_in(arena, input, output)
}

#[entry]
fn main() -> ! {
    // SAFETY: the only reference to ARENA, taken once.
    let arena = unsafe { &mut *addr_of_mut!(ARENA) };
    let model = Model {
        name: "hello_world_int8",
        macs: hello_world_int8::MACS,
        weight_bytes: hello_world_int8::WEIGHT_BYTES,
        arena_bytes: hello_world_int8::ARENA_BYTES,
    };
    run(
        &model,
        include_bytes!(concat!(env!("OUT_DIR"), "/hello_world_input.bin")),
        include_bytes!(concat!(env!("OUT_DIR"), "/hello_world_reference.bin")),
        usize::MAX,
        |input, output| nn_infer(arena, input, output),
    )
}
