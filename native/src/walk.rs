//! One pass over a record's JSON: the kept values, the counts of its sections, the text of its bodies and the
//! objects of its output body's chunks that may say something about usage or a guardrail, without making the
//! rest of it into values.
//!
//! The Python reader reads a record made into Python objects, where a key written twice in an object holds its
//! last value at its first place; a walk in document order would see both, so an object of a body with a key
//! twice (or a record with a section twice) is unusual.

use std::borrow::Cow;

use serde_json::Value;
use smallvec::SmallVec;

use crate::json::{Kind, Parser};
use crate::{Rules, Unusual, Usual};

/// The keys of a chunk of an output body that may say something about usage or a guardrail, with their values,
/// in document order: a few, found by comparing names (an object with a key twice is unusual).
#[derive(Default)]
pub struct Chunk(SmallVec<[(String, Value); 2]>);

impl Chunk {
    /// The value of `key`, when the chunk has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value)
    }
}

/// What the walk of one record finds.
#[derive(Default)]
pub struct Found {
    /// The values of the kept keys, by their index in the rules.
    pub kept: Vec<Option<Value>>,
    /// The kept counts of each section that is an object, by the index of their key in the rules.
    pub sections: Vec<Option<Vec<Option<Value>>>>,
    /// The text of the input body, when there is one.
    pub prompt: Option<Text>,
    /// The text of the output body, when there is one.
    pub completion: Option<Text>,
    /// The keys of each chunk of the output body that may say how many tokens were used or that a guardrail
    /// intervened (chunks without any are left out).
    pub chunks: Vec<Chunk>,
}

/// The text strings of a body put together as the Python reader puts them: one per line, or, in a stream (a
/// body that is a list of chunks), end to end.
#[derive(Default)]
pub struct Text {
    pub text: String,
    pieces: usize,
    stream: bool,
}

impl Text {
    pub fn push(&mut self, piece: &str) {
        self.separate();
        self.text.push_str(piece);
        self.pieces += 1;
    }

    /// Puts the separator of the next piece, if any; gives the length before it.
    fn separate(&mut self) -> usize {
        let before = self.text.len();
        if self.pieces > 0 && !self.stream {
            self.text.push('\n');
        }
        before
    }
}

/// Walks a record (a JSON object) into `found`.
pub fn walk(rules: &Rules, text: &str, found: &mut Found) -> Usual<()> {
    found.kept = vec![None; rules.kept_keys.len()];
    found.sections = vec![None; rules.kept_counts.len()];
    let mut parser = Parser::new(text);
    record(rules, &mut parser, found)?;
    parser.end()
}

/// The keys already seen in an object, to tell a key written twice.
#[derive(Default)]
struct Seen<'a>(SmallVec<[Cow<'a, str>; 8]>);

impl<'a> Seen<'a> {
    fn first(&mut self, key: Cow<'a, str>) -> Usual<()> {
        if self.0.contains(&key) {
            return Err(Unusual);
        }
        self.0.push(key);
        Ok(())
    }
}

fn record<'a>(rules: &Rules, parser: &mut Parser<'a>, found: &mut Found) -> Usual<()> {
    parser.object()?;
    let mut sections = Seen::default();
    let mut first = true;
    while let Some(key) = parser.next_key(first)? {
        first = false;
        if key == rules.wrapper || key == "message" {
            return Err(Unusual); // records in a wrapper, or a CloudWatch Logs event
        }
        if let Some(index) = rules.kept_keys.iter().position(|(kept, _, _)| *kept == key) {
            found.kept[index] = Some(parser.value()?); // a key written twice: the last value, as in Python
        } else if key == "input"
            || key == "output"
            || rules
                .kept_counts
                .iter()
                .any(|((part, _, _), _)| *part == key)
        {
            sections.first(key.clone())?;
            let part = rules
                .kept_counts
                .iter()
                .position(|((part, _, _), _)| *part == key);
            let body = match key.as_ref() {
                "input" => Some(Body::Prompt),
                "output" => Some(Body::Completion),
                _ => None,
            };
            section(rules, parser, found, body, part)?;
        } else {
            parser.skip()?;
        }
    }
    Ok(())
}

/// The body of a section: the prompt (`input.inputBodyJson`) or the completion (`output.outputBodyJson`).
#[derive(Clone, Copy, PartialEq)]
enum Body {
    Prompt,
    Completion,
}

/// A section of a record (`input`, `output`): its kept counts and its body.
fn section(
    rules: &Rules,
    parser: &mut Parser<'_>,
    found: &mut Found,
    body: Option<Body>,
    part: Option<usize>,
) -> Usual<()> {
    if parser.peek()? != b'{' {
        return parser.skip(); // not an object: nothing is read from it
    }
    parser.object()?;
    let count_keys = part.map(|part| &rules.kept_counts[part].1);
    let mut counts: Option<Vec<Option<Value>>> = count_keys.map(|keys| vec![None; keys.len()]);
    let body_key = match body {
        Some(Body::Prompt) => "inputBodyJson",
        Some(Body::Completion) => "outputBodyJson",
        None => "",
    };
    let mut body_seen = false;
    let mut first = true;
    while let Some(key) = parser.next_key(first)? {
        first = false;
        let count = count_keys.and_then(|keys| keys.iter().position(|(name, _, _)| *name == key));
        if let (Some(index), Some(counts)) = (count, counts.as_mut()) {
            counts[index] = Some(parser.value()?);
        } else if !body_key.is_empty() && key == body_key {
            if body_seen {
                return Err(Unusual);
            }
            body_seen = true;
            if parser.peek()? == b'n' {
                parser.skip()?; // a null body is no body
                continue;
            }
            // the text of a body is never longer than the line: one allocation
            let mut text = Text {
                text: String::with_capacity(parser.len()),
                ..Text::default()
            };
            if body == Some(Body::Prompt) {
                walk_value(rules, parser, &mut text, None, Level::Body)?;
                found.prompt = Some(text);
            } else {
                text.stream = parser.peek()? == b'['; // a streamed completion: its chunks end to end
                walk_value(
                    rules,
                    parser,
                    &mut text,
                    Some(&mut found.chunks),
                    Level::Body,
                )?;
                found.completion = Some(text);
            }
        } else {
            parser.skip()?;
        }
    }
    if let Some(part) = part {
        found.sections[part] = counts;
    }
    Ok(())
}

/// Where a value is in a body: the body itself, an item of a body that is a list (a chunk of a stream), deeper.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    Body,
    Item,
    Deeper,
}

/// Walks a value of a body for its text strings (and, in an output body, the objects that are its chunks).
fn walk_value(
    rules: &Rules,
    parser: &mut Parser<'_>,
    text: &mut Text,
    mut chunks: Option<&mut Vec<Chunk>>,
    level: Level,
) -> Usual<()> {
    match parser.kind()? {
        Kind::String => {
            parser.open_string()?;
            let before = text.separate();
            let start = text.text.len();
            parser.string_into(&mut text.text)?;
            if rules.is_text(&text.text[start..])? {
                text.pieces += 1;
            } else {
                text.text.truncate(before);
            }
        }
        Kind::Array => {
            let items = if level == Level::Body {
                Level::Item
            } else {
                Level::Deeper
            };
            parser.array()?;
            let mut first = true;
            while parser.next_item(first)? {
                first = false;
                let chunks = if items == Level::Item {
                    chunks.as_deref_mut()
                } else {
                    None
                };
                walk_value(rules, parser, text, chunks, items)?;
            }
        }
        Kind::Object => {
            let chunk = if level == Level::Deeper { None } else { chunks };
            walk_object(rules, parser, text, chunk)?;
        }
        Kind::Null | Kind::Other => {}
    }
    Ok(())
}

/// Walks an object of a body; when it is a chunk, keeps the keys that may say something about usage or a
/// guardrail.
fn walk_object(
    rules: &Rules,
    parser: &mut Parser<'_>,
    text: &mut Text,
    chunks: Option<&mut Vec<Chunk>>,
) -> Usual<()> {
    parser.object()?;
    let mut seen = Seen::default();
    let mut captured = Chunk::default();
    let chunk = chunks.is_some();
    let mut first = true;
    while let Some(key) = parser.next_key(first)? {
        first = false;
        seen.first(key.clone())?;
        let is_text = !rules.not_text.contains(key.as_ref());
        if chunk && rules.chunk_keys.contains(key.as_ref()) {
            let value = parser.value()?;
            if is_text {
                rules.gather(&value, text)?;
            }
            captured.0.push((key.into_owned(), value));
        } else if is_text {
            walk_value(rules, parser, text, None, Level::Deeper)?;
        } else {
            parser.skip()?;
        }
    }
    if let (Some(chunks), false) = (chunks, captured.0.is_empty()) {
        chunks.push(captured);
    }
    Ok(())
}
