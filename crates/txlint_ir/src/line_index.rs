use crate::TextRange;

/// A 1-based line and a 1-based column counted in Unicode code points, as humans and
/// SARIF (`columnKind: unicodeCodePoints`) expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineColumn {
    pub line: u32,
    pub column: u32,
}

/// Maps byte offsets of one text to lines and columns. Built once per file, queried
/// only when a diagnostic is rendered. Lines end at LF, CRLF or a CR alone (old Mac
/// line endings, which Python and editors read as line breaks).
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset at which each line starts; `line_starts[0] == 0`.
    line_starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut line_starts = vec![0];
        line_starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        LineIndex {
            line_starts,
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based line that contains `offset` (an offset past the end maps to the last line).
    pub fn line_of(&self, offset: u32) -> usize {
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// Byte range of a 0-based line, without its line terminator (LF, CRLF or CR).
    pub fn line_range(&self, line: usize, text: &str) -> TextRange {
        let start = self.line_starts[line];
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.len, |&next| next - 1);
        let mut end = end.max(start);
        if end > start && text.as_bytes().get(end as usize - 1) == Some(&b'\r') {
            end -= 1;
        }
        TextRange::new(start, end)
    }

    /// Byte offset where a 0-based line starts, if the line exists.
    pub fn line_start(&self, line: usize) -> Option<u32> {
        self.line_starts.get(line).copied()
    }

    /// 1-based line and code-point column of `offset` in `text` (the text this index was
    /// built from). An offset inside a multi-byte character counts that character.
    pub fn line_column(&self, offset: u32, text: &str) -> LineColumn {
        let offset = offset.min(self.len);
        let line = self.line_of(offset);
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[start..end].chars().count() + 1;
        LineColumn {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_positions() {
        let text = "ab\ncd\n";
        let index = LineIndex::new(text);
        assert_eq!(
            index.line_column(0, text),
            LineColumn { line: 1, column: 1 }
        );
        assert_eq!(
            index.line_column(4, text),
            LineColumn { line: 2, column: 2 }
        );
        assert_eq!(
            index.line_column(6, text),
            LineColumn { line: 3, column: 1 }
        );
    }

    #[test]
    fn columns_count_code_points_not_bytes() {
        // "é" is 2 bytes, "🦀" is 4 bytes: the span after them starts at column 4.
        let text = "x\né🦀 tx.Commit()";
        let index = LineIndex::new(text);
        let offset = text.find("tx").unwrap() as u32;
        assert_eq!(offset, 2 + 2 + 4 + 1);
        assert_eq!(
            index.line_column(offset, text),
            LineColumn { line: 2, column: 4 }
        );
    }

    #[test]
    fn offset_inside_a_character_rounds_down() {
        let text = "é";
        let index = LineIndex::new(text);
        assert_eq!(index.line_column(1, text).column, 1);
        assert_eq!(index.line_column(2, text).column, 2);
    }

    #[test]
    fn line_ranges_exclude_terminators() {
        let text = "one\r\ntwo\nthree";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 3);
        assert_eq!(&text[index.line_range(0, text).to_usize()], "one");
        assert_eq!(&text[index.line_range(1, text).to_usize()], "two");
        assert_eq!(&text[index.line_range(2, text).to_usize()], "three");
    }

    #[test]
    fn a_carriage_return_alone_ends_a_line() {
        let text = "one\rtwo\r\nthree\n\rfour\r";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 6);
        let lines: Vec<&str> = (0..6)
            .map(|line| &text[index.line_range(line, text).to_usize()])
            .collect();
        assert_eq!(lines, ["one", "two", "three", "", "four", ""]);
        let four = text.find("four").unwrap() as u32;
        assert_eq!(
            index.line_column(four + 1, text),
            LineColumn { line: 5, column: 2 }
        );
    }

    #[test]
    fn offset_past_end_is_clamped() {
        let text = "a\nb";
        let index = LineIndex::new(text);
        assert_eq!(
            index.line_column(99, text),
            LineColumn { line: 2, column: 2 }
        );
    }
}
