//! A finding is data: a problem found in the inputs, with a stable code. Findings are
//! collected, never thrown.

use super::PrecinctNo;
use std::sync::Arc;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $v:ident = $s:literal, $sev:ident, $en:literal, $ru:literal, $kk:literal; )*) => {
        /// Stable finding codes. The string form (`PRECINCT_OVER_CAP`) is the public contract
        /// of the reports; the README documents each.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FindingCode { $( $(#[$doc])* $v, )* }

        impl FindingCode {
            /// Every code, in a stable order.
            pub const ALL: &'static [FindingCode] = &[ $( FindingCode::$v, )* ];

            /// The stable string form.
            pub fn as_str(self) -> &'static str {
                match self { $( FindingCode::$v => $s, )* }
            }

            /// The default severity.
            pub fn severity(self) -> Severity {
                match self { $( FindingCode::$v => Severity::$sev, )* }
            }

            /// A short title in English, Russian and Kazakh (`"en"`, `"ru"`, `"kk"`).
            pub fn title(self, lang: &str) -> &'static str {
                match (self, lang) {
                    $( (FindingCode::$v, "ru") => $ru, (FindingCode::$v, "kk") => $kk, (FindingCode::$v, _) => $en, )*
                }
            }
        }

        impl std::str::FromStr for FindingCode {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s { $( $s => Ok(FindingCode::$v), )* other => Err(format!("unknown finding code {other:?}")) }
            }
        }
    };
}

codes! {
    /// More voters than the cap, by address (polygon) or by the voter list's precinct code.
    PrecinctOverCap = "PRECINCT_OVER_CAP", Error,
        "Precinct over the voter cap", "Превышен предел числа избирателей", "Сайлаушылар саны шектен асқан";
    /// The precinct's area outside its main administrative unit exceeds the tolerance.
    PrecinctCrossesAdminBoundary = "PRECINCT_CROSSES_ADMIN_BOUNDARY", Error,
        "Precinct crosses an administrative boundary", "Участок пересекает границу АТЕ", "Учаске ӘАБ шекарасын кесіп өтеді";
    /// The precinct lies in no administrative unit at all.
    PrecinctOutsideAdmin = "PRECINCT_OUTSIDE_ADMIN", Error,
        "Precinct outside every administrative unit", "Участок вне всех АТЕ", "Учаске барлық ӘАБ-тан тыс";
    /// Two precinct polygons overlap.
    PrecinctOverlap = "PRECINCT_OVERLAP", Error,
        "Precinct polygons overlap", "Полигоны участков перекрываются", "Учаске полигондары қабаттасады";
    /// An address point inside an administrative unit but in no precinct polygon.
    AddressInNoPrecinct = "ADDRESS_IN_NO_PRECINCT", Error,
        "Address in no precinct (gap)", "Адрес вне всех участков (разрыв)", "Мекенжай ешбір учаскеде жоқ (саңылау)";
    /// A polygon that is not valid (self-intersection, bad ring, ...).
    InvalidGeometry = "INVALID_GEOMETRY", Error,
        "Invalid geometry", "Недопустимая геометрия", "Жарамсыз геометрия";
    /// A voter listed in one precinct whose address lies in another precinct's polygon.
    VoterInOtherPrecinct = "VOTER_IN_OTHER_PRECINCT", Warning,
        "Voter listed in another precinct than their address", "Избиратель включён в список другого участка", "Сайлаушы басқа учаске тізімінде";
    /// A voter's address matches no address point.
    VoterAddressNotFound = "VOTER_ADDRESS_NOT_FOUND", Warning,
        "Voter's address not found", "Адрес избирателя не найден", "Сайлаушының мекенжайы табылмады";
    /// A voter's street could be several streets (one name written without a type where
    /// streets of several types bear it; one village name in several units): counted in
    /// no precinct.
    VoterAddressAmbiguous = "VOTER_ADDRESS_AMBIGUOUS", Warning,
        "Voter's address is ambiguous", "Адрес избирателя неоднозначен", "Сайлаушының мекенжайы бірмәнді емес";
    /// An address-list entry whose street could be several streets: it covers nothing.
    BorderEntryAmbiguous = "BORDER_ENTRY_AMBIGUOUS", Warning,
        "Address-list entry is ambiguous", "Запись списка адресов неоднозначна", "Мекенжай тізіміндегі жазба бірмәнді емес";
    /// A voter record without a precinct code.
    VoterWithoutPrecinct = "VOTER_WITHOUT_PRECINCT", Warning,
        "Voter without a precinct code", "Избиратель без кода участка", "Учаске коды жоқ сайлаушы";
    /// A polling station whose location lies outside its precinct's polygon.
    StationOutsidePrecinct = "STATION_OUTSIDE_PRECINCT", Warning,
        "Polling station outside its precinct", "Помещение для голосования вне участка", "Дауыс беру үй-жайы учаскеден тыс";
    /// A precinct number used elsewhere but with no polygon.
    PrecinctMissingPolygon = "PRECINCT_MISSING_POLYGON", Error,
        "Precinct has no polygon", "Нет полигона участка", "Учаске полигоны жоқ";
    /// A precinct number used elsewhere but with no polling station (Appendix 2).
    PrecinctMissingStation = "PRECINCT_MISSING_STATION", Error,
        "Precinct has no polling station", "Нет помещения для голосования", "Дауыс беру үй-жайы жоқ";
    /// A precinct number used elsewhere but absent from the voter list.
    PrecinctMissingInVoterList = "PRECINCT_MISSING_IN_VOTER_LIST", Warning,
        "Precinct absent from the voter list", "Участок отсутствует в списке избирателей", "Учаске сайлаушылар тізімінде жоқ";
    /// A station marked eliminated whose precinct still has voters or a polygon.
    EliminatedPrecinctInUse = "ELIMINATED_PRECINCT_IN_USE", Error,
        "Eliminated precinct still in use", "Упразднённый участок используется", "Таратылған учаске қолданыста";
    /// The same precinct number twice in one region (polygons or stations).
    DuplicatePrecinctNo = "DUPLICATE_PRECINCT_NO", Error,
        "Duplicate precinct number", "Повторяющийся номер участка", "Учаске нөмірі қайталанады";
    /// A KATO code that is not in the official classifier.
    KatoNotInClassifier = "KATO_NOT_IN_CLASSIFIER", Warning,
        "KATO code not in the classifier", "Код КАТО отсутствует в классификаторе", "ҚАТО коды сыныптауышта жоқ";
    /// A border entry (Appendix 3) that does not parse; the message points at the character.
    BorderParseError = "BORDER_PARSE_ERROR", Error,
        "Border entry does not parse", "Описание границы не распознано", "Шекара сипаттамасы танылмады";
    /// An address covered by no precinct's address list.
    AddressInNoList = "ADDRESS_IN_NO_LIST", Error,
        "Address in no precinct's list", "Адрес не входит ни в один список", "Мекенжай ешбір тізімге кірмейді";
    /// An address covered by several precincts' address lists.
    AddressInSeveralLists = "ADDRESS_IN_SEVERAL_LISTS", Error,
        "Address in several precincts' lists", "Адрес входит в несколько списков", "Мекенжай бірнеше тізімге кіреді";
    /// A border entry that matches no known address.
    BorderEntryMatchesNothing = "BORDER_ENTRY_MATCHES_NOTHING", Warning,
        "Border entry matches no address", "Описание границы не соответствует адресам", "Шекара сипаттамасы мекенжайға сәйкес емес";
    /// A range of a border entry whose upper end lies past the last known house of its street
    /// (of its side, for an odd or even range), even when the rest of it matches.
    BorderRangeBeyondLastHouse = "BORDER_RANGE_BEYOND_LAST_HOUSE", Warning,
        "Border range runs past the street's last house", "Диапазон домов выходит за последний дом улицы", "Үйлер ауқымы көшенің соңғы үйінен асып кетеді";
    /// A precinct whose address list covers addresses in more than one administrative unit.
    BorderListCrossesAdmin = "BORDER_LIST_CROSSES_ADMIN", Error,
        "Address list spans several administrative units", "Список адресов в нескольких АТЕ", "Мекенжай тізімі бірнеше ӘАБ-та";
    /// Addresses listed for one precinct whose points lie in another precinct's polygon.
    BorderListPolygonMismatch = "BORDER_LIST_POLYGON_MISMATCH", Error,
        "Address list disagrees with polygon", "Список адресов не совпадает с полигоном", "Мекенжай тізімі полигонға сәйкес емес";
    /// A voter whose listed precinct differs from the precinct their address's list gives.
    VoterListPrecinctMismatch = "VOTER_LIST_PRECINCT_MISMATCH", Warning,
        "Voter's precinct differs from the address list", "Участок избирателя не совпадает со списком адресов", "Сайлаушы учаскесі мекенжай тізіміне сәйкес емес";
}

/// One problem found in the data.
#[derive(Debug, Clone)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    /// The precinct the finding is about, when there is one.
    pub precinct: Option<PrecinctNo>,
    /// What the finding is about, in words safe for a log ("precinct 25", "record 1734",
    /// "address ул. Абая 12"): never an IIN or a name.
    pub subject: String,
    /// What is wrong, with the figures.
    pub message: String,
    /// For a finding about a voter: the Appendix 1 record code.
    pub record: Option<String>,
    pub file: Option<Arc<str>>,
    pub line: Option<u64>,
    /// WGS84 geometry to show on the map (the overlap, the outside part, the point...).
    pub geometry: Option<geo::Geometry<f64>>,
}

impl Finding {
    /// A finding with the code's default severity and no location.
    pub fn new(code: FindingCode, subject: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.severity(),
            precinct: None,
            subject: subject.into(),
            message: message.into(),
            record: None,
            file: None,
            line: None,
            geometry: None,
        }
    }

    pub fn precinct(mut self, p: &PrecinctNo) -> Self {
        self.precinct = Some(p.clone());
        self
    }

    pub fn record(mut self, record: &str, file: &Arc<str>, line: u64) -> Self {
        self.record = Some(record.to_string());
        self.file = Some(file.clone());
        self.line = Some(line);
        self
    }

    pub fn at(mut self, file: &Arc<str>, line: u64) -> Self {
        self.file = Some(file.clone());
        self.line = Some(line);
        self
    }

    pub fn geometry(mut self, g: impl Into<geo::Geometry<f64>>) -> Self {
        self.geometry = Some(g.into());
        self
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_their_strings() {
        for &c in FindingCode::ALL {
            assert_eq!(c.as_str().parse::<FindingCode>().unwrap(), c);
            assert!(!c.title("ru").is_empty() && !c.title("kk").is_empty());
        }
    }

    /// The rows `| `CODE` | severity | meaning |` of the README's "Finding codes" table.
    fn readme_codes() -> Vec<(String, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let text = std::fs::read_to_string(path).expect("README.md is readable");
        let section = text
            .split("\n### Finding codes\n")
            .nth(1)
            .expect("README.md has a '### Finding codes' section");
        // The table: the section's first run of lines starting with '|'.
        section
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2) // header and separator
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let code = cells[1]
                    .strip_prefix('`')
                    .and_then(|c| c.strip_suffix('`'))
                    .unwrap_or_else(|| panic!("README: a code cell not in backticks: {l}"));
                (code.to_string(), cells[2].to_string())
            })
            .collect()
    }

    #[test]
    fn the_readme_documents_every_code_and_no_other() {
        let documented = readme_codes();
        let names: Vec<&str> = documented.iter().map(|(c, _)| c.as_str()).collect();
        let missing: Vec<&str> = FindingCode::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| !names.contains(c))
            .collect();
        assert!(
            missing.is_empty(),
            "codes missing from README.md: {missing:?}"
        );
        let unknown: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| n.parse::<FindingCode>().is_err())
            .collect();
        assert!(
            unknown.is_empty(),
            "README.md names codes that do not exist: {unknown:?}"
        );
        let mut twice = names.clone();
        twice.sort_unstable();
        twice.dedup();
        assert_eq!(
            twice.len(),
            names.len(),
            "a code is listed twice: {names:?}"
        );
        for (code, severity) in &documented {
            let c: FindingCode = code.parse().unwrap();
            assert_eq!(
                severity,
                c.severity().as_str(),
                "README.md gives {code} the wrong severity"
            );
        }
    }
}
