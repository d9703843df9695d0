//! Edits of a generated body: structural (a node of the tree) and byte-level, and the
//! bodies the fuzzer feeds: mutated seeds, HTML or text, corrupted objects.

use super::*;

/// A structural edit of a JSON tree, at the node `at` (pre-order, modulo the node count).
#[derive(Clone, Debug)]
pub(super) enum Edit {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
    Duplicate(usize),
    WrapInArray(usize),
    Nest(usize, u8),
}

pub(super) fn arb_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), arb_json()).prop_map(|(at, v)| Edit::Replace(at, v)),
        3 => any::<usize>().prop_map(Edit::Remove),
        2 => (any::<usize>(), arb_key(), arb_json()).prop_map(|(at, k, v)| Edit::Insert(at, k, v)),
        1 => any::<usize>().prop_map(Edit::Duplicate),
        1 => any::<usize>().prop_map(Edit::WrapInArray),
        1 => (any::<usize>(), 100u8..140).prop_map(|(at, depth)| Edit::Nest(at, depth)),
    ]
}

pub(super) fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// The `n`-th node in pre-order.
pub(super) fn node_mut(value: &mut Value, n: usize) -> Option<&mut Value> {
    fn walk<'a>(value: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
        if *n == 0 {
            return Some(value);
        }
        *n -= 1;
        match value {
            Value::Array(items) => items.iter_mut().find_map(|item| walk(item, n)),
            Value::Object(map) => map.values_mut().find_map(|item| walk(item, n)),
            _ => None,
        }
    }
    let mut n = n;
    walk(value, &mut n)
}

pub(super) fn apply(value: &mut Value, edit: &Edit) {
    let nodes = count_nodes(value);
    let pick = |at: &usize| at % nodes;
    match edit {
        Edit::Replace(at, new) => {
            if let Some(node) = node_mut(value, pick(at)) {
                *node = new.clone();
            }
        }
        Edit::Remove(at) => {
            if let Some(node) = node_mut(value, pick(at)) {
                match node {
                    Value::Array(items) if !items.is_empty() => {
                        let i = at % items.len();
                        items.remove(i);
                    }
                    Value::Object(map) if !map.is_empty() => {
                        let key = map.keys().nth(at % map.len()).cloned().unwrap_or_default();
                        map.remove(&key);
                    }
                    _ => *node = Value::Null,
                }
            }
        }
        Edit::Insert(at, key, new) => {
            if let Some(node) = node_mut(value, pick(at)) {
                match node {
                    Value::Array(items) => items.push(new.clone()),
                    Value::Object(map) => {
                        map.insert(key.clone(), new.clone());
                    }
                    _ => *node = new.clone(),
                }
            }
        }
        Edit::Duplicate(at) => {
            if let Some(Value::Array(items)) = node_mut(value, pick(at)) {
                let copy = items.clone();
                items.extend(copy);
            }
        }
        Edit::WrapInArray(at) => {
            if let Some(node) = node_mut(value, pick(at)) {
                *node = Value::Array(vec![node.take()]);
            }
        }
        Edit::Nest(at, depth) => {
            if let Some(node) = node_mut(value, pick(at)) {
                let mut nested = node.take();
                for _ in 0..*depth {
                    nested = Value::Array(vec![nested]);
                }
                *node = nested;
            }
        }
    }
}

/// A byte-level edit of a serialized body.
#[derive(Clone, Debug)]
pub(super) enum ByteEdit {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

pub(super) fn arb_byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        any::<usize>().prop_map(ByteEdit::Truncate),
        (any::<usize>(), 1u8..=255).prop_map(|(at, x)| ByteEdit::Flip(at, x)),
        (
            any::<usize>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..8),
                prop::sample::select(vec![
                    b"{".to_vec(),
                    b"}".to_vec(),
                    b"[".to_vec(),
                    b"\"".to_vec(),
                    b"\\u".to_vec(),
                    b"\\ud800".to_vec(),
                    b",".to_vec(),
                    b":".to_vec(),
                    b"null".to_vec(),
                    b"1e999".to_vec(),
                    b"-".to_vec(),
                    b"\xff\xfe".to_vec(),
                    b"\xe2\x82".to_vec(),
                ]),
            ]
        )
            .prop_map(|(at, bytes)| ByteEdit::Insert(at, bytes)),
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| ByteEdit::Delete(at, n)),
    ]
}

pub(super) fn apply_bytes(bytes: &mut Vec<u8>, edit: &ByteEdit) {
    let len = bytes.len();
    match edit {
        ByteEdit::Truncate(at) => bytes.truncate(at % (len + 1)),
        ByteEdit::Flip(at, x) if len > 0 => bytes[at % len] ^= x,
        ByteEdit::Flip(..) => {}
        ByteEdit::Insert(at, new) => {
            let at = at % (len + 1);
            bytes.splice(at..at, new.iter().copied());
        }
        ByteEdit::Delete(at, n) if len > 0 => {
            let at = at % len;
            let end = (at + n).min(len);
            bytes.drain(at..end);
        }
        ByteEdit::Delete(..) => {}
    }
}

pub(super) fn mutated_seed() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(SEEDS),
        prop::collection::vec(arb_edit(), 0..4),
        prop::collection::vec(arb_byte_edit(), 0..3),
    )
        .prop_map(|(seed, edits, byte_edits)| {
            let mut value: Value = serde_json::from_str(seed).expect("seed is JSON");
            for edit in &edits {
                apply(&mut value, edit);
            }
            let mut bytes = serde_json::to_vec(&value).expect("serializable");
            for edit in &byte_edits {
                apply_bytes(&mut bytes, edit);
            }
            bytes
        })
}

pub(super) fn html_or_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(SEED_HTML.as_bytes().to_vec()),
        (100u16..600).prop_map(|s| format!("<html><body><h1>{s}</h1></body></html>").into_bytes()),
        any::<String>().prop_map(String::into_bytes),
        Just(Vec::new()),
        Just(b"null".to_vec()),
    ]
}

/// A generated object with up to two structural edits (none in a third of the cases).
pub(super) fn corrupted(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Vec<u8>> {
    (value, prop::collection::vec(arb_edit(), 0..3)).prop_map(|(mut value, edits)| {
        for edit in &edits {
            apply(&mut value, edit);
        }
        serde_json::to_vec(&value).expect("serializable")
    })
}

/// Any body the client may read.
pub(super) fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => mutated_seed(),
        2 => corrupted(page_value()),
        2 => corrupted(widget_value()),
        2 => corrupted(problem_value()),
        1 => arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => html_or_text(),
    ]
}

pub(super) fn any_status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => prop::sample::select(vec![200u16, 201, 202, 204, 400, 401, 402, 403, 404, 429, 500, 502, 503, 504]),
        2 => 100u16..1000,
        1 => any::<u16>(),
    ]
}

pub(super) fn any_retry_after() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        (0u64..100).prop_map(|s| s.to_string()),
        any::<u64>().prop_map(|s| s.to_string()),
        "[ -~]{0,24}",
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        Just("1.5".to_owned()),
        Just("-1".to_owned()),
    ])
}
