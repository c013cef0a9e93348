//! Line ends of CSV files: `\n` (Unix), `\r\n` (Windows) and a lone `\r` (Excel for Mac's
//! "CSV (Macintosh)"), alike, also mixed in one file.
//!
//! The CSV readers end records at `'\n'` only (see `table::read_csv_with`), so [`LineEnds`]
//! turns every lone `'\r'` outside a quoted field into `'\n'` as the bytes are read. Byte for
//! byte: offsets, file sizes and progress stay those of the file, and a line number is what
//! an editor on a Mac shows. A `'\r'` before a `'\n'` stays (the reader trims it from the
//! last cell), and one inside quotes is a character of the cell. Quotes are followed as
//! `csv-core` follows them (a `"` opens a quoted field only at a field's start; `""` inside
//! one is a quote), so its state is exactly the parser's.

use std::io::Read;

/// Where in a record the last byte left the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At a field's start (also a record's).
    Start,
    /// In a field that did not start with a quote.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// Just after a `"` in a quoted field: its end, or the first of `""`.
    QuoteInQuoted,
}

/// A reader that gives the bytes of `inner` with lone `'\r'` outside quotes as `'\n'`.
/// It must start where a record starts.
pub(crate) struct LineEnds<R> {
    inner: R,
    delimiter: u8,
    state: State,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// `buf[end]` holds a `'\r'` whose next byte is not read yet.
    held: bool,
    eof: bool,
}

impl<R: Read> LineEnds<R> {
    pub(crate) fn new(inner: R, delimiter: u8) -> LineEnds<R> {
        LineEnds {
            inner,
            delimiter,
            state: State::Start,
            buf: vec![0; 1 << 16].into_boxed_slice(),
            pos: 0,
            end: 0,
            held: false,
            eof: false,
        }
    }

    /// Reads the next bytes into `buf` and turns them; false at the end of the input.
    fn refill(&mut self) -> std::io::Result<bool> {
        let mut len = 0;
        if self.held {
            self.buf[0] = b'\r';
            len = 1;
            self.held = false;
        }
        // Read until a byte can be decided: one that is not a '\r' as the last one read.
        while !self.eof && (len == 0 || (len == 1 && self.buf[0] == b'\r')) {
            match self.inner.read(&mut self.buf[len..]) {
                Ok(0) => self.eof = true,
                Ok(k) => len += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if len == 0 {
            self.pos = 0;
            self.end = 0;
            return Ok(false);
        }
        // The common case, a stretch without quotes and carriage returns: nothing to turn,
        // and the state after it is the last byte's (a quoted field stays open).
        // Also a stretch whose every '\r' is the first of a "\r\n" and that has no quote
        // (a Windows file's blocks): nothing to turn either.
        let b = &self.buf[..len];
        let quotes = b.iter().fold(false, |a, &c| a | (c == b'"'));
        let special = quotes || {
            let crs = b.iter().filter(|&&c| c == b'\r').count();
            crs > 0 && (b[len - 1] == b'\r' || crs != b.windows(2).filter(|w| w == b"\r\n").count())
        };
        if !special {
            if self.state != State::Quoted {
                let last = self.buf[len - 1];
                self.state = if last == b'\n' || last == self.delimiter {
                    State::Start
                } else {
                    State::Unquoted
                };
            }
            self.pos = 0;
            self.end = len;
            return Ok(true);
        }
        let mut n = len;
        for i in 0..len {
            let c = self.buf[i];
            self.state = match (self.state, c) {
                (State::Quoted, b'"') => State::QuoteInQuoted,
                (State::Quoted, _) => State::Quoted,
                (State::QuoteInQuoted, b'"') => State::Quoted,
                (State::Start, b'"') => State::Quoted,
                (_, b'\n') => State::Start,
                (_, b'\r') => {
                    if i + 1 == len && !self.eof {
                        // Its next byte decides: keep it for the next read.
                        n = i;
                        self.held = true;
                        break;
                    }
                    if self.buf.get(i + 1) == Some(&b'\n') && i + 1 < len {
                        // Part of "\r\n": the '\n' ends the record.
                        State::Unquoted
                    } else {
                        self.buf[i] = b'\n';
                        State::Start
                    }
                }
                (_, d) if d == self.delimiter => State::Start,
                _ => State::Unquoted,
            };
        }
        self.pos = 0;
        self.end = n;
        Ok(n > 0)
    }
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.pos == self.end && !self.refill()? {
            return Ok(0);
        }
        let n = out.len().min(self.end - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes read through [`LineEnds`], `chunk` bytes at a time from the inner reader.
    fn through(bytes: &[u8], chunk: usize) -> Vec<u8> {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut got = Vec::new();
        LineEnds::new(Trickle(bytes, chunk), b';')
            .read_to_end(&mut got)
            .unwrap();
        got
    }

    #[test]
    fn lone_carriage_returns_outside_quotes_become_line_feeds() {
        let cases: [(&[u8], &[u8]); 9] = [
            (
                b"\"a\nb\"\rc\rd;\"\"\"\r\"\r",
                b"\"a\nb\"\nc\nd;\"\"\"\r\"\n",
            ),
            (b"ab;cd\"e\rf;\"g\rh\";i\r", b"ab;cd\"e\nf;\"g\rh\";i\n"),
            (b"a;b\r1;2\r", b"a;b\n1;2\n"),
            (b"a;b\r\n1;2\r\n", b"a;b\r\n1;2\r\n"),
            (b"a;b\n1;2\r3;4\r\n5;6", b"a;b\n1;2\n3;4\r\n5;6"),
            (b"\r\ra;b\r", b"\n\na;b\n"),
            (b"a;\"x\ry\"\r1;2", b"a;\"x\ry\"\n1;2"),
            (b"a;\"x\"\"\r\"\r", b"a;\"x\"\"\r\"\n"),
            (b"a\"b\rc;\"\"\r", b"a\"b\nc;\"\"\n"),
        ];
        for (input, want) in cases {
            for chunk in 1..=input.len() {
                assert_eq!(
                    through(input, chunk),
                    want,
                    "{:?} in chunks of {chunk}",
                    String::from_utf8_lossy(input)
                );
            }
        }
    }
}
