//! Reconciliation benchmark on synthetic in-memory tables (no CSV parsing: that is the
//! reader's cost, measured by the io benches).
//!
//! - `cargo bench --bench reconcile`: criterion, 500,000 submission records against a
//!   500,000-record register (0.5 % without IIN → paired by name, 0.5 % name typos,
//!   0.3 % only in one file, 0.2 % duplicated, 0.5 % surnames with Kazakh letters written
//!   as Russian ones: spelling variants, not discrepancies).
//! - National size, one timed run with peak memory (VmHWM) and the output files:
//!   `RECONCILE_N=12000000 cargo bench --bench reconcile` (needs ~8 GB free).

use criterion::Criterion;
use precincts::model::{Iin, VOTER_FIELDS, VoterField, VoterTable, VoterTableBuilder};
use precincts::reconcile::{Options, References, Thresholds, reconcile, write_outputs};
use std::time::Instant;

const SURNAMES: [&str; 16] = [
    "Ахметов",
    "Серікбаев",
    "Иванов",
    "Жанбулатов",
    "Әбілқасымов",
    "Нұрланов",
    "Ким",
    "Петров",
    "Қасымов",
    "Омаров",
    "Сидоров",
    "Төлеуов",
    "Бекова",
    "Смирнова",
    "Исаева",
    "Мұратова",
];
const NAMES: [&str; 16] = [
    "Ержан",
    "Айгерім",
    "Нұрлан",
    "Сергей",
    "Асхат",
    "Гүлнәр",
    "Дәурен",
    "Ольга",
    "Марат",
    "Сауле",
    "Тимур",
    "Жанна",
    "Бауыржан",
    "Мария",
    "Ерлан",
    "Динара",
];
const MIDDLES: [&str; 8] = [
    "Серікұлы",
    "Ержанқызы",
    "Иванович",
    "Петровна",
    "Маратұлы",
    "Асхатқызы",
    "Сергеевич",
    "Тимуровна",
];

fn iin(i: usize) -> (String, String) {
    let d = i % 25_000;
    let serial = i / 25_000;
    let dob = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::Days::new(d as u64);
    use chrono::Datelike;
    let century = if dob.year() >= 2000 { 5 } else { 3 };
    for s in [serial, serial + 5000] {
        let t = format!(
            "{:02}{:02}{:02}{}{:04}",
            dob.year() % 100,
            dob.month(),
            dob.day(),
            century + (i % 2),
            s
        );
        let digits: Vec<u8> = t.bytes().map(|b| b - b'0').collect();
        if let Some(k) = Iin::check_digit(&digits[..11].try_into().unwrap()) {
            return (format!("{t}{k}"), dob.format("%Y-%m-%d").to_string());
        }
    }
    unreachable!("one of two serials has a check digit")
}

/// (submission, register).
fn tables(n: usize) -> (VoterTable, VoterTable) {
    let mut s = VoterTableBuilder::new("submission.csv");
    let mut r = VoterTableBuilder::new("register.csv");
    let mut dup = Vec::new();
    for i in 0..n {
        let (iin, dob) = iin(i);
        let code = (i + 1).to_string();
        let precinct = format!("{}", 1 + i / 1200);
        let district = format!("Район {}", i / 60_000);
        let doc = format!("{:09}", 100_000_000 + i);
        let surname = SURNAMES[(i / 7) % 16];
        let name = NAMES[(i / 3) % 16];
        let middle = MIDDLES[i % 8];
        let mut f = [""; VOTER_FIELDS];
        f[VoterField::Code.index()] = &code;
        f[VoterField::Iin.index()] = &iin;
        f[VoterField::Surname.index()] = surname;
        f[VoterField::Name.index()] = name;
        f[VoterField::MiddleName.index()] = middle;
        f[VoterField::Precinct.index()] = &precinct;
        f[VoterField::District.index()] = &district;
        f[VoterField::Oblast.index()] = "город Алматы";
        f[VoterField::BirthDate.index()] = &dob;
        f[VoterField::Gender.index()] = if i % 2 == 0 { "М" } else { "Ж" };
        f[VoterField::Residence.index()] = "Алматы";
        f[VoterField::Street.index()] = "проспект Абая";
        f[VoterField::House.index()] = "12А";
        f[VoterField::IdNumber.index()] = &doc;
        f[VoterField::IdIssued.index()] = "2019-05-05";
        let k = i % 1000;
        if !(13..16).contains(&k) {
            r.push(f, i as u64 + 2).unwrap();
        }
        let typo;
        let russian;
        match k {
            0..5 => f[VoterField::Iin.index()] = "",
            5..10 => {
                typo = format!("{surname}а");
                f[VoterField::Surname.index()] = &typo;
            }
            10..13 => f[VoterField::Iin.index()] = "",
            18..23 => {
                russian = surname
                    .chars()
                    .map(|c| match c {
                        'ә' => 'а',
                        'Ә' => 'А',
                        'ұ' | 'ү' => 'у',
                        'қ' => 'к',
                        'Қ' => 'К',
                        'і' => 'и',
                        'ө' => 'о',
                        other => other,
                    })
                    .collect::<String>();
                f[VoterField::Surname.index()] = &russian;
            }
            _ => {}
        }
        if (10..13).contains(&k) {
            // Only in the submission: another birth year, no IIN.
            f[VoterField::BirthDate.index()] = "1935-01-01";
        }
        if !(13..16).contains(&k) {
            s.push(f, i as u64 + 2).unwrap();
        }
        if (16..18).contains(&k) {
            dup.push(i);
        }
    }
    for (j, i) in dup.into_iter().enumerate() {
        let (iin, dob) = iin(i);
        let code = (n + j + 1).to_string();
        let mut f = [""; VOTER_FIELDS];
        f[VoterField::Code.index()] = &code;
        f[VoterField::Iin.index()] = &iin;
        f[VoterField::Surname.index()] = SURNAMES[(i / 7) % 16];
        f[VoterField::Name.index()] = NAMES[(i / 3) % 16];
        f[VoterField::MiddleName.index()] = MIDDLES[i % 8];
        f[VoterField::Precinct.index()] = "9999";
        f[VoterField::BirthDate.index()] = &dob;
        f[VoterField::IdNumber.index()] = "000000001";
        s.push(f, (n + j) as u64 + 2).unwrap();
    }
    (s.build(), r.build())
}

fn opts() -> Options {
    Options {
        date: chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap(),
        region: "750000000".parse().unwrap(),
        thresholds: Thresholds::default(),
    }
}

fn peak_rss_mb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    l.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kb| kb / 1024)
}

fn national(n: usize) {
    let t = Instant::now();
    let (s, r) = tables(n);
    let built = t.elapsed();
    let peak_after_build = peak_rss_mb().unwrap_or(0);
    let refs = References::default();
    let t = Instant::now();
    let res = reconcile(&s, &r, &refs, &opts());
    let matched = t.elapsed();
    let dir = tempfile::tempdir().unwrap();
    let t = Instant::now();
    write_outputs(dir.path(), &s, &r, &refs, &res, &[]).unwrap();
    let written = t.elapsed();
    println!(
        "reconcile {n} vs {n}: tables built in {:.1} s; reconcile {:.2} s ({} by name, {} discrepancies, {} spelling variants, {} only in submission, {} only in register); outputs {:.1} s; peak RSS {} MB ({} MB while building the tables); {} threads",
        built.as_secs_f64(),
        matched.as_secs_f64(),
        res.name_matches.len(),
        res.discrepancies.len(),
        res.spelling_variants.len(),
        res.submission_only.len(),
        res.register_only.len(),
        written.as_secs_f64(),
        peak_rss_mb().unwrap_or(0),
        peak_after_build,
        rayon::current_num_threads()
    );
}

fn main() {
    if let Some(n) = std::env::var("RECONCILE_N")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        national(n);
        return;
    }
    let (s, r) = tables(500_000);
    let refs = References::default();
    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("reconcile 500k vs 500k", |b| {
        b.iter(|| reconcile(&s, &r, &refs, &opts()))
    });
    c.final_summary();
}
