//! jackwatch's compiled reader of Amazon Bedrock model invocation log lines.
//!
//! `InvocationReader.read_lines(data, origin, complete)` does for each line of JSON Lines what the Python reader
//! (`jackwatch.sources.bedrock_invocation`) does for a usual record: it parses the line, keeps the record's
//! identity, model and outcome keys as Python objects, works out what the bodies say (the counts of their usage
//! objects, whether a guardrail intervened, the prompt's length, and whether the text passes the secret scanner's
//! quick test) in one pass over the JSON without making the bodies into values, and makes the compact event.
//! Every rule it follows is the Python reader's, and every constant comes from the Python reader when the reader
//! is made.
//!
//! Anything unusual (not valid UTF-8, not one JSON object, a bad or missing field, a record without a request
//! id, a CloudWatch Logs event, a key written twice in a body, a count the Python reader would report as a
//! problem, a fraction where a whole number is kept, a time not written as Bedrock writes it, a long string whose
//! whitespace only Unicode's tables tell, non-ASCII text whose case the Python reader changes) hands the line
//! back, and the Python reader reads it: every event made here is the one the Python reader makes.

mod json;
mod walk;

use std::fmt::Write;

use hashbrown::{HashMap, HashSet};
use memchr::memmem;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyDict, PyList, PyString, PyTuple, PyTzInfo};
use pyo3::AsPyPointer;
use serde_json::Value;

use walk::{walk, Chunk, Found, Text};

/// A line the Python reader reads instead.
struct Unusual;

type Usual<T> = Result<T, Unusual>;

impl From<PyErr> for Unusual {
    fn from(_: PyErr) -> Self {
        Unusual
    }
}

/// Strings of kept values shorter than this are made into Python objects once and shared.
const SHARED_LENGTH: usize = 256;
/// How many shared strings are held before they are all dropped.
const SHARED_LIMIT: usize = 1 << 16;
/// The count a usage object may give beside the log's own.
const TOTAL: &str = "total";

/// Python's whitespace among ASCII characters (`\s` of a `str` pattern, `str.isspace`).
fn is_python_ascii_space(byte: u8) -> bool {
    matches!(
        byte,
        b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' '
    )
}

#[pyclass(module = "jackwatch_native")]
struct InvocationReader {
    rules: Rules,
    making: Making,
    shared: SharedStrings,
    principals: Principals,
}

/// A kept key: its name, the name as a Python string, and whether its string values are shared.
type KeptKey = (String, PyObject, bool);

/// What the Python reader says a record keeps and its bodies mean.
pub struct Rules {
    wrapper: String,
    kept_keys: Vec<KeptKey>,
    kept_counts: Vec<(KeptKey, Vec<KeptKey>)>,
    fields: KeptFields,
    not_text: HashSet<String>,
    blob_length: usize,
    /// The key of each count of a usage object, and the index of the count (the log's counts, then the total).
    usage_keys: HashMap<String, usize>,
    usage_nesting: Vec<String>,
    usage_objects: Vec<String>,
    chunk_keys: HashSet<String>,
    max_count: u64,
    marks: [bool; 256],
    shortest_run: usize,
    anchors: Vec<memmem::Finder<'static>>,
    always_screened: bool,
    /// (section, key) of each count the log writes, in the order of the first fields of the counts' class.
    log_counts: Vec<(usize, usize)>,
}

/// Python strings made once for the kept values that recur (accounts, regions, models, identities).
#[derive(Default)]
struct SharedStrings(HashMap<String, PyObject>);

/// What the events of the Python reader are made of: the classes, the constants, the memo's keys.
#[derive(FromPyObject)]
struct Making {
    #[pyo3(item)]
    event_class: PyObject,
    #[pyo3(item)]
    counts_class: PyObject,
    #[pyo3(item)]
    utc: PyObject,
    #[pyo3(item)]
    source: PyObject,
    #[pyo3(item)]
    schema_type: String,
    #[pyo3(item)]
    memo_keys: [PyObject; 6],
    #[pyo3(item)]
    record_principal: PyObject,
    #[pyo3(item)]
    arn_principal: PyObject,
    #[pyo3(item)]
    intervened: PyObject,
}

/// The Python reader's rules as it hands them over (see `jackwatch.sources.bedrock_invocation.native`).
#[derive(FromPyObject)]
struct Handed {
    #[pyo3(item)]
    wrapper: String,
    #[pyo3(item)]
    kept_keys: Vec<String>,
    #[pyo3(item)]
    kept_counts: Vec<(String, Vec<String>)>,
    #[pyo3(item)]
    unshared_keys: Vec<String>,
    #[pyo3(item)]
    not_text: Vec<String>,
    #[pyo3(item)]
    blob_length: usize,
    #[pyo3(item)]
    usage_keys: std::collections::HashMap<String, String>,
    #[pyo3(item)]
    usage_nesting: Vec<String>,
    #[pyo3(item)]
    usage_objects: Vec<String>,
    #[pyo3(item)]
    guardrail_keys: Vec<String>,
    #[pyo3(item)]
    log_counts: Vec<(String, String, String)>,
    #[pyo3(item)]
    max_count: u64,
    #[pyo3(item)]
    marks: Vec<bool>,
    #[pyo3(item)]
    shortest_run: usize,
    #[pyo3(item)]
    anchors: Vec<String>,
    #[pyo3(item)]
    always_screened: bool,
}

#[pymethods]
impl InvocationReader {
    /// The reader of the Python reader's `rules`, making events of `making`.
    #[new]
    fn new(py: Python<'_>, rules: Handed, making: Making) -> PyResult<Self> {
        let rules = Rules::handed(py, rules)?;
        Ok(InvocationReader {
            rules,
            making,
            shared: SharedStrings::default(),
            principals: Principals::default(),
        })
    }

    /// The events of the JSON Lines `data` read from `origin`: a list with, for each of its lines (split at
    /// `\n`, as `bytes.split` does), its compact event, or the line itself when the Python reader must read it
    /// (the last line too, when `data` is not `complete`: it may be cut short); and the `(event, prompt,
    /// completion)` of the events whose text passed the secret scanner's quick test, whose memo waits for the
    /// secrets found in it.
    fn read_lines(
        &mut self,
        py: Python<'_>,
        data: &[u8],
        origin: PyObject,
        complete: bool,
    ) -> PyResult<(PyObject, PyObject)> {
        let events = PyList::empty(py);
        let to_scan = PyList::empty(py);
        let mut start = 0;
        loop {
            let end = memchr::memchr(b'\n', &data[start..]).map(|at| start + at);
            let line = &data[start..end.unwrap_or(data.len())];
            let last_cut_short = end.is_none() && !complete;
            match if last_cut_short {
                Err(Unusual)
            } else {
                self.read_line(py, line, &origin)
            } {
                Ok((event, None)) => events.append(event)?,
                Ok((event, Some(texts))) => {
                    events.append(event.clone_ref(py))?;
                    to_scan.append((event, texts.0, texts.1))?;
                }
                Err(Unusual) => events.append(PyBytes::new(py, line))?,
            }
            match end {
                Some(end) => start = end + 1,
                None => break,
            }
        }
        Ok((events.into(), to_scan.into()))
    }
}

/// Where the kept values a record's event is made of are among the kept keys.
struct KeptFields {
    schema_type: Option<usize>,
    operation: Option<usize>,
    request_id: Option<usize>,
    timestamp: Option<usize>,
    error_code: Option<usize>,
    identity: Option<usize>,
    account: Option<usize>,
}

impl Rules {
    /// The rules as the Python reader hands them over, with what is looked up for every record worked out once.
    fn handed(py: Python<'_>, handed: Handed) -> PyResult<Self> {
        let invalid = |what: &str| pyo3::exceptions::PyValueError::new_err(what.to_owned());
        let marks: [bool; 256] = handed
            .marks
            .try_into()
            .map_err(|_| invalid("marks must have 256 entries"))?;
        let unshared: HashSet<String> = handed.unshared_keys.into_iter().collect();
        let kept = |key: String| {
            let name = PyString::new(py, &key).into();
            let shared = !unshared.contains(&key);
            (key, name, shared)
        };
        let kept_counts = handed.kept_counts;
        let mut count_names: Vec<String> = Vec::new();
        let mut log_counts = Vec::new();
        for (name, part, key) in &handed.log_counts {
            let section = kept_counts
                .iter()
                .position(|(kept_part, _)| kept_part == part);
            let place = section.and_then(|index| {
                Some((index, kept_counts[index].1.iter().position(|k| k == key)?))
            });
            log_counts.push(place.ok_or_else(|| invalid("a log count that is not kept"))?);
            count_names.push(name.clone());
        }
        count_names.push(TOTAL.to_owned());
        let usage_keys = handed
            .usage_keys
            .into_iter()
            .map(|(key, name)| {
                Ok((
                    key,
                    count_names
                        .iter()
                        .position(|known| *known == name)
                        .ok_or_else(|| invalid("an unknown count"))?,
                ))
            })
            .collect::<PyResult<_>>()?;
        let chunk_keys = handed
            .usage_nesting
            .iter()
            .chain(&handed.usage_objects)
            .chain(&handed.guardrail_keys)
            .cloned()
            .collect();
        let place = |name: &str| handed.kept_keys.iter().position(|key| key == name);
        let fields = KeptFields {
            schema_type: place("schemaType"),
            operation: place("operation"),
            request_id: place("requestId"),
            timestamp: place("timestamp"),
            error_code: place("errorCode"),
            identity: place("identity"),
            account: place("accountId"),
        };
        Ok(Rules {
            wrapper: handed.wrapper,
            kept_keys: handed.kept_keys.into_iter().map(kept).collect(),
            kept_counts: kept_counts
                .into_iter()
                .map(|(part, keys)| (kept(part), keys.into_iter().map(kept).collect()))
                .collect(),
            fields,
            not_text: handed.not_text.into_iter().collect(),
            blob_length: handed.blob_length,
            usage_keys,
            usage_nesting: handed.usage_nesting,
            usage_objects: handed.usage_objects,
            chunk_keys,
            max_count: handed.max_count,
            marks,
            shortest_run: handed.shortest_run,
            anchors: handed
                .anchors
                .iter()
                .map(|anchor| memmem::Finder::new(anchor).into_owned())
                .collect(),
            always_screened: handed.always_screened,
            log_counts,
        })
    }
}

/// The texts of a record that the secret scanner must read: the prompt's and the completion's.
type Texts = (PyObject, PyObject);

impl InvocationReader {
    fn read_line(
        &mut self,
        py: Python<'_>,
        line: &[u8],
        origin: &PyObject,
    ) -> Usual<(PyObject, Option<Texts>)> {
        let text = std::str::from_utf8(line).map_err(|_| Unusual)?;
        let mut found = Found::default();
        walk(&self.rules, text, &mut found)?;
        self.rules.event(
            py,
            found,
            &self.making,
            origin,
            &mut self.shared,
            &mut self.principals,
        )
    }
}

impl Rules {
    /// The compact event of a record, as the Python reader makes it (but for the secrets, when its text must be
    /// scanned).
    fn event(
        &self,
        py: Python<'_>,
        found: Found,
        making: &Making,
        origin: &PyObject,
        shared: &mut SharedStrings,
        principals: &mut Principals,
    ) -> Usual<(PyObject, Option<Texts>)> {
        let kept = |place: Option<usize>| found.kept[place?].as_ref();
        let fields = &self.fields;
        match kept(fields.schema_type) {
            None => {}
            Some(Value::String(schema)) if *schema == making.schema_type => {}
            _ => return Err(Unusual),
        }
        let (Some(Value::String(operation)), Some(Value::String(id))) =
            (kept(fields.operation), kept(fields.request_id))
        else {
            return Err(Unusual);
        };
        if operation.is_empty() || id.is_empty() {
            return Err(Unusual); // the Python reader reports it, or makes the id from the whole record
        }
        let Some(Value::String(stamp)) = kept(fields.timestamp) else {
            return Err(Unusual);
        };
        let time = utc_time(py, stamp, &making.utc)?;
        let usage = self.usage(&found.chunks)?;
        let counts = self.counts(&found, &usage, kept(fields.error_code))?;
        let slim = self.without_bodies(py, &found, shared)?;
        let principal = principals.of(
            py,
            kept(fields.identity),
            kept(fields.account),
            slim,
            making,
        )?;
        let intervened = self.intervened(&found.chunks)?;

        // the prompt and the completion, joined by a line feed as the secret scanner's quick test reads them
        let prompt_chars = found
            .prompt
            .as_ref()
            .map(|prompt| prompt.text.chars().count());
        let (mut all, prompt) = match found.prompt {
            Some(prompt) => {
                let length = prompt.text.len();
                (prompt.text, Some(0..length))
            }
            None => (String::new(), None),
        };
        let completion = found.completion.map(|completion| {
            if prompt.is_some() {
                all.push('\n');
            }
            let start = all.len();
            all.push_str(&completion.text);
            start..all.len()
        });
        let (secrets, texts) = if prompt.is_none() && completion.is_none() {
            (py.None(), None)
        } else if self.passes(&all) {
            let text =
                |range: Option<std::ops::Range<usize>>| range.map(|range| &all[range]).into_py(py);
            (py.None(), Some((text(prompt), text(completion))))
        } else {
            (PyTuple::empty(py).into(), None)
        };
        let counts = making.counts_class.call1(py, PyTuple::new(py, counts))?;
        let memo = memo_dict(py)?;
        let [tokens_key, principal_key, guardrail_key, chars_key, secrets_key, compact_key] =
            &making.memo_keys;
        put(memo, tokens_key, counts)?;
        put(memo, principal_key, principal)?;
        let guardrail = if intervened {
            making.intervened.clone_ref(py)
        } else {
            py.None()
        };
        put(memo, guardrail_key, guardrail)?;
        put(memo, chars_key, prompt_chars.into_py(py))?;
        put(memo, secrets_key, secrets)?;
        put(memo, compact_key, true.into_py(py))?;
        let operation = shared.string(py, operation);
        let args = (
            making.source.clone_ref(py),
            operation,
            time,
            id,
            slim,
            origin.clone_ref(py),
            memo,
        );
        Ok((making.event_class.call1(py, args)?, texts))
    }

    /// The token counts of a record, as the Python reader's `token_counts` works them out; a count it would
    /// report as a problem, or a missing input count of a successful call, is unusual.
    fn counts(
        &self,
        found: &Found,
        usage: &[Option<u64>],
        error_code: Option<&Value>,
    ) -> Usual<[Option<u64>; 5]> {
        let mut counts = [None; 4];
        for (index, &(section, key)) in self.log_counts.iter().enumerate() {
            let written = found.sections[section]
                .as_ref()
                .and_then(|values| values[key].as_ref());
            counts[index] = match written {
                None | Some(Value::Null) => usage[index],
                Some(value) => Some(self.plain_count(value)?),
            };
        }
        let [input, output, cache_read, cache_write] = counts;
        if input.is_none() && !error_code.is_some_and(truthy) {
            return Err(Unusual);
        }
        let mut total = usage[usage.len() - 1];
        if total.is_none() && (input.is_some() || output.is_some()) {
            total = Some(counts.iter().flatten().sum());
        }
        Ok([input, output, cache_read, cache_write, total])
    }

    /// A token count the Python reader takes without a problem: a whole number within the bound.
    fn plain_count(&self, value: &Value) -> Usual<u64> {
        match value {
            Value::Number(number) if !number.is_f64() => number
                .as_u64()
                .filter(|&count| count <= self.max_count)
                .ok_or(Unusual),
            _ => Err(Unusual),
        }
    }

    /// The kept keys of the record, and the kept counts of its sections, in the Python reader's order.
    fn without_bodies<'py>(
        &self,
        py: Python<'py>,
        found: &Found,
        shared: &mut SharedStrings,
    ) -> Usual<&'py PyDict> {
        let slim = PyDict::new(py);
        for ((_, name, sharing), value) in self.kept_keys.iter().zip(&found.kept) {
            if let Some(value) = value {
                put(slim, name, shared.python(py, value, *sharing)?)?;
            }
        }
        for (((_, part_name, _), keys), section) in self.kept_counts.iter().zip(&found.sections) {
            if let Some(counts) = section {
                let picked = PyDict::new(py);
                for ((_, name, sharing), value) in keys.iter().zip(counts) {
                    if let Some(value) = value {
                        put(picked, name, shared.python(py, value, *sharing)?)?;
                    }
                }
                slim.set_item(part_name, picked)?;
            }
        }
        Ok(slim)
    }

    /// The counts of the usage objects of the output body's chunks (later ones win), by count (the log's counts,
    /// then the total), as the Python reader reads them; a count it would report as a problem is unusual.
    fn usage(&self, chunks: &[Chunk]) -> Usual<[Option<u64>; 5]> {
        let mut found = [None; 5];
        for chunk in chunks {
            let inner = self
                .usage_nesting
                .iter()
                .filter_map(|key| chunk.get(key).and_then(Value::as_object))
                .map(|holder| holder.get("usage"));
            let outer = self.usage_objects.iter().map(|key| chunk.get(key));
            for usage in inner.chain(outer).flatten().filter_map(Value::as_object) {
                for (key, value) in usage {
                    match (self.usage_keys.get(key), value) {
                        (None, _) | (_, Value::Null) => {}
                        (Some(&index), value) => found[index] = Some(self.plain_count(value)?),
                    }
                }
            }
        }
        Ok(found)
    }

    /// Whether a chunk of the output body says a guardrail intervened.
    fn intervened(&self, chunks: &[Chunk]) -> Usual<bool> {
        for chunk in chunks {
            if guardrail_intervened(chunk)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The text strings of a value (one the walk kept whole), in document order.
    fn gather(&self, value: &Value, text: &mut Text) -> Usual<()> {
        match value {
            Value::String(piece) if self.is_text(piece)? => text.push(piece),
            Value::Object(object) => {
                for (key, child) in object {
                    if !self.not_text.contains(key.as_str()) {
                        self.gather(child, text)?;
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.gather(item, text)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether a string is text: shorter than the blob length, or with whitespace in it. A long string
    /// without ASCII whitespace but with other characters is unusual (Unicode's whitespace would tell).
    fn is_text(&self, text: &str) -> Usual<bool> {
        if text.len() < self.blob_length || text.chars().count() < self.blob_length {
            return Ok(true);
        }
        if text.bytes().any(is_python_ascii_space) {
            return Ok(true);
        }
        if text.is_ascii() {
            Ok(false)
        } else {
            Err(Unusual)
        }
    }

    /// The secret scanner's quick test: a run of key characters as long as the shortest secret, or an anchor.
    fn passes(&self, text: &str) -> bool {
        if self.always_screened {
            return true;
        }
        let run = self.shortest_run > 0
            && text.len() >= self.shortest_run
            && self.has_run(text.as_bytes())
            && text.chars().count() >= self.shortest_run;
        run || self
            .anchors
            .iter()
            .any(|anchor| anchor.find(text.as_bytes()).is_some())
    }

    /// Whether `bytes` has a run of marked bytes as long as the shortest secret: each window of that length is
    /// read from its end, and an unmarked byte moves the next window past it.
    fn has_run(&self, bytes: &[u8]) -> bool {
        let wanted = self.shortest_run;
        let mut start = 0;
        while let Some(window) = bytes.get(start..start + wanted) {
            match window.iter().rposition(|&byte| !self.marks[byte as usize]) {
                None => return true,
                Some(unmarked) => start += unmarked + 1,
            }
        }
        false
    }
}

/// The time of a record's `timestamp` as an aware UTC datetime, when it is written `YYYY-MM-DDTHH:MM:SS`, with up
/// to six digits of a second after a dot, and `Z` (as Bedrock writes it); anything else is for the Python reader.
fn utc_time(py: Python<'_>, stamp: &str, utc: &PyObject) -> Usual<PyObject> {
    let bytes = stamp.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Usual<u32> {
        let part = bytes.get(range).ok_or(Unusual)?;
        part.iter().try_fold(0u32, |value, &byte| match byte {
            b'0'..=b'9' => Ok(value * 10 + u32::from(byte - b'0')),
            _ => Err(Unusual),
        })
    };
    let shape = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if bytes.len() < 20
        || bytes.last() != Some(&b'Z')
        || shape.iter().any(|&(at, mark)| bytes[at] != mark)
    {
        return Err(Unusual);
    }
    let fraction = &bytes[19..bytes.len() - 1];
    let micros = match fraction {
        [] => 0,
        [b'.', rest @ ..] if (1..=6).contains(&rest.len()) => {
            digits(20..bytes.len() - 1)? * 10u32.pow(6 - rest.len() as u32)
        }
        _ => return Err(Unusual),
    };
    let year = i32::try_from(digits(0..4)?).map_err(|_| Unusual)?;
    let field = |range| -> Usual<u8> { u8::try_from(digits(range)?).map_err(|_| Unusual) };
    let tzinfo = utc.extract::<&PyTzInfo>(py).map_err(|_| Unusual)?;
    let (month, day, hour, minute, second) = (
        field(5..7)?,
        field(8..10)?,
        field(11..13)?,
        field(14..16)?,
        field(17..19)?,
    );
    Ok(PyDateTime::new(
        py,
        year,
        month,
        day,
        hour,
        minute,
        second,
        micros,
        Some(tzinfo),
    )?
    .into())
}

/// Puts `value` in `dict` under `key`, handing over the reference to it: it is released at once, without going
/// through pyo3's check of the interpreter lock (a thread-local look-up) for every value of every record.
fn put(dict: &PyDict, key: &PyObject, value: PyObject) -> PyResult<()> {
    let value = value.into_ptr();
    // SAFETY: the interpreter lock is held (`dict` is bound to it); the dict, key and value are live objects;
    // PyDict_SetItem takes references of its own, and the one `into_ptr` gave up is released here.
    let result = unsafe {
        let result = pyo3::ffi::PyDict_SetItem(dict.as_ptr(), key.as_ptr(), value);
        pyo3::ffi::Py_DECREF(value);
        result
    };
    if result == 0 {
        Ok(())
    } else {
        Err(PyErr::fetch(dict.py()))
    }
}

/// What the rules add to a memo later (the principal, the model…) fits in it without making it grow.
const MEMO_ROOM: isize = 10;

/// An empty memo with room for [`MEMO_ROOM`] values: the five the reader puts and those the rules add.
fn memo_dict(py: Python<'_>) -> PyResult<&PyDict> {
    // SAFETY: _PyDict_NewPresized returns a new reference to a dict, or null with an exception set.
    unsafe { py.from_owned_ptr_or_err(pyo3::ffi::_PyDict_NewPresized(MEMO_ROOM)) }
}

/// JSON's truth as Python's: `null`, `false`, zero, empty text, arrays and objects are false.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64().is_none_or(|number| number != 0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(object) => !object.is_empty(),
    }
}

impl SharedStrings {
    /// A JSON value as the Python objects msgspec makes of it (a fraction is unusual: it is not parsed alike).
    fn python(&mut self, py: Python<'_>, value: &Value, sharing: bool) -> Usual<PyObject> {
        Ok(match value {
            Value::Null => py.None(),
            Value::Bool(flag) => flag.into_py(py),
            Value::Number(number) => match (number.as_u64(), number.as_i64()) {
                (Some(whole), _) => whole.into_py(py),
                (None, Some(whole)) => whole.into_py(py),
                _ => return Err(Unusual),
            },
            Value::String(text) if sharing && text.len() < SHARED_LENGTH => self.string(py, text),
            Value::String(text) => PyString::new(py, text).into(),
            Value::Array(items) => {
                let list = PyList::empty(py);
                for item in items {
                    list.append(self.python(py, item, sharing)?)?;
                }
                list.into()
            }
            Value::Object(object) => {
                let dict = PyDict::new(py);
                for (key, item) in object {
                    let key = self.string(py, key);
                    put(dict, &key, self.python(py, item, sharing)?)?;
                }
                dict.into()
            }
        })
    }

    /// The Python string of `text`, made once while it is held.
    fn string(&mut self, py: Python<'_>, text: &str) -> PyObject {
        if let Some(made) = self.0.get(text) {
            return made.clone_ref(py);
        }
        let made: PyObject = PyString::new(py, text).into();
        if self.0.len() >= SHARED_LIMIT {
            self.0.clear();
        }
        self.0.insert(text.to_owned(), made.clone_ref(py));
        made
    }
}

/// The principals of the identities read, each made once by the Python reader's `arn_principal`.
#[derive(Default)]
struct Principals {
    made: HashMap<String, PyObject>,
    /// The key of the identity being looked up: the account's length (`-` without one), the account, the ARN.
    key: String,
}

impl Principals {
    /// The principal of a record's `identity` in `account`, as the Python reader's `record_principal` works it
    /// out: once per ARN and account when the identity is an ARN alone (as Bedrock writes it), else by it.
    fn of(
        &mut self,
        py: Python<'_>,
        identity: Option<&Value>,
        account: Option<&Value>,
        slim: &PyDict,
        making: &Making,
    ) -> Usual<PyObject> {
        let arn = match identity {
            Some(Value::Object(object)) if object.len() == 1 => object.get("arn"),
            _ => None,
        };
        let account = match account {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(account)) => Some(Some(account.as_str())),
            _ => None,
        };
        let (Some(Value::String(arn)), Some(account)) = (arn, account) else {
            return Ok(making.record_principal.call1(py, (slim,))?);
        };
        self.key.clear();
        match account {
            Some(account) => {
                let _ = write!(self.key, "{}", account.len()); // writing to a String cannot fail
                self.key.push_str(account);
            }
            None => self.key.push('-'),
        }
        self.key.push_str(arn);
        if let Some(made) = self.made.get(&self.key) {
            return Ok(made.clone_ref(py));
        }
        let made = making.arn_principal.call1(py, (arn, account))?;
        if self.made.len() >= SHARED_LIMIT {
            self.made.clear();
        }
        self.made.insert(self.key.clone(), made.clone_ref(py));
        Ok(made)
    }
}

/// Whether a body or chunk says a guardrail intervened (the Python reader's `_intervened`); text whose case
/// the Python reader changes is unusual when it is not ASCII.
fn guardrail_intervened(chunk: &Chunk) -> Usual<bool> {
    if let Some(Value::String(action)) = chunk.get("amazon-bedrock-guardrailAction") {
        if !action.is_ascii() {
            return Err(Unusual);
        }
        if action.eq_ignore_ascii_case("INTERVENED") {
            return Ok(true);
        }
    }
    let stopped = chunk
        .get("messageStop")
        .and_then(Value::as_object)
        .and_then(|stop| stop.get("stopReason"));
    for reason in [chunk.get("stopReason"), chunk.get("stop_reason"), stopped]
        .into_iter()
        .flatten()
    {
        if reason.as_str() == Some("guardrail_intervened") {
            return Ok(true);
        }
    }
    if chunk.get("action").and_then(Value::as_str) == Some("GUARDRAIL_INTERVENED") {
        return Ok(true);
    }
    let reason = chunk
        .get("amazon-bedrock-trace")
        .and_then(Value::as_object)
        .and_then(|trace| trace.get("guardrail"))
        .and_then(Value::as_object)
        .and_then(|guardrail| guardrail.get("actionReason"))
        .and_then(Value::as_str);
    match reason {
        Some(reason) if !reason.is_ascii() => Err(Unusual),
        Some(reason) => Ok(reason.to_ascii_lowercase().starts_with("guardrail blocked")),
        None => Ok(false),
    }
}

#[pymodule]
fn jackwatch_native(_py: Python<'_>, module: &PyModule) -> PyResult<()> {
    module.add_class::<InvocationReader>()?;
    Ok(())
}
