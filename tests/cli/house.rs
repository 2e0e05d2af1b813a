//! The house (issue 20, design.md "The shape"): cli and http over ops,
//! over check, over store, over domain; arrows point down only, no verb
//! calls another, and no source file grows past 600 lines.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file without its comments (doc links name modules too).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Which layer a module path of the crate is in; higher ones sit above.
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        "domain" | "error" | "lock" => 0,
        "store" => 1,
        "check" | "verify" | "verifier" => 2,
        "ops" => 3,
        "cli" | "http" => 4,
        _ => return None,
    })
}

#[test]
fn arrows_point_down_only() {
    let root = src();
    let mut upward = Vec::new();
    for path in sources(&root) {
        let rel = path.strip_prefix(&root).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let own = first.trim_end_matches(".rs");
        let Some(own_layer) = layer(own) else {
            continue; // lib.rs and main.rs stand above the house
        };
        let code = code(&path);
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let target: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if let Some(target_layer) = layer(&target)
                && target_layer > own_layer
            {
                upward.push(format!("{} uses crate::{target}", rel.display()));
            }
            // The command line starts the HTTP front (`serve`); the HTTP
            // front never reaches into the command line.
            if own == "http" && target == "cli" {
                upward.push(format!("{} uses crate::cli", rel.display()));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_verb_calls_another() {
    let dir = src().join("cli/commands");
    let verbs: Vec<String> = sources(&dir)
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|v| v != "mod")
        .collect();
    let mut calls = Vec::new();
    for path in sources(&dir) {
        let own = path.file_stem().unwrap().to_string_lossy().into_owned();
        let code = code(&path);
        for verb in verbs.iter().filter(|v| **v != own) {
            for form in [format!("super::{verb}::"), format!("commands::{verb}::")] {
                if own != "mod" && code.contains(&form) {
                    calls.push(format!("{own}.rs uses {form}"));
                }
            }
        }
    }
    assert!(
        calls.is_empty(),
        "verbs calling verbs:\n{}",
        calls.join("\n")
    );
}

#[test]
fn no_source_file_is_over_600_lines() {
    let root = src();
    let long: Vec<String> = sources(&root)
        .into_iter()
        .filter_map(|p| {
            let lines = std::fs::read_to_string(&p).unwrap().lines().count();
            (lines > 600).then(|| format!("{} has {lines} lines", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "{}", long.join("\n"));
}
