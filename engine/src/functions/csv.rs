//! `csvdecode`: a CSV document with a header line becomes a list of objects.
//!
//! The reader is our own rather than the `csv` crate because Terraform's
//! result, errors included, is that of Go's `encoding/csv`, which is strict
//! where the `csv` crate is lenient: a bare `"` inside an unquoted field, a
//! quote closed before other text, or an unterminated quote are errors in
//! Go (and so in Terraform) but accepted by the crate. The rules below are
//! Go's: blank lines are skipped, `\r\n` reads as `\n`, every record must
//! have as many fields as the first, and an error names the line it is on.

use std::collections::BTreeMap;

use super::{failed, Args, FunctionContext, FunctionError};
use crate::value::Value;

/// Why a record could not be read, worded as Go's `csv` errors are.
#[derive(Debug, PartialEq)]
struct CsvError {
    line: usize,
    message: &'static str,
}

const BARE_QUOTE: &str = "bare \" in non-quoted-field";
const QUOTE: &str = "extraneous or missing \" in quoted-field";

/// The lines of the text, each without its line ending, numbered from 1.
struct Lines<'a> {
    rest: &'a str,
    number: usize,
}

impl<'a> Lines<'a> {
    fn next_line(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        self.number += 1;
        let (line, rest) = match self.rest.find('\n') {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, ""),
        };
        self.rest = rest;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// Reads one record, skipping blank lines, with the line it starts on;
/// `None` at the end of the text.
fn read_record(lines: &mut Lines) -> Option<(usize, Result<Vec<String>, CsvError>)> {
    let line = loop {
        match lines.next_line()? {
            "" => continue,
            line => break line,
        }
    };
    Some((lines.number, read_fields(line, lines)))
}

/// Reads the fields of a record whose first line is `line`.
fn read_fields<'a>(mut line: &'a str, lines: &mut Lines<'a>) -> Result<Vec<String>, CsvError> {
    let mut fields = Vec::new();
    loop {
        if !line.starts_with('"') {
            let (field, rest) = match line.find(',') {
                Some(i) => (&line[..i], Some(&line[i + 1..])),
                None => (line, None),
            };
            if field.contains('"') {
                return Err(CsvError {
                    line: lines.number,
                    message: BARE_QUOTE,
                });
            }
            fields.push(field.to_string());
            match rest {
                Some(rest) => line = rest,
                None => return Ok(fields),
            }
            continue;
        }
        // A quoted field, which may run over several lines.
        let mut field = String::new();
        let mut rest = &line[1..];
        loop {
            match rest.find('"') {
                Some(i) => {
                    field.push_str(&rest[..i]);
                    rest = &rest[i + 1..];
                    if let Some(after) = rest.strip_prefix('"') {
                        field.push('"');
                        rest = after;
                    } else if let Some(after) = rest.strip_prefix(',') {
                        fields.push(std::mem::take(&mut field));
                        line = after;
                        break;
                    } else if rest.is_empty() {
                        fields.push(std::mem::take(&mut field));
                        return Ok(fields);
                    } else {
                        return Err(CsvError {
                            line: lines.number,
                            message: QUOTE,
                        });
                    }
                }
                None => {
                    field.push_str(rest);
                    field.push('\n');
                    rest = match lines.next_line() {
                        Some(next) => next,
                        None => {
                            return Err(CsvError {
                                line: lines.number,
                                message: QUOTE,
                            })
                        }
                    };
                }
            }
        }
    }
}

/// Reads the header, checks its names, then every row (which must have as
/// many fields as the header), in Terraform's order.
fn decode(text: &str) -> Result<Value, String> {
    let parse_error = |e: CsvError| format!("CSV parse error on line {}: {}", e.line, e.message);
    let mut lines = Lines {
        rest: text,
        number: 0,
    };
    let Some((_, header)) = read_record(&mut lines) else {
        return Err("missing header line".to_string());
    };
    let header = header.map_err(parse_error)?;
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = header.iter().find(|name| !seen.insert(*name)) {
        return Err(format!(
            "duplicate column name {}",
            crate::value::quote_string(dup)
        ));
    }
    let mut rows = Vec::new();
    while let Some((start, row)) = read_record(&mut lines) {
        let row = row.map_err(parse_error)?;
        if row.len() != header.len() {
            return Err(parse_error(CsvError {
                line: start,
                message: "wrong number of fields",
            }));
        }
        let object: BTreeMap<String, Value> = header
            .iter()
            .cloned()
            .zip(row.into_iter().map(Value::String))
            .collect();
        rows.push(Value::Map(object));
    }
    Ok(Value::List(rows))
}

pub(crate) fn csvdecode(args: Args, _: &FunctionContext) -> Result<Value, FunctionError> {
    decode(&args.string(0)?).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{err, list, map, ok, s};
    use super::{read_record, CsvError, Lines, BARE_QUOTE, QUOTE};

    fn first_error(text: &str) -> Option<CsvError> {
        let mut lines = Lines {
            rest: text,
            number: 0,
        };
        std::iter::from_fn(|| read_record(&mut lines)).find_map(|(_, r)| r.err())
    }

    /// Expected values are what Terraform 1.15.5's `terraform console` prints.
    #[test]
    fn rows_become_objects_keyed_by_the_header() {
        assert_eq!(
            ok("csvdecode", vec![s("a,b\r\n1,2\r\n\n3,\"x\"\"y\"\n")]),
            list(vec![
                map(&[("a", s("1")), ("b", s("2"))]),
                map(&[("a", s("3")), ("b", s("x\"y"))]),
            ])
        );
        assert_eq!(ok("csvdecode", vec![s("a,b")]), list(vec![]));
        assert_eq!(
            ok("csvdecode", vec![s("a,\"b\nc\"\n1,2")]),
            list(vec![map(&[("a", s("1")), ("b\nc", s("2"))])])
        );
    }

    #[test]
    fn errors_are_gos() {
        let e = |text: &str| err("csvdecode", vec![s(text)]);
        assert!(e("").ends_with("missing header line."));
        assert!(e("a,b\n1").ends_with("CSV parse error on line 2: wrong number of fields."));
        assert!(e("a,a\n1,2").ends_with("duplicate column name \"a\"."));
        assert!(e("a,b\n1,2\n3").contains("line 3: wrong number"));
        assert!(e("\n\na,b\n\n1").contains("line 5: wrong number"));
        assert!(e("a,a\n\"").contains("duplicate column name"));
        assert_eq!(
            first_error("a\"b,c\n1,2"),
            Some(CsvError {
                line: 1,
                message: BARE_QUOTE
            })
        );
        assert_eq!(
            first_error("\"a\"x,c"),
            Some(CsvError {
                line: 1,
                message: QUOTE
            })
        );
        assert_eq!(
            first_error("a\n\"1"),
            Some(CsvError {
                line: 2,
                message: QUOTE
            })
        );
    }
}
