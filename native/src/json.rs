//! A JSON pull parser over one line, strict as the Python reader's parser (msgspec) is: RFC 8259, no control
//! characters in strings, no lone surrogates, finite numbers. Whatever it refuses, the Python reader reads
//! (and reports); it never accepts what that reader refuses. Values are made only where they are asked for.

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

use crate::{Unusual, Usual};

/// The deepest nesting read; deeper lines go to the Python reader.
const MAX_DEPTH: usize = 128;

/// The bytes that end a run of plain characters in a string: the quote, the backslash, control characters.
const ENDS_PLAIN: [bool; 256] = {
    let mut ends = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        ends[byte] = true;
        byte += 1;
    }
    ends[b'"' as usize] = true;
    ends[b'\\' as usize] = true;
    ends
};

pub struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a str) -> Self {
        Parser {
            text,
            bytes: text.as_bytes(),
            at: 0,
            depth: 0,
        }
    }

    /// The length of the line.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The next byte that is not whitespace (left unread).
    pub fn peek(&mut self) -> Usual<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
        self.bytes.get(self.at).copied().ok_or(Unusual)
    }

    fn eat(&mut self, byte: u8) -> Usual<()> {
        if self.peek()? != byte {
            return Err(Unusual);
        }
        self.at += 1;
        Ok(())
    }

    /// Only whitespace is left.
    pub fn end(&mut self) -> Usual<()> {
        match self.peek() {
            Err(Unusual) => Ok(()),
            Ok(_) => Err(Unusual),
        }
    }

    fn enter(&mut self) -> Usual<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unusual);
        }
        Ok(())
    }

    /// Opens an object; then call [`Parser::next_key`] until it gives `None`.
    pub fn object(&mut self) -> Usual<()> {
        self.eat(b'{')?;
        self.enter()
    }

    /// The next key of the object being read, or `None` at its end; `first` for the first key.
    pub fn next_key(&mut self, first: bool) -> Usual<Option<Cow<'a, str>>> {
        match self.peek()? {
            b'}' if first => {}
            b',' if !first => {
                self.at += 1;
                return self.key().map(Some);
            }
            b'"' if first => return self.key().map(Some),
            b'}' => {}
            _ => return Err(Unusual),
        }
        self.at += 1;
        self.depth -= 1;
        Ok(None)
    }

    /// A key and its colon. Keys are short and plain: their bytes are looked at one by one, and a key with an
    /// escape or a control character is read as any string is.
    fn key(&mut self) -> Usual<Cow<'a, str>> {
        if self.peek()? != b'"' {
            return Err(Unusual);
        }
        let start = self.at + 1;
        let plain = self.bytes[start..]
            .iter()
            .position(|&byte| ENDS_PLAIN[usize::from(byte)])
            .filter(|&length| self.bytes[start + length] == b'"');
        let key = match plain {
            Some(length) => {
                self.at = start + length + 1;
                Cow::Borrowed(&self.text[start..start + length])
            }
            None => self.string()?,
        };
        self.eat(b':')?;
        Ok(key)
    }

    /// Opens an array; then call [`Parser::next_item`] until it gives `false`.
    pub fn array(&mut self) -> Usual<()> {
        self.eat(b'[')?;
        self.enter()
    }

    /// Whether the array being read has another item (left unread); `first` for the first.
    pub fn next_item(&mut self, first: bool) -> Usual<bool> {
        match self.peek()? {
            b']' => {
                self.at += 1;
                self.depth -= 1;
                Ok(false)
            }
            b',' if !first => {
                self.at += 1;
                Ok(true)
            }
            _ if first => Ok(true),
            _ => Err(Unusual),
        }
    }

    /// A string (at its opening quote): borrowed from the line when it has no escape.
    pub fn string(&mut self) -> Usual<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.at;
        let end = self.plain_run()?;
        if self.bytes[end] == b'"' {
            self.at = end + 1;
            return Ok(Cow::Borrowed(&self.text[start..end]));
        }
        let mut decoded = String::with_capacity(end - start + 16);
        self.at = start;
        self.string_into(&mut decoded)?;
        Ok(Cow::Owned(decoded))
    }

    /// Appends the rest of a string (its opening quote read) to `out`, escapes decoded.
    pub fn string_into(&mut self, out: &mut String) -> Usual<()> {
        self.string_rest(Some(out))
    }

    /// Reads the rest of a string (its opening quote read), appending it to `out` when there is one.
    fn string_rest(&mut self, mut out: Option<&mut String>) -> Usual<()> {
        loop {
            let start = self.at;
            let end = self.plain_run()?;
            if let Some(out) = out.as_deref_mut() {
                out.push_str(&self.text[start..end]);
            }
            self.at = end + 1;
            if self.bytes[end] == b'"' {
                return Ok(());
            }
            let escaped = self.escape()?;
            if let Some(out) = out.as_deref_mut() {
                out.push(escaped);
            }
        }
    }

    /// Reads past the opening quote of a string whose text the caller appends with [`Parser::string_into`].
    pub fn open_string(&mut self) -> Usual<()> {
        self.eat(b'"')
    }

    /// Where the run of plain characters from here ends (at a quote or a backslash); a control character in it
    /// is refused.
    fn plain_run(&self) -> Usual<usize> {
        let rest = &self.bytes[self.at..];
        let length = memchr::memchr2(b'"', b'\\', rest).ok_or(Unusual)?;
        // no short cut, so that the test runs over whole words
        let controls = rest[..length]
            .iter()
            .fold(0u8, |found, &byte| found | u8::from(byte < 0x20));
        if controls != 0 {
            return Err(Unusual);
        }
        Ok(self.at + length)
    }

    /// The character of an escape (its backslash read).
    fn escape(&mut self) -> Usual<char> {
        let byte = *self.bytes.get(self.at).ok_or(Unusual)?;
        self.at += 1;
        Ok(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                            return Err(Unusual); // a lone surrogate
                        }
                        self.at += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(Unusual);
                        }
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                            .ok_or(Unusual)?
                    }
                    0xDC00..=0xDFFF => return Err(Unusual),
                    _ => char::from_u32(unit).ok_or(Unusual)?,
                }
            }
            _ => return Err(Unusual),
        })
    }

    fn hex4(&mut self) -> Usual<u32> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or(Unusual)?;
        self.at += 4;
        digits.iter().try_fold(0u32, |value, &digit| {
            let nibble = char::from(digit).to_digit(16).ok_or(Unusual)?;
            Ok(value * 16 + nibble)
        })
    }

    /// A number: a whole one as such when it fits 64 bits, anything else (a fraction, an exponent, a larger
    /// whole number) as a float, which readers of counts and kept values take as unusual. A number too large
    /// for a float is refused, as the Python reader's parser refuses it.
    fn number(&mut self) -> Usual<Number> {
        self.peek()?;
        let start = self.at;
        let negative = self.bytes[self.at] == b'-';
        if negative {
            self.at += 1;
        }
        let whole_start = self.at;
        match self.bytes.get(self.at) {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Unusual),
        }
        let whole_end = self.at;
        let mut fraction = false;
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            fraction = true;
            self.required_digits()?;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            fraction = true;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            self.required_digits()?;
        }
        let literal = &self.text[start..self.at];
        if !fraction {
            let magnitude = self.text[whole_start..whole_end].parse::<u64>();
            match (negative, magnitude) {
                (false, Ok(whole)) => return Ok(Number::from(whole)),
                (true, Ok(0)) => return Ok(Number::from(0u64)), // -0 is the whole number 0
                (true, Ok(whole)) if whole <= 1 << 63 => {
                    return Ok(Number::from((whole as i64).wrapping_neg()))
                }
                _ => {}
            }
        }
        let float: f64 = literal.parse().map_err(|_| Unusual)?;
        Number::from_f64(float).ok_or(Unusual)
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn required_digits(&mut self) -> Usual<()> {
        if !matches!(self.bytes.get(self.at), Some(b'0'..=b'9')) {
            return Err(Unusual);
        }
        self.digits();
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Usual<()> {
        if self.bytes.get(self.at..self.at + word.len()) != Some(word) {
            return Err(Unusual);
        }
        self.at += word.len();
        Ok(())
    }

    /// What the next value is, read past when it is a scalar other than a string.
    pub fn kind(&mut self) -> Usual<Kind> {
        Ok(match self.peek()? {
            b'"' => Kind::String,
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b'n' => {
                self.literal(b"null")?;
                Kind::Null
            }
            b't' => {
                self.literal(b"true")?;
                Kind::Other
            }
            b'f' => {
                self.literal(b"false")?;
                Kind::Other
            }
            _ => {
                self.number()?;
                Kind::Other
            }
        })
    }

    /// Reads past a value, checking it.
    pub fn skip(&mut self) -> Usual<()> {
        match self.kind()? {
            Kind::String => {
                self.open_string()?;
                self.string_rest(None)
            }
            Kind::Object => {
                self.object()?;
                let mut first = true;
                while self.next_key(first)?.is_some() {
                    self.skip()?;
                    first = false;
                }
                Ok(())
            }
            Kind::Array => {
                self.array()?;
                let mut first = true;
                while self.next_item(first)? {
                    self.skip()?;
                    first = false;
                }
                Ok(())
            }
            Kind::Null | Kind::Other => Ok(()),
        }
    }

    /// A value made whole (an object's keys in the order they first come, a key written twice holding its last
    /// value, as in a Python dict).
    pub fn value(&mut self) -> Usual<Value> {
        Ok(match self.peek()? {
            b'"' => Value::String(self.string()?.into_owned()),
            b'{' => {
                self.object()?;
                let mut object = Map::new();
                let mut first = true;
                while let Some(key) = self.next_key(first)? {
                    let value = self.value()?;
                    object.insert(key.into_owned(), value);
                    first = false;
                }
                Value::Object(object)
            }
            b'[' => {
                self.array()?;
                let mut items = Vec::new();
                let mut first = true;
                while self.next_item(first)? {
                    items.push(self.value()?);
                    first = false;
                }
                Value::Array(items)
            }
            b'n' => {
                self.literal(b"null")?;
                Value::Null
            }
            b't' => {
                self.literal(b"true")?;
                Value::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                Value::Bool(false)
            }
            _ => Value::Number(self.number()?),
        })
    }
}

/// The kind of the next value.
#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    String,
    Object,
    Array,
    Null,
    /// A number or a boolean (read past).
    Other,
}
