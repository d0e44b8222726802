//! Checks the rules ARCHITECTURE.md states about where code may live.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_bindings_name_js_crates() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bindings = src.join("bindings");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 5, "found the sources");
    for file in files {
        if file.starts_with(&bindings) {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        for name in ["wasm_bindgen", "js_sys", "web_sys", "gloo"] {
            assert!(
                !text.contains(name),
                "{} names {name}; JS-facing code belongs in src/bindings/",
                file.display()
            );
        }
    }
}

#[test]
fn every_source_file_says_what_it_is_for() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not open with a //! line",
            file.display()
        );
    }
}
