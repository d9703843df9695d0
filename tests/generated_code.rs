//! Snapshot tests of the generated raw client, one snapshot per type and per operation,
//! so a spec change shows up in `cargo insta review` as a focused diff.
//!
//! * `type__<Name>`: a type of `types` with all its impls.
//! * `operation__<operation_id>`: one method of the generated `Client`.
//! * `client`: the `Client` struct, its constructors and the re-exports.
//! * `index`: the list of all snapshots, so an added or removed type or operation shows up
//!   even where insta only reports the new file.

use std::collections::BTreeMap;
use std::path::Path;

const GENERATED: &str = "../crates/amocrm-raw/src/generated.rs";

/// Items of the generated file, grouped by snapshot name.
fn groups() -> BTreeMap<String, Vec<syn::Item>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GENERATED);
    let source = std::fs::read_to_string(&path).expect("read generated.rs");
    let file = syn::parse_file(&source).expect("generated.rs parses");
    let mut groups: BTreeMap<String, Vec<syn::Item>> = BTreeMap::new();
    for item in file.items {
        match item {
            syn::Item::Mod(module) if module.ident == "types" => {
                let (_, items) = module.content.expect("inline mod types");
                let defined: Vec<String> = items.iter().filter_map(defined_name).collect();
                for item in items {
                    groups
                        .entry(type_group(&item, &defined))
                        .or_default()
                        .push(item);
                }
            }
            syn::Item::Impl(block) if is_operations_impl(&block) => {
                for member in &block.items {
                    if let syn::ImplItem::Fn(method) = member {
                        let mut single = block.clone();
                        single.items = vec![syn::ImplItem::Fn(method.clone())];
                        groups
                            .entry(format!("operation__{}", method.sig.ident))
                            .or_default()
                            .push(syn::Item::Impl(single));
                    }
                }
            }
            other => groups.entry("client".into()).or_default().push(other),
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

/// The snapshot a member of `mod types` belongs to: the type it defines or implements.
/// `impl From<Local> for String` belongs to `Local`: the first type of the module named
/// in the impl header.
fn type_group(item: &syn::Item, defined: &[String]) -> String {
    let name = match item {
        syn::Item::Impl(block) => {
            let mut names = Vec::new();
            collect_idents(&block.self_ty, &mut names);
            if let Some((path, _)) = &block.trait_ {
                collect_path_idents(path, &mut names);
            }
            names.into_iter().find(|name| defined.contains(name))
        }
        syn::Item::Mod(module) => Some(format!("mod_{}", module.ident)),
        other => defined_name(other),
    };
    format!("type__{}", name.unwrap_or_else(|| "misc".into()))
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

#[test]
fn generated_code_snapshots() {
    let groups = groups();
    assert!(
        groups.keys().any(|name| name.starts_with("operation__")),
        "no operations found in generated.rs"
    );
    let index = groups.keys().cloned().collect::<Vec<_>>().join("\n");
    let mut failed = Vec::new();
    let outcomes = std::iter::once(("index".to_string(), index)).chain(
        groups
            .into_iter()
            .map(|(name, items)| (name, render(items))),
    );
    for (name, text) in outcomes {
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
}
