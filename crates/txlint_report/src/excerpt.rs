//! Long lines in terminal snippets. A finding on a minified or generated line would print
//! the whole line (tens of kilobytes) once per finding, so a file with many findings on one
//! long line took time and output quadratic in its length. Instead, a finding whose labels
//! touch a line longer than [`LONG_LINE`] is rendered from an excerpt: the lines its labels
//! span, each long one cut to a window around the labels on it, with `…` where text was
//! left out. Line and column numbers stay those of the file.

use std::ops::Range;

use codespan_reporting::files::{Error as FilesError, Files};

use crate::SourceFile;

/// Lines longer than this many bytes are cut around the labels on them.
pub(crate) const LONG_LINE: usize = 240;
/// Text kept on each side of the labels of a cut line, in bytes (then to a character).
const CONTEXT: usize = 60;
/// At most this much of a cut line is kept, labels included (a label may cover a whole
/// long line).
const WINDOW: usize = 400;
const ELLIPSIS: &str = "…";

/// One line of the excerpt: where its kept text starts in the excerpt and in the file.
struct ExcerptLine {
    /// Byte range of the whole line in the excerpt (terminator included).
    range: Range<usize>,
    /// Where the kept text of the file line starts in the excerpt.
    kept_at: usize,
    /// The kept part of the file line, as a byte range of the file.
    kept: Range<usize>,
    /// Start of the file line, in the file.
    file_line_start: usize,
}

/// The lines a finding's labels span, long ones cut, with the mapping back to the file.
pub(crate) struct Excerpt<'a> {
    file: &'a SourceFile,
    first_line: usize,
    text: String,
    lines: Vec<ExcerptLine>,
}

impl<'a> Excerpt<'a> {
    /// The excerpt for labels at these byte ranges of `file`, or `None` when no line they
    /// touch is long (the file itself is then rendered).
    pub(crate) fn new(file: &'a SourceFile, labels: &[Range<usize>]) -> Option<Excerpt<'a>> {
        let index = &file.line_index;
        let line_of = |offset: usize| index.line_of(u32::try_from(offset).unwrap_or(u32::MAX));
        let line_bounds = |line: usize| {
            let start = index.line_start(line).map_or(0, |s| s as usize);
            let end = index
                .line_start(line + 1)
                .map_or(file.text.len(), |next| next as usize);
            start..end
        };
        let touched = labels
            .iter()
            .flat_map(|label| [line_of(label.start), line_of(label.end)]);
        if !touched
            .into_iter()
            .any(|line| line_bounds(line).len() > LONG_LINE)
        {
            return None;
        }
        let first_line = labels.iter().map(|l| line_of(l.start)).min()?;
        let last_line = labels.iter().map(|l| line_of(l.end)).max()?;
        let mut excerpt = Excerpt {
            file,
            first_line,
            text: String::new(),
            lines: Vec::with_capacity(last_line - first_line + 1),
        };
        for line in first_line..=last_line {
            let bounds = line_bounds(line);
            let kept = if bounds.len() <= LONG_LINE {
                bounds.clone()
            } else {
                window(&file.text, bounds.clone(), labels)
            };
            let start = excerpt.text.len();
            if kept.start > bounds.start {
                excerpt.text.push_str(ELLIPSIS);
            }
            let kept_at = excerpt.text.len();
            let body = &file.text[kept.clone()];
            let terminator_at = body.find(['\n', '\r']).unwrap_or(body.len());
            excerpt.text.push_str(&body[..terminator_at]);
            if kept.end < bounds.end && !file.text[kept.end..bounds.end].starts_with(['\n', '\r']) {
                excerpt.text.push_str(ELLIPSIS);
            }
            excerpt.text.push('\n');
            excerpt.lines.push(ExcerptLine {
                range: start..excerpt.text.len(),
                kept_at,
                kept: kept.start..kept.start + terminator_at,
                file_line_start: bounds.start,
            });
        }
        Some(excerpt)
    }

    /// Where a byte offset of the file is shown in the excerpt: text left out maps to the
    /// nearest edge of what was kept.
    pub(crate) fn offset(&self, file_offset: usize) -> usize {
        let line = self
            .file
            .line_index
            .line_of(u32::try_from(file_offset).unwrap_or(u32::MAX));
        let Some(shown) = line
            .checked_sub(self.first_line)
            .and_then(|i| self.lines.get(i))
        else {
            return self.text.len();
        };
        let clamped = file_offset.clamp(shown.kept.start, shown.kept.end);
        shown.kept_at + (clamped - shown.kept.start)
    }

    fn line(&self, line_index: usize) -> Result<&ExcerptLine, FilesError> {
        self.lines.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: self.lines.len().saturating_sub(1),
        })
    }
}

/// The part of a long line kept around the labels on it: from a little before the first
/// label to a little after the last, at most [`WINDOW`] bytes, on character boundaries.
fn window(text: &str, line: Range<usize>, labels: &[Range<usize>]) -> Range<usize> {
    let on_line: Vec<Range<usize>> = labels
        .iter()
        .filter(|l| l.start <= line.end && l.end >= line.start)
        .map(|l| l.start.max(line.start)..l.end.min(line.end))
        .collect();
    let low = on_line.iter().map(|l| l.start).min().unwrap_or(line.start);
    let high = on_line.iter().map(|l| l.end).max().unwrap_or(line.start);
    let start = low.saturating_sub(CONTEXT).max(line.start);
    let end = (high + CONTEXT)
        .min(line.end)
        .min(start + WINDOW)
        .max(start);
    floor_boundary(text, start)..ceil_boundary(text, end)
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

impl<'a> Files<'a> for Excerpt<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, _id: usize) -> Result<&'a str, FilesError> {
        Ok(&self.file.path)
    }

    fn source(&'a self, _id: usize) -> Result<&'a str, FilesError> {
        Ok(&self.text)
    }

    fn line_index(&'a self, _id: usize, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self
            .lines
            .partition_point(|line| line.range.end <= byte_index)
            .min(self.lines.len().saturating_sub(1)))
    }

    fn line_number(&'a self, _id: usize, line_index: usize) -> Result<usize, FilesError> {
        Ok(self.first_line + line_index + 1)
    }

    /// The column in the file's line, in characters, as every other format counts it.
    fn column_number(
        &'a self,
        _id: usize,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let line = self.line(line_index)?;
        let into_kept = byte_index.saturating_sub(line.kept_at);
        let file_offset = (line.kept.start + into_kept).min(line.kept.end);
        let file_offset = floor_boundary(&self.file.text, file_offset);
        Ok(self.file.text[line.file_line_start..file_offset]
            .chars()
            .count()
            + 1)
    }

    fn line_range(&'a self, _id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        Ok(self.line(line_index)?.range.clone())
    }
}
