//! Snapshot tests of the generated raw client, one snapshot per section file of the spec,
//! so a spec change shows up in `cargo insta review` as a diff of the section it touches.
//!
//! * `section__<name>`: the operations and types of `openapi/sections/<name>.yaml`.
//! * `shared`: the types of the root document's shared components (`openapi/amocrm-v4.yaml`).
//! * `client`: an index of which section holds which operation and type, then the `Client`
//!   struct, its constructors, the re-exports and typify's `error` module.
//!
//! Which snapshot a generated item belongs to is read from the spec files, not listed here:
//!
//! 1. An operation belongs to the section whose `paths` declare its `operationId`.
//! 2. A type named after a schema belongs to the file whose `components.schemas` defines it.
//! 3. A type no file defines is one progenitor or typify made up for an operation (a path
//!    or query parameter: `GetWidgetWidgetCode`) or for a part of a schema (an inline enum
//!    or map value: `ShowHandlerHandler`, `UsersSettingValue`). Both name it after its
//!    owner, the operation id or the schema name in PascalCase followed by the part's
//!    name, so it belongs with the longest operation id or schema name that begins its
//!    name. A type that matches none fails the test: name it, or its owner, in a file.
//! 4. An `impl` belongs with the first type of `mod types` named in its header
//!    (`impl From<&Widget> for Widget` with `Widget`).
//!
//! A snapshot file with no group left (a section removed or renamed) also fails the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const GENERATED: &str = "../crates/amocrm-raw/src/generated.rs";
const ROOT: &str = "../openapi/amocrm-v4.yaml";
const SECTIONS: &str = "../openapi/sections";
const CLIENT: &str = "client";
const SHARED: &str = "shared";

fn workspace(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Who owns which names, from the spec files: (name in PascalCase, snapshot).
struct Owners {
    operations: BTreeMap<String, String>,
    schemas: BTreeMap<String, String>,
}

impl Owners {
    fn read() -> Self {
        let mut owners = Owners {
            operations: BTreeMap::new(),
            schemas: BTreeMap::new(),
        };
        owners.add(&workspace(ROOT), SHARED);
        let mut sections: Vec<PathBuf> = std::fs::read_dir(workspace(SECTIONS))
            .expect("read openapi/sections")
            .map(|entry| entry.expect("a section file").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
            .collect();
        sections.sort();
        assert!(!sections.is_empty(), "no section files");
        for path in sections {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            owners.add(&path, &format!("section__{stem}"));
        }
        owners
    }

    fn add(&mut self, file: &Path, group: &str) {
        let text = std::fs::read_to_string(file).expect("read a spec file");
        let spec: serde_yaml::Value = serde_yaml::from_str(&text).expect("a spec file is YAML");
        if let Some(paths) = spec.get("paths").and_then(|p| p.as_mapping()) {
            for item in paths.values() {
                for operation in item.as_mapping().into_iter().flat_map(|m| m.values()) {
                    if let Some(id) = operation.get("operationId").and_then(|id| id.as_str()) {
                        self.operations.insert(id.to_owned(), group.to_owned());
                    }
                }
            }
        }
        let schemas = spec
            .get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(|s| s.as_mapping());
        for name in schemas.into_iter().flat_map(|s| s.keys()) {
            let name = name.as_str().expect("a schema name");
            self.schemas.insert(pascal(name), group.to_owned());
        }
    }

    /// The snapshot of the type `name` (rules 2 and 3 of the module docs).
    fn of_type(&self, name: &str) -> String {
        if let Some(group) = self.schemas.get(name) {
            return group.clone();
        }
        let operations = self.operations.iter().map(|(id, g)| (pascal(id), g));
        let schemas = self.schemas.iter().map(|(n, g)| (n.clone(), g));
        operations
            .chain(schemas)
            .filter(|(owner, _)| name.starts_with(owner.as_str()))
            .max_by_key(|(owner, _)| owner.len())
            .map(|(_, group)| group.clone())
            .unwrap_or_else(|| {
                panic!(
                    "generated type {name} is named after no schema and no operation of the \
                     spec files: name it in a section, or extend the rules of this test"
                )
            })
    }

    /// The snapshot of the operation `id` (rule 1).
    fn of_operation(&self, id: &str) -> String {
        self.operations
            .get(id)
            .cloned()
            .unwrap_or_else(|| panic!("operation {id} is declared in no spec file"))
    }
}

/// `list_widgets` → `ListWidgets`, `Widget` → `Widget`: how progenitor and typify name types.
fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// One snapshot's items: the operations (each an `impl Client` of one method), then types.
#[derive(Default)]
struct Group {
    operations: Vec<syn::Item>,
    types: Vec<syn::Item>,
}

/// Items of the generated file, grouped by snapshot name.
fn groups(owners: &Owners) -> BTreeMap<String, Group> {
    let source = std::fs::read_to_string(workspace(GENERATED)).expect("read generated.rs");
    let file = syn::parse_file(&source).expect("generated.rs parses");
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for item in file.items {
        match item {
            syn::Item::Mod(module) if module.ident == "types" => {
                let (_, items) = module.content.expect("inline mod types");
                let defined: Vec<String> = items.iter().filter_map(defined_name).collect();
                for item in items {
                    let group = match type_of(&item, &defined) {
                        Some(name) => owners.of_type(&name),
                        None => CLIENT.to_owned(),
                    };
                    groups.entry(group).or_default().types.push(item);
                }
            }
            syn::Item::Impl(block) if is_operations_impl(&block) => {
                for member in &block.items {
                    if let syn::ImplItem::Fn(method) = member {
                        let mut single = block.clone();
                        single.items = vec![syn::ImplItem::Fn(method.clone())];
                        let group = owners.of_operation(&method.sig.ident.to_string());
                        groups
                            .entry(group)
                            .or_default()
                            .operations
                            .push(syn::Item::Impl(single));
                    }
                }
            }
            other => groups.entry(CLIENT.into()).or_default().types.push(other),
        }
    }
    groups
}

/// The name of the type an item of `mod types` defines, if it defines one.
fn defined_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        _ => None,
    }
}

/// The type a member of `mod types` defines or implements (rule 4); `None` for typify's
/// own modules (`mod error`).
fn type_of(item: &syn::Item, defined: &[String]) -> Option<String> {
    match item {
        syn::Item::Impl(block) => {
            let mut names = Vec::new();
            collect_idents(&block.self_ty, &mut names);
            if let Some((path, _)) = &block.trait_ {
                collect_path_idents(path, &mut names);
            }
            let name = names.into_iter().find(|name| defined.contains(name));
            assert!(name.is_some(), "an impl of no generated type");
            name
        }
        syn::Item::Mod(_) => None,
        other => defined_name(other),
    }
}

fn collect_idents(ty: &syn::Type, out: &mut Vec<String>) {
    if let syn::Type::Path(path) = ty {
        collect_path_idents(&path.path, out);
    }
}

fn collect_path_idents(path: &syn::Path, out: &mut Vec<String>) {
    for segment in &path.segments {
        out.push(segment.ident.to_string());
        if let syn::PathArguments::AngleBracketed(args) = &segment.arguments {
            for arg in &args.args {
                if let syn::GenericArgument::Type(ty) = arg {
                    collect_idents(ty, out);
                }
            }
        }
    }
}

/// The inherent `impl Client` that holds the operations (its methods are `async`).
fn is_operations_impl(block: &syn::ItemImpl) -> bool {
    block.trait_.is_none()
        && block.items.iter().any(
            |member| matches!(member, syn::ImplItem::Fn(method) if method.sig.asyncness.is_some()),
        )
}

fn render(items: Vec<syn::Item>) -> String {
    prettyplease::unparse(&syn::File {
        shebang: None,
        frontmatter: None,
        attrs: Vec::new(),
        items,
    })
}

/// Which snapshot holds which operation and type, in order.
fn index(groups: &BTreeMap<String, Group>) -> String {
    let mut out = String::new();
    for (name, group) in groups {
        let operations: Vec<String> = group
            .operations
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(block) => block.items.iter().find_map(|member| match member {
                    syn::ImplItem::Fn(method) => Some(method.sig.ident.to_string()),
                    _ => None,
                }),
                _ => None,
            })
            .collect();
        let types: Vec<String> = group.types.iter().filter_map(defined_name).collect();
        let list = |names: Vec<String>| match names.is_empty() {
            true => "-".to_owned(),
            false => names.join(", "),
        };
        out.push_str(&format!(
            "// {name}\n//   operations: {}\n//   types: {}\n",
            list(operations),
            list(types)
        ));
    }
    out
}

#[test]
fn generated_code_snapshots() {
    let owners = Owners::read();
    let groups = groups(&owners);
    assert!(
        groups.values().any(|group| !group.operations.is_empty()),
        "no operations found in generated.rs"
    );
    let index = index(&groups);
    let mut failed = Vec::new();
    let mut names = Vec::new();
    for (name, group) in groups {
        let mut text = if name == CLIENT {
            format!("{index}\n")
        } else {
            String::new()
        };
        text.push_str(&render(group.operations));
        text.push_str(&render(group.types));
        names.push(format!("generated_code__{name}.snap"));
        // Check every snapshot before failing, so `cargo insta review` shows all diffs.
        let outcome = std::panic::catch_unwind(|| insta::assert_snapshot!(name.as_str(), text));
        if outcome.is_err() {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "snapshots changed: {failed:?} (run `cargo insta review`)"
    );

    let snapshots = workspace("snapshots");
    let orphans: Vec<String> = std::fs::read_dir(&snapshots)
        .expect("read tests/snapshots")
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|file| file.starts_with("generated_code__") && file.ends_with(".snap"))
        .filter(|file| !names.contains(file))
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshots of no section (delete them): {orphans:?}"
    );
}

#[test]
fn a_type_goes_with_the_longest_owner_that_begins_its_name() {
    let owners = Owners {
        operations: BTreeMap::from([
            ("get_widget".into(), "section__widgets".into()),
            ("continue_bot".into(), "section__bots".into()),
        ]),
        schemas: BTreeMap::from([
            ("Widget".into(), "section__widgets".into()),
            ("ShowParams".into(), "section__bots".into()),
            ("Show".into(), SHARED.into()),
            ("Problem".into(), SHARED.into()),
        ]),
    };
    assert_eq!(owners.of_type("Problem"), SHARED);
    assert_eq!(owners.of_type("GetWidgetWidgetCode"), "section__widgets");
    assert_eq!(owners.of_type("ContinueBotContinueId"), "section__bots");
    assert_eq!(owners.of_type("ShowParamsValue"), "section__bots");
    assert_eq!(
        owners.of_type("ShowHandler"),
        SHARED,
        "the longest owner wins"
    );
    assert!(std::panic::catch_unwind(|| owners.of_type("Orphan")).is_err());
    assert_eq!(pascal("list_pipelines"), "ListPipelines");
    assert_eq!(pascal("WidgetList"), "WidgetList");
}
