//! `expf`, `expm1f` and `tanhf` as the oracle computes them.
//!
//! TFLM's float kernels call the C library: `std::exp(float)` (LOGISTIC,
//! SOFTMAX, the LSTM's sigmoid) and `std::tanh(float)` (TANH, the LSTM's
//! tanh). The oracle (PyPI `tflite-micro` on x86-64 Linux) links glibc, so
//! float outputs are bit-exact only if these functions round exactly as
//! glibc's do, which is not always the correctly rounded result. This module
//! implements the same algorithms:
//!
//! - [`expf`]: glibc's table-driven `expf` (32 table entries `2^(i/32)` and a
//!   cubic polynomial in `f64`). glibc's x86-64 build with FMA rounds
//!   differently from the plain evaluation on exactly two inputs, found by
//!   comparing every `f32`; those two are returned as glibc returns them.
//! - [`expm1f`], [`tanhf`]: the fdlibm algorithms in `f32` that glibc 2.36
//!   uses (`tanh(x) = 1 - 2 / (expm1(2|x|) + 2)` and friends).
//!
//! Every finite and infinite `f32` input gives glibc's bits (checked
//! exhaustively against glibc 2.36 on x86-64 by the ignored test
//! `matches_host_glibc_exhaustively`). Only `core` arithmetic is used, so the
//! results are the same on every target.

/// `2^(i/32)` rounded to `f64`, minus `i << 47` in its bit pattern, so that
/// adding `k << 47` for `k = 32 q + i` also scales by `2^q`.
const EXP2_TABLE: [u64; 32] = [
    0x3ff0000000000000,
    0x3fefd9b0d3158574,
    0x3fefb5586cf9890f,
    0x3fef9301d0125b51,
    0x3fef72b83c7d517b,
    0x3fef54873168b9aa,
    0x3fef387a6e756238,
    0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715,
    0x3feef1a7373aa9cb,
    0x3feedea64c123422,
    0x3feece086061892d,
    0x3feebfdad5362a27,
    0x3feeb42b569d4f82,
    0x3feeab07dd485429,
    0x3feea47eb03a5585,
    0x3feea09e667f3bcd,
    0x3fee9f75e8ec5f74,
    0x3feea11473eb0187,
    0x3feea589994cce13,
    0x3feeace5422aa0db,
    0x3feeb737b0cdc5e5,
    0x3feec49182a3f090,
    0x3feed503b23e255d,
    0x3feee89f995ad3ad,
    0x3feeff76f2fb5e47,
    0x3fef199bdd85529c,
    0x3fef3720dcef9069,
    0x3fef5818dcfba487,
    0x3fef7c97337b9b5f,
    0x3fefa4afa2a490da,
    0x3fefd0765b6e4540,
];

/// `exp(x)` rounded as glibc's `expf` rounds it.
pub fn expf(x: f32) -> f32 {
    const N: f64 = 32.0;
    // 32 / ln 2, and the constant whose addition rounds to an integer.
    const INV_LN2_N: f64 = f64::from_bits(0x3ff71547652b82fe) * N;
    const SHIFT: f64 = f64::from_bits(0x4338000000000000); // 1.5 * 2^52
                                                           // The polynomial glibc uses for 2^(r/32), r in [-1/2, 1/2].
    const C0: f64 = f64::from_bits(0x3fac6af84b912394) / (N * N * N);
    const C1: f64 = f64::from_bits(0x3fcebfce50fac4f3) / (N * N);
    const C2: f64 = f64::from_bits(0x3fe62e42ff0c52d6) / N;

    let bits = x.to_bits();
    let abstop = (bits >> 20) & 0x7ff;
    if abstop >= 0x42b {
        // |x| >= 88, or x is not a number.
        if bits == f32::NEG_INFINITY.to_bits() {
            return 0.0;
        }
        if abstop >= 0x7f8 {
            return x + x;
        }
        if x > f32::from_bits(0x42b17217) {
            return f32::INFINITY;
        }
        if x < f32::from_bits(0xc2cff1b4) {
            return 0.0;
        }
    }
    // The FMA build of glibc rounds these two differently.
    match bits {
        0x4202422f => return f32::from_bits(0x56fc9f1c),
        0xc27c65d9 => return f32::from_bits(0x11fa2993),
        _ => {}
    }
    let z = INV_LN2_N * x as f64;
    let kd = z + SHIFT;
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    let r = z - kd;
    let s = f64::from_bits(EXP2_TABLE[(ki % 32) as usize].wrapping_add(ki << 47));
    let p = C0 * r + C1;
    let y = C2 * r + 1.0;
    let y = p * (r * r) + y;
    (y * s) as f32
}

/// `exp(x) - 1` rounded as glibc 2.36's `expm1f` (fdlibm) rounds it.
pub fn expm1f(x: f32) -> f32 {
    // fdlibm's constants, by their bits: ln 2 split in two, 1 / ln 2, and
    // the scaled coefficients of the rational approximation.
    const LN2_HI: f32 = f32::from_bits(0x3f317180);
    const LN2_LO: f32 = f32::from_bits(0x3717f7d1);
    const INV_LN2: f32 = f32::from_bits(0x3fb8aa3b);
    const Q: [f32; 5] = [
        f32::from_bits(0xbd088889),
        f32::from_bits(0x3ad00d01),
        f32::from_bits(0xb8a670cd),
        f32::from_bits(0x36867e54),
        f32::from_bits(0xb457edbb),
    ];
    const OVERFLOW: f32 = f32::from_bits(0x42b17180);

    let negative = x.to_bits() >> 31 != 0;
    let hx = x.to_bits() & 0x7fff_ffff;
    if hx >= 0x4195_b844 {
        // |x| >= 27 ln 2.
        if hx >= 0x42b1_7218 {
            if hx > 0x7f80_0000 {
                return x + x;
            }
            if hx == 0x7f80_0000 {
                return if negative { -1.0 } else { x };
            }
            if x > OVERFLOW {
                return f32::INFINITY;
            }
        }
        if negative {
            return -1.0;
        }
    }
    // Argument reduction: x = k ln 2 + (hi - lo), with c the rounding error
    // of hi - lo.
    let (x, k, c) = if hx > 0x3eb1_7218 {
        let (hi, lo, k) = if hx < 0x3f85_1592 {
            if negative {
                (x + LN2_HI, -LN2_LO, -1)
            } else {
                (x - LN2_HI, LN2_LO, 1)
            }
        } else {
            let k = (INV_LN2 * x + if negative { -0.5 } else { 0.5 }) as i32;
            let t = k as f32;
            (x - t * LN2_HI, t * LN2_LO, k)
        };
        let r = hi - lo;
        (r, k, (hi - r) - lo)
    } else if hx < 0x3300_0000 {
        // |x| < 2^-25: expm1(x) rounds to x.
        return x;
    } else {
        (x, 0, 0.0)
    };
    let hfx = 0.5 * x;
    let hxs = x * hfx;
    let r1 = 1.0 + hxs * (Q[0] + hxs * (Q[1] + hxs * (Q[2] + hxs * (Q[3] + hxs * Q[4]))));
    let t = 3.0 - r1 * hfx;
    let mut e = hxs * ((r1 - t) / (6.0 - x * t));
    if k == 0 {
        return x - (x * e - hxs);
    }
    e = x * (e - c) - c;
    e -= hxs;
    if k == -1 {
        return 0.5 * (x - e) - 0.5;
    }
    if k == 1 {
        return if x < -0.25 { -2.0 * (e - (x + 0.5)) } else { 1.0 + 2.0 * (x - e) };
    }
    // Scales y by 2^k through its exponent bits.
    let scale = |y: f32| f32::from_bits(y.to_bits().wrapping_add((k << 23) as u32));
    if k <= -2 || k > 56 {
        return scale(1.0 - (e - x)) - 1.0;
    }
    if k < 23 {
        let t = f32::from_bits(0x3f80_0000 - (0x0100_0000 >> k)); // 1 - 2^-k
        scale(t - (e - x))
    } else {
        let t = f32::from_bits(((0x7f - k) << 23) as u32); // 2^-k
        scale(x - (e + t) + 1.0)
    }
}

/// `tanh(x)` rounded as glibc 2.36's `tanhf` (fdlibm) rounds it.
pub fn tanhf(x: f32) -> f32 {
    let negative = x.to_bits() >> 31 != 0;
    let ix = x.to_bits() & 0x7fff_ffff;
    let abs = f32::from_bits(ix);
    if ix >= 0x7f80_0000 {
        // tanh(+-inf) = +-1, tanh(NaN) = NaN.
        return if negative { 1.0 / x - 1.0 } else { 1.0 / x + 1.0 };
    }
    let z = if ix < 0x41b0_0000 {
        // |x| < 22.
        if ix == 0 {
            return x;
        }
        if ix < 0x2400_0000 {
            // |x| < 2^-55.
            return x * (1.0 + x);
        }
        if ix >= 0x3f80_0000 {
            1.0 - 2.0 / (expm1f(2.0 * abs) + 2.0)
        } else {
            let t = expm1f(-2.0 * abs);
            -t / (t + 2.0)
        }
    } else {
        1.0
    };
    if negative {
        -z
    } else {
        z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg_attr(miri, ignore = "Miri deliberately perturbs the host `exp` this is checked against")]
    fn table_is_two_to_the_i_over_32() {
        // Each entry, with its exponent restored, is 2^(i/32) to within
        // half an ulp of f64 (checked against f64 arithmetic, which is
        // accurate to about 1 ulp here).
        for (i, &t) in EXP2_TABLE.iter().enumerate() {
            let v = f64::from_bits(t + ((i as u64) << 47));
            let want = (i as f64 / 32.0 * core::f64::consts::LN_2).exp();
            assert!((v - want).abs() <= 2.0 * f64::EPSILON, "{i}: {v} vs {want}");
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(expf(0.0), 1.0);
        assert_eq!(expf(1.0), core::f32::consts::E);
        assert_eq!(expf(f32::NEG_INFINITY), 0.0);
        assert_eq!(expf(f32::INFINITY), f32::INFINITY);
        assert_eq!(expf(100.0), f32::INFINITY);
        assert_eq!(expf(-200.0), 0.0);
        assert!(expf(f32::NAN).is_nan());
        assert_eq!(tanhf(0.0), 0.0);
        assert_eq!(tanhf(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(tanhf(30.0), 1.0);
        assert_eq!(tanhf(-30.0), -1.0);
        assert_eq!(tanhf(f32::INFINITY), 1.0);
        assert!(tanhf(f32::NAN).is_nan());
        assert_eq!(expm1f(0.0), 0.0);
        assert_eq!(expm1f(-100.0), -1.0);
    }

    #[test]
    fn close_to_real_functions() {
        let mut x = -20.0f32;
        while x < 20.0 {
            let (e, t) = ((x as f64).exp(), (x as f64).tanh());
            assert!(((expf(x) as f64 - e) / e).abs() < 1.2e-7, "expf({x})");
            assert!((tanhf(x) as f64 - t).abs() <= 3e-7 * t.abs().max(1e-30), "tanhf({x})");
            assert!((expm1f(x) as f64 - x.exp_m1_f64()).abs() <= 1.2e-7 * x.exp_m1_f64().abs(), "expm1f({x})");
            x += 0.0137;
        }
    }

    /// Every `f32` against the host's C library, which is the oracle's
    /// when the host is x86-64 Linux with glibc 2.36 (other versions may
    /// round differently): `cargo test -p nn-runtime --release -- --ignored`.
    #[cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]
    #[test]
    #[ignore = "takes minutes and needs the oracle's glibc"]
    fn matches_host_glibc_exhaustively() {
        extern "C" {
            #[link_name = "expf"]
            fn c_expf(x: f32) -> f32;
            #[link_name = "expm1f"]
            fn c_expm1f(x: f32) -> f32;
            #[link_name = "tanhf"]
            fn c_tanhf(x: f32) -> f32;
        }
        let mut differ = [0u64; 3];
        for bits in 0..=u32::MAX {
            let x = f32::from_bits(bits);
            if x.is_nan() {
                continue;
            }
            // SAFETY: pure C math functions of one float, no side effects
            // that matter here (errno).
            let want = unsafe { [c_expf(x), c_expm1f(x), c_tanhf(x)] };
            let got = [expf(x), expm1f(x), tanhf(x)];
            for k in 0..3 {
                differ[k] += (want[k].to_bits() != got[k].to_bits()) as u64;
            }
        }
        assert_eq!(differ, [0, 0, 0], "inputs that differ (expf, expm1f, tanhf)");
    }

    trait ExpM1 {
        fn exp_m1_f64(self) -> f64;
    }
    impl ExpM1 for f32 {
        fn exp_m1_f64(self) -> f64 {
            (self as f64).exp_m1()
        }
    }
}
