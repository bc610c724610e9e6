//! Proves that a generated model module and `nn-runtime` build without `std`
//! or an allocator, for any Cortex-M target:
//!
//! ```sh
//! cargo build --release -p no-std-check --target thumbv7em-none-eabihf
//! cargo build --release -p no-std-check --target thumbv6m-none-eabi
//! ```
#![no_std]

nn_macro::include_model!(cifar10 = "../cifar10/data/cifar10.tflite");

/// The activation memory, placed by the linker like any other static.
static mut ARENA: cifar10::Arena = cifar10::Arena::new();

/// Classifies one image in the static arena and returns the class index.
///
/// # Safety
/// Must not be called re-entrantly (it uses one static arena).
pub unsafe fn classify(image: &cifar10::Input) -> usize {
    let mut out: cifar10::Output = [0; 10];
    // SAFETY: the caller guarantees exclusive use of the static arena.
    let arena = unsafe { &mut *core::ptr::addr_of_mut!(ARENA) };
    cifar10::infer_in(arena, image, &mut out);
    out.iter().enumerate().fold(0, |best, (i, &x)| if x > out[best] { i } else { best })
}

/// Classifies one image with the arena on the stack.
pub fn classify_on_stack(image: &cifar10::Input) -> usize {
    let out = cifar10::infer(image);
    out.iter().enumerate().fold(0, |best, (i, &x)| if x > out[best] { i } else { best })
}
