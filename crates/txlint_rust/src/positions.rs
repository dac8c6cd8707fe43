//! Byte offsets of proc-macro2 positions, in constant or logarithmic time.
//!
//! proc-macro2 gives a span's position as a line and a column counted in characters,
//! relative to the text that was parsed (the whole file, or one item of it when the file
//! does not parse). Walking the line to turn the column into a byte offset costs the
//! length of the line, which is quadratic on a long line; proc-macro2's own
//! `Span::byte_range` keeps a search tree of the offsets it has computed, which costs
//! more than the rest of the conversion on ordinary code. So the file's line starts and
//! its non-ASCII characters are listed once, and a position is converted with two binary
//! searches (none on an ASCII file).

use proc_macro2::LineColumn;

/// A character of more than one byte.
struct Wide {
    /// Index of the character among the file's characters.
    char: u32,
    /// Byte offset of the character.
    byte: u32,
    /// The bytes beyond one of this character and of every wide character before it.
    extra: u32,
}

pub(crate) struct Positions {
    /// Byte offset of each line's start.
    line_starts: Vec<u32>,
    wide: Vec<Wide>,
    len: u32,
    /// Where the text parsed last starts: its byte offset, character index and line.
    base: u32,
    base_char: u32,
    base_line: usize,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Positions {
    pub(crate) fn new(src: &str) -> Positions {
        let mut line_starts = vec![0];
        line_starts.extend(
            src.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| to_u32(i + 1)),
        );
        let mut wide = Vec::new();
        if !src.is_ascii() {
            let mut extra = 0;
            for (char, (byte, c)) in src.char_indices().enumerate() {
                if !c.is_ascii() {
                    extra += to_u32(c.len_utf8() - 1);
                    wide.push(Wide {
                        char: to_u32(char),
                        byte: to_u32(byte),
                        extra,
                    });
                }
            }
        }
        Positions {
            line_starts,
            wide,
            len: to_u32(src.len()),
            base: 0,
            base_char: 0,
            base_line: 0,
        }
    }

    /// The extra bytes of the first `count` wide characters.
    fn extra(&self, count: usize) -> u32 {
        count
            .checked_sub(1)
            .and_then(|last| self.wide.get(last))
            .map_or(0, |w| w.extra)
    }

    /// The character index of a byte offset that starts a character.
    fn char_of_byte(&self, byte: u32) -> u32 {
        byte - self.extra(self.wide.partition_point(|w| w.byte < byte))
    }

    fn byte_of_char(&self, char: u32) -> u32 {
        char.saturating_add(self.extra(self.wide.partition_point(|w| w.char < char)))
    }

    /// Says that the text parsed next starts at byte `base` of the file (a character
    /// boundary).
    pub(crate) fn set_base(&mut self, base: u32) {
        let base = base.min(self.len);
        self.base = base;
        self.base_char = self.char_of_byte(base);
        self.base_line = self.line_starts.partition_point(|&s| s <= base) - 1;
    }

    /// The byte offset in the file of a position in the text parsed last (1-based line,
    /// 0-based character column).
    pub(crate) fn offset(&self, at: LineColumn) -> u32 {
        let column = to_u32(at.column);
        let char = match at.line.checked_sub(1) {
            // Line 0: a span of no text (`Span::call_site()`).
            None => return self.base,
            Some(0) => self.base_char.saturating_add(column),
            Some(line) => match self.line_starts.get(self.base_line + line) {
                Some(&start) => self.char_of_byte(start).saturating_add(column),
                None => return self.len,
            },
        };
        self.byte_of_char(char).min(self.len)
    }
}
