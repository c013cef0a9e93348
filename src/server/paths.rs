//! Paths of the user's machine kept out of API responses.
//!
//! `check` and `reconcile` record where their inputs were (`summary.json`, a finding's
//! `file`, the reconciliation's source column), as absolute paths that name the user, the
//! office and the folders. The server serves them relative to the dataset directory (the
//! common folder of the check's inputs) or the report directory, and a path outside both as
//! its file name alone.

use serde_json::Value;
use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

/// The folders whose absolute paths are cut from served text, longest first.
#[derive(Debug, Clone, Default)]
pub(super) struct Relative {
    roots: Vec<String>,
}

impl Relative {
    /// The dataset directory (the common folder of the inputs `summary.json` names) and the
    /// report directory.
    pub(super) fn new(report_dir: &Path, summary: &Value) -> Relative {
        let mut inputs: Vec<&str> = Vec::new();
        if let Some(m) = summary.get("inputs").and_then(Value::as_object) {
            inputs.extend(m.values().filter_map(Value::as_str));
        }
        if let Some(a) = summary.get("accounting").and_then(Value::as_array) {
            inputs.extend(a.iter().filter_map(|x| x.get("file")?.as_str()));
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        dirs.extend(common_folder(inputs.iter().map(Path::new)));
        if let Ok(d) = std::path::absolute(report_dir) {
            dirs.push(d);
        }
        if let Ok(d) = report_dir.canonicalize() {
            dirs.push(d);
        }
        let mut roots: Vec<String> = dirs
            .iter()
            // Never "/" or "C:\": that would cut every slash.
            .filter(|d| d.components().any(|c| matches!(c, Component::Normal(_))))
            .filter_map(|d| d.to_str())
            .map(|d| d.trim_end_matches(['/', '\\']).to_string())
            .collect();
        roots.sort_by_key(|r| std::cmp::Reverse(r.len()));
        roots.dedup();
        Relative { roots }
    }

    /// `s` with the roots' paths made relative, and a whole absolute path outside them cut
    /// to its file name (`/media/usb/register.csv:5` → `register.csv:5`).
    pub(super) fn text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(s);
        for r in &self.roots {
            if out.contains(r.as_str()) {
                let cut = out
                    .replace(&format!("{r}/"), "")
                    .replace(&format!("{r}\\"), "");
                out = Cow::Owned(cut);
            }
        }
        if looks_absolute(&out) {
            let name = out.rsplit(['/', '\\']).next().unwrap_or("").to_string();
            out = Cow::Owned(name);
        }
        out
    }

    /// Every string in `v` through [`Relative::text`].
    pub(super) fn value(&self, v: &mut Value) {
        match v {
            Value::String(s) => {
                if let Cow::Owned(t) = self.text(s) {
                    *s = t;
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.value(x)),
            Value::Object(m) => m.values_mut().for_each(|x| self.value(x)),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// Whether a whole text is an absolute path: `/…`, `\\server\…` or `C:\…`.
fn looks_absolute(s: &str) -> bool {
    let b = s.as_bytes();
    let drive =
        b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/');
    (s.starts_with('/') && s.len() > 1) || s.starts_with("\\\\") || drive
}

/// The deepest folder holding every absolute path of `paths`.
fn common_folder<'a>(paths: impl Iterator<Item = &'a Path>) -> Option<PathBuf> {
    let mut common: Option<PathBuf> = None;
    for p in paths.filter(|p| p.is_absolute()) {
        let dir = p.parent()?;
        common = Some(match common {
            None => dir.to_path_buf(),
            Some(c) => c
                .components()
                .zip(dir.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inputs_are_served_relative_to_their_common_folder() {
        let summary = json!({"inputs": {
            "voters": "/home/aigerim/election/voters.csv",
            "borders": "/home/aigerim/election/lists/borders.csv"}});
        let r = Relative::new(Path::new("/srv/report"), &summary);
        assert_eq!(r.text("/home/aigerim/election/voters.csv"), "voters.csv");
        assert_eq!(
            r.text("/home/aigerim/election/lists/borders.csv:12"),
            "lists/borders.csv:12"
        );
        assert_eq!(
            r.text("cannot read /home/aigerim/election/lists/x.csv, line 3"),
            "cannot read lists/x.csv, line 3"
        );
        assert_eq!(r.text("/srv/report/rejects.csv"), "rejects.csv");
        assert_eq!(r.text("/media/usb/register.csv:5"), "register.csv:5");
        assert_eq!(r.text("C:\\Users\\A\\reg.csv"), "reg.csv");
        assert_eq!(r.text("ул. Абая 5/1"), "ул. Абая 5/1");
        assert_eq!(r.text("/"), "/");
    }

    #[test]
    fn a_root_folder_is_never_cut() {
        let summary = json!({"inputs": {"a": "/a.csv", "b": "/b.csv"}});
        let r = Relative::new(Path::new("report"), &summary);
        assert_eq!(r.text("house 5/7"), "house 5/7");
    }
}
