//! `io::read_voters` on a generated Appendix 1 CSV of 200,000 rows (26 fields, Russian
//! headers, dd.mm.yyyy dates, Cyrillic text): the national file has 12 million, so the
//! target is at least 1.5 million rows per second on one core.
//!
//! Two groups: `read_voters` in wall time, and `read_voters_cpu` in the thread's own CPU
//! time (from `/proc/thread-self/schedstat`), which stays meaningful on a loaded machine.
//!
//! The file (~52 MB) is large enough for the CSV reader's block path: blocks are parsed on
//! every core while the calling thread hands rows to `read_voters` in order, so
//! `read_voters_cpu` is that calling thread's share only, and `read_voters` the wall time
//! on all cores. `taskset -c 0 target/release/deps/read_voters-* --bench` runs it on one
//! core, where the reader is sequential (the figure before the block path).

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use precincts::io::{Intake, read_voters};
use std::io::Write;

const ROWS: usize = 200_000;

fn make_csv(path: &std::path::Path) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        w,
        "Код,ИИН,Фамилия,Имя,Отчество,Код участка,Республиканский участок,Областной участок,\
         Районный участок,Область,Район,Дата рождения,Национальность,Пол,Место жительства,Улица,\
         Дом,Корпус,Квартира,Номер документа,Дата выдачи,Примечание,Дополнение1,Дополнение2,\
         Дополнение3,Дополнение4"
    )
    .unwrap();
    let surnames = ["Әбілқасымов", "Иванова", "Сейткали", "Ким", "Нұрланұлы"];
    let streets = ["Абая", "Сатпаева", "Толе би", "Жандосова", "Розыбакиева"];
    for i in 0..ROWS {
        let day = 1 + i % 28;
        let month = 1 + i % 12;
        let year = 1940 + i % 66;
        writeln!(
            w,
            "{},{:06}{:06},{},Ерлан,Серікұлы,{},,,,Алматы,Бостандыкский,{day:02}.{month:02}.{year},\
             казах,М,Алматы,{},{}А,,{},N{:08},01.02.2015,,,0,,{}",
            i + 1,
            900_101 + i % 1000,
            i,
            surnames[i % 5],
            100 + i % 700,
            streets[i % 5],
            1 + i % 200,
            1 + i % 150,
            i,
            if i % 50 == 0 { "1" } else { "" }
        )
        .unwrap();
    }
}

/// Nanoseconds this thread has spent on a CPU (Linux; 0 elsewhere).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// CPU time of the measuring thread, formatted like wall time.
struct CpuTime;

static WALL: WallTime = WallTime;

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, i: u64) -> u64 {
        thread_cpu_ns().saturating_sub(i)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

fn bench_cpu(c: &mut Criterion<CpuTime>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("voters.csv");
    make_csv(&path);
    let mut g = c.benchmark_group("read_voters_cpu");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    g.bench_function("csv_200k_rows", |b| {
        b.iter(|| {
            let mut intake = Intake::default();
            let t = read_voters(&path, &mut intake).unwrap();
            assert_eq!(t.len(), ROWS);
            t
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("voters.csv");
    make_csv(&path);
    let mut g = c.benchmark_group("read_voters");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    g.bench_function("csv_200k_rows", |b| {
        b.iter(|| {
            let mut intake = Intake::default();
            let t = read_voters(&path, &mut intake).unwrap();
            assert_eq!(t.len(), ROWS);
            t
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(CpuTime);
    targets = bench_cpu
}
criterion_main!(benches, cpu);
