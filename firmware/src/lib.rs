//! What every firmware binary shares: checking a model's outputs against the
//! TFLM reference over semihosting, the instruction-count markers, the exit
//! status, the interrupt vectors and the panic handler (which the model
//! binaries do not link: they have no panic path, harness included).
//!
//! A binary compiles one model with `include_model!`, keeps its arena in a
//! `static`, calls the model's `infer_in` from a never-inlined `nn_infer`
//! (whose reachable code `tools/qemu/code_size.py` measures), and hands
//! [`run`] a closure that calls `nn_infer`.
//!
//! Printing does not use `core::fmt` (nor does the panic handler), so the
//! firmware's code size is mostly the model's code: the harness adds about
//! 2 KB, its 192-byte vector table included (see README.md).
#![no_std]

use core::mem::size_of;
use core::panic::PanicInfo;

pub use cortex_m_rt::entry;
use cortex_m_semihosting::debug;
use cortex_m_semihosting::hio::{self, HostStream};

/// An int8 tensor type of a generated model (`i8` or nested arrays of it):
/// alignment 1, no padding, every bit pattern valid.
///
/// # Safety
/// Only for `i8` and arrays of such types (the impls below).
pub unsafe trait Int8Tensor: Copy + 'static {
    /// All zeros.
    const ZERO: Self;
}

// SAFETY: i8 has size and alignment 1 and every bit pattern is valid.
unsafe impl Int8Tensor for i8 {
    const ZERO: Self = 0;
}

// SAFETY: an array of such types has no padding, alignment 1, and every bit
// pattern is valid.
unsafe impl<T: Int8Tensor, const N: usize> Int8Tensor for [T; N] {
    const ZERO: Self = [T::ZERO; N];
}

/// Sample `i` of a flat array of int8 tensors of type `T`, or `None` past
/// the end.
pub fn tensor<T: Int8Tensor>(bytes: &[u8], i: usize) -> Option<&T> {
    let n = size_of::<T>();
    let chunk = bytes.get(i * n..(i + 1) * n)?;
    // SAFETY: `chunk` has exactly size_of::<T>() bytes; T has alignment 1 and
    // every bit pattern is valid (Int8Tensor).
    Some(unsafe { &*chunk.as_ptr().cast::<T>() })
}

fn values<T: Int8Tensor>(t: &T) -> &[i8] {
    // SAFETY: T is size_of::<T>() contiguous i8 values (Int8Tensor).
    unsafe { core::slice::from_raw_parts((t as *const T).cast::<i8>(), size_of::<T>()) }
}

/// The device interrupt vectors after the 16 exception vectors: the 32
/// external interrupts of the MPS2 boards (the firmware enables none), all
/// on cortex-m-rt's default handler. With cortex-m-rt's `device` feature the
/// firmware sizes this table (128 bytes) instead of taking its generic 240
/// entries (960 bytes).
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
#[used]
pub static __INTERRUPTS: [unsafe extern "C" fn(); 32] = [DefaultHandler; 32];

extern "C" {
    /// cortex-m-rt's default exception and interrupt handler.
    fn DefaultHandler();
}

static mut MARK: u32 = 0;

/// Opens an instruction-count window: `../shared/tools/qemu-measure` counts
/// the instructions executed from each call of `bench_start` to the next call
/// of `bench_end`, and sums the windows.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bench_start() {
    // A distinct store keeps the two markers from being merged into one
    // function; the empty asm (which may touch any memory) keeps the model's
    // loads and stores from moving across the marker.
    // SAFETY: single-threaded firmware; a plain volatile store.
    unsafe {
        core::ptr::write_volatile(core::ptr::addr_of_mut!(MARK), 1);
        core::arch::asm!("", options(nostack, preserves_flags));
    }
}

/// Closes the window opened by [`bench_start`].
#[no_mangle]
#[inline(never)]
pub extern "C" fn bench_end() {
    // SAFETY: as in bench_start.
    unsafe {
        core::arch::asm!("", options(nostack, preserves_flags));
        core::ptr::write_volatile(core::ptr::addr_of_mut!(MARK), 2);
    }
}

/// One line of text for the host's stdout, formatted without `core::fmt`.
struct Line {
    out: Option<HostStream>,
    buf: [u8; 128],
    len: usize,
}

impl Line {
    #[inline(never)]
    fn new() -> Self {
        Line { out: hio::hstdout().ok(), buf: [0; 128], len: 0 }
    }

    #[inline(never)]
    fn flush(&mut self) {
        if let Some(out) = &mut self.out {
            // Nothing to do if the host cannot take it.
            let _ = out.write_all(self.buf.get(..self.len).unwrap_or_default());
        }
        self.len = 0;
    }

    #[inline(never)]
    fn bytes(&mut self, s: &[u8]) -> &mut Self {
        for &b in s {
            if self.len == self.buf.len() {
                self.flush();
            }
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
        self
    }

    fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    #[inline(never)]
    fn int(&mut self, v: i32) -> &mut Self {
        if v < 0 {
            self.bytes(b"-");
        }
        self.uint(v.unsigned_abs().into())
    }

    /// Counts up to u32::MAX, enough for everything printed here; 32-bit
    /// divisions need no 64-bit division routine.
    #[inline(never)]
    fn uint(&mut self, v: u64) -> &mut Self {
        let mut n = u32::try_from(v).unwrap_or(u32::MAX);
        let mut digits = [0u8; 10];
        let mut used = 0;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
            used += 1;
            if n == 0 {
                break;
            }
        }
        self.bytes(digits.get(digits.len() - used..).unwrap_or_default())
    }

    #[inline(never)]
    fn list(&mut self, values: &[i8]) -> &mut Self {
        self.bytes(b"[");
        for (i, &v) in values.iter().enumerate() {
            if i > 0 {
                self.bytes(b", ");
            }
            self.int(v.into());
        }
        self.bytes(b"]")
    }

    #[inline(never)]
    fn end(&mut self) {
        self.bytes(b"\n");
        self.flush();
    }
}

/// Prints where the panic happened (and its message when it is a plain
/// string) and exits QEMU with status 1.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    cortex_m::interrupt::disable();
    let mut line = Line::new();
    line.str("panicked");
    if let Some(at) = info.location() {
        line.str(" at ").str(at.file()).str(":").uint(at.line().into());
    }
    if let Some(message) = info.message().as_str() {
        line.str(": ").str(message);
    }
    line.end();
    exit(false)
}

/// Exits QEMU through semihosting: status 0 on success, 1 on failure.
pub fn exit(success: bool) -> ! {
    debug::exit(if success { debug::EXIT_SUCCESS } else { debug::EXIT_FAILURE });
    // Only reached without a semihosting host.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Prints `name: passed/total cases bit-exact` (and, if any failed, the
/// numbers describing the first failure) and exits QEMU with status 0 if
/// every case passed, 1 otherwise.
pub fn finish_cases(name: &str, passed: u32, total: u32, first_failure: &[i32]) -> ! {
    let mut line = Line::new();
    line.str(name).str(": ").uint(passed.into()).str("/").uint(total.into()).str(" cases bit-exact");
    if passed != total {
        line.str("; first failure:");
        for &v in first_failure {
            line.str(" ").int(v);
        }
    }
    line.end();
    exit(passed == total)
}

/// What the firmware prints about a model.
pub struct Model {
    /// The module name.
    pub name: &'static str,
    /// `MACS` of the generated module.
    pub macs: u64,
    /// `WEIGHT_BYTES` of the generated module.
    pub weight_bytes: usize,
    /// `ARENA_BYTES` of the generated module.
    pub arena_bytes: usize,
}

/// Runs `infer` on the first `max_samples` samples of `inputs` (raw int8
/// tensors of type `I`, one after the other), each inside a
/// [`bench_start`]/[`bench_end`] window, compares every output with the TFLM
/// outputs in `reference`, prints the results over semihosting, and exits
/// QEMU with status 0 if every output is bit-exact, 1 otherwise.
pub fn run<I: Int8Tensor, O: Int8Tensor>(
    model: &Model,
    inputs: &[u8],
    reference: &[u8],
    max_samples: usize,
    mut infer: impl FnMut(&I, &mut O),
) -> ! {
    let available = reference.len() / size_of::<O>();
    let mut line = Line::new();
    if available == 0 || reference.len() != available * size_of::<O>() || inputs.len() != available * size_of::<I>() {
        line.str(model.name).str(": the test vectors do not match the model's input and output sizes").end();
        exit(false);
    }
    let n = available.min(max_samples);
    line.str(model.name).str(": ").uint(model.macs).str(" MACs, ");
    line.uint(model.weight_bytes as u64).str(" bytes of weights, ");
    line.uint(model.arena_bytes as u64).str(" bytes of arena, ");
    line.uint((inputs.len() + reference.len()) as u64).str(" bytes of test vectors; ");
    line.uint(n as u64).str(" of ").uint(available as u64).str(" samples").end();
    let mut exact = 0;
    for i in 0..n {
        let (Some(input), Some(expected)) = (tensor::<I>(inputs, i), tensor::<O>(reference, i)) else { break };
        let mut output = O::ZERO;
        bench_start();
        // The input goes through `black_box`, so that LLVM cannot
        // specialise the inference for the test vectors (constants here).
        infer(core::hint::black_box(input), &mut output);
        bench_end();
        let same = values(&output) == values(expected);
        exact += usize::from(same);
        line.str(model.name).str(" sample ").uint(i as u64).str(": ").list(values(&output));
        if same {
            line.str(" bit-exact with TFLM").end();
        } else {
            line.str(" DIFFERS from TFLM ").list(values(expected)).end();
        }
    }
    line.str(model.name).str(": ").uint(exact as u64).str("/").uint(n as u64);
    line.str(" outputs bit-exact with TFLM").end();
    exit(exact == n)
}
