//! The shape of every crate of the workspace, read from its syntax tree (`syn`), not its
//! text: modules import each other without a cycle, so each can be read (and moved) with
//! only what it names below it; and no hand-written file is longer than 500 lines, test
//! code aside.
//!
//! A module is a file (or an inline `mod { .. }`), found from each target's root as the
//! compiler finds it. Module `a` depends on module `b` when `a`'s code names an item
//! defined in `b` (a path in a type, an expression, a pattern, a macro's tokens, or a
//! private `use`), the name followed through `use` aliases and re-exports to where it is
//! defined. A re-export (`pub use`, `pub(crate) use`) is not a dependency by itself, and a
//! module may use what its ancestors define (a part of a module uses its whole, e.g.
//! `super::Inner`); every other name is a dependency, a parent's on its own part included,
//! and a cycle of them is an error naming its modules and files. Items under
//! `#[cfg(test)]` are left out.

mod checks;
mod modules;

use std::collections::BTreeSet;
use std::path::PathBuf;

use checks::{MAX_LINES, cycles, long_files};
use modules::{ModPath, Target, shown, workspace};

/// The crate in `dir` has no import cycle and no file over [`checks::MAX_LINES`].
fn check(dir: &str) {
    let dir = workspace().join(dir);
    let mut faults = cycles(&dir);
    faults.extend(long_files(&dir));
    assert!(
        faults.is_empty(),
        "{}:\n{}",
        dir.display(),
        faults.join("\n")
    );
}

/// Every member of the workspace, as its manifest lists them (`crates/*` expanded).
fn members() -> BTreeSet<String> {
    let manifest: toml::Table = std::fs::read_to_string(workspace().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let mut members = BTreeSet::new();
    let listed = manifest["workspace"]["members"].as_array().unwrap();
    for member in listed.iter().filter_map(|m| m.as_str()) {
        match member.strip_suffix("/*") {
            Some(parent) => {
                for entry in std::fs::read_dir(workspace().join(parent))
                    .unwrap()
                    .flatten()
                {
                    if entry.path().join("Cargo.toml").exists() {
                        members.insert(format!("{parent}/{}", entry.file_name().to_string_lossy()));
                    }
                }
            }
            None => {
                members.insert(member.to_owned());
            }
        }
    }
    members
}

/// The crates checked below.
const CHECKED: &[&str] = &[
    "crates/amocrm",
    "crates/amocrm-bench",
    "crates/amocrm-cli",
    "crates/amocrm-fake",
    "crates/amocrm-postgres",
    "crates/amocrm-raw",
    "crates/amocrm-redis",
    "crates/amocrm-test-support",
    "examples",
    "tests",
    "xtask",
];

#[test]
fn every_member_of_the_workspace_is_checked() {
    let checked: BTreeSet<String> = CHECKED.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(members(), checked);
}

#[test]
fn amocrm() {
    check("crates/amocrm");
    // The guard sees what it must: the crate's rooms, and the edges between them.
    let target = Target::load(&workspace().join("crates/amocrm/src/lib.rs"));
    let graph = target.graph();
    let module = |path: &str| -> ModPath { path.split("::").map(str::to_owned).collect() };
    assert!(graph.len() > 40, "{}", graph.len());
    assert!(graph[&module("client::builder")].contains(&module("transport")));
    assert!(graph[&module("api::widgets")].contains(&module("pagination::list")));
    assert!(graph[&module("error::widget_request")].contains(&module("api::bots::kind")));
    // The leaves of the request path import nothing above them.
    for leaf in ["error", "decode", "pagination::page", "transport::response"] {
        for above in [
            "client",
            "api::widgets",
            "api::bots",
            "auth::oauth",
            "integration",
        ] {
            assert!(
                !graph[&module(leaf)].contains(&module(above)),
                "{leaf} imports {above}"
            );
        }
    }
}

/// Writes a crate of `files` (path under `src/`, text) to a fresh directory.
fn scratch_crate(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("amocrm-layout-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join("src").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    dir
}

#[test]
fn a_cycle_is_found_and_named() {
    // a → b (a type path); b → c::inner (a name c re-exports, followed to where it is
    // defined); c::inner → a (in a macro's tokens): a cycle of three. The part c::inner
    // using its whole c, and test code, add none.
    let files = |back: &str| {
        vec![
            ("lib.rs", "mod a;\nmod b;\nmod c;\n".to_owned()),
            ("a.rs", "pub struct A(pub crate::b::B);\n".to_owned()),
            (
                "b.rs",
                "use crate::c::Inner;\npub struct B(pub Inner);\n".to_owned(),
            ),
            (
                "c/mod.rs",
                "mod inner;\npub use inner::Inner;\nfn f() -> inner::Inner { inner::Inner }\n"
                    .to_owned(),
            ),
            (
                "c/inner.rs",
                format!(
                    "pub struct Inner;\nfn g() {{ let _ = super::f(); {back} }}\n\
                     #[cfg(test)]\nmod tests {{ use crate::b::B; }}\n"
                ),
            ),
        ]
    };
    let write = |name: &str, back: &str| {
        let owned = files(back);
        let borrowed: Vec<(&str, &str)> = owned.iter().map(|(p, t)| (*p, t.as_str())).collect();
        scratch_crate(name, &borrowed)
    };
    let with = write(
        "cycle",
        "println!(\"{}\", std::mem::size_of::<crate::a::A>());",
    );
    let found = cycles(&with);
    let without = write("acyclic", "");
    let none = cycles(&without);
    let _ = std::fs::remove_dir_all(&with);
    let _ = std::fs::remove_dir_all(&without);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("import cycle"), "{found:?}");
    for module in ["a (", "b (", "c::inner ("] {
        assert!(found[0].contains(module), "{found:?}");
    }
    assert_eq!(none, Vec::<String>::new());
}

#[test]
fn amocrm_bench() {
    check("crates/amocrm-bench");
}

#[test]
fn amocrm_cli() {
    check("crates/amocrm-cli");
}

#[test]
fn amocrm_fake() {
    check("crates/amocrm-fake");
    // The model is the bottom layer: it names only itself (and the crate root's
    // re-exports), and no file of it names axum.
    let target = Target::load(&workspace().join("crates/amocrm-fake/src/lib.rs"));
    let graph = target.graph();
    let model = |path: &ModPath| path.first().is_some_and(|first| first == "model");
    let mut seen = 0;
    for (at, deps) in graph.iter().filter(|(at, _)| model(at)) {
        seen += 1;
        let above: Vec<String> = deps.iter().filter(|d| !model(d)).map(shown).collect();
        assert!(above.is_empty(), "{} imports {above:?}", shown(at));
        let file = &target.modules[at].file;
        assert!(!names_crate(file, "axum"), "{} names axum", file.display());
    }
    assert!(seen > 20, "{seen} model modules");
    // The admin routes read the model, not the handlers of amoCRM's sections.
    for (at, deps) in graph
        .iter()
        .filter(|(at, _)| at.first().is_some_and(|f| f == "admin"))
    {
        assert!(
            !deps.iter().any(|d| d.first().is_some_and(|f| f == "api")),
            "{} imports a section's handlers",
            shown(at)
        );
    }
}

/// Whether the code of `file` (a path or a `use`) names the crate `name`.
fn names_crate(file: &std::path::Path, name: &str) -> bool {
    use syn::visit::Visit;
    struct Finder<'a> {
        name: &'a str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            self.found |= path.segments.first().is_some_and(|s| s.ident == self.name);
            syn::visit::visit_path(self, path);
        }
        fn visit_use_tree(&mut self, tree: &'ast syn::UseTree) {
            if let syn::UseTree::Path(path) = tree {
                self.found |= path.ident == self.name;
            }
            syn::visit::visit_use_tree(self, tree);
        }
    }
    let text = std::fs::read_to_string(file).unwrap();
    let parsed = syn::parse_file(&text).unwrap();
    let mut finder = Finder { name, found: false };
    finder.visit_file(&parsed);
    finder.found
}

#[test]
fn amocrm_postgres() {
    check("crates/amocrm-postgres");
}

#[test]
fn amocrm_raw() {
    check("crates/amocrm-raw");
}

#[test]
fn amocrm_redis() {
    check("crates/amocrm-redis");
}

#[test]
fn amocrm_test_support() {
    check("crates/amocrm-test-support");
}

#[test]
fn examples() {
    check("examples");
}

#[test]
fn tests() {
    check("tests");
}

#[test]
fn xtask() {
    check("xtask");
}

#[test]
fn test_bench_and_example_targets_are_checked_too() {
    // Conventional targets (tests/x.rs, tests/y/main.rs, benches/, examples/), a declared
    // one, and one of a folder whose discovery the manifest turns off.
    let dir = scratch_crate("targets", &[("lib.rs", "")]);
    let long = "// a line\n".repeat(MAX_LINES + 1);
    for (path, text) in [
        ("tests/flat.rs", long.as_str()),
        ("tests/folder/main.rs", ""),
        ("benches/speed.rs", ""),
        ("examples/tour/main.rs", ""),
        ("declared/check.rs", ""),
        ("examples/off.rs", ""),
    ] {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"x\"\nautoexamples = false\n\n\
         [[test]]\nname = \"check\"\npath = \"declared/check.rs\"\n",
    )
    .unwrap();
    let found: Vec<String> = checks::targets(&dir)
        .iter()
        .map(|root| root.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    let long_ones = long_files(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        found,
        [
            "benches/speed.rs",
            "declared/check.rs",
            "src/lib.rs",
            "tests/flat.rs",
            "tests/folder/main.rs",
        ]
    );
    assert_eq!(long_ones.len(), 1, "{long_ones:?}");
    assert!(long_ones[0].contains("tests/flat.rs"), "{long_ones:?}");
}
