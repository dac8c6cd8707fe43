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
    all_fingerprints(report).0
}

/// One fingerprint per suppressed finding of `report`, in the same order.
pub fn suppressed_fingerprints(report: &Report) -> Vec<String> {
    all_fingerprints(report).1
}

/// Occurrences are numbered over reported and suppressed findings together, in
/// position order, so that suppressing one of two identical findings does not renumber
/// the other (code scanning would see a new alert).
fn all_fingerprints(report: &Report) -> (Vec<String>, Vec<String>) {
    let mut hashes: Vec<(&Diagnostic, bool, usize, u64)> = report
        .diagnostics
        .iter()
        .enumerate()
        .map(|(index, d)| (d, false, index, finding_hash(report, d)))
        .chain(report.suppressed.iter().enumerate().map(|(index, s)| {
            (
                &s.diagnostic,
                true,
                index,
                finding_hash(report, &s.diagnostic),
            )
        }))
        .collect();
    hashes.sort_by(|a, b| (a.0.file, a.0.sort_key()).cmp(&(b.0.file, b.0.sort_key())));
    let mut reported = vec![String::new(); report.diagnostics.len()];
    let mut suppressed = vec![String::new(); report.suppressed.len()];
    let mut occurrences: HashMap<u64, u32> = HashMap::new();
    for (_, is_suppressed, index, hash) in hashes {
        let occurrence = occurrences.entry(hash).or_insert(0);
        *occurrence += 1;
        let fingerprint = format!("{hash:016x}:{occurrence}");
        if is_suppressed {
            suppressed[index] = fingerprint;
        } else {
            reported[index] = fingerprint;
        }
    }
    (reported, suppressed)
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
