//! The crate's modules import each other without a cycle, so each can be read (and moved)
//! with only what it names below it.

use std::collections::{BTreeMap, BTreeSet};

/// Module name → the crate modules its code (comments and unit tests left out) names,
/// through `crate::module` paths or root re-exports (`crate::Name`, `use crate::{..}`).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let lib = std::fs::read_to_string(format!("{src}/lib.rs")).unwrap();
    // Root names and the module that exports them: `pub use module::{A, B}` / `::A;`.
    let mut owner = BTreeMap::new();
    for item in lib.split("pub use ").skip(1) {
        let item = item.split(';').next().unwrap_or_default();
        let Some((module, names)) = item.split_once("::") else {
            continue;
        };
        for name in names.split(|c: char| !c.is_alphanumeric() && c != '_') {
            if name.starts_with(char::is_uppercase) {
                owner.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut deps = BTreeSet::new();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if let Some(module) = owner.get(&word) {
                deps.insert(module.clone());
            } else if !word.is_empty() {
                deps.insert(word);
            }
            if let Some(group) = rest.strip_prefix('{') {
                let group = group.split('}').next().unwrap_or_default();
                for word in group.split(|c: char| !c.is_alphanumeric() && c != '_') {
                    match owner.get(word) {
                        Some(module) => deps.insert(module.clone()),
                        None => deps.insert(word.to_owned()),
                    };
                }
            }
        }
        deps.remove(&name);
        graph.insert(name, deps);
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    graph
}

/// A cycle through `start`, if there is one.
fn cycle(
    graph: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    let last = path.last()?.clone();
    for next in &graph[&last] {
        if *next == path[0] {
            return Some(path.clone());
        }
        if !path.contains(next) {
            path.push(next.clone());
            if let Some(found) = cycle(graph, path) {
                return Some(found);
            }
            path.pop();
        }
    }
    None
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let graph = imports();
    assert!(graph.len() > 10, "{graph:?}");
    // The request path's modules are found and named as expected.
    assert!(graph["client"].contains("transport"), "{graph:?}");
    assert!(graph["widgets"].contains("page"), "{graph:?}");
    for module in graph.keys() {
        let found = cycle(&graph, &mut vec![module.clone()]);
        assert_eq!(found, None, "import cycle: {found:?}");
    }
    // The leaves of the request path import nothing above them.
    for leaf in ["error", "invalid", "response", "page", "transport"] {
        for above in [
            "client",
            "widgets",
            "bots",
            "account",
            "oauth",
            "widget_request",
        ] {
            assert!(!graph[leaf].contains(above), "{leaf} imports {above}");
        }
    }
}
