//! The module layering of the scanner: `simd.rs` holds the vector kernels (the crate's only
//! `unsafe`) and the CPU detection, and imports nothing from the rest of the crate; `scan.rs`
//! dispatches to it. Checked on the source, so a new back-edge fails here.

const SIMD: &str = include_str!("../src/simd.rs");
const SCAN: &str = include_str!("../src/scan.rs");

#[test]
fn simd_imports_nothing_from_the_crate() {
    let uses: Vec<&str> = SIMD
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .filter(|l| l.contains("crate::"))
        .collect();
    assert!(
        uses.is_empty(),
        "simd.rs must not import from the crate: {uses:?}"
    );
}

#[test]
fn scan_dispatches_to_simd() {
    assert!(SCAN.contains("use crate::simd"));
    assert!(
        !SCAN
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .any(|l| l.contains("unsafe")),
        "scan.rs calls the kernels through simd.rs's safe tokens"
    );
}
