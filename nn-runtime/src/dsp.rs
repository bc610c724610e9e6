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
