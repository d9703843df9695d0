//! The two checks of a crate: no import cycle in any target, no hand-written file over
//! [`MAX_LINES`] outside its inline tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::spanned::Spanned as _;

use super::modules::{ModPath, Target, attrs_of, is_test, shown, workspace};

/// A cycle of `graph`, if it has one (a depth-first search).
pub(crate) fn find_cycle(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Option<Vec<ModPath>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &ModPath,
        graph: &BTreeMap<ModPath, BTreeSet<ModPath>>,
        marks: &mut BTreeMap<ModPath, Mark>,
        stack: &mut Vec<ModPath>,
    ) -> Option<Vec<ModPath>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = stack.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.clone());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

/// The root files of every target of the crate in `dir`: its library, binaries, tests,
/// benches and examples, as cargo finds them (declared in the manifest, or by its
/// conventions: `tests/x.rs`, `tests/x/main.rs`, …).
pub(crate) fn targets(dir: &Path) -> Vec<PathBuf> {
    let manifest: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
        .expect("a manifest")
        .parse()
        .expect("a TOML manifest");
    let mut roots = BTreeSet::new();
    let lib = manifest
        .get("lib")
        .and_then(|lib| lib.get("path"))
        .and_then(|path| path.as_str())
        .map_or_else(|| dir.join("src/lib.rs"), |path| dir.join(path));
    if lib.exists() {
        roots.insert(lib);
    }
    for bin in manifest
        .get("bin")
        .and_then(|bins| bins.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(path) = bin.get("path").and_then(|path| path.as_str()) {
            roots.insert(dir.join(path));
        }
    }
    for kind in ["test", "bench", "example"] {
        for target in manifest
            .get(kind)
            .and_then(|targets| targets.as_array())
            .into_iter()
            .flatten()
        {
            if let Some(path) = target.get("path").and_then(|path| path.as_str()) {
                roots.insert(dir.join(path));
            }
        }
    }
    let auto_discovered = |key: &str| {
        manifest
            .get("package")
            .and_then(|package| package.get(key))
            .and_then(|auto| auto.as_bool())
            != Some(false)
    };
    for (folder, key) in [
        ("tests", "autotests"),
        ("benches", "autobenches"),
        ("examples", "autoexamples"),
    ] {
        if auto_discovered(key) {
            roots.extend(conventional_roots(&dir.join(folder)));
        }
    }
    let main = dir.join("src/main.rs");
    if main.exists() {
        roots.insert(main);
    }
    roots.extend(conventional_roots(&dir.join("src/bin")));
    roots.into_iter().collect()
}

/// The targets cargo finds in `folder` by convention: each `x.rs`, and each `x/main.rs`.
fn conventional_roots(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut roots = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") {
            roots.push(path);
        } else if path.join("main.rs").exists() {
            roots.push(path.join("main.rs"));
        }
    }
    roots
}

/// The import cycles of the crate in `dir`, one message per target that has one.
pub(crate) fn cycles(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for root in targets(dir) {
        let target = Target::load(&root);
        assert!(!target.modules.is_empty(), "{root:?}");
        if let Some(cycle) = find_cycle(&target.graph()) {
            let files: Vec<String> = cycle
                .iter()
                .map(|m| {
                    let file = &target.modules[m].file;
                    let file = file.strip_prefix(workspace()).unwrap_or(file);
                    format!("{} ({})", shown(m), file.display())
                })
                .collect();
            found.push(format!(
                "{}: import cycle {}",
                root.strip_prefix(workspace()).unwrap_or(&root).display(),
                files.join(" -> ")
            ));
        }
    }
    found
}

/// The longest a hand-written file may be, test code aside.
pub(crate) const MAX_LINES: usize = 500;

/// Files allowed to be longer, and why.
pub(crate) const LONG_FILES: &[(&str, &str)] = &[(
    "crates/amocrm-raw/src/generated.rs",
    "written by `cargo xtask generate`",
)];

/// The lines of `file` outside `#[cfg(test)]` items (at any depth of inline modules).
pub(crate) fn lines_outside_tests(file: &Path) -> usize {
    fn test_lines(items: &[syn::Item], total: &mut usize) {
        for item in items {
            if is_test(attrs_of(item)) {
                let span = item.span();
                *total += span.end().line + 1 - span.start().line;
            } else if let syn::Item::Mod(syn::ItemMod {
                content: Some((_, inner)),
                ..
            }) = item
            {
                test_lines(inner, total);
            }
        }
    }
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    let parsed = syn::parse_file(&text).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    let mut tests = 0;
    test_lines(&parsed.items, &mut tests);
    text.lines().count() - tests
}

/// The files of the crate in `dir` (its targets' modules) longer than [`MAX_LINES`].
pub(crate) fn long_files(dir: &Path) -> Vec<String> {
    let mut files = BTreeSet::new();
    for root in targets(dir) {
        for module in Target::load(&root).modules.into_values() {
            files.insert(module.file);
        }
    }
    let mut long = Vec::new();
    for file in files {
        let relative = file.strip_prefix(workspace()).unwrap_or(&file);
        if LONG_FILES
            .iter()
            .any(|(path, _)| Path::new(path) == relative)
        {
            continue;
        }
        let lines = lines_outside_tests(&file);
        if lines > MAX_LINES {
            long.push(format!("{}: {lines} lines", relative.display()));
        }
    }
    long
}
