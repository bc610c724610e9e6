//! ARMv7E-M DSP-extension inner loops (`SXTB16`, `SMLAD`), compiled on
//! Cortex-M4/M7 (see build.rs). Each must be bit-identical to its portable
//! counterpart; the QEMU firmware checks real models against TFLM with them.

use core::arch::asm;

/// `sum(x[i] * w[i])` over the common length, wrapping.
#[inline(always)]
pub(crate) fn dot_i8(x: &[i8], w: &[i8]) -> i32 {
    let n = x.len().min(w.len());
    let (x, w) = (&x[..n], &w[..n]);
    let mut acc: i32 = 0;
    let mut xs = x.chunks_exact(4);
    let mut ws = w.chunks_exact(4);
    for (xc, wc) in (&mut xs).zip(&mut ws) {
        let xv = u32::from_le_bytes([xc[0] as u8, xc[1] as u8, xc[2] as u8, xc[3] as u8]);
        let wv = u32::from_le_bytes([wc[0] as u8, wc[1] as u8, wc[2] as u8, wc[3] as u8]);
        // SAFETY: pure register arithmetic on an ARMv7E-M core (the build
        // script enables this module only there); no memory is touched.
        unsafe {
            asm!(
                "sxtb16 {xl}, {x}",
                "sxtb16 {xh}, {x}, ror #8",
                "sxtb16 {wl}, {w}",
                "sxtb16 {wh}, {w}, ror #8",
                "smlad {acc}, {xl}, {wl}, {acc}",
                "smlad {acc}, {xh}, {wh}, {acc}",
                x = in(reg) xv,
                w = in(reg) wv,
                xl = out(reg) _,
                xh = out(reg) _,
                wl = out(reg) _,
                wh = out(reg) _,
                acc = inout(reg) acc,
                options(pure, nomem, nostack),
            );
        }
    }
    for (&a, &b) in xs.remainder().iter().zip(ws.remainder()) {
        acc = acc.wrapping_add(a as i32 * b as i32);
    }
    acc
}

/// The inner loop of the blocked convolution: one weight row against four
/// expanded columns (see `crate::simd::mac_4x1`), eight column entries per
/// iteration. Each weight word is loaded and expanded once and used for the
/// four pixels; each `LDM` brings two pixels' expanded pairs. Thirteen
/// instructions per 16 multiply-accumulates, 27 per iteration.
///
/// # Safety
///
/// `groups` must be even and non-zero, `cols` valid for reads of
/// `8 * groups` words and `w` for reads of `4 * groups` bytes.
#[inline(always)]
pub(crate) unsafe fn mac_4x1(cols: *const u32, w: *const i8, groups: usize, acc: [i32; 4]) -> [i32; 4] {
    let [mut a0, mut a1, mut a2, mut a3] = acc;
    // SAFETY: reads stay within the ranges the caller vouches for (the loop
    // stops when the column pointer r4 reaches its end, `groups` being
    // even). The loop needs 13 registers; inline assembly may name only 12,
    // so r6 (which LLVM may reserve as a base pointer) is saved on the stack
    // and restored around its use as the end pointer.
    unsafe {
        asm!(
            "push {{r6}}",
            "mov r6, r12",
            "2:",
            "ldr r12, [r5], #4",
            "ldm r4!, {{r8, r9, r10, r11}}",
            "sxtb16 lr, r12",
            "sxtb16 r12, r12, ror #8",
            "smlad r0, r8, lr, r0",
            "smlad r0, r9, r12, r0",
            "smlad r1, r10, lr, r1",
            "smlad r1, r11, r12, r1",
            "ldm r4!, {{r8, r9, r10, r11}}",
            "smlad r2, r8, lr, r2",
            "smlad r2, r9, r12, r2",
            "smlad r3, r10, lr, r3",
            "smlad r3, r11, r12, r3",
            "ldr r12, [r5], #4",
            "ldm r4!, {{r8, r9, r10, r11}}",
            "sxtb16 lr, r12",
            "sxtb16 r12, r12, ror #8",
            "smlad r0, r8, lr, r0",
            "smlad r0, r9, r12, r0",
            "smlad r1, r10, lr, r1",
            "smlad r1, r11, r12, r1",
            "ldm r4!, {{r8, r9, r10, r11}}",
            "smlad r2, r8, lr, r2",
            "smlad r2, r9, r12, r2",
            "smlad r3, r10, lr, r3",
            "smlad r3, r11, r12, r3",
            "cmp r4, r6",
            "bne 2b",
            "pop {{r6}}",
            // Every operand has an explicit register, so none can be r6.
            inout("r4") cols => _,
            inout("r5") w => _,
            // The end pointer arrives in the register that later holds weights.
            inout("r12") cols.add(8 * groups) => _,
            out("lr") _,
            inout("r0") a0,
            inout("r1") a1,
            inout("r2") a2,
            inout("r3") a3,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            options(readonly),
        );
    }
    [a0, a1, a2, a3]
}

use crate::simd::Block;
use core::mem::offset_of;

extern "C" {
    fn nn_runtime_conv_block(b: *mut Block);
}

/// See `crate::simd::conv_block`.
///
/// # Safety
///
/// As `crate::simd::conv_block`.
#[inline(always)]
pub(crate) unsafe fn conv_block(b: &mut Block) {
    // SAFETY: the routine below follows the AAPCS (it saves r4-r11 and
    // returns through the saved lr) and touches only the memory the caller
    // vouches for and the `Block`.
    unsafe { nn_runtime_conv_block(b) }
}

// The channel loop of the blocked convolution in one routine, so that the
// whole of r0-r12 and lr is available: r0-r3 accumulate four pixels, r4
// walks the columns up to r6, r5 walks the weights, r7 holds the `Block`,
// r8-r11 receive two pixels' column words per `LDM`, r12 and lr hold the
// expanded weight pair. After the loop the same registers requantize.
core::arch::global_asm!(
    ".syntax unified",
    ".thumb",
    ".pushsection .text.nn_runtime_conv_block,\"ax\",%progbits",
    ".global nn_runtime_conv_block",
    ".p2align 2",
    ".thumb_func",
    ".type nn_runtime_conv_block, %function",
    "nn_runtime_conv_block:",
    "push {{r4-r11, lr}}",
    "mov r7, r0",
    "ldr r5, [r7, #{w}]",
    // One output channel.
    "1:",
    "ldr r12, [r7, #{bias}]",
    "ldr r0, [r12], #4",
    "str r12, [r7, #{bias}]",
    "mov r1, r0",
    "mov r2, r0",
    "mov r3, r0",
    "ldr r4, [r7, #{cols}]",
    "ldr r6, [r7, #{cols_end}]",
    // Eight column entries of four pixels.
    "2:",
    "ldr r12, [r5], #4",
    "ldm r4!, {{r8, r9, r10, r11}}",
    "sxtb16 lr, r12",
    "sxtb16 r12, r12, ror #8",
    "smlad r0, r8, lr, r0",
    "smlad r0, r9, r12, r0",
    "smlad r1, r10, lr, r1",
    "smlad r1, r11, r12, r1",
    "ldm r4!, {{r8, r9, r10, r11}}",
    "smlad r2, r8, lr, r2",
    "smlad r2, r9, r12, r2",
    "smlad r3, r10, lr, r3",
    "smlad r3, r11, r12, r3",
    "ldr r12, [r5], #4",
    "ldm r4!, {{r8, r9, r10, r11}}",
    "sxtb16 lr, r12",
    "sxtb16 r12, r12, ror #8",
    "smlad r0, r8, lr, r0",
    "smlad r0, r9, r12, r0",
    "smlad r1, r10, lr, r1",
    "smlad r1, r11, r12, r1",
    "ldm r4!, {{r8, r9, r10, r11}}",
    "smlad r2, r8, lr, r2",
    "smlad r2, r9, r12, r2",
    "smlad r3, r10, lr, r3",
    "smlad r3, r11, r12, r3",
    "cmp r4, r6",
    "bne 2b",
    "ldr r12, [r7, #{pad}]",
    "sub r5, r5, r12",
    // Requantize: r8 multiplier, r9 = e - 1, r10 the constant's high word.
    "ldr r12, [r7, #{multiplier}]",
    "ldr r8, [r12], #4",
    "str r12, [r7, #{multiplier}]",
    "ldr r12, [r7, #{shift}]",
    "ldr r9, [r12], #4",
    "str r12, [r7, #{shift}]",
    "mvn r9, r9",
    "ldr r10, [r7, #{offset2p1}]",
    "lsl r10, r10, r9",
    "asr r10, r10, #1",
    ".irp acc, r0, r1, r2, r3",
    "and r11, \\acc, #0x80000000",
    "orr r11, r11, #0x40000000",
    "add r12, r10, \\acc, asr #31",
    "smlal r11, r12, \\acc, r8",
    "asr r12, r12, r9",
    "ssat \\acc, #8, r12",
    ".endr",
    "ldr r12, [r7, #{clamp}]",
    "cmp r12, #0",
    "bne 5f",
    // Store the block's outputs of this channel.
    "3:",
    "ldr r4, [r7, #{out}]",
    "ldr r6, [r7, #{out_stride}]",
    "ldr r12, [r7, #{pixels}]",
    "strb r0, [r4]",
    "cmp r12, #4",
    "bne 6f",
    "strb r1, [r4, r6]",
    "add r11, r4, r6, lsl #1",
    "strb r2, [r11]",
    "strb r3, [r11, r6]",
    "4:",
    "add r4, r4, #1",
    "str r4, [r7, #{out}]",
    "ldr r12, [r7, #{channels}]",
    "subs r12, r12, #1",
    "str r12, [r7, #{channels}]",
    "bne 1b",
    "str r5, [r7, #{w}]",
    "pop {{r4-r11, pc}}",
    // A fused activation narrower than int8.
    "5:",
    "ldr r11, [r7, #{act_min}]",
    "ldr r12, [r7, #{act_max}]",
    ".irp acc, r0, r1, r2, r3",
    "cmp \\acc, r11",
    "it lt",
    "movlt \\acc, r11",
    "cmp \\acc, r12",
    "it gt",
    "movgt \\acc, r12",
    ".endr",
    "b 3b",
    // The last block of a layer, with one to three pixels.
    "6:",
    "cmp r12, #2",
    "blo 4b",
    "strb r1, [r4, r6]",
    "beq 4b",
    "add r11, r4, r6, lsl #1",
    "strb r2, [r11]",
    "b 4b",
    ".size nn_runtime_conv_block, . - nn_runtime_conv_block",
    ".popsection",
    cols = const offset_of!(Block, cols),
    cols_end = const offset_of!(Block, cols_end),
    w = const offset_of!(Block, w),
    pad = const offset_of!(Block, pad),
    bias = const offset_of!(Block, bias),
    multiplier = const offset_of!(Block, multiplier),
    shift = const offset_of!(Block, shift),
    out = const offset_of!(Block, out),
    out_stride = const offset_of!(Block, out_stride),
    channels = const offset_of!(Block, channels),
    offset2p1 = const offset_of!(Block, offset2p1),
    act_min = const offset_of!(Block, act_min),
    act_max = const offset_of!(Block, act_max),
    clamp = const offset_of!(Block, clamp),
    pixels = const offset_of!(Block, pixels),
);

/// Widens `words` words of int8 at `src` into pairs at `dst`, `dst + 8`,
/// ... (see `crate::simd::expand`).
///
/// # Safety
///
/// `words > 0`; `src` readable for `4 * words` bytes (any alignment), `dst`
/// 4-aligned and writable at words `8 * i` and `8 * i + 1` for `i < words`.
#[inline(always)]
pub(crate) unsafe fn expand(src: *const i8, dst: *mut u32, words: usize) {
    // SAFETY: the accesses are the ones the caller vouches for.
    unsafe {
        asm!(
            "2:",
            "ldr {v}, [{src}], #4",
            "sxtb16 {a}, {v}",
            "sxtb16 {b}, {v}, ror #8",
            "strd {a}, {b}, [{dst}], #32",
            "subs {n}, {n}, #1",
            "bne 2b",
            src = inout(reg) src => _,
            dst = inout(reg) dst => _,
            n = inout(reg) words => _,
            v = out(reg) _,
            a = out(reg) _,
            b = out(reg) _,
            options(nostack),
        );
    }
}
