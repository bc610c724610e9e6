//! Compile-fail tests: every error `include_model!` reports, with its exact
//! message (`tests/ui/*.stderr`). Regenerate with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    // trybuild compiles each case in a project of its own; model paths in
    // the cases are relative to this crate, which the macro honours through
    // CARGO_MANIFEST_DIR_OVERRIDE.
    std::env::set_var("CARGO_MANIFEST_DIR_OVERRIDE", env!("CARGO_MANIFEST_DIR"));
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
