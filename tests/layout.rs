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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::spanned::Spanned as _;
use syn::visit::Visit;

/// The workspace's root directory.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// A module's path from its crate root, e.g. `["error", "decode"]` (empty: the root).
type ModPath = Vec<String>;

fn shown(path: &ModPath) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

/// One module of a target: its file, the items it defines, the names it imports.
#[derive(Default)]
struct Module {
    file: PathBuf,
    /// Child modules by name.
    children: BTreeMap<String, ModPath>,
    /// Items defined here (types, functions, constants, traits, macros, ...).
    defined: BTreeSet<String>,
    /// `use` aliases: local name → absolute path of what it names (`None`: outside the
    /// crate).
    aliases: BTreeMap<String, Option<Vec<String>>>,
    /// Absolute paths this module's private `use` items import.
    imports: Vec<Vec<String>>,
    /// Paths named by its code, as written (relative to this module).
    references: Vec<Vec<String>>,
}

/// Every module of one target (a library or a binary).
struct Target {
    modules: BTreeMap<ModPath, Module>,
}

/// Whether a `cfg` predicate holds only under `test`.
fn needs_test(meta: &syn::Meta) -> bool {
    match meta {
        syn::Meta::Path(path) => path.is_ident("test"),
        syn::Meta::List(list) => {
            let parsed = list.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            );
            let Ok(inner) = parsed else { return false };
            if list.path.is_ident("all") {
                inner.iter().any(needs_test)
            } else if list.path.is_ident("any") {
                !inner.is_empty() && inner.iter().all(needs_test)
            } else {
                false
            }
        }
        syn::Meta::NameValue(_) => false,
    }
}

/// Whether `attrs` put an item under `#[cfg(test)]` (or any predicate needing `test`).
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Meta>()
                .is_ok_and(|meta| needs_test(&meta))
    })
}

/// The `#[path = "..."]` of a `mod` item.
fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        },
        _ => None,
    })
}

fn attrs_of(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// The absolute path of `path` (as a `use` in module `at` writes it), or `None` when it
/// leaves the crate. `children` are `at`'s child modules.
fn absolute(
    at: &ModPath,
    children: &BTreeMap<String, ModPath>,
    path: &[String],
) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => return Some(rest.to_vec()),
        "self" => at.clone(),
        "super" => {
            let mut base = at.clone();
            base.pop();
            let mut rest = rest;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            return Some(base);
        }
        name if children.contains_key(name) => {
            let mut base = at.clone();
            base.push(name.to_owned());
            base.extend(rest.iter().cloned());
            return Some(base);
        }
        _ => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The leaves of a `use` tree: (local name, path as written), globs left out.
fn use_leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            let mut path = prefix.clone();
            if name == "self" {
                let local = prefix.last().cloned().unwrap_or_default();
                out.push((local, path));
            } else {
                path.push(name.clone());
                out.push((name, path));
            }
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push((r.rename.to_string(), path));
        }
        syn::UseTree::Glob(_) => {}
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_leaves(tree, prefix, out);
            }
        }
    }
}

/// Collects the paths a module's code names (types, expressions, patterns, macros).
#[derive(Default)]
struct References(Vec<Vec<String>>);

impl References {
    /// Paths in a macro's tokens: runs of identifiers joined by `::`.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut run: Vec<String> = Vec::new();
        let mut colons = 0;
        for tree in tokens {
            match tree {
                proc_macro2::TokenTree::Ident(ident) => {
                    if colons != 2 && !run.is_empty() {
                        self.0.push(std::mem::take(&mut run));
                    }
                    run.push(ident.to_string());
                    colons = 0;
                }
                proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' => colons += 1,
                other => {
                    if !run.is_empty() {
                        self.0.push(std::mem::take(&mut run));
                    }
                    colons = 0;
                    if let proc_macro2::TokenTree::Group(group) = other {
                        self.tokens(group.stream());
                    }
                }
            }
        }
        if !run.is_empty() {
            self.0.push(run);
        }
    }
}

impl<'ast> Visit<'ast> for References {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.0
            .push(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !is_test(attrs_of(item)) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let attrs = match item {
            syn::ImplItem::Const(i) => &i.attrs,
            syn::ImplItem::Fn(i) => &i.attrs,
            syn::ImplItem::Type(i) => &i.attrs,
            syn::ImplItem::Macro(i) => &i.attrs,
            _ => return syn::visit::visit_impl_item(self, item),
        };
        if !is_test(attrs) {
            syn::visit::visit_impl_item(self, item);
        }
    }

    fn visit_item_use(&mut self, _: &'ast syn::ItemUse) {}

    fn visit_item_mod(&mut self, _: &'ast syn::ItemMod) {}

    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
}

impl Target {
    /// The modules of the target whose root file is `root`.
    fn load(root: &Path) -> Target {
        let mut target = Target {
            modules: BTreeMap::new(),
        };
        let text = std::fs::read_to_string(root).unwrap_or_else(|e| panic!("{root:?}: {e}"));
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{root:?}: {e}"));
        let dir = root.parent().expect("a file has a directory").to_path_buf();
        target.add(Vec::new(), root.to_path_buf(), &file.items, &dir);
        target
    }

    /// Adds module `at` (its `items`, in `file`), whose child modules' files are in `dir`.
    fn add(&mut self, at: ModPath, file: PathBuf, items: &[syn::Item], dir: &Path) {
        let mut module = Module {
            file: file.clone(),
            ..Module::default()
        };
        let mut uses = Vec::new();
        let mut references = References::default();
        for item in items {
            if is_test(attrs_of(item)) {
                continue;
            }
            match item {
                syn::Item::Mod(m) => {
                    let name = m.ident.to_string();
                    let mut child = at.clone();
                    child.push(name.clone());
                    module.children.insert(name.clone(), child.clone());
                    match &m.content {
                        Some((_, inner)) => {
                            let child_dir = dir.join(&name);
                            self.add(child, file.clone(), inner, &child_dir);
                        }
                        None => {
                            let (child_file, child_dir) = match path_attr(&m.attrs) {
                                Some(path) => {
                                    let path = file.parent().expect("dir").join(path);
                                    let dir = path.with_extension("");
                                    (path, dir)
                                }
                                None => {
                                    let flat = dir.join(format!("{name}.rs"));
                                    if flat.exists() {
                                        (flat, dir.join(&name))
                                    } else {
                                        (dir.join(&name).join("mod.rs"), dir.join(&name))
                                    }
                                }
                            };
                            let text = std::fs::read_to_string(&child_file)
                                .unwrap_or_else(|e| panic!("{child_file:?}: {e}"));
                            let parsed = syn::parse_file(&text)
                                .unwrap_or_else(|e| panic!("{child_file:?}: {e}"));
                            self.add(child, child_file, &parsed.items, &child_dir);
                        }
                    }
                }
                syn::Item::Use(u) => {
                    let mut leaves = Vec::new();
                    use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
                    let reexport = !matches!(u.vis, syn::Visibility::Inherited);
                    for (name, path) in leaves {
                        uses.push((name, path, reexport));
                    }
                }
                other => {
                    let name = match other {
                        syn::Item::Const(i) => Some(&i.ident),
                        syn::Item::Enum(i) => Some(&i.ident),
                        syn::Item::Fn(i) => Some(&i.sig.ident),
                        syn::Item::Static(i) => Some(&i.ident),
                        syn::Item::Struct(i) => Some(&i.ident),
                        syn::Item::Trait(i) => Some(&i.ident),
                        syn::Item::Type(i) => Some(&i.ident),
                        syn::Item::Union(i) => Some(&i.ident),
                        syn::Item::Macro(i) => i.ident.as_ref(),
                        _ => None,
                    };
                    if let Some(name) = name {
                        module.defined.insert(name.to_string());
                    }
                    references.visit_item(other);
                }
            }
        }
        for (name, path, reexport) in uses {
            let target = absolute(&at, &module.children, &path);
            if !reexport && let Some(target) = &target {
                module.imports.push(target.clone());
            }
            module.aliases.insert(name, target);
        }
        module.references = references.0;
        self.modules.insert(at, module);
    }

    /// The module that defines what absolute `path` names (`None`: outside the crate).
    fn defining(&self, path: &[String], depth: usize) -> Option<ModPath> {
        if depth > 16 {
            return None;
        }
        let mut at: ModPath = Vec::new();
        for (i, segment) in path.iter().enumerate() {
            let module = self.modules.get(&at)?;
            if let Some(child) = module.children.get(segment) {
                at = child.clone();
                continue;
            }
            if module.defined.contains(segment) {
                return Some(at);
            }
            if let Some(alias) = module.aliases.get(segment) {
                let mut target = alias.clone()?;
                target.extend(path[i + 1..].iter().cloned());
                return self.defining(&target, depth + 1);
            }
            // An enum variant, an associated item, a glob import: the module itself.
            return Some(at);
        }
        Some(at)
    }

    /// What a path written in module `at` names, made absolute (`None`: a local name, or
    /// outside the crate).
    fn resolve(&self, at: &ModPath, path: &[String]) -> Option<Vec<String>> {
        let module = &self.modules[at];
        let first = path.first()?;
        if matches!(first.as_str(), "crate" | "self" | "super")
            || module.children.contains_key(first)
        {
            return absolute(at, &module.children, path);
        }
        if let Some(alias) = module.aliases.get(first) {
            let mut target = alias.clone()?;
            target.extend(path[1..].iter().cloned());
            return Some(target);
        }
        None
    }

    /// Module → the modules it depends on.
    fn graph(&self) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
        let mut graph = BTreeMap::new();
        for (at, module) in &self.modules {
            let mut deps = BTreeSet::new();
            let named = module
                .references
                .iter()
                .filter_map(|path| self.resolve(at, path))
                .chain(module.imports.iter().cloned());
            for path in named {
                // A part may use what its whole defines (`super::Inner`): a submodule is
                // part of its parent's implementation. Every other name is a dependency,
                // a parent's on its part included.
                if let Some(target) = self.defining(&path, 0)
                    && &target != at
                    && !at.starts_with(&target)
                {
                    deps.insert(target);
                }
            }
            graph.insert(at.clone(), deps);
        }
        graph
    }
}

/// A cycle of `graph`, if it has one (a depth-first search).
fn find_cycle(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Option<Vec<ModPath>> {
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

/// The root files of every target of the crate in `dir` (its library and binaries).
fn targets(dir: &Path) -> Vec<PathBuf> {
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
    let main = dir.join("src/main.rs");
    if main.exists() {
        roots.insert(main);
    }
    if let Ok(entries) = std::fs::read_dir(dir.join("src/bin")) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "rs") {
                roots.insert(path);
            } else if path.join("main.rs").exists() {
                roots.insert(path.join("main.rs"));
            }
        }
    }
    roots.into_iter().collect()
}

/// The import cycles of the crate in `dir`, one message per target that has one.
fn cycles(dir: &Path) -> Vec<String> {
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
const MAX_LINES: usize = 500;

/// Files allowed to be longer, and why.
const LONG_FILES: &[(&str, &str)] = &[(
    "crates/amocrm-raw/src/generated.rs",
    "written by `cargo xtask generate`",
)];

/// The lines of `file` outside `#[cfg(test)]` items (at any depth of inline modules).
fn lines_outside_tests(file: &Path) -> usize {
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
fn long_files(dir: &Path) -> Vec<String> {
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

/// The crate in `dir` has no import cycle and no file over [`MAX_LINES`].
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
