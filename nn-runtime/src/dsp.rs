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
// expanded weight pair. After the loop the same registers requantize (r6,
// the columns' end, survives). 13 instructions per four column entries of
// four pixels (16 MACs), 52 per 16 entries with the loop test; about 50 per
// channel besides.
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
    "ldr r6, [r7, #{cols_end}]",
    // One output channel: the accumulators start at the folded bias.
    "1:",
    "ldr r12, [r7, #{table}]",
    "ldr r0, [r12], #4",
    "str r12, [r7, #{table}]",
    "mov r1, r0",
    "mov r2, r0",
    "mov r3, r0",
    "ldr r4, [r7, #{cols}]",
    "ldr r12, [r7, #{odd}]",
    "cmp r12, #0",
    "beq 2f",
    // An odd number of 8-entry steps: one alone first.
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
    "beq 3f",
    // Sixteen column entries of four pixels.
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
    "3:",
    "ldr r12, [r7, #{pad}]",
    "sub r5, r5, r12",
    // Requantize: r8 multiplier, r9 the constant's high word, r10 = e - 1.
    "ldr r12, [r7, #{table}]",
    "ldm r12!, {{r8, r9, r10}}",
    "str r12, [r7, #{table}]",
    ".irp acc, r0, r1, r2, r3",
    "and r11, \\acc, #0x80000000",
    "orr r11, r11, #0x40000000",
    "add r12, r9, \\acc, asr #31",
    "smlal r11, r12, \\acc, r8",
    "asr r12, r12, r10",
    "ssat \\acc, #8, r12",
    ".endr",
    "ldr r4, [r7, #{out}]",
    "ldr r11, [r7, #{out_stride}]",
    "ldr r12, [r7, #{slow}]",
    "cmp r12, #0",
    "bne 5f",
    // Four pixels, int8 bounds: store and go on.
    "strb r1, [r4, r11]",
    "add r12, r4, r11, lsl #1",
    "strb r2, [r12]",
    "strb r3, [r12, r11]",
    "4:",
    "strb r0, [r4], #1",
    "str r4, [r7, #{out}]",
    "ldr r12, [r7, #{w_end}]",
    "cmp r5, r12",
    "bne 1b",
    "str r5, [r7, #{w}]",
    "pop {{r4-r11, pc}}",
    // Narrower activation bounds, or fewer than four pixels.
    "5:",
    "ldr r8, [r7, #{act_min}]",
    "ldr r9, [r7, #{act_max}]",
    ".irp acc, r0, r1, r2, r3",
    "cmp \\acc, r8",
    "it lt",
    "movlt \\acc, r8",
    "cmp \\acc, r9",
    "it gt",
    "movgt \\acc, r9",
    ".endr",
    "ldr r12, [r7, #{pixels}]",
    "cmp r12, #2",
    "blo 4b",
    "strb r1, [r4, r11]",
    "beq 4b",
    "add r10, r4, r11, lsl #1",
    "strb r2, [r10]",
    "cmp r12, #3",
    "beq 4b",
    "strb r3, [r10, r11]",
    "b 4b",
    ".size nn_runtime_conv_block, . - nn_runtime_conv_block",
    ".popsection",
    cols = const offset_of!(Block, cols),
    cols_end = const offset_of!(Block, cols_end),
    odd = const offset_of!(Block, odd),
    w = const offset_of!(Block, w),
    w_end = const offset_of!(Block, w_end),
    pad = const offset_of!(Block, pad),
    table = const offset_of!(Block, table),
    out = const offset_of!(Block, out),
    out_stride = const offset_of!(Block, out_stride),
    slow = const offset_of!(Block, slow),
    pixels = const offset_of!(Block, pixels),
    act_min = const offset_of!(Block, act_min),
    act_max = const offset_of!(Block, act_max),
);

/// Widens `words` words of int8 at `src` into pairs at `dst`, `dst + 8`,
/// ... (see `crate::simd::expand`): four words per `LDM` when `src` is
/// word-aligned (15 instructions per four words), else one at a time (6 per
/// word).
///
/// # Safety
///
/// `words > 0`; `src` readable for `4 * words` bytes (any alignment), `dst`
/// 4-aligned and writable at words `8 * i` and `8 * i + 1` for `i < words`.
#[inline(always)]
pub(crate) unsafe fn expand(src: *const i8, dst: *mut u32, words: usize) {
    // SAFETY: the accesses are the ones the caller vouches for; `LDM` only
    // runs on a word-aligned `src`.
    unsafe {
        asm!(
            "lsrs {q}, {n}, #2",
            "beq 3f",
            "tst {src}, #3",
            "bne 3f",
            "2:",
            "ldm {src}!, {{r0, r1, r2, r3}}",
            "sxtb16 {t}, r0",
            "sxtb16 r0, r0, ror #8",
            "strd {t}, r0, [{dst}], #32",
            "sxtb16 {t}, r1",
            "sxtb16 r1, r1, ror #8",
            "strd {t}, r1, [{dst}], #32",
            "sxtb16 {t}, r2",
            "sxtb16 r2, r2, ror #8",
            "strd {t}, r2, [{dst}], #32",
            "sxtb16 {t}, r3",
            "sxtb16 r3, r3, ror #8",
            "strd {t}, r3, [{dst}], #32",
            "subs {q}, {q}, #1",
            "bne 2b",
            "ands {n}, {n}, #3",
            "beq 5f",
            "3:",
            "ldr r0, [{src}], #4",
            "sxtb16 {t}, r0",
            "sxtb16 r0, r0, ror #8",
            "strd {t}, r0, [{dst}], #32",
            "subs {n}, {n}, #1",
            "bne 3b",
            "5:",
            src = inout(reg) src => _,
            dst = inout(reg) dst => _,
            n = inout(reg) words => _,
            q = out(reg) _,
            t = out(reg) _,
            out("r0") _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            options(nostack),
        );
    }
}

/// Widens a window of `rows` runs of `words` words each, runs `step` bytes
/// apart (end of one to start of the next), from the word-aligned `src`
/// into pairs at `dst`, `dst + 8`, ... (see `crate::simd::expand_window`).
///
/// # Safety
///
/// `rows > 0`, `words > 0`; `src` 4-aligned and readable for the runs;
/// `dst` 4-aligned and writable at words `8 * i` and `8 * i + 1` for
/// `i < rows * words`.
#[inline(always)]
pub(crate) unsafe fn expand_window(src: *const i8, dst: *mut u32, rows: usize, words: usize, step: usize) {
    // SAFETY: the accesses are the ones the caller vouches for; `src` stays
    // word-aligned for `LDM` (runs and steps are whole words).
    unsafe {
        asm!(
            "1:",
            "lsrs {q}, {words}, #2",
            "beq 3f",
            "2:",
            "ldm {src}!, {{r0, r1, r2, r3}}",
            "sxtb16 {t}, r0",
            "sxtb16 r0, r0, ror #8",
            "strd {t}, r0, [{dst}], #32",
            "sxtb16 {t}, r1",
            "sxtb16 r1, r1, ror #8",
            "strd {t}, r1, [{dst}], #32",
            "sxtb16 {t}, r2",
            "sxtb16 r2, r2, ror #8",
            "strd {t}, r2, [{dst}], #32",
            "sxtb16 {t}, r3",
            "sxtb16 r3, r3, ror #8",
            "strd {t}, r3, [{dst}], #32",
            "subs {q}, {q}, #1",
            "bne 2b",
            "3:",
            "ands {q}, {words}, #3",
            "beq 5f",
            "4:",
            "ldr r0, [{src}], #4",
            "sxtb16 {t}, r0",
            "sxtb16 r0, r0, ror #8",
            "strd {t}, r0, [{dst}], #32",
            "subs {q}, {q}, #1",
            "bne 4b",
            "5:",
            "add {src}, {src}, {step}",
            "subs {rows}, {rows}, #1",
            "bne 1b",
            src = inout(reg) src => _,
            dst = inout(reg) dst => _,
            rows = inout(reg) rows => _,
            words = in(reg) words,
            step = in(reg) step,
            q = out(reg) _,
            t = out(reg) _,
            out("r0") _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            options(nostack),
        );
    }
}

/// Widens `rows` runs of `words` words each, runs `step` bytes apart (end
/// of one to start of the next), from `src` at any alignment into pairs at
/// `dst`, `dst + 8`, ... (see `crate::simd::expand_rows`): two words per
/// iteration with `LDR`, 5 instructions per word.
///
/// # Safety
///
/// `rows > 0`, `words > 0`; `src` readable for the runs; `dst` 4-aligned
/// and writable at words `8 * i` and `8 * i + 1` for `i < rows * words`.
#[inline(always)]
pub(crate) unsafe fn expand_rows(src: *const i8, dst: *mut u32, rows: usize, words: usize, step: usize) {
    // SAFETY: the accesses are the ones the caller vouches for (unaligned
    // `LDR` is allowed on ARMv7-M normal memory).
    unsafe {
        asm!(
            "1:",
            "lsrs {q}, {words}, #1",
            "beq 3f",
            "2:",
            "ldr r0, [{src}], #4",
            "ldr r1, [{src}], #4",
            "sxtb16 {t}, r0",
            "sxtb16 r0, r0, ror #8",
            "strd {t}, r0, [{dst}], #32",
            "sxtb16 {t}, r1",
            "sxtb16 r1, r1, ror #8",
            "strd {t}, r1, [{dst}], #32",
            "subs {q}, {q}, #1",
            "bne 2b",
            "3:",
            "tst {words}, #1",
            "beq 5f",
            "ldr r0, [{src}], #4",
            "sxtb16 {t}, r0",
            "sxtb16 r0, r0, ror #8",
            "strd {t}, r0, [{dst}], #32",
            "5:",
            "add {src}, {src}, {step}",
            "subs {rows}, {rows}, #1",
            "bne 1b",
            src = inout(reg) src => _,
            dst = inout(reg) dst => _,
            rows = inout(reg) rows => _,
            words = in(reg) words,
            step = in(reg) step,
            q = out(reg) _,
            t = out(reg) _,
            out("r0") _,
            out("r1") _,
            options(nostack),
        );
    }
}

/// See `crate::simd::gather_rows`: words while four bytes remain, then
/// bytes.
///
/// # Safety
///
/// `rows > 0`, `len > 0`; `src` readable for `len` bytes at each of `rows`
/// rows `stride` bytes apart; `dst` writable for `rows * len` bytes.
#[inline(always)]
pub(crate) unsafe fn gather_rows(src: *const i8, stride: usize, len: usize, rows: usize, dst: *mut i8) {
    // SAFETY: the accesses are the ones the caller vouches for (unaligned
    // word loads and stores are allowed on ARMv7-M normal memory).
    unsafe {
        asm!(
            "1:",
            "mov {s}, {src}",
            "lsrs {q}, {len}, #2",
            "beq 3f",
            "2:",
            "ldr {t}, [{s}], #4",
            "str {t}, [{d}], #4",
            "subs {q}, {q}, #1",
            "bne 2b",
            "3:",
            "ands {q}, {len}, #3",
            "beq 5f",
            "4:",
            "ldrb {t}, [{s}], #1",
            "strb {t}, [{d}], #1",
            "subs {q}, {q}, #1",
            "bne 4b",
            "5:",
            "add {src}, {src}, {stride}",
            "subs {rows}, {rows}, #1",
            "bne 1b",
            src = inout(reg) src => _,
            d = inout(reg) dst => _,
            rows = inout(reg) rows => _,
            stride = in(reg) stride,
            len = in(reg) len,
            s = out(reg) _,
            q = out(reg) _,
            t = out(reg) _,
            options(nostack),
        );
    }
}

/// See `crate::simd::expand_four`: per group of four entries, one word of
/// each pixel, widened, stored as 8 consecutive words with two `STM`; 16
/// instructions per group.
///
/// # Safety
///
/// `in_c` a positive multiple of 4; `src` readable for `4 * in_c` bytes;
/// `cols` 4-aligned and writable for `2 * in_c` words.
#[inline(always)]
pub(crate) unsafe fn expand_four(src: *const i8, in_c: usize, cols: *mut u32) {
    let end = cols.wrapping_add(2 * in_c);
    // SAFETY: the accesses are the ones the caller vouches for; pixel 1 is
    // read at `s + in_c`, pixel 2 through `t = src + 2 * in_c`, pixel 3 at
    // `t + in_c`.
    unsafe {
        asm!(
            "add {t}, {s}, {c}, lsl #1",
            "2:",
            "ldr r3, [{s}, {c}]",
            "ldr r1, [{s}], #4",
            "sxtb16 r0, r1",
            "sxtb16 r1, r1, ror #8",
            "sxtb16 r2, r3",
            "sxtb16 r3, r3, ror #8",
            "stm {d}!, {{r0, r1, r2, r3}}",
            "ldr r3, [{t}, {c}]",
            "ldr r1, [{t}], #4",
            "sxtb16 r0, r1",
            "sxtb16 r1, r1, ror #8",
            "sxtb16 r2, r3",
            "sxtb16 r3, r3, ror #8",
            "stm {d}!, {{r0, r1, r2, r3}}",
            "cmp {d}, {end}",
            "bne 2b",
            s = inout(reg) src => _,
            d = inout(reg) cols => _,
            c = in(reg) in_c,
            end = in(reg) end,
            t = out(reg) _,
            out("r0") _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            options(nostack),
        );
    }
}

/// See `crate::simd::widen_rows`, one row: four values per iteration,
/// packed two by two into (possibly unaligned) words.
///
/// # Safety
///
/// `n > 0`; `src` readable at `i * stride` for `i < n`; `dst` writable for
/// `n` halfwords (halfword-aligned).
#[inline(always)]
pub(crate) unsafe fn widen_row(src: *const i8, stride: usize, n: usize, dst: *mut i16) {
    // SAFETY: the accesses are the ones the caller vouches for (unaligned
    // word stores are allowed on ARMv7-M normal memory).
    unsafe {
        asm!(
            "lsrs {cnt}, {n}, #2",
            "beq 3f",
            "2:",
            "ldrsb {a}, [{s}]",
            "ldrsb {b}, [{s}, {stride}]",
            "add {s}, {s}, {stride}, lsl #1",
            "ldrsb {c}, [{s}]",
            "ldrsb {e}, [{s}, {stride}]",
            "add {s}, {s}, {stride}, lsl #1",
            "pkhbt {a}, {a}, {b}, lsl #16",
            "pkhbt {c}, {c}, {e}, lsl #16",
            "str {a}, [{d}], #4",
            "str {c}, [{d}], #4",
            "subs {cnt}, {cnt}, #1",
            "bne 2b",
            "3:",
            "ands {cnt}, {n}, #3",
            "beq 5f",
            "4:",
            "ldrsb {a}, [{s}]",
            "add {s}, {s}, {stride}",
            "strh {a}, [{d}], #2",
            "subs {cnt}, {cnt}, #1",
            "bne 4b",
            "5:",
            s = inout(reg) src => _,
            d = inout(reg) dst => _,
            stride = in(reg) stride,
            n = in(reg) n,
            cnt = out(reg) _,
            a = out(reg) _,
            b = out(reg) _,
            c = out(reg) _,
            e = out(reg) _,
            options(nostack),
        );
    }
}

use crate::simd::DwRow;

extern "C" {
    fn nn_runtime_dw_rows(r: *mut DwRow);
}

/// See `crate::simd::dw_rows`.
///
/// # Safety
///
/// As `crate::simd::dw_rows`.
#[inline(always)]
pub(crate) unsafe fn dw_rows(r: &mut DwRow) {
    // SAFETY: the routine below follows the AAPCS and touches only the
    // memory the caller vouches for and the `DwRow`.
    unsafe { nn_runtime_dw_rows(r) }
}

// Output rows of one channel of a 3x3 depthwise convolution: per row, the
// MAC pass over the three widened rows (two pixels per iteration, weights
// in r8-r12 and lr, the row pointer in r4, accumulators to r5 up to r6),
// then the requantization pass. r7 holds the `DwRow`.
//
// Stride 1: the pixels share the words (x0, x1) and (x2, x3): pixel 0 takes
// x0 w0 + x1 w1 (SMLAD) and x2 w2 (SMLABT), pixel 1 x1 w0 (SMLATB) and
// x2 w1 + x3 w2 (SMLAD); 20 instructions per two pixels. Stride 2: pixel 1
// starts at x2 (SMLABB x2 w0) and takes the unaligned word (x3, x4) with
// SMLAD; 23 instructions.
core::arch::global_asm!(
    ".syntax unified",
    ".thumb",
    ".pushsection .text.nn_runtime_dw_rows,\"ax\",%progbits",
    ".global nn_runtime_dw_rows",
    ".p2align 2",
    ".thumb_func",
    ".type nn_runtime_dw_rows, %function",
    "nn_runtime_dw_rows:",
    "push {{r4-r11, lr}}",
    "mov r7, r0",
    // One output row.
    "1:",
    "ldr r0, [r7, #{w}]",
    "ldm r0, {{r8, r9, r10, r11, r12, lr}}",
    "ldr r4, [r7, #{rows}]",
    "ldr r5, [r7, #{acc}]",
    "ldr r6, [r7, #{pairs}]",
    "add r6, r5, r6, lsl #3",
    "ldr r0, [r7, #{stride}]",
    "cmp r0, #1",
    "bne 20f",
    "10:",
    "ldr r0, [r7, #{bias}]",
    "mov r1, r0",
    "ldrd r2, r3, [r4]",
    "smlad r0, r2, r8, r0",
    "smlatb r1, r2, r8, r1",
    "smlabt r0, r3, r9, r0",
    "smlad r1, r3, r9, r1",
    "ldrd r2, r3, [r4, #{row}]",
    "smlad r0, r2, r10, r0",
    "smlatb r1, r2, r10, r1",
    "smlabt r0, r3, r11, r0",
    "smlad r1, r3, r11, r1",
    "ldrd r2, r3, [r4, #{row2}]",
    "smlad r0, r2, r12, r0",
    "smlatb r1, r2, r12, r1",
    "smlabt r0, r3, lr, r0",
    "smlad r1, r3, lr, r1",
    "add r4, r4, #4",
    "strd r0, r1, [r5], #8",
    "cmp r5, r6",
    "bne 10b",
    "b 30f",
    "20:",
    "ldr r0, [r7, #{bias}]",
    "mov r1, r0",
    "ldrd r2, r3, [r4]",
    "smlad r0, r2, r8, r0",
    "smlabt r0, r3, r9, r0",
    "smlabb r1, r3, r8, r1",
    "ldr r2, [r4, #6]",
    "smlad r1, r2, r9, r1",
    "ldrd r2, r3, [r4, #{row}]",
    "smlad r0, r2, r10, r0",
    "smlabt r0, r3, r11, r0",
    "smlabb r1, r3, r10, r1",
    "ldr r2, [r4, #{row6}]",
    "smlad r1, r2, r11, r1",
    "ldrd r2, r3, [r4, #{row2}]",
    "smlad r0, r2, r12, r0",
    "smlabt r0, r3, lr, r0",
    "smlabb r1, r3, r12, r1",
    "ldr r2, [r4, #{row26}]",
    "smlad r1, r2, lr, r1",
    "add r4, r4, #8",
    "strd r0, r1, [r5], #8",
    "cmp r5, r6",
    "bne 20b",
    // Requantize (see `simd::conv_block`): r0 multiplier, r1 the constant's
    // high word, r2 = e - 1, r3 output, r4 output stride, r5 up to r6 the
    // accumulators to store.
    "30:",
    "ldr r6, [r7, #{count}]",
    "cmp r6, #0",
    "beq 50f",
    "ldr r0, [r7, #{m}]",
    "ldr r1, [r7, #{hi_c}]",
    "ldr r2, [r7, #{sh}]",
    "ldr r3, [r7, #{out}]",
    "ldr r4, [r7, #{out_stride}]",
    "ldr r5, [r7, #{acc}]",
    "add r6, r5, r6, lsl #2",
    "ldr r8, [r7, #{clamp}]",
    "cmp r8, #0",
    "bne 40f",
    // An odd count: one output first, then two per iteration.
    "ldr r8, [r7, #{count}]",
    "tst r8, #1",
    "beq 32f",
    "ldr r8, [r5], #4",
    "and r9, r8, #0x80000000",
    "orr r9, r9, #0x40000000",
    "add r10, r1, r8, asr #31",
    "smlal r9, r10, r8, r0",
    "asr r10, r10, r2",
    "ssat r10, #8, r10",
    "strb r10, [r3]",
    "add r3, r3, r4",
    "cmp r5, r6",
    "beq 45f",
    "32:",
    "ldrd r8, r11, [r5], #8",
    "and r9, r8, #0x80000000",
    "orr r9, r9, #0x40000000",
    "add r10, r1, r8, asr #31",
    "smlal r9, r10, r8, r0",
    "asr r10, r10, r2",
    "ssat r10, #8, r10",
    "strb r10, [r3]",
    "and r9, r11, #0x80000000",
    "orr r9, r9, #0x40000000",
    "add r10, r1, r11, asr #31",
    "smlal r9, r10, r11, r0",
    "asr r10, r10, r2",
    "ssat r10, #8, r10",
    "strb r10, [r3, r4]",
    "add r3, r3, r4, lsl #1",
    "cmp r5, r6",
    "bne 32b",
    "b 45f",
    "40:",
    "ldr r11, [r7, #{act_min}]",
    "ldr r12, [r7, #{act_max}]",
    "41:",
    "ldr r8, [r5], #4",
    "and r9, r8, #0x80000000",
    "orr r9, r9, #0x40000000",
    "add r10, r1, r8, asr #31",
    "smlal r9, r10, r8, r0",
    "asr r10, r10, r2",
    "ssat r10, #8, r10",
    "cmp r10, r11",
    "it lt",
    "movlt r10, r11",
    "cmp r10, r12",
    "it gt",
    "movgt r10, r12",
    "strb r10, [r3]",
    "add r3, r3, r4",
    "cmp r5, r6",
    "bne 41b",
    // The next row.
    "45:",
    "ldr r0, [r7, #{rows}]",
    "ldr r1, [r7, #{rows_step}]",
    "add r0, r0, r1",
    "str r0, [r7, #{rows}]",
    "ldr r0, [r7, #{out}]",
    "ldr r1, [r7, #{out_row}]",
    "add r0, r0, r1",
    "str r0, [r7, #{out}]",
    "ldr r0, [r7, #{n_rows}]",
    "subs r0, r0, #1",
    "str r0, [r7, #{n_rows}]",
    "bne 1b",
    "50:",
    "pop {{r4-r11, pc}}",
    ".size nn_runtime_dw_rows, . - nn_runtime_dw_rows",
    ".popsection",
    row = const crate::simd::DW_ROW_BYTES,
    row6 = const crate::simd::DW_ROW_BYTES + 6,
    row2 = const 2 * crate::simd::DW_ROW_BYTES,
    row26 = const 2 * crate::simd::DW_ROW_BYTES + 6,
    rows = const offset_of!(DwRow, rows),
    rows_step = const offset_of!(DwRow, rows_step),
    n_rows = const offset_of!(DwRow, n_rows),
    w = const offset_of!(DwRow, w),
    bias = const offset_of!(DwRow, bias),
    acc = const offset_of!(DwRow, acc),
    pairs = const offset_of!(DwRow, pairs),
    stride = const offset_of!(DwRow, stride),
    m = const offset_of!(DwRow, multiplier),
    hi_c = const offset_of!(DwRow, hi_c),
    sh = const offset_of!(DwRow, sh),
    out = const offset_of!(DwRow, out),
    out_stride = const offset_of!(DwRow, out_stride),
    out_row = const offset_of!(DwRow, out_row),
    count = const offset_of!(DwRow, count),
    act_min = const offset_of!(DwRow, act_min),
    act_max = const offset_of!(DwRow, act_max),
    clamp = const offset_of!(DwRow, clamp),
);

/// One word of `crate::simd::fc_4`'s loop (registers as in `fc_4`): the
/// input word widened once into r10 (entries 0, 2) and r11 (1, 3), then per
/// row a load, two `SXTB16` and two `SMLAD`; row 0 last, advancing the
/// weight pointer.
macro_rules! fc_4_word {
    () => {
        concat!(
            "ldr r12, [r4], #4\n",
            "sxtb16 r10, r12\n",
            "sxtb16 r11, r12, ror #8\n",
            "ldr r12, [r5, r8]\n",
            "sxtb16 lr, r12\n",
            "sxtb16 r12, r12, ror #8\n",
            "smlad r1, r10, lr, r1\n",
            "smlad r1, r11, r12, r1\n",
            "ldr r12, [r5, r8, lsl #1]\n",
            "sxtb16 lr, r12\n",
            "sxtb16 r12, r12, ror #8\n",
            "smlad r2, r10, lr, r2\n",
            "smlad r2, r11, r12, r2\n",
            "ldr r12, [r5, r9]\n",
            "sxtb16 lr, r12\n",
            "sxtb16 r12, r12, ror #8\n",
            "smlad r3, r10, lr, r3\n",
            "smlad r3, r11, r12, r3\n",
            "ldr r12, [r5], #4\n",
            "sxtb16 lr, r12\n",
            "sxtb16 r12, r12, ror #8\n",
            "smlad r0, r10, lr, r0\n",
            "smlad r0, r11, r12, r0\n",
        )
    };
}

/// See `crate::simd::fc_4`: per word of `x`, one load and two `SXTB16`
/// shared by the four rows, then per row a load, two `SXTB16` and two
/// `SMLAD`; 24 instructions per 16 multiply-accumulates with the loop test
/// (two words per iteration, an odd word first).
///
/// # Safety
///
/// `words > 0`; `x` and the rows at `w + r * stride` (`r < 4`) readable for
/// `4 * words` bytes (any alignment).
#[inline(always)]
pub(crate) unsafe fn fc_4(x: *const i8, w: *const i8, stride: usize, words: usize, acc: [i32; 4]) -> [i32; 4] {
    let [mut a0, mut a1, mut a2, mut a3] = acc;
    // SAFETY: reads stay within the ranges the caller vouches for: the loop
    // stops when the input pointer r4 reaches its end, after an odd word
    // alone if `words` is odd (unaligned `LDR` is allowed on ARMv7-M normal
    // memory). The loop needs 13 registers; r6 (which LLVM may reserve) is
    // saved on the stack and holds the end pointer, as in `mac_4x1`.
    unsafe {
        asm!(
            "push {{r6}}",
            "mov r6, lr",
            "cmp r12, #0",
            "beq 2f",
            fc_4_word!(),
            "cmp r4, r6",
            "beq 3f",
            "2:",
            fc_4_word!(),
            fc_4_word!(),
            "cmp r4, r6",
            "bne 2b",
            "3:",
            "pop {{r6}}",
            inout("r4") x => _,
            inout("r5") w => _,
            in("r8") stride,
            in("r9") 3 * stride,
            // The odd-word flag and the end pointer arrive in the
            // temporaries.
            inout("r12") words & 1 => _,
            inout("lr") x.wrapping_add(4 * words) => _,
            inout("r0") a0,
            inout("r1") a1,
            inout("r2") a2,
            inout("r3") a3,
            out("r10") _,
            out("r11") _,
            options(readonly),
        );
    }
    [a0, a1, a2, a3]
}

/// See `crate::simd::fc_1`: ten instructions per four multiply-accumulates.
///
/// # Safety
///
/// `words > 0`; `x` and `w` readable for `4 * words` bytes (any alignment).
#[inline(always)]
pub(crate) unsafe fn fc_1(x: *const i8, w: *const i8, words: usize, acc: i32) -> i32 {
    let mut acc = acc;
    // SAFETY: reads stay within the ranges the caller vouches for.
    unsafe {
        asm!(
            "2:",
            "ldr {a}, [{x}], #4",
            "ldr {b}, [{w}], #4",
            "sxtb16 {c}, {a}",
            "sxtb16 {a}, {a}, ror #8",
            "sxtb16 {d}, {b}",
            "sxtb16 {b}, {b}, ror #8",
            "smlad {acc}, {c}, {d}, {acc}",
            "smlad {acc}, {a}, {b}, {acc}",
            "cmp {x}, {end}",
            "bne 2b",
            x = inout(reg) x => _,
            w = inout(reg) w => _,
            end = in(reg) x.wrapping_add(4 * words),
            acc = inout(reg) acc,
            a = out(reg) _,
            b = out(reg) _,
            c = out(reg) _,
            d = out(reg) _,
            options(readonly, nostack),
        );
    }
    acc
}
