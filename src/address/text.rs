//! Character folding for matching: case, `ё`/`е`, the Kazakh letters, Latin look-alikes
//! inside Cyrillic words. The original text is always kept for display; only keys are folded.

/// Folds one lower-case Cyrillic letter: `ё` → `е`, Kazakh letters to their nearest Russian
/// letter (`ә` → `а`, `ғ` → `г`, `қ` → `к`, `ң` → `н`, `ө` → `о`, `ұ`/`ү` → `у`, `һ` → `х`,
/// `і` → `и`).
#[inline]
pub fn fold_cyrillic(c: char) -> char {
    match c {
        'ё' => 'е',
        'ә' => 'а',
        'ғ' => 'г',
        'қ' => 'к',
        'ң' => 'н',
        'ө' => 'о',
        'ұ' | 'ү' => 'у',
        'һ' => 'х',
        'э' => 'е',
        'і' | 'ї' => 'и',
        'й' => 'й',
        other => other,
    }
}

/// The Cyrillic letter a lower-case Latin letter is mistaken for, when there is one.
#[inline]
pub fn latin_lookalike(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'b' => 'в',
        'c' => 'с',
        'e' => 'е',
        'h' => 'н',
        'i' => 'и',
        'k' => 'к',
        'm' => 'м',
        'o' => 'о',
        'p' => 'р',
        't' => 'т',
        'x' => 'х',
        'y' => 'у',
        _ => return None,
    })
}

#[inline]
pub fn is_cyrillic(c: char) -> bool {
    matches!(c, '\u{0400}'..='\u{04FF}')
}

/// Folds a word (a run of letters): lower case, Cyrillic folding, and Latin look-alikes
/// replaced when the word holds at least one Cyrillic letter or is a single letter (a house
/// letter typed on a Latin keyboard: `12A` = `12А`).
pub fn fold_word(word: &str, out: &mut String) {
    let lower: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    let cyr = lower.iter().any(|&c| is_cyrillic(c)) || lower.len() == 1;
    for c in lower {
        let c = if cyr {
            latin_lookalike(c).unwrap_or(c)
        } else {
            c
        };
        out.push(fold_cyrillic(c));
    }
}

/// Whether a character is a quote of any kind (`«»"„“”'` ...): quotes are ignored.
#[inline]
pub fn is_quote(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '«' | '»' | '„' | '“' | '”' | '‘' | '’' | '`' | '‹' | '›'
    )
}

/// Whether a character is a dash of any kind.
#[inline]
pub fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | '‒' | '−' | '‑')
}

/// Splits text into folded tokens: runs of letters and runs of digits, each on its own
/// (`5мкр` → `5`, `мкр`); everything else separates. `№` is dropped.
pub fn fold_tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut kind = 0u8; // 0 none, 1 letters, 2 digits
    let flush = |word: &mut String, kind: u8, out: &mut Vec<String>| {
        if word.is_empty() {
            return;
        }
        if kind == 1 {
            let mut f = String::with_capacity(word.len());
            fold_word(word, &mut f);
            out.push(f);
        } else {
            out.push(std::mem::take(word));
        }
        word.clear();
    };
    for c in s.chars() {
        let k = if c.is_alphabetic() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            0
        };
        if k != kind {
            flush(&mut word, kind, &mut out);
            kind = k;
        }
        if k != 0 {
            word.push(c);
        }
    }
    flush(&mut word, kind, &mut out);
    out
}

/// What a [`Tok`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokKind {
    /// A run of ASCII digits (saturating at `u32::MAX`).
    Num(u32),
    /// A run of letters, folded ([`fold_word`]).
    Word(String),
    /// Any other visible character; dashes are all `-`, `№` is `#`.
    Punct(char),
}

/// A token of a cell with its place in the original text (0-based char offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub kind: TokKind,
    pub start: usize,
    pub end: usize,
    /// Whitespace (or a quote) separates it from the previous token.
    pub space_before: bool,
    /// A quote stands right before it (`12 "А"`).
    pub quoted: bool,
}

impl Tok {
    pub fn word(&self) -> Option<&str> {
        match &self.kind {
            TokKind::Word(w) => Some(w),
            TokKind::Num(_) | TokKind::Punct(_) => None,
        }
    }
    pub fn num(&self) -> Option<u32> {
        match self.kind {
            TokKind::Num(n) => Some(n),
            TokKind::Word(_) | TokKind::Punct(_) => None,
        }
    }
    pub fn is_punct(&self, c: char) -> bool {
        self.kind == TokKind::Punct(c)
    }
}

/// Tokenizes a cell: numbers, folded words and punctuation, with char positions.
/// Quotes and whitespace separate tokens and are otherwise dropped.
pub fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut space = false;
    let mut quoted = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            space = true;
            i += 1;
        } else if is_quote(c) {
            quoted = true;
            i += 1;
        } else if c.is_ascii_digit() {
            let st = i;
            let mut n: u32 = 0;
            while i < chars.len() && chars[i].is_ascii_digit() {
                n = n
                    .saturating_mul(10)
                    .saturating_add(chars[i] as u32 - '0' as u32);
                i += 1;
            }
            out.push(Tok {
                kind: TokKind::Num(n),
                start: st,
                end: i,
                space_before: space,
                quoted,
            });
            space = false;
            quoted = false;
        } else if c.is_alphabetic() {
            let st = i;
            while i < chars.len() && chars[i].is_alphabetic() {
                i += 1;
            }
            let raw: String = chars[st..i].iter().collect();
            let mut w = String::with_capacity(raw.len());
            fold_word(&raw, &mut w);
            out.push(Tok {
                kind: TokKind::Word(w),
                start: st,
                end: i,
                space_before: space,
                quoted,
            });
            space = false;
            quoted = false;
        } else {
            let p = if is_dash(c) {
                '-'
            } else if c == '№' {
                '#'
            } else {
                c
            };
            out.push(Tok {
                kind: TokKind::Punct(p),
                start: i,
                end: i + 1,
                space_before: space,
                quoted,
            });
            space = false;
            quoted = false;
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kazakh_letters_and_yo_fold_to_russian_ones() {
        assert_eq!(
            fold_tokens("Көшесі Ақжол Ёлка"),
            ["кошеси", "акжол", "елка"]
        );
        assert_eq!(fold_tokens("Құрманғазы"), ["курмангазы"]);
    }

    #[test]
    fn latin_lookalikes_inside_cyrillic_words_are_replaced() {
        // "Aбая" with a Latin A, "Кенеcары" with a Latin c.
        assert_eq!(fold_tokens("Aбая"), ["абая"]);
        assert_eq!(fold_tokens("Кенеcары"), ["кенесары"]);
        // A purely Latin word is left alone.
        assert_eq!(fold_tokens("Mega Park"), ["mega", "park"]);
    }

    #[test]
    fn digits_and_letters_split_and_punctuation_separates() {
        assert_eq!(fold_tokens("5мкр"), ["5", "мкр"]);
        assert_eq!(fold_tokens("«Самал-2»"), ["самал", "2"]);
        assert_eq!(fold_tokens("мкн № 5"), ["мкн", "5"]);
    }
}
