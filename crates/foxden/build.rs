//! Records the commit foxden is built from for `/__version__`: `git rev-parse HEAD`
//! when the source is a git checkout, else the `FOXDEN_COMMIT` variable, else "unknown".

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=FOXDEN_COMMIT");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = git(&manifest_dir, &["rev-parse", "HEAD"])
        .filter(|hash| hash.len() == 40 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
        .inspect(|_| watch_git_head(&manifest_dir))
        .or_else(|| {
            std::env::var("FOXDEN_COMMIT")
                .ok()
                .filter(|c| !c.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=FOXDEN_BUILD_COMMIT={commit}");
    pack_relative_relocations();
}

/// Links `foxden` with packed relative relocations (DT_RELR, glibc ≥ 2.36): the
/// position-independent binary keeps its ASLR, and the dynamic loader reads a
/// few kilobytes of bitmaps at start instead of ~800 KB of `R_X86_64_RELATIVE`
/// entries, which stayed resident for the life of the process (ADR 0013).
fn pack_relative_relocations() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    if var("TARGET") == "x86_64-unknown-linux-gnu" && var("FOXDEN_NO_STARTUP_ORDER").is_empty() {
        let order = PathBuf::from(var("CARGO_MANIFEST_DIR")).join("link/startup-order.txt");
        println!("cargo:rerun-if-changed={}", order.display());
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
    println!("cargo:rerun-if-env-changed=FOXDEN_NO_STARTUP_ORDER");
}

/// Rebuilds when HEAD moves: the HEAD file, the branch it names, and packed refs.
fn watch_git_head(dir: &Path) {
    let absolute = |p: String| {
        let path = PathBuf::from(p);
        if path.is_absolute() {
            path
        } else {
            dir.join(path)
        }
    };
    if let Some(git_dir) = git(dir, &["rev-parse", "--git-dir"]).map(absolute) {
        watch(&git_dir.join("HEAD"));
    }
    if let Some(common) = git(dir, &["rev-parse", "--git-common-dir"]).map(absolute) {
        watch(&common.join("packed-refs"));
        if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
            watch(&common.join(branch));
        }
    }
}

/// A watched path that does not exist would make every build rerun this script.
fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}
