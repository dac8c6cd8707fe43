//! Fingerprints that recognise the same finding from one run to the next, for SARIF
//! `partialFingerprints` and the JSON output (and later baselines).
//!
//! A fingerprint must survive edits elsewhere in the file, so it contains no line or
//! column: it hashes the rule code, the file path, the enclosing function and the
//! flagged code with its whitespace removed. Identical findings in one file (the same
//! statement twice in one function) are told apart by an occurrence counter, numbered
//! top to bottom.

use std::collections::HashMap;

use txlint_ir::Diagnostic;

use crate::Report;

/// One fingerprint per diagnostic of `report`, in the same order:
/// 16 hex digits of the hash, `:`, the 1-based occurrence of that hash.
pub fn fingerprints(report: &Report) -> Vec<String> {
    let mut occurrences: HashMap<u64, u32> = HashMap::new();
    report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let hash = finding_hash(report, diagnostic);
            let occurrence = occurrences.entry(hash).or_insert(0);
            *occurrence += 1;
            format!("{hash:016x}:{occurrence}")
        })
        .collect()
}

fn finding_hash(report: &Report, diagnostic: &Diagnostic) -> u64 {
    let file = report.file(diagnostic);
    let flagged = file.text.get(diagnostic.range.to_usize()).unwrap_or("");
    let mut hasher = Fnv1a64::new();
    // A separator byte between fields, so that ("ab", "c") and ("a", "bc") differ.
    hasher.write(diagnostic.code.as_bytes());
    hasher.write(&[0]);
    hasher.write(file.path.as_bytes());
    hasher.write(&[0]);
    hasher.write(diagnostic.function.as_deref().unwrap_or("").as_bytes());
    hasher.write(&[0]);
    let mut buffer = [0; 4];
    for c in flagged.chars().filter(|c| !c.is_whitespace()) {
        hasher.write(c.encode_utf8(&mut buffer).as_bytes());
    }
    hasher.finish()
}

/// 64-bit FNV-1a. Written out because fingerprints are stored by users (baselines,
/// GitHub alerts) and must never change: std's `DefaultHasher` may change between
/// Rust releases.
struct Fnv1a64(u64);

impl Fnv1a64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Fnv1a64 {
        Fnv1a64(Self::OFFSET_BASIS)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv1a64;

    fn fnv(text: &str) -> u64 {
        let mut hasher = Fnv1a64::new();
        hasher.write(text.as_bytes());
        hasher.finish()
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference test suite (draft-eastlake-fnv, "FNV-1a 64").
        assert_eq!(fnv(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv("foobar"), 0x8594_4171_f739_67e8);
    }
}
