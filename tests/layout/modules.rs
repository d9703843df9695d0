//! A target's modules as the compiler finds them, read with `syn`: what each defines,
//! imports and names, and the dependency graph between them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// The workspace's root directory.
pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// A module's path from its crate root, e.g. `["error", "decode"]` (empty: the root).
pub(crate) type ModPath = Vec<String>;

pub(crate) fn shown(path: &ModPath) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

/// One module of a target: its file, the items it defines, the names it imports.
#[derive(Default)]
pub(crate) struct Module {
    pub(crate) file: PathBuf,
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
pub(crate) struct Target {
    pub(crate) modules: BTreeMap<ModPath, Module>,
}

/// Whether a `cfg` predicate holds only under `test`.
pub(crate) fn needs_test(meta: &syn::Meta) -> bool {
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
pub(crate) fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Meta>()
                .is_ok_and(|meta| needs_test(&meta))
    })
}

/// The `#[path = "..."]` of a `mod` item.
pub(crate) fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
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

pub(crate) fn attrs_of(item: &syn::Item) -> &[syn::Attribute] {
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
pub(crate) fn absolute(
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
pub(crate) fn use_leaves(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(String, Vec<String>)>,
) {
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
pub(crate) struct References(Vec<Vec<String>>);

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
    pub(crate) fn load(root: &Path) -> Target {
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
    pub(crate) fn graph(&self) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
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
