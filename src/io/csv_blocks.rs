//! The CSV reader's parallel path for large files: the data rows after the header are read
//! in blocks, parsed on every core, and handed to the caller one by one in file order,
//! exactly as the sequential loop ([`super::table::read_rest_sequential`]) would.
//!
//! - A reader thread reads the file in blocks of [`Knobs::block`] bytes and cuts each at
//!   the last `'\n'` outside quotes (by the parity of `"` in the block: a guess, checked
//!   below), so the next block starts where a record starts.
//! - Workers parse blocks into rows (cell ranges, line, width, and the caller's
//!   [`Prepare`] work). In a UTF-8 block a line without quotes is split at the delimiter
//!   in place; other lines go through `csv-core` (the `csv` crate's parser, with the same
//!   settings) and their cells are copied. A block that does not end between two records
//!   (a stray quote fooled the guess) is reported, and the consumer parses it again
//!   joined with the next block.
//! - The calling thread hands the rows to the callback in file order and turns each
//!   block's local line numbers into the file's.
//!
//! Line numbers follow the `csv` crate exactly, including its one quirk: a record after
//! empty lines gets the line just after the previous record (the empty lines are read as
//! part of the record). So each block reports where its last record ended, and the first
//! record of the next block takes that line.

use super::IoError;
use super::progress::Counter;
use super::table::{Otherwise, Prepare, RawRow, csv_err, record_cells};
use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

/// What the header told about the file: how to split and decode records, and which
/// fields are the requested columns.
pub(super) struct Format<'a> {
    pub delimiter: u8,
    pub cp1251: bool,
    /// Per requested column, its field index in the file (`None` when absent).
    pub map: &'a [Option<usize>],
    pub header_width: usize,
    /// Cell work to do on the parsing threads.
    pub prepare: &'a Prepare<'a>,
}

/// When and how the block reader runs.
#[derive(Debug, Clone)]
pub(crate) struct Knobs {
    /// Bytes per block (a block grows when no record ends inside it).
    pub block: usize,
    /// The least number of bytes after the header for which blocks are used; smaller
    /// files are read sequentially.
    pub min_rest: u64,
    /// Parsing threads; 1 means the sequential loop.
    pub workers: usize,
}

impl Knobs {
    /// 4 MB blocks on every core for files with more than 16 MB of rows.
    pub fn for_this_machine() -> Knobs {
        Knobs {
            block: 4 << 20,
            min_rest: 16 << 20,
            workers: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(8),
        }
    }

    /// The sequential loop, whatever the file's size.
    #[cfg(test)]
    pub fn sequential() -> Knobs {
        Knobs {
            block: 4 << 20,
            min_rest: u64::MAX,
            workers: 1,
        }
    }
}

/// One block: its bytes, then (once parsed) its rows.
#[derive(Default)]
struct Block {
    /// The block's bytes.
    raw: Vec<u8>,
    /// The block is UTF-8: rows without quotes are cut out of `raw` without a copy.
    utf8: bool,
    /// The block ends the file.
    last: bool,
    /// The cells of the rows that went through the CSV parser (quoted fields, or a block
    /// that is not UTF-8), one row after another.
    text: String,
    /// Per row, per requested column, the cell's range in `raw` or `text`.
    bounds: Vec<(usize, usize)>,
    /// Per row: its line counted from the block's start (1 = the block's first line), its
    /// number of fields, and whether its cells are in `text` (else in `raw`).
    rows: Vec<(u64, usize, bool)>,
    /// The prepared cells' text, and per row, per prepared column, the range in it.
    ptext: String,
    prepared: Vec<Option<(usize, usize)>>,
    /// `rows[0]` is the block's first record (whose line comes from the block before).
    first_is_first: bool,
    /// The block holds a record (empty and blank-only records included).
    records: bool,
    /// The local line just after the block's last record.
    end_line: u64,
    /// The number of `'\n'` in the block.
    newlines: u64,
    /// The parse ended between two records (always true for the last block).
    clean: bool,
    /// Cells read in the encoding other than the file's, and the first one's row.
    other: u64,
    other_row: usize,
}

/// A worker's reusable buffers.
struct Work {
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// Delimiter positions in the line being split.
    delims: Vec<usize>,
    scratch: String,
    pscratch: String,
    bounds: Vec<(usize, usize)>,
}

impl Work {
    fn new(columns: usize) -> Work {
        Work {
            fields: vec![0; 1 << 12],
            ends: vec![0; 64],
            delims: Vec::new(),
            scratch: String::new(),
            pscratch: String::new(),
            bounds: vec![(0, 0); columns],
        }
    }
}

/// Spent blocks, so that their buffers are reused rather than allocated (and faulted in)
/// again for every block.
struct Pool {
    free: Mutex<Vec<Block>>,
    cap: usize,
}

impl Pool {
    fn take(&self) -> Block {
        self.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default()
    }

    fn give(&self, b: Block) {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if free.len() < self.cap {
            free.push(b);
        }
    }
}

type Job = (Block, SyncSender<Block>);

/// Reads the rest of the file (from `file`'s position, the start of a record on `line`)
/// in parallel blocks, calling `row` in file order; `progress` gains each block's bytes
/// once its rows are handed out.
pub(super) fn read_rest<R: Read + Send>(
    path: &Path,
    file: R,
    line: u64,
    fmt: &Format<'_>,
    knobs: &Knobs,
    row: &mut dyn FnMut(RawRow<'_>),
    progress: Option<&Counter>,
) -> Result<Otherwise, IoError> {
    let workers = knobs.workers.max(1);
    let pool = Pool {
        free: Mutex::new(Vec::new()),
        cap: workers + 6,
    };
    std::thread::scope(|s| {
        // At most this many blocks are read ahead of the one being handed out.
        let (order_tx, order_rx) = sync_channel(workers + 2);
        let (job_tx, job_rx) = sync_channel::<Job>(workers);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let pool = &pool;
        let block = knobs.block.max(1);
        s.spawn(move || read_blocks(file, block, pool, order_tx, job_tx));
        for _ in 0..workers {
            let jobs = Arc::clone(&job_rx);
            s.spawn(move || {
                let mut w = Work::new(fmt.map.len());
                loop {
                    let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((mut b, reply)) = job else { return };
                    parse_block(&mut b, fmt, &mut w);
                    // The consumer may have stopped (an error); the block is then dropped.
                    let _ = reply.send(b);
                }
            });
        }
        drop(job_rx);
        consume(path, order_rx, line, fmt, pool, row, progress)
    })
}

/// The calling thread's part: blocks in file order, rows to the callback.
fn consume(
    path: &Path,
    order: Receiver<std::io::Result<Receiver<Block>>>,
    mut line: u64,
    fmt: &Format<'_>,
    pool: &Pool,
    row: &mut dyn FnMut(RawRow<'_>),
    progress: Option<&Counter>,
) -> Result<Otherwise, IoError> {
    let mut otherwise = Otherwise::default();
    // The next block, `None` when a thread died (its panic surfaces when the scope ends).
    let next = || -> Option<std::io::Result<Block>> {
        match order.recv().ok()? {
            Ok(rx) => rx.recv().ok().map(Ok),
            Err(e) => Some(Err(e)),
        }
    };
    let n = fmt.map.len();
    let np = fmt.prepare.columns.len();
    let mut work = Work::new(n);
    // The line just after the last record so far: the line of a record read after empty lines.
    let mut carry = line;
    loop {
        let mut b = match next() {
            Some(Ok(b)) => b,
            Some(Err(e)) => return Err(csv_err(path, csv::Error::from(e))),
            None => return Ok(otherwise),
        };
        let mut failed = None;
        while !b.clean && !b.last {
            // The cut was inside a quoted field: parse this block and the next as one.
            match next() {
                Some(Ok(c)) => {
                    b.raw.extend_from_slice(&c.raw);
                    b.last = c.last;
                    pool.give(c);
                    parse_block(&mut b, fmt, &mut work);
                }
                Some(Err(e)) => {
                    failed = Some(e);
                    break;
                }
                None => return Ok(otherwise),
            }
        }
        // Checked by the worker already; a str is needed to hand out slices of it (and
        // SIMD validation costs far less than a row's handling).
        let whole = if b.utf8 {
            simdutf8::basic::from_utf8(&b.raw).expect("the worker found the block UTF-8")
        } else {
            ""
        };
        for (r, &(local, width, side)) in b.rows.iter().enumerate() {
            let at = if r == 0 && b.first_is_first {
                carry
            } else {
                line + local - 1
            };
            row(RawRow {
                line: at,
                text: if side { &b.text } else { whole },
                bounds: &b.bounds[r * n..(r + 1) * n],
                width,
                header_width: fmt.header_width,
                ptext: &b.ptext,
                prepared: &b.prepared[r * np..(r + 1) * np],
            });
        }
        if b.other > 0 {
            let r = b.other_row;
            let at = if r == 0 && b.first_is_first {
                carry
            } else {
                line + b.rows[r].0 - 1
            };
            otherwise.add(b.other, at);
        }
        if let Some(e) = failed {
            return Err(csv_err(path, csv::Error::from(e)));
        }
        if let Some(c) = progress {
            c.add(b.raw.len() as u64);
        }
        if b.records {
            carry = line + b.end_line - 1;
        }
        line += b.newlines;
        if b.last {
            return Ok(otherwise);
        }
        pool.give(b);
    }
}

/// The reader thread: blocks in order, each announced to the consumer (`order`) and given
/// to a worker (`jobs`). Stops at the end of the file, at a read error (sent in order) or
/// when the consumer has gone.
fn read_blocks<R: Read>(
    mut file: R,
    block: usize,
    pool: &Pool,
    order: SyncSender<std::io::Result<Receiver<Block>>>,
    jobs: SyncSender<Job>,
) {
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let mut b = pool.take();
        b.raw.clear();
        b.raw.extend_from_slice(&tail);
        tail.clear();
        let mut want = b.raw.len() + block;
        loop {
            let have = b.raw.len();
            b.raw.reserve(want - have);
            if let Err(e) = (&mut file)
                .take((want - have) as u64)
                .read_to_end(&mut b.raw)
            {
                let _ = order.send(Err(e));
                return;
            }
            if b.raw.len() < want {
                b.last = true;
                break;
            }
            match cut(&b.raw) {
                Some(at) => {
                    tail.extend_from_slice(&b.raw[at..]);
                    b.raw.truncate(at);
                    b.last = false;
                    break;
                }
                // No line ends in the block: read on.
                None => want = b.raw.len() + block,
            }
        }
        let last = b.last;
        let (reply, rx) = sync_channel(1);
        if order.send(Ok(rx)).is_err() || jobs.send((b, reply)).is_err() {
            return;
        }
        if last {
            return;
        }
    }
}

/// Where to cut a block: after its last `'\n'` outside quotes, by the parity of the `"`
/// before it (the block starting outside quotes); after its last `'\n'` when quotes seem
/// open at every line end (a stray quote); `None` without a `'\n'`.
fn cut(buf: &[u8]) -> Option<usize> {
    let quotes: usize = buf.iter().map(|&c| (c == b'"') as usize).sum();
    let mut inside = quotes % 2 == 1;
    let mut any = None;
    for (i, &c) in buf.iter().enumerate().rev() {
        match c {
            b'"' => inside = !inside,
            b'\n' => {
                if !inside {
                    return Some(i + 1);
                }
                any.get_or_insert(i + 1);
            }
            _ => {}
        }
    }
    any
}

/// Parses the block (starting where a record starts, mid-file) into rows, as the
/// sequential loop does: records blank but for ASCII whitespace are skipped, cells are
/// trimmed of ASCII whitespace when the record is UTF-8 and decoded by [`record_cells`]
/// when not.
///
/// In a UTF-8 block a line without `"` is split at the delimiter directly (for such a line
/// that is all the CSV parser does: its only other special bytes are quotes and the
/// `'\n'` terminator); lines with quotes, and every line of a block that is not UTF-8, go
/// through `csv-core` (the `csv` crate's parser, with the same settings).
fn parse_block(b: &mut Block, fmt: &Format<'_>, w: &mut Work) {
    use csv_core::ReadRecordResult;
    b.text.clear();
    b.bounds.clear();
    b.rows.clear();
    b.ptext.clear();
    b.prepared.clear();
    b.first_is_first = false;
    b.records = false;
    b.end_line = 1;
    b.clean = true;
    b.other = 0;
    b.other_row = 0;
    let whole = if fmt.cp1251 {
        None
    } else {
        simdutf8::basic::from_utf8(&b.raw).ok()
    };
    b.utf8 = whole.is_some();
    let fast = b.utf8;
    let whole = whole.unwrap_or("");
    let data: &[u8] = &b.raw;
    let len = data.len();
    let delimiter = fmt.delimiter;
    // The settings of the `csv` reader in `read_csv` (quote '"', doubled quotes, no
    // escape, no comments are csv-core's defaults as they are csv's).
    let mut core = csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .terminator(csv_core::Terminator::Any(b'\n'))
        .build();
    // csv-core drops a UTF-8 BOM at the start of its first input; this block starts
    // mid-file, so it is first given an empty line (skipped, like every empty line).
    let _ = core.read_record(b"\n", &mut w.fields, &mut w.ends);
    // The local line at `pos`, and the line just after the last record (what the `csv`
    // crate reports for the next record, even after empty lines).
    let (mut pos, mut line, mut after) = (0usize, 1u64, 1u64);
    let mut first = true;
    'records: while pos < len || (b.last && !fast) {
        let local = after;
        if fast {
            if data[pos] == b'\n' {
                // An empty line is no record.
                pos += 1;
                line += 1;
                continue;
            }
            let start = pos;
            let (i, quoted) = split_line(data, pos, delimiter, &mut w.delims);
            if !quoted {
                if i == len && !b.last {
                    // A record cut by the block's end (never: blocks end after a '\n').
                    b.clean = false;
                    break 'records;
                }
                pos = (i + 1).min(len);
                line += (i < len) as u64;
                after = line;
                b.records = true;
                b.end_line = line;
                let is_first = std::mem::replace(&mut first, false);
                // Blank: no byte but delimiters and ASCII whitespace (nearly every row
                // is told apart by its first byte).
                let blank = data[start].is_ascii_whitespace() || data[start] == delimiter;
                if blank
                    && data[start..i]
                        .iter()
                        .all(|&c| c == delimiter || c.is_ascii_whitespace())
                {
                    continue;
                }
                b.first_is_first |= is_first;
                let d = &w.delims;
                for m in fmt.map {
                    b.bounds.push(match *m {
                        Some(j) if j <= d.len() => {
                            let a = if j == 0 { start } else { d[j - 1] + 1 };
                            let z = if j < d.len() { d[j] } else { i };
                            trimmed(data, a, z)
                        }
                        _ => (0, 0),
                    });
                }
                b.rows.push((local, d.len() + 1, false));
                let cells = &b.bounds[b.bounds.len() - fmt.map.len()..];
                fmt.prepare.run(
                    |i| match cells.get(i) {
                        Some(&(a, z)) => &whole[a..z],
                        None => "",
                    },
                    &mut b.ptext,
                    &mut w.pscratch,
                    &mut b.prepared,
                );
                continue;
            }
        }
        // One record through csv-core.
        core.set_line(line);
        let (mut outlen, mut endlen) = (0, 0);
        loop {
            if pos == len && !b.last {
                // The end of a block that is not the end of the file: the cut was right
                // when no record is under way.
                b.clean = outlen == 0 && endlen == 0;
                line = core.line();
                break 'records;
            }
            let (res, nin, nout, nend) =
                core.read_record(&data[pos..], &mut w.fields[outlen..], &mut w.ends[endlen..]);
            pos += nin;
            outlen += nout;
            endlen += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grown = w.fields.len() * 2;
                    w.fields.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = w.ends.len() * 2;
                    w.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => break,
                ReadRecordResult::End => {
                    line = core.line();
                    break 'records;
                }
            }
        }
        line = core.line();
        after = line;
        b.records = true;
        b.end_line = line;
        let is_first = std::mem::replace(&mut first, false);
        let ends = &w.ends[..endlen];
        let bytes = &w.fields[..ends.last().copied().unwrap_or(0)];
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        b.first_is_first |= is_first;
        let range = |j: usize| {
            let end = *ends.get(j)?;
            let start = if j == 0 { 0 } else { ends[j - 1] };
            Some(start..end)
        };
        let mut other = 0;
        let text = record_cells(
            bytes,
            range,
            fmt.map,
            fmt.cp1251,
            &mut w.scratch,
            &mut w.bounds,
            &mut other,
        );
        if other > 0 && b.other == 0 {
            b.other_row = b.rows.len();
        }
        b.other += other;
        // One copy of the whole text, cells by offset (a copy per cell costs a call each).
        let base = b.text.len();
        b.text.push_str(text);
        b.bounds
            .extend(w.bounds.iter().map(|&(a, z)| (base + a, base + z)));
        b.rows.push((local, endlen, true));
        fmt.prepare.run(
            |i| match w.bounds.get(i) {
                Some(&(a, z)) => &text[a..z],
                None => "",
            },
            &mut b.ptext,
            &mut w.pscratch,
            &mut b.prepared,
        );
    }
    b.newlines = line - 1;
}

/// Scans a line from `pos`: the positions of its delimiters into `delims`, up to the
/// first `'\n'` or `"` or the end of `data`; returns where it stopped and whether at a `"`.
/// Eight bytes at a time: a line has a delimiter every ten bytes or so, but most words
/// hold none.
#[inline]
fn split_line(data: &[u8], pos: usize, delimiter: u8, delims: &mut Vec<usize>) -> (usize, bool) {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // The high bit of each byte of `v` that is zero, exactly (no carries across bytes).
    let zero = |v: u64| !(((v & LOW).wrapping_add(LOW)) | v | LOW);
    let spread = |c: u8| u64::from_le_bytes([c; 8]);
    let (d, n, q) = (spread(delimiter), spread(b'\n'), spread(b'"'));
    delims.clear();
    let mut i = pos;
    while let Some(word) = data.get(i..i + 8) {
        let v = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let mut hits = zero(v ^ d) | zero(v ^ n) | zero(v ^ q);
        while hits != 0 {
            let k = i + (hits.trailing_zeros() / 8) as usize;
            match data[k] {
                b'\n' => return (k, false),
                b'"' => return (k, true),
                _ => delims.push(k),
            }
            hits &= hits - 1;
        }
        i += 8;
    }
    while i < data.len() {
        match data[i] {
            b'\n' => return (i, false),
            b'"' => return (i, true),
            c if c == delimiter => delims.push(i),
            _ => {}
        }
        i += 1;
    }
    (i, false)
}

/// The range `a..z` of `s` without surrounding ASCII whitespace (as `table::trimmed`).
#[inline]
fn trimmed(s: &[u8], a: usize, z: usize) -> (usize, usize) {
    let f = &s[a..z];
    let lead = f.len() - f.trim_ascii_start().len();
    let len = f.trim_ascii().len();
    (a + lead, a + lead + len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::table::{Column, read_csv_with};
    use proptest::prelude::*;
    use proptest::test_runner::FileFailurePersistence;

    /// One row as the callback sees it: line, cells, width, header width.
    type Seen = (u64, Vec<String>, usize, usize);

    const COLUMNS: [Column; 3] = [
        Column {
            key: "a",
            aliases: &[],
            required: true,
        },
        Column {
            key: "b",
            aliases: &[],
            required: false,
        },
        Column {
            key: "c",
            aliases: &["ц"],
            required: false,
        },
    ];

    /// Uppercases column `c`, refuses an `x` in column `b`.
    fn shout(i: usize, cell: &str, out: &mut String) -> bool {
        match i {
            1 => {
                cell != "x" && {
                    out.push_str(cell);
                    true
                }
            }
            _ => {
                out.push_str(&cell.to_uppercase());
                true
            }
        }
    }

    const SHOUT: Prepare<'static> = Prepare {
        columns: &[2, 1],
        f: &shout,
    };

    /// Reads `bytes` as a file with the given settings; the rows as the callback saw them.
    /// A read that succeeds leaves the progress counter at the file's size.
    fn read(bytes: &[u8], knobs: &Knobs) -> Result<Vec<Seen>, String> {
        let counter = std::sync::Arc::new(Counter::default());
        let got = crate::io::progress::track(&counter, || read_untracked(bytes, knobs));
        if got.is_ok() {
            let len = bytes.len() as u64;
            assert_eq!(
                (counter.done(), counter.total()),
                (len, len),
                "progress at the end of a read, {knobs:?}"
            );
        }
        got
    }

    fn read_untracked(bytes: &[u8], knobs: &Knobs) -> Result<Vec<Seen>, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        let mut seen = Vec::new();
        let (got, warnings) = crate::io::notices::collect(|| {
            read_csv_with(
                &path,
                &COLUMNS,
                &SHOUT,
                &mut |r| {
                    let mut cells: Vec<String> =
                        (0..COLUMNS.len()).map(|i| r.get(i).to_string()).collect();
                    // The prepared cells, shown after the plain ones.
                    for k in 0..2 {
                        cells.push(r.prepared(k).unwrap_or("REFUSED").to_string());
                    }
                    seen.push((r.line, cells, r.width, r.header_width));
                },
                knobs,
            )
        });
        let file = |s: String| s.replace(&path.display().to_string(), "FILE");
        got.map_err(|e| file(e.to_string()))?;
        // The warnings, as rows of line 0 after the rows.
        seen.extend(warnings.into_iter().map(|w| (0, vec![file(w)], 0, 0)));
        Ok(seen)
    }

    fn blocks(block: usize, workers: usize) -> Knobs {
        Knobs {
            block,
            min_rest: 0,
            workers,
        }
    }

    /// The block reader gives what the sequential reader gives, for every block size up
    /// to the file's (so that every cut position occurs) and for 2 and 3 workers.
    fn assert_same_as_sequential(bytes: &[u8]) -> Vec<Seen> {
        let want = read(bytes, &Knobs::sequential());
        for block in 1..=bytes.len() + 1 {
            for workers in [2, 3] {
                let got = read(bytes, &blocks(block, workers));
                assert_eq!(got, want, "block {block}, {workers} workers");
            }
        }
        want.unwrap_or_default()
    }

    /// A row as the reader should give it (with the prepared cells by [`shout`], computed
    /// here from the plain cells).
    fn row(line: u64, cells: [&str; 3], width: usize, header: usize) -> Seen {
        let mut all: Vec<String> = cells.map(String::from).to_vec();
        all.push(cells[2].to_uppercase());
        all.push(if cells[1] == "x" { "REFUSED" } else { cells[1] }.to_string());
        (line, all, width, header)
    }

    #[test]
    fn quoted_newlines_escapes_blank_and_ragged_rows_read_alike_in_blocks() {
        let file = b"a,b,c\n1,\"x\ny\",z\n\n2,\"p\"\"q\",r\n3,d\n  ,  \n4,e,f,g\n5,\"\",\"s\n\n\"";
        let got = assert_same_as_sequential(file);
        // Hand-written: lines as the `csv` crate counts them (a record after an empty line
        // gets the empty line's number; that is the sequential reader's behaviour too).
        assert_eq!(
            got,
            vec![
                row(2, ["1", "x\ny", "z"], 3, 3),
                row(4, ["2", "p\"q", "r"], 3, 3),
                row(6, ["3", "d", ""], 2, 3),
                row(8, ["4", "e", "f"], 4, 3),
                row(9, ["5", "", "s"], 3, 3),
            ]
        );
    }

    #[test]
    fn windows_line_ends_and_a_bom_read_alike_in_blocks() {
        let file = "\u{feff}a;b;c\r\n1;x;y\r\n\r\n2;\"m\r\nn\";o\r\n3;p;q"
            .as_bytes()
            .to_vec();
        let got = assert_same_as_sequential(&file);
        assert_eq!(
            got,
            vec![
                row(2, ["1", "x", "y"], 3, 3),
                row(4, ["2", "m\r\nn", "o"], 3, 3),
                row(6, ["3", "p", "q"], 3, 3),
            ]
        );
    }

    #[test]
    fn a_cp1251_file_and_stray_cp1251_cells_read_alike_in_blocks() {
        // "ц" and "Дом" in CP1251, in a CP1251 file.
        let cp = b"a\tb\t\xF6\n1\t\xC4\xEE\xEC\t2\n3\t \xC4\xEE\xEC \t4\n";
        let got = assert_same_as_sequential(cp);
        assert_eq!(
            got,
            vec![
                row(2, ["1", "Дом", "2"], 3, 3),
                row(3, ["3", "Дом", "4"], 3, 3)
            ]
        );
        // A UTF-8 file (by its BOM) with one CP1251 cell.
        let mut mixed = "\u{feff}a,b,c\n1,Үй,x\n".as_bytes().to_vec();
        mixed.extend_from_slice(b"2,\xC4\xEE\xEC,y\n3,z\n");
        let got = assert_same_as_sequential(&mixed);
        assert_eq!(
            got,
            vec![
                row(2, ["1", "Үй", "x"], 3, 3),
                row(3, ["2", "Дом", "y"], 3, 3),
                row(4, ["3", "z", ""], 2, 3),
                (
                    0,
                    vec![
                        "FILE: the file is read as UTF-8, but 1 value(s) are not valid UTF-8 and \
                         were read as CP1251 (the first on line 3); check them, or save the whole \
                         file in one encoding"
                            .to_string()
                    ],
                    0,
                    0
                ),
            ]
        );
    }

    #[test]
    fn mac_and_mixed_line_ends_read_alike_in_blocks() {
        let file = b"a,b,c\r1,x,y\r\r2,\"m\rn\",o\r\n3,p,q\n4,r,s\r";
        let got = assert_same_as_sequential(file);
        assert_eq!(
            got,
            vec![
                row(2, ["1", "x", "y"], 3, 3),
                // After an empty line: the line just after the last record (the csv quirk).
                row(3, ["2", "m\rn", "o"], 3, 3),
                row(5, ["3", "p", "q"], 3, 3),
                row(6, ["4", "r", "s"], 3, 3),
            ]
        );
    }

    #[test]
    fn a_row_starting_with_bom_bytes_mid_file_keeps_them() {
        let file = "a,b,c\n1,2,3\n\u{feff}4,5,6\n".as_bytes();
        let got = assert_same_as_sequential(file);
        assert_eq!(got[1], row(3, ["\u{feff}4", "5", "6"], 3, 3));
    }

    #[test]
    fn a_stray_quote_that_misleads_the_cut_is_read_alike() {
        // The quote in `x"y` is a literal (it is not at a field's start), so the parity
        // guess takes the '\n' inside the quoted field of the next row for a record's end.
        let file = b"a,b,c\nx\"y,1,2\n\"p\nq\",3,4\n5,6,7\n";
        assert_eq!(cut(&file[..19]), Some(17));
        let got = assert_same_as_sequential(file);
        assert_eq!(
            got,
            vec![
                row(2, ["x\"y", "1", "2"], 3, 3),
                row(3, ["p\nq", "3", "4"], 3, 3),
                row(5, ["5", "6", "7"], 3, 3),
            ]
        );
    }

    #[test]
    fn a_missing_column_and_an_empty_body_read_alike_in_blocks() {
        assert_same_as_sequential(b"x,y\n1,2\n");
        assert_same_as_sequential(b"a,b,c\n");
        assert_same_as_sequential(b"a,b,c");
        assert_same_as_sequential(b"\n\n a \n\n");
    }

    #[test]
    fn blocks_are_cut_after_the_last_line_end_outside_quotes() {
        assert_eq!(cut(b"a\nb\nc"), Some(4));
        assert_eq!(cut(b"a\n\"b\nc"), Some(2));
        assert_eq!(cut(b"a\n\"b\"\nc"), Some(6));
        // Quotes open at every line end: the last line end.
        assert_eq!(cut(b"\"a\n\"\"b\n"), Some(7));
        assert_eq!(cut(b"abc"), None);
    }

    #[test]
    fn a_larger_file_with_many_blocks_reads_alike() {
        let mut file = String::from("a,b,c\n");
        for i in 0..3000 {
            match i % 7 {
                0 => file.push_str(&format!("{i},\"multi\nline {i}\",\"q\"\"{i}\"\n")),
                1 => file.push('\n'),
                2 => file.push_str(&format!("{i},short\r\n")),
                _ => file.push_str(&format!("{i},Алматы {i},x\n")),
            }
        }
        let want = read(file.as_bytes(), &Knobs::sequential()).unwrap();
        assert_eq!(want.len(), 3000 - 3000 / 7 - 1);
        for block in [1, 7, 64, 997, 4096, 1 << 20] {
            let got = read(file.as_bytes(), &blocks(block, 2)).unwrap();
            assert_eq!(got, want, "block {block}");
        }
    }

    /// Every row of a large CSV (`PRECINCTS_BIG_CSV`, e.g. the national voter file) hashed
    /// as read sequentially and in blocks. Slow: run with `--release -- --ignored`.
    #[test]
    #[ignore]
    fn a_large_file_reads_alike_sequentially_and_in_blocks() {
        use std::hash::{Hash, Hasher};
        let Some(path) = std::env::var_os("PRECINCTS_BIG_CSV") else {
            eprintln!("PRECINCTS_BIG_CSV is not set: skipped");
            return;
        };
        let columns = crate::io::voter_columns();
        let digest = |knobs: &Knobs| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            let mut n = 0u64;
            read_csv_with(
                std::path::Path::new(&path),
                &columns,
                &SHOUT,
                &mut |r| {
                    n += 1;
                    (r.line, r.width, r.header_width).hash(&mut h);
                    for i in 0..columns.len() {
                        r.get(i).hash(&mut h);
                    }
                    (r.prepared(0), r.prepared(1)).hash(&mut h);
                },
                knobs,
            )
            .unwrap();
            (n, h.finish())
        };
        let sequential = digest(&Knobs::sequential());
        let blocks = digest(&Knobs::for_this_machine());
        eprintln!("{} rows", sequential.0);
        assert_eq!(blocks, sequential);
    }

    proptest! {
        // Failing cases are kept beside this file (csv_blocks.regressions), not in a
        // folder at the crate's top level.
        #![proptest_config(ProptestConfig {
            failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
            ..ProptestConfig::with_cases(300)
        })]
        #[test]
        fn any_bytes_read_alike_in_blocks(
            body in proptest::collection::vec(
                prop_oneof![
                    Just(b'a'), Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'),
                    Just(b' '), Just(0xC4u8), Just(0xEFu8), Just(0xBBu8), Just(0xBFu8),
                ],
                0..80,
            ),
            block in 1usize..40,
        ) {
            let mut file = b"a,b,c\n".to_vec();
            file.extend_from_slice(&body);
            let want = read(&file, &Knobs::sequential());
            let got = read(&file, &blocks(block, 2));
            prop_assert_eq!(got, want);
        }

        #[test]
        fn any_utf8_text_reads_alike_in_blocks(
            body in proptest::collection::vec(
                prop_oneof![
                    Just("a"), Just(","), Just("\""), Just("\n"), Just("\r"), Just(" "),
                    Just("\t"), Just("Ә"), Just("\u{feff}"), Just("\u{a0}"), Just("bc,d\n"),
                    Just("x"), Just(",x,"),
                ],
                0..80,
            ),
            block in 1usize..40,
        ) {
            let file = format!("a,b,c\n{}", body.concat());
            let want = read(file.as_bytes(), &Knobs::sequential());
            let got = read(file.as_bytes(), &blocks(block, 2));
            prop_assert_eq!(got, want);
        }
    }
}
