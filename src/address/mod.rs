//! Addresses: normalisation of localities, street types and names, house numbers, and the
//! index that geocodes a voter's address to an address point.
//!
//! This is the seam the Appendix 3 work fills: [`normalise`] turns the four parts of an
//! address into an [`AddressKey`]; everything that matches addresses goes through it.

use crate::model::AddressPoint;
use std::collections::HashMap;

/// A normalised address: equal keys mean the same building.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddressKey {
    pub locality: String,
    pub street: String,
    pub house: String,
    pub building: String,
}

fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('ё', "е")
}

/// Normalises the parts of an address into a key.
pub fn normalise(locality: &str, street: &str, house: &str, building: &str) -> AddressKey {
    AddressKey {
        locality: fold(locality),
        street: fold(street),
        house: fold(house).replace(' ', ""),
        building: fold(building).replace(' ', ""),
    }
}

/// Finds the address point of an address.
pub struct AddressIndex {
    by_key: HashMap<AddressKey, u32>,
}

impl AddressIndex {
    /// Indexes the points; when two points share a key the first one wins.
    pub fn new(points: &[AddressPoint]) -> Self {
        let mut by_key = HashMap::with_capacity(points.len());
        for (i, p) in points.iter().enumerate() {
            by_key
                .entry(normalise(&p.locality, &p.street, &p.house, &p.building))
                .or_insert(i as u32);
        }
        AddressIndex { by_key }
    }

    /// The index of the point at this address, if known.
    pub fn find(&self, locality: &str, street: &str, house: &str, building: &str) -> Option<u32> {
        self.by_key
            .get(&normalise(locality, street, house, building))
            .copied()
    }
}
