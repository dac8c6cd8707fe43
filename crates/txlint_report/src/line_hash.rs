//! GitHub code scanning's `primaryLocationLineHash`: the one `partialFingerprints` key it
//! reads. The `upload-sarif` action computes it from the checked-out files when a result
//! has none, but the REST upload endpoint does not, and alerts are then duplicated from
//! one run to the next. We compute the same value as the action (its `fingerprints.ts`),
//! so that both ways of uploading track alerts alike and the action finds nothing to
//! correct.
//!
//! The recipe: a rolling hash (base 37, wrapping 64-bit arithmetic) over a window of the
//! next 100 characters of the file, starting at each line's first character. Spaces and
//! tabs are skipped, `\r\n` and `\r` count as `\n`, characters are UTF-16 code units, and
//! the end of the file is a 65535 followed by zeros. A line's hash is its value in
//! lowercase hexadecimal without leading zeros, then `:` and its 1-based occurrence among
//! the lines of the file with the same value.

use std::collections::HashMap;

const BLOCK_SIZE: usize = 100;
const MOD: u64 = 37;
const TAB: u16 = b'\t' as u16;
const SPACE: u16 = b' ' as u16;
const LF: u16 = b'\n' as u16;
const CR: u16 = b'\r' as u16;
const EOF: u16 = 0xFFFF;

/// The hash of every line of `text`: element `n` is line `n + 1`'s. An empty text has
/// one (empty) line, and a text that ends with a newline has an empty last line.
pub(crate) fn line_hashes(text: &str) -> Vec<String> {
    let mut hasher = RollingHash::new();
    for unit in text.encode_utf16() {
        hasher.process(unit);
    }
    hasher.process(EOF);
    hasher.finish()
}

struct RollingHash {
    /// The last `BLOCK_SIZE` characters hashed, as a ring starting at `index`.
    window: [u16; BLOCK_SIZE],
    /// For each slot of `window`, the line that starts with that character, if any.
    line_starts: [Option<usize>; BLOCK_SIZE],
    index: usize,
    hash: u64,
    /// `MOD` to the power `BLOCK_SIZE`: the weight of the character leaving the window.
    first_mod: u64,
    line_count: usize,
    at_line_start: bool,
    after_cr: bool,
    occurrences: HashMap<u64, usize>,
    hashes: Vec<String>,
}

impl RollingHash {
    fn new() -> RollingHash {
        RollingHash {
            window: [0; BLOCK_SIZE],
            line_starts: [None; BLOCK_SIZE],
            index: 0,
            hash: 0,
            first_mod: (0..BLOCK_SIZE).fold(1u64, |power, _| power.wrapping_mul(MOD)),
            line_count: 0,
            at_line_start: true,
            after_cr: false,
            occurrences: HashMap::new(),
            hashes: Vec::new(),
        }
    }

    fn process(&mut self, unit: u16) {
        if unit == SPACE || unit == TAB || (self.after_cr && unit == LF) {
            self.after_cr = false;
            return;
        }
        let unit = if unit == CR {
            self.after_cr = true;
            LF
        } else {
            self.after_cr = false;
            unit
        };
        // The window is full from the start of this slot's line: its hash is ready.
        if self.line_starts[self.index].is_some() {
            self.emit();
        }
        if self.at_line_start {
            self.at_line_start = false;
            self.line_count += 1;
            self.line_starts[self.index] = Some(self.line_count);
        }
        if unit == LF {
            self.at_line_start = true;
        }
        self.update(unit);
    }

    fn update(&mut self, unit: u16) {
        let leaving = self.window[self.index];
        self.window[self.index] = unit;
        self.hash = MOD
            .wrapping_mul(self.hash)
            .wrapping_add(u64::from(unit))
            .wrapping_sub(self.first_mod.wrapping_mul(u64::from(leaving)));
        self.index = (self.index + 1) % BLOCK_SIZE;
    }

    fn emit(&mut self) {
        let Some(line) = self.line_starts[self.index].take() else {
            return;
        };
        let occurrence = self.occurrences.entry(self.hash).or_insert(0);
        *occurrence += 1;
        // Lines are emitted in order, one hash each.
        debug_assert_eq!(line, self.hashes.len() + 1);
        self.hashes.push(format!("{:x}:{occurrence}", self.hash));
    }

    /// Pads the end of the file with zeros until every line's window is full.
    fn finish(mut self) -> Vec<String> {
        for _ in 0..BLOCK_SIZE {
            self.emit();
            self.update(0);
        }
        self.hashes
    }
}

#[cfg(test)]
mod tests {
    use super::line_hashes;

    /// Inputs and hashes of the `upload-sarif` action's own tests
    /// (github/codeql-action `src/fingerprints.test.ts`): ours must be the same values.
    #[test]
    fn the_action_s_test_vectors() {
        let cases: &[(&str, &[&str])] = &[
            ("", &["c129715d7a2bc9a3:1"]),
            (
                " a\nb\n  \t\tc\n d",
                &[
                    "271789c17abda88f:1",
                    "54703d4cd895b18:1",
                    "180aee12dab6264:1",
                    "a23a3dc5e078b07b:1",
                ],
            ),
            (
                " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
                &[
                    "8b7cf3e952e7aeb2:1",
                    "b1ae1287ec4718d9:1",
                    "bff680108adb0fcc:1",
                    "c6805c5e1288b612:1",
                    "b86d3392aea1be30:1",
                    "e6ceba753e1a442:1",
                ],
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(&line_hashes(input), expected, "{input:?}");
        }
    }

    #[test]
    fn every_line_ending_gives_the_same_hashes() {
        let expected = [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ];
        for input in [
            " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
            " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
            " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
            " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        ] {
            assert_eq!(line_hashes(input), expected, "{input:?}");
        }
    }

    #[test]
    fn repeated_lines_are_numbered() {
        let input = "Lorem ipsum dolor sit amet.\n".repeat(10);
        assert_eq!(
            line_hashes(&input),
            [
                "a7f2ff13bc495cf2:1",
                "a7f2ff13bc495cf2:2",
                "a7f2ff13bc495cf2:3",
                "a7f2ff13bc495cf2:4",
                "a7f2ff13bc495cf2:5",
                "a7f2ff13bc495cf2:6",
                "a7f2ff1481e87703:1",
                "a9cf91f7bbf1862b:1",
                "55ec222b86bcae53:1",
                "cc97dc7b1d7d8f7b:1",
                "c129715d7a2bc9a3:1",
            ]
        );
    }

    #[test]
    fn a_line_s_hash_ignores_its_indentation_and_edits_far_below() {
        let a = line_hashes("x := 1\ny := 2\n");
        let b = line_hashes("\t\tx := 1\ny := 2\n");
        assert_eq!(a[0], b[0]);
        let long_tail = format!("x := 1\n{}\n", "z".repeat(200));
        let other_tail = format!("x := 1\n{}\n", "w".repeat(200));
        assert_ne!(line_hashes(&long_tail)[0], line_hashes(&other_tail)[0]);
        let far = format!("x := 1\n{}\nend\n", "z".repeat(200));
        let far_edited = format!("x := 1\n{}\nEND\n", "z".repeat(200));
        assert_eq!(line_hashes(&far)[0], line_hashes(&far_edited)[0]);
    }
}
