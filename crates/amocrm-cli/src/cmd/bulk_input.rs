//! The input of a bulk write, from `--file PATH` or stdin (`-`): NDJSON is read line by
//! line while the writer sends (memory stays flat however long the input; a line that is
//! not a JSON object becomes its item's error line, the others are still written); a
//! JSON array is read whole and checked first (any element that is not an object
//! refuses the whole input, nothing sent).

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::{Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};

use crate::failure::Failure;

/// The entities to write, as the library's writer of one section takes them.
pub type Entities = BoxStream<'static, Map<String, Value>>;

/// The entities of a bulk write, and the NDJSON lines that were none (shared with the
/// reading stream: it records them as it meets them).
pub struct Input {
    pub entities: Entities,
    pub skipped: Skipped,
}

impl Input {
    /// Entities already read (a JSON array, one entity of a command's flags).
    pub fn of(entities: Vec<Map<String, Value>>) -> Self {
        Input {
            entities: futures::stream::iter(entities).boxed(),
            skipped: Skipped::default(),
        }
    }
}

/// An NDJSON line that is no entity: the index it takes among the items, and why (never
/// its content).
#[derive(Debug)]
pub struct BadLine {
    pub index: u64,
    pub code: &'static str,
    pub message: String,
}

/// The bad lines met and not printed yet (held until the items before them are printed:
/// an index and a short message each), and a read error that ended the input.
#[derive(Clone, Debug, Default)]
pub struct Skipped(Arc<Mutex<Skips>>);

#[derive(Debug, Default)]
struct Skips {
    bad: VecDeque<BadLine>,
    failed: Option<String>,
}

impl Skipped {
    fn lock(&self) -> std::sync::MutexGuard<'_, Skips> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next bad line, if it is the item of `index`.
    pub fn take(&self, index: u64) -> Option<BadLine> {
        let mut skips = self.lock();
        match skips.bad.front() {
            Some(bad) if bad.index == index => skips.bad.pop_front(),
            _ => None,
        }
    }

    /// Why reading stopped before the input's end, if it did.
    pub fn failed(&self) -> Option<String> {
        self.lock().failed.clone()
    }
}

/// Opens `path` (`-`: stdin) and reads up to its first entity: a JSON array is read
/// whole (and refused whole when an element is not an object); NDJSON is read as the
/// writer takes it. An input without any entity is refused.
pub async fn open(path: &str) -> Result<Input, Failure> {
    let io = |e: std::io::Error| Failure::input(format!("--file {path}: {e}"));
    let source: Box<dyn AsyncRead + Send + Unpin> = if path == "-" {
        Box::new(tokio::io::stdin())
    } else {
        Box::new(tokio::fs::File::open(path).await.map_err(io)?)
    };
    let mut reader = BufReader::new(source);
    let mut line = 0;
    let array = loop {
        let buf = reader.fill_buf().await.map_err(io)?;
        if buf.is_empty() {
            return Err(Failure::input(format!("--file {path}: no entity to write")));
        }
        let blank = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let first = buf.get(blank).copied();
        line += buf[..blank].iter().filter(|b| **b == b'\n').count() as u64;
        reader.consume(blank);
        if let Some(first) = first {
            break first == b'[';
        }
    };
    if array {
        let mut text = String::new();
        reader.read_to_string(&mut text).await.map_err(io)?;
        let entities = parse(&text).map_err(|problems| {
            Failure::Input(
                problems
                    .into_iter()
                    .map(|p| format!("--file {path}: {p}"))
                    .collect(),
            )
        })?;
        return Ok(Input::of(entities));
    }
    let skipped = Skipped::default();
    let entities = ndjson(reader, skipped.clone(), line).boxed();
    Ok(Input { entities, skipped })
}

/// The objects of NDJSON, a line at a time (blank lines skipped); the other lines are
/// recorded in `skipped` with the index they take.
fn ndjson(
    reader: BufReader<Box<dyn AsyncRead + Send + Unpin>>,
    skipped: Skipped,
    line: u64,
) -> impl futures::Stream<Item = Map<String, Value>> + Send + 'static {
    let state = (reader, skipped, 0u64, line, Vec::new());
    futures::stream::unfold(
        state,
        |(mut reader, skipped, mut index, mut line, mut buf)| async move {
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf).await {
                    Ok(0) => return None,
                    Ok(_) => line += 1,
                    Err(e) => {
                        skipped.lock().failed = Some(format!("line {}: {e}", line + 1));
                        return None;
                    }
                }
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let at = index;
                index += 1;
                let bad = match serde_json::from_slice::<Value>(&buf) {
                    Ok(Value::Object(map)) => {
                        return Some((map, (reader, skipped, index, line, buf)));
                    }
                    Ok(_) => ("NotAnObject", format!("line {line} is not a JSON object")),
                    Err(e) => ("NotJson", format!("line {line} is not JSON: {e}")),
                };
                skipped.lock().bad.push_back(BadLine {
                    index: at,
                    code: bad.0,
                    message: bad.1,
                });
            }
        },
    )
}

/// The entities of `path` (`-`: stdin), read whole (the definitions' writes, a few
/// items): a JSON array of objects, or one object a line.
pub fn read(path: &str) -> Result<Vec<Map<String, Value>>, Failure> {
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| Failure::input(format!("--file {path}: {e}")))?;
    parse(&text).map_err(|problems| {
        Failure::Input(
            problems
                .into_iter()
                .map(|p| format!("--file {path}: {p}"))
                .collect(),
        )
    })
}

fn parse(text: &str) -> Result<Vec<Map<String, Value>>, Vec<String>> {
    let object = |value: Value, at: String| match value {
        Value::Object(map) => Ok(map),
        _ => Err(format!("{at} is not a JSON object")),
    };
    let mut problems = Vec::new();
    let mut entities = Vec::new();
    if text.trim_start().starts_with('[') {
        let values: Vec<Value> =
            serde_json::from_str(text).map_err(|e| vec![format!("not a JSON array: {e}")])?;
        for (i, value) in values.into_iter().enumerate() {
            match object(value, format!("element {i}")) {
                Ok(map) => entities.push(map),
                Err(problem) => problems.push(problem),
            }
        }
    } else {
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let at = format!("line {}", n + 1);
            match serde_json::from_str(line) {
                Ok(value) => match object(value, at) {
                    Ok(map) => entities.push(map),
                    Err(problem) => problems.push(problem),
                },
                Err(e) => problems.push(format!("{at} is not JSON: {e}")),
            }
        }
    }
    if entities.is_empty() && problems.is_empty() {
        problems.push("no entity to write".into());
    }
    if problems.is_empty() {
        Ok(entities)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn ndjson_and_arrays_of_objects_are_read_and_anything_else_refused() {
        assert_eq!(
            parse("{\"name\":\"a\"}\n\n{\"name\":\"b\"}\n")
                .unwrap()
                .len(),
            2
        );
        assert_eq!(parse(" [{\"name\":\"a\"},{}]").unwrap().len(), 2);
        assert_eq!(parse("{}\n[1]\nnope").unwrap_err().len(), 2);
        assert!(parse("[1]").is_err());
        assert!(parse("\n").is_err());
    }
}
