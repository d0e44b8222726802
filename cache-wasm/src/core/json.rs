//! A small JSON writer into any `fmt::Write`, used for stats, frames and the JSON export.

use std::fmt::{self, Write};

/// Writes `s` as a JSON string literal, escaping quotes, backslashes and control characters.
pub fn string(out: &mut impl Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            // Escaped so that the text can sit inside an HTML script element.
            '<' => out.write_str("\\u003c")?,
            '>' => out.write_str("\\u003e")?,
            '&' => out.write_str("\\u0026")?,
            '\u{2028}' => out.write_str("\\u2028")?,
            '\u{2029}' => out.write_str("\\u2029")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

/// Writes a number; NaN and infinities, which JSON cannot hold, become `null`.
pub fn number(out: &mut impl Write, n: f64) -> fmt::Result {
    if n.is_finite() {
        if n == n.trunc() && n.abs() < 9.007_199_254_740_992e15 {
            write!(out, "{}", n as i64)
        } else {
            write!(out, "{n}")
        }
    } else {
        out.write_str("null")
    }
}

/// Builds one JSON object field by field, taking care of commas.
pub struct Obj<'a, W: Write> {
    out: &'a mut W,
    first: bool,
}

impl<'a, W: Write> Obj<'a, W> {
    /// Opens an object.
    pub fn new(out: &'a mut W) -> Result<Self, fmt::Error> {
        out.write_char('{')?;
        Ok(Obj { out, first: true })
    }

    /// Writes the key of the next field and returns the writer for its value.
    pub fn key(&mut self, k: &str) -> Result<&mut W, fmt::Error> {
        if !self.first {
            self.out.write_char(',')?;
        }
        self.first = false;
        string(self.out, k)?;
        self.out.write_char(':')?;
        Ok(self.out)
    }

    /// A number field.
    pub fn num(&mut self, k: &str, n: f64) -> fmt::Result {
        let out = self.key(k)?;
        number(out, n)
    }

    /// An integer count field.
    pub fn count(&mut self, k: &str, n: u64) -> fmt::Result {
        let out = self.key(k)?;
        write!(out, "{n}")
    }

    /// A string field.
    pub fn str(&mut self, k: &str, s: &str) -> fmt::Result {
        let out = self.key(k)?;
        string(out, s)
    }

    /// A boolean field.
    pub fn bool(&mut self, k: &str, b: bool) -> fmt::Result {
        let out = self.key(k)?;
        out.write_str(if b { "true" } else { "false" })
    }

    /// A field written as raw JSON by `f`.
    pub fn raw(&mut self, k: &str, f: impl FnOnce(&mut W) -> fmt::Result) -> fmt::Result {
        let out = self.key(k)?;
        f(out)
    }

    /// Closes the object.
    pub fn end(self) -> fmt::Result {
        self.out.write_char('}')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_numbers() {
        let mut s = String::new();
        let mut o = Obj::new(&mut s).unwrap();
        o.str("k", "a\"b\\c\n</script>\u{1}").unwrap();
        o.num("n", 1.5).unwrap();
        o.num("i", 3.0).unwrap();
        o.num("nan", f64::NAN).unwrap();
        o.count("c", 7).unwrap();
        o.bool("b", true).unwrap();
        o.end().unwrap();
        assert_eq!(
            s,
            r#"{"k":"a\"b\\c\n\u003c/script\u003e\u0001","n":1.5,"i":3,"nan":null,"c":7,"b":true}"#
        );
    }
}
