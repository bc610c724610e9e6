//! Enables the ARMv7E-M DSP kernels (`cfg(nn_dsp)`) on targets that have the
//! DSP extension: Cortex-M4/M7 (`thumbv7em`) and Cortex-M33/M35P/M55
//! (`thumbv8m.main`, which nn assumes to include it). Stable Rust cannot
//! test `target_feature = "dsp"`, so the target name decides. ARMv6-M
//! targets get `cfg(nn_armv6m)`, which tunes the inlining of a portable
//! kernel's inner function.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(nn_dsp)");
    println!("cargo::rustc-check-cfg=cfg(nn_armv6m)");
    println!("cargo::rerun-if-env-changed=TARGET");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.starts_with("thumbv7em") {
        println!("cargo::rustc-cfg=nn_dsp");
    }
    if target.starts_with("thumbv6m") {
        println!("cargo::rustc-cfg=nn_armv6m");
    }
}
