//! Unit tests of the matching and of each category, on hand-made tables.

use super::*;
use crate::model::{VOTER_FIELDS, VoterTableBuilder};

/// A record: code, IIN, surname, name, middle name, ISO birth date, gender, precinct.
struct R<'a> {
    code: &'a str,
    iin: &'a str,
    surname: &'a str,
    name: &'a str,
    middle: &'a str,
    dob: &'a str,
    gender: &'a str,
    precinct: &'a str,
}

const BASE: R<'static> = R {
    code: "1",
    iin: "900101300017",
    surname: "Ахметов",
    name: "Ерлан",
    middle: "Серікұлы",
    dob: "1990-01-01",
    gender: "М",
    precinct: "101",
};

fn table(rows: &[R<'_>], tweak: impl Fn(usize, &mut [String; VOTER_FIELDS])) -> VoterTable {
    let mut b = VoterTableBuilder::new("t.csv");
    for (k, r) in rows.iter().enumerate() {
        let mut f: [String; VOTER_FIELDS] = std::array::from_fn(|_| String::new());
        f[VoterField::Code.index()] = r.code.into();
        f[VoterField::Iin.index()] = r.iin.into();
        f[VoterField::Surname.index()] = r.surname.into();
        f[VoterField::Name.index()] = r.name.into();
        f[VoterField::MiddleName.index()] = r.middle.into();
        f[VoterField::BirthDate.index()] = r.dob.into();
        f[VoterField::Gender.index()] = r.gender.into();
        f[VoterField::Precinct.index()] = r.precinct.into();
        f[VoterField::District.index()] = "Алмалинский".into();
        f[VoterField::Oblast.index()] = "город Алматы".into();
        f[VoterField::Residence.index()] = "Алматы".into();
        f[VoterField::Street.index()] = "Абая".into();
        f[VoterField::House.index()] = "1".into();
        f[VoterField::IdNumber.index()] = format!("N{}", r.code);
        tweak(k, &mut f);
        let refs: [&str; VOTER_FIELDS] = std::array::from_fn(|i| f[i].as_str());
        b.push(refs, k as u64 + 2).unwrap();
    }
    b.build()
}

fn opts() -> Options {
    Options {
        date: NaiveDate::from_ymd_opt(2026, 3, 15).unwrap(),
        region: "750000000".parse().unwrap(),
        thresholds: Thresholds::default(),
    }
}

fn run(sub: &VoterTable, reg: &VoterTable) -> Reconciliation {
    reconcile(sub, reg, &References::default(), &opts())
}

/// (subcategory, record code) of every discrepancy.
fn found(res: &Reconciliation, sub: &VoterTable) -> Vec<(Sub, String)> {
    let mut v: Vec<(Sub, String)> = res
        .discrepancies
        .iter()
        .filter(|d| !matches!(d.sub, Sub::DocumentMissing))
        .map(|d| (d.sub, sub.get(d.record as usize).code().to_string()))
        .collect();
    v.sort();
    v
}

fn no_tweak(_: usize, _: &mut [String; VOTER_FIELDS]) {}

#[test]
fn published_and_hand_computed_iins_pass_or_fail_the_check_digit() {
    // 900101300017: DESIGN.md's example.
    // 870412400784: first weighted sum 241 ≡ 10 (mod 11), second 158 ≡ 4: check digit 4.
    // 950315450121: first weighted sum 166 ≡ 1: check digit 1.
    for s in ["900101300017", "870412400784", "950315450121"] {
        assert!(iin_code(s) < BAD_CHECK, "{s}");
    }
    for s in ["900101300018", "870412400785", "950315450123"] {
        assert_eq!(iin_code(s), BAD_CHECK, "{s}");
    }
    for s in ["", "90010130001", "9001013000170", "90010130001x"] {
        assert_eq!(iin_code(s), BAD_FORMAT, "{s:?}");
    }
}

#[test]
fn identical_records_pair_by_iin_and_raise_nothing() {
    let sub = table(&[BASE], no_tweak);
    let reg = table(&[BASE], no_tweak);
    let res = run(&sub, &reg);
    assert_eq!(res.pair, vec![0]);
    assert!(res.name_matches.is_empty());
    assert_eq!(found(&res, &sub), vec![]);
    assert!(res.submission_only.is_empty() && res.register_only.is_empty());
}

#[test]
fn a_differing_surname_is_reported_with_its_folded_score() {
    let sub = table(
        &[R {
            surname: "Ахмедов",
            ..BASE
        }],
        no_tweak,
    );
    let reg = table(&[BASE], no_tweak);
    let res = run(&sub, &reg);
    assert_eq!(found(&res, &sub), vec![(Sub::Surname, "1".into())]);
    let Evidence::Field { score: Some(s), .. } = res.discrepancies[0].evidence else {
        panic!("field evidence");
    };
    // "ахмед" / "ахмет": m = 4 of 5, jaro = (0.8 + 0.8 + 1) / 3 = 0.8667,
    // prefix 4 -> 0.8667 + 0.4 * 0.1333 = 0.92.
    assert!((s - 0.92).abs() < 1e-3, "{s}");
}

#[test]
fn a_latin_spelling_without_iin_pairs_by_name_and_birth_date() {
    let sub = table(
        &[R {
            iin: "",
            surname: "Akhmetov",
            name: "Yerlan",
            middle: "Serikuly",
            ..BASE
        }],
        no_tweak,
    );
    let reg = table(&[BASE], no_tweak);
    let res = run(&sub, &reg);
    assert_eq!(res.pair, vec![0]);
    let m = res.name_matches[&0];
    assert_eq!((m.surname, m.name, m.middle), (1.0, 1.0, Some(1.0)));
    // The passport spelling is no discrepancy: only the missing IIN is.
    assert_eq!(found(&res, &sub), vec![(Sub::IinFormat, "1".into())]);
    let variants: Vec<(VoterField, SpellingRule)> = res
        .spelling_variants
        .iter()
        .map(|v| (v.field, v.rule))
        .collect();
    assert_eq!(
        variants,
        vec![
            (VoterField::Surname, SpellingRule::PassportLatin),
            (VoterField::Name, SpellingRule::PassportLatin),
            (VoterField::MiddleName, SpellingRule::PassportLatin),
        ]
    );
}

#[test]
fn a_twin_with_another_name_or_a_namesake_born_another_day_does_not_pair() {
    let sub = table(
        &[
            R {
                code: "7",
                iin: "",
                name: "Ержан",
                ..BASE
            },
            R {
                code: "8",
                iin: "",
                dob: "1990-01-02",
                ..BASE
            },
        ],
        no_tweak,
    );
    let reg = table(&[BASE], no_tweak);
    let res = run(&sub, &reg);
    assert_eq!(res.pair, vec![NONE, NONE]);
    assert_eq!(res.submission_only, vec![0, 1]);
    assert_eq!(res.register_only, vec![0]);
}

#[test]
fn two_equal_candidates_leave_the_record_unpaired() {
    let sub = table(&[R { iin: "", ..BASE }], no_tweak);
    let reg = table(
        &[
            BASE,
            R {
                code: "2",
                iin: "900101300027",
                ..BASE
            },
        ],
        no_tweak,
    );
    let res = run(&sub, &reg);
    assert_eq!(res.pair, vec![NONE]);
    assert_eq!(res.ambiguous, vec![0]);
}

#[test]
fn a_usable_iin_never_takes_a_register_record_already_paired_by_iin() {
    // Record 2 has another valid IIN and the same name: a namesake, not a duplicate.
    let sub = table(
        &[
            BASE,
            R {
                code: "2",
                iin: "900101300027",
                ..BASE
            },
        ],
        no_tweak,
    );
    let reg = table(&[BASE], no_tweak);
    let res = run(&sub, &reg);
    assert_eq!(res.pair, vec![0, NONE]);
    assert!(res.groups.is_empty());
    assert_eq!(found(&res, &sub), vec![]);
}

#[test]
fn a_valid_but_wrong_iin_pairs_by_name_when_the_register_record_is_free() {
    let sub = table(
        &[R {
            iin: "900101300027",
            ..BASE
        }],
        no_tweak,
    );
    let reg = table(&[BASE], no_tweak);
    let res = run(&sub, &reg);
    assert_eq!(res.pair, vec![0]);
    assert_eq!(found(&res, &sub), vec![(Sub::IinDiffers, "1".into())]);
}

#[test]
fn iin_date_and_sex_disagreements_are_warnings() {
    let sub = table(
        &[R {
            dob: "1990-01-05",
            gender: "Ж",
            ..BASE
        }],
        no_tweak,
    );
    let reg = table(
        &[R {
            dob: "1990-01-05",
            gender: "Ж",
            ..BASE
        }],
        no_tweak,
    );
    let res = run(&sub, &reg);
    assert_eq!(
        found(&res, &sub),
        vec![(Sub::IinBirthDate, "1".into()), (Sub::IinSex, "1".into())]
    );
    assert!(
        res.discrepancies
            .iter()
            .all(|d| d.sub.level() == Level::Warning)
    );
}

#[test]
fn the_same_voter_twice_in_a_precinct_and_in_another_precinct() {
    let sub = table(
        &[
            BASE,
            R { code: "2", ..BASE },
            R {
                code: "3",
                iin: "",
                surname: "Akhmetov",
                precinct: "102",
                ..BASE
            },
        ],
        no_tweak,
    );
    let reg = table(&[BASE], no_tweak);
    let res = run(&sub, &reg);
    let f = found(&res, &sub);
    for want in [
        (Sub::TwiceByIin, "1"),
        (Sub::TwiceByIin, "2"),
        (Sub::SeveralByIin, "1"),
        (Sub::SeveralByIin, "2"),
        (Sub::SeveralByNameDob, "3"),
        (Sub::IinFormat, "3"),
    ] {
        assert!(
            f.contains(&(want.0, want.1.to_string())),
            "{want:?} in {f:?}"
        );
    }
    assert!(!f.contains(&(Sub::TwiceByIin, "3".into())));
    assert!(!f.contains(&(Sub::TwiceByNameDob, "3".into())));
    assert_eq!(res.groups, vec![vec![0, 1, 2]]);
}

#[test]
fn unpaired_records_without_iin_are_duplicates_by_folded_name() {
    let sub = table(
        &[
            R { iin: "", ..BASE },
            R {
                code: "2",
                iin: "",
                surname: "Akhmetov",
                ..BASE
            },
        ],
        no_tweak,
    );
    let reg = table(&[], no_tweak);
    let res = run(&sub, &reg);
    let f = found(&res, &sub);
    assert!(f.contains(&(Sub::TwiceByNameDob, "1".into())));
    assert!(f.contains(&(Sub::TwiceByNameDob, "2".into())));
}

#[test]
fn under_18_is_decided_on_the_reference_date() {
    let day = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert!(!under_18(d("2008-03-15"), day));
    assert!(under_18(d("2008-03-16"), day));
    // Born 29 February: 18 on 28 February of a common year.
    assert!(!under_18(d("2008-02-29"), d("2026-02-28")));
    assert!(under_18(d("2008-02-29"), d("2026-02-27")));
    let sub = table(
        &[R {
            iin: "",
            dob: "2008-06-01",
            ..BASE
        }],
        no_tweak,
    );
    let res = run(&sub, &table(&[], no_tweak));
    assert!(found(&res, &sub).contains(&(Sub::Under18, "1".into())));
}

#[test]
fn another_oblast_in_the_register_or_the_list_is_category_5() {
    let sub = table(
        &[
            BASE,
            R {
                code: "2",
                iin: "870412400784",
                ..BASE
            },
        ],
        |k, f| {
            if k == 1 {
                f[VoterField::Oblast.index()] = "Қарағанды облысы".into();
            }
        },
    );
    let reg = table(
        &[
            BASE,
            R {
                code: "2",
                iin: "870412400784",
                ..BASE
            },
        ],
        |k, f| {
            if k == 0 {
                f[VoterField::Oblast.index()] = "350000000".into();
            }
        },
    );
    let res = run(&sub, &reg);
    let f = found(&res, &sub);
    assert!(f.contains(&(Sub::RegisterOtherRegion, "1".into())));
    assert!(f.contains(&(Sub::ListedOtherRegion, "2".into())));
    assert!(!f.contains(&(Sub::RegisterOtherRegion, "2".into())));
}

#[test]
fn reference_lists_and_documents_feed_categories_2_and_6_to_9() {
    let dir = tempfile::tempdir().unwrap();
    let w = |n: &str, s: &str| std::fs::write(dir.path().join(n), s).unwrap();
    w("deceased.csv", "iin\n900101300017\n");
    w(
        "emigrated.csv",
        "ИИН,Фамилия,Имя,Отчество,Дата рождения\n,Ахметов,Ерлан,Серікұлы,01.01.1990\n",
    );
    w("non_citizens.csv", "iin\n870412400784\n");
    w(
        "documents.csv",
        "number,status,valid_until\nN1,valid,2026-03-14\nN2,утерян,\n",
    );
    let mut intake = crate::io::Intake::default();
    let refs = read_references(dir.path(), &mut intake).unwrap();
    let sub = table(
        &[
            BASE,
            R {
                code: "2",
                iin: "870412400784",
                surname: "Ким",
                ..BASE
            },
        ],
        no_tweak,
    );
    let reg = table(&[], no_tweak);
    let res = reconcile(&sub, &reg, &refs, &opts());
    let f = found(&res, &sub);
    for want in [
        (Sub::Deceased, "1"),
        (Sub::Emigrated, "1"),
        (Sub::DocumentExpired, "1"),
        (Sub::NonCitizen, "2"),
        (Sub::DocumentInvalid, "2"),
    ] {
        assert!(
            f.contains(&(want.0, want.1.to_string())),
            "{want:?} in {f:?}"
        );
    }
    assert!(!f.contains(&(Sub::Emigrated, "2".into())));
    assert!(res.skipped.contains(&"incapable"));
}

#[test]
fn gender_words_in_three_languages_are_read() {
    assert_eq!(gender("М"), Some(IinSex::Male));
    assert_eq!(gender("ер"), Some(IinSex::Male));
    assert_eq!(gender("male"), Some(IinSex::Male));
    assert_eq!(gender("Ж"), Some(IinSex::Female));
    assert_eq!(gender("әйел"), Some(IinSex::Female));
    assert_eq!(gender("female"), Some(IinSex::Female));
    assert_eq!(gender(""), None);
}

#[test]
fn iin_digits_give_the_same_date_and_sex_as_the_model() {
    for s in [
        "900101300017",
        "870412400784",
        "950315450121",
        "090601600016",
    ] {
        let Ok(iin) = s.parse::<Iin>() else { continue };
        assert_eq!(
            iin_parts(iin.as_u64()),
            (iin.birth_date(), iin.sex()),
            "{s}"
        );
    }
}

/// A valid IIN of 1 January 1990 for each serial (skipping serials without a check digit).
fn iins(n: usize) -> Vec<String> {
    (0..)
        .filter_map(|s: u32| {
            let t = format!("9001013{s:04}");
            let d: Vec<u8> = t.bytes().map(|b| b - b'0').collect();
            Iin::check_digit(&d[..].try_into().unwrap()).map(|k| format!("{t}{k}"))
        })
        .take(n)
        .collect()
}

#[test]
fn csv_files_written_by_chunks_in_parallel_equal_one_sequential_writer() {
    let n = 400;
    let codes: Vec<String> = (1..=n + 40).map(|k| k.to_string()).collect();
    let iin = iins(n + 40);
    let rec = |k: usize| R {
        code: &codes[k],
        iin: &iin[k],
        ..BASE
    };
    // The submission: every 7th without an IIN (pairs by name), every 11th in another
    // precinct, and every 17th listed twice (category 3); the register lacks every 13th
    // (only in the submission), spells every 5th surname with a quote, a comma and a line
    // break (category 1, cells the CSV quotes), and has 40 more (only in the register).
    let mut s: Vec<R<'_>> = (0..n)
        .map(|k| R {
            iin: if k % 7 == 0 { "" } else { &iin[k] },
            precinct: if k % 11 == 0 { "102" } else { "101" },
            ..rec(k)
        })
        .collect();
    for k in (0..n).step_by(17) {
        s.push(R {
            code: &codes[n + k / 17],
            ..s[k]
        });
    }
    let sub = table(&s, no_tweak);
    let r: Vec<R<'_>> = (0..n + 40).filter(|k| k % 13 != 0).map(rec).collect();
    let reg = table(&r, |k, f| {
        if k % 5 == 0 {
            f[VoterField::Surname.index()] = "Ахмет \"Ер, ұлы\"\nов".into();
        }
    });
    let res = run(&sub, &reg);
    let reference = super::output::rows_in_memory(&sub, &reg, &References::default(), &res);
    let mut previous: Option<Vec<ActEntry>> = None;
    for chunk in [1, 3, 64, 100_000] {
        let tmp = tempfile::tempdir().unwrap();
        let summary = super::output::write_outputs_chunked(
            tmp.path(),
            &sub,
            &reg,
            &References::default(),
            &res,
            &[],
            chunk,
        )
        .unwrap();
        let dir = tmp.path().join("reconciliation");
        for (name, header, rows) in &reference {
            // One csv::Writer over the whole file, as the files were written before.
            let mut want = b"\xEF\xBB\xBF".to_vec();
            let mut c = csv::Writer::from_writer(&mut want);
            c.write_record(header).unwrap();
            for row in rows {
                c.write_record(row).unwrap();
            }
            drop(c);
            let got = std::fs::read(dir.join(name)).unwrap();
            assert!(got == want, "{name} differs with chunks of {chunk}");
            // The act's size, SHA-256 and count, from the file read back.
            let a = summary.act.iter().find(|a| &a.name == name).unwrap();
            let (bytes, sha) = sha256_of(&got);
            assert_eq!(
                (a.bytes, &a.sha256, a.records),
                (bytes, &sha, rows.len() as u64)
            );
        }
        for a in &summary.act {
            if a.name != "reconciliation.xlsx" {
                let got = std::fs::read(dir.join(&a.name)).unwrap();
                assert_eq!((a.bytes, a.sha256.clone()), sha256_of(&got), "{}", a.name);
            }
        }
        // The same act (names, order, counts, digests) whatever the chunks, but for the
        // workbook, which records its creation time.
        let act: Vec<ActEntry> = summary
            .act
            .into_iter()
            .filter(|a| a.name != "reconciliation.xlsx")
            .collect();
        if let Some(p) = &previous {
            assert_eq!(p, &act);
        }
        previous = Some(act);
    }
    // The run covers chunk boundaries, quoted cells and every kind of file.
    let count = |name: &str| {
        reference
            .iter()
            .find(|r| r.0 == name)
            .map_or(0, |r| r.2.len())
    };
    assert!(count("cat1_identification.csv") > 64);
    assert!(count("cat3_twice_in_precinct.csv") > 3);
    assert!(count("submission_only.csv") > 3);
    assert!(count("register_only.csv") > 3);
    let names: Vec<&str> = previous
        .as_ref()
        .unwrap()
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "reconciliation_stats.json",
            "cat1_identification.csv",
            "cat2_documents.csv",
            "cat3_twice_in_precinct.csv",
            "cat4_several_precincts.csv",
            "cat5_other_region.csv",
            "cat6_no_registration.csv",
            "cat7_emigrated.csv",
            "cat8_non_citizens.csv",
            "cat9_no_suffrage.csv",
            "submission_only.csv",
            "register_only.csv",
            "spelling_variants.csv",
        ]
    );
}

fn sha256_of(b: &[u8]) -> (u64, String) {
    use sha2::Digest;
    let d = sha2::Sha256::digest(b);
    (
        b.len() as u64,
        d.iter().map(|x| format!("{x:02x}")).collect(),
    )
}

/// Regression (issue 9): a locality without street and house is no address (category 6);
/// an invalid document past its date is both invalid and expired (category 2).
#[test]
fn a_locality_alone_is_no_address_and_an_invalid_expired_document_is_both() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("documents.csv"),
        "number,status,valid_until\nN1,недействителен,01.01.2026\nN2,недействителен,\n",
    )
    .unwrap();
    let refs = read_references(dir.path(), &mut crate::io::Intake::default()).unwrap();
    let sub = table(
        &[
            BASE,
            R {
                code: "2",
                iin: "870412400784",
                surname: "Ким",
                dob: "1987-04-12",
                gender: "Ж",
                ..BASE
            },
        ],
        |k, f| {
            if k == 0 {
                f[VoterField::Street.index()].clear();
                f[VoterField::House.index()].clear();
            } else {
                f[VoterField::Residence.index()].clear();
            }
        },
    );
    let res = reconcile(&sub, &table(&[], no_tweak), &refs, &opts());
    assert_eq!(
        found(&res, &sub),
        vec![
            (Sub::DocumentInvalid, "1".into()),
            (Sub::DocumentInvalid, "2".into()),
            (Sub::DocumentExpired, "1".into()),
            (Sub::NoAddress, "1".into()),
        ]
    );
}

/// Spelling variants are listed apart; category 1 keeps the typo.
#[test]
fn kazakh_letters_written_as_russian_are_a_variant_and_a_typo_is_not() {
    let sub = table(
        &[
            R {
                surname: "Ахмeтов", // a Latin "e"
                name: "Ерлан",
                middle: "Серикулы",
                ..BASE
            },
            R {
                code: "2",
                iin: "870412400784",
                surname: "Қасымов",
                name: "Ерлан",
                dob: "1987-04-12",
                gender: "Ж",
                ..BASE
            },
        ],
        no_tweak,
    );
    let reg = table(
        &[
            BASE,
            R {
                code: "2",
                iin: "870412400784",
                surname: "Касымов",
                name: "Ержан",
                dob: "1987-04-12",
                gender: "Ж",
                ..BASE
            },
        ],
        no_tweak,
    );
    let res = run(&sub, &reg);
    assert_eq!(found(&res, &sub), vec![(Sub::Name, "2".into())]);
    let d = res
        .discrepancies
        .iter()
        .find(|d| d.sub == Sub::Name)
        .unwrap();
    assert!(matches!(d.evidence, Evidence::Field { typo: true, .. }));
    let v: Vec<(u32, VoterField, SpellingRule)> = res
        .spelling_variants
        .iter()
        .map(|v| (v.record, v.field, v.rule))
        .collect();
    assert_eq!(
        v,
        vec![
            (0, VoterField::Surname, SpellingRule::LatinLookalike),
            (
                0,
                VoterField::MiddleName,
                SpellingRule::KazakhRussianLetters
            ),
            (1, VoterField::Surname, SpellingRule::KazakhRussianLetters),
        ]
    );
}

/// A record without IIN whose name a CP1251 export damaged (`?` for `Қ`, first letter
/// included) pairs by name and birth date; its twin (same surname and birth date, another
/// name) and a namesake born another day do not take it.
#[test]
fn a_cp1251_damaged_name_without_iin_pairs_with_the_right_person() {
    let sub = table(
        &[R {
            iin: "",
            surname: "?асымов",
            name: "Ерлан",
            middle: "Сер?кұлы",
            ..BASE
        }],
        no_tweak,
    );
    let reg = table(
        &[
            R {
                code: "7",
                iin: "900101300028",
                surname: "Қасымов",
                name: "Марат",
                ..BASE
            },
            R {
                code: "8",
                iin: "870412400784",
                surname: "Қасымов",
                name: "Ерлан",
                dob: "1987-04-12",
                ..BASE
            },
            R {
                code: "9",
                surname: "Қасымов",
                name: "Ерлан",
                ..BASE
            },
        ],
        no_tweak,
    );
    let res = run(&sub, &reg);
    assert_eq!(res.pair, vec![2]);
    assert_eq!(found(&res, &sub), vec![(Sub::IinFormat, "1".into())]);
    assert!(
        res.spelling_variants
            .iter()
            .all(|v| v.rule == SpellingRule::Cp1251Damage),
        "{:?}",
        res.spelling_variants
    );
}
