//! Helpers shared by the integration tests that drive the real binary.

/// Runs `precincts check ARGS` and asserts it completed (exit 0: findings are not a failure).
pub fn run_check(args: &[&str]) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_precincts"))
        .arg("check")
        .args(args)
        .output()
        .expect("the binary runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
