//! MLPerf Tiny image classification (ResNet-8, CIFAR-10) on its 22 shipped
//! samples, each checked against the TFLM reference output.
#![no_std]
#![no_main]

use core::ptr::addr_of_mut;
use nn_firmware::{entry, run, Model};

nn_macro::include_model!(resnet8 = "../../shared/models/mlcommons-tiny/ic_resnet8_int8/pretrainedResnet_quant.tflite");

/// The activation memory, a static in RAM (.bss).
static mut ARENA: resnet8::Arena = resnet8::Arena::new();

/// One inference: a function of its own, never inlined into the harness, so
/// that `tools/qemu/code_size.py` finds the code it reaches under this name.
#[no_mangle]
#[inline(never)]
fn nn_infer(arena: &mut resnet8::Arena, input: &resnet8::Input, output: &mut resnet8::Output) {
    resnet8::infer_in(arena, input, output)
}

#[entry]
fn main() -> ! {
    // SAFETY: the only reference to ARENA, taken once.
    let arena = unsafe { &mut *addr_of_mut!(ARENA) };
    let model = Model {
        name: "resnet8",
        macs: resnet8::MACS,
        weight_bytes: resnet8::WEIGHT_BYTES,
        arena_bytes: resnet8::ARENA_BYTES,
    };
    run(
        &model,
        include_bytes!(concat!(env!("OUT_DIR"), "/resnet8_input.bin")),
        include_bytes!(concat!(env!("OUT_DIR"), "/resnet8_reference.bin")),
        usize::MAX,
        |input, output| nn_infer(arena, input, output),
    )
}
