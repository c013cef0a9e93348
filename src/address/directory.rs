//! The street objects of a set of address points, and the cascade that resolves a written
//! street to one of them without guessing.
//!
//! A street object is (administrative unit, locality key, street key): `ул. Абая` and
//! `пр. Абая` of one town are two objects, and so are two villages of one name in two
//! districts. A written street is resolved by the first of these levels that names anything:
//!
//! 1. the full key (type and name: `пр абай`);
//! 2. the name without its type (`абай`), for a street written without its type or with
//!    another one (`Жетысу-2` for `мкр. Жетысу-2`);
//! 3. the name with the Russian genitive of feminine names folded ([`loose_street_key`]:
//!    `пл. Республики` for `Республика алаңы`).
//!
//! At each level the candidates are first narrowed to the units the record names (its
//! oblast and district); one street left is the answer, several are
//! [`Resolution::Ambiguous`] (never a pick), none goes on to the next level. One street
//! (one locality and key) may lie in several units: a city street crossing a district
//! border, or one street name in two villages of one name; the house then decides, and a
//! house in both is ambiguous.

use super::{loose_street_key, name_key};
use std::collections::HashMap;

/// What a written street resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// One street: the objects of one (locality, key) in the admitted units. A street of a
    /// city crosses district borders, so it can be several objects; the house decides which
    /// (a house found in two units is ambiguous again).
    Found(Vec<u32>),
    /// Several streets at the first level that named any: no answer.
    Ambiguous(Vec<u32>),
    NotFound,
}

/// One level of the cascade: (locality, key) → objects.
type Level = HashMap<(String, String), Vec<u32>>;

/// Street objects by locality and key, at each level of the cascade.
#[derive(Debug, Default)]
pub struct StreetDirectory {
    /// Per object: its unit (`None`: unknown), locality key and street key.
    objects: Vec<(Option<u32>, String, String)>,
    ids: HashMap<(Option<u32>, String, String), u32>,
    /// Level 1: (locality, full key) → objects.
    exact: HashMap<(String, String), Vec<u32>>,
    /// Level 2: (locality, name key) → objects.
    by_name: HashMap<(String, String), Vec<u32>>,
    /// Level 3: (locality, loose name key) → objects.
    by_loose: HashMap<(String, String), Vec<u32>>,
}

impl StreetDirectory {
    pub fn new() -> Self {
        Self::default()
    }

    /// The object of (unit, locality key, street key), added when new.
    pub fn insert(&mut self, unit: Option<u32>, locality: &str, key: &str) -> u32 {
        let id_key = (unit, locality.to_string(), key.to_string());
        if let Some(&id) = self.ids.get(&id_key) {
            return id;
        }
        let id = self.objects.len() as u32;
        self.objects.push(id_key.clone());
        self.ids.insert(id_key, id);
        let name = name_key(key);
        self.exact
            .entry((locality.to_string(), key.to_string()))
            .or_default()
            .push(id);
        self.by_name
            .entry((locality.to_string(), name.to_string()))
            .or_default()
            .push(id);
        self.by_loose
            .entry((locality.to_string(), loose_street_key(name)))
            .or_default()
            .push(id);
        id
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The unit, locality key and street key of an object.
    pub fn object(&self, id: u32) -> (Option<u32>, &str, &str) {
        let (u, l, k) = &self.objects[id as usize];
        (*u, l, k)
    }

    /// Resolves a written street (locality key, street key) among the objects whose unit
    /// `admits`; see the module docs for the levels.
    pub fn resolve(
        &self,
        locality: &str,
        key: &str,
        admits: &dyn Fn(Option<u32>) -> bool,
    ) -> Resolution {
        let loc = locality.to_string();
        let name = name_key(key);
        let levels: [(&Level, String); 3] = [
            (&self.exact, key.to_string()),
            (&self.by_name, name.to_string()),
            (&self.by_loose, loose_street_key(name)),
        ];
        for (map, k) in levels {
            let Some(ids) = map.get(&(loc.clone(), k)) else {
                continue;
            };
            let found: Vec<u32> = ids
                .iter()
                .copied()
                .filter(|&id| admits(self.objects[id as usize].0))
                .collect();
            let Some(&first) = found.first() else {
                continue;
            };
            let (_, l0, k0) = &self.objects[first as usize];
            let one_street = found.iter().all(|&id| {
                let (_, l, k) = &self.objects[id as usize];
                l == l0 && k == k0
            });
            return if one_street {
                Resolution::Found(found)
            } else {
                Resolution::Ambiguous(found)
            };
        }
        Resolution::NotFound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(_: Option<u32>) -> bool {
        true
    }

    #[test]
    fn each_level_answers_only_when_it_names_one_object() {
        let mut d = StreetDirectory::new();
        // Keys written by hand as the key function writes them.
        let ul = d.insert(None, "алматы", "ул ал фараби");
        let pr = d.insert(None, "алматы", "пр ал фараби");
        let per = d.insert(None, "алматы", "пер ал фараби");
        let mkr = d.insert(None, "алматы", "мкр жетысу 2");
        let resp = d.insert(None, "алматы", "пл республик");
        assert_eq!(
            d.resolve("алматы", "пр ал фараби", &any),
            Resolution::Found(vec![pr])
        );
        assert_eq!(
            d.resolve("алматы", "ул ал фараби", &any),
            Resolution::Found(vec![ul])
        );
        assert_eq!(
            d.resolve("алматы", "пер ал фараби", &any),
            Resolution::Found(vec![per])
        );
        // No type: three streets of that name.
        assert_eq!(
            d.resolve("алматы", "ал фараби", &any),
            Resolution::Ambiguous(vec![ul, pr, per])
        );
        // A type none of them has: the name level, still three.
        assert_eq!(
            d.resolve("алматы", "бул ал фараби", &any),
            Resolution::Ambiguous(vec![ul, pr, per])
        );
        // A bare microdistrict name: one object of that name.
        assert_eq!(
            d.resolve("алматы", "жетысу 2", &any),
            Resolution::Found(vec![mkr])
        );
        assert_eq!(d.resolve("алматы", "жетысу 3", &any), Resolution::NotFound);
        // The genitive level.
        assert_eq!(
            d.resolve("алматы", "пл республики", &any),
            Resolution::Found(vec![resp])
        );
        // Another locality knows none of them.
        assert_eq!(
            d.resolve("астана", "пр ал фараби", &any),
            Resolution::NotFound
        );
    }

    #[test]
    fn units_tell_homonym_villages_apart_or_leave_them_ambiguous() {
        let mut d = StreetDirectory::new();
        let a = d.insert(Some(1), "жанаталап", "ул абай");
        let b = d.insert(Some(2), "жанаталап", "ул абай");
        assert_eq!(d.insert(Some(1), "жанаталап", "ул абай"), a);
        assert_eq!(d.len(), 2);
        // One street name in two units: one street for the directory, the house decides.
        assert_eq!(
            d.resolve("жанаталап", "ул абай", &any),
            Resolution::Found(vec![a, b])
        );
        assert_eq!(
            d.resolve("жанаталап", "ул абай", &|u| u == Some(2)),
            Resolution::Found(vec![b])
        );
        assert_eq!(
            d.resolve("жанаталап", "ул абай", &|u| u == Some(3)),
            Resolution::NotFound
        );
    }
}
