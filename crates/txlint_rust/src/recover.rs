//! Item-level recovery for a file syn rejects.
//!
//! syn stops at the first syntax error, and proc-macro2 cannot even tokenize a file with
//! an unbalanced delimiter or an unterminated string. So a file that does not parse is
//! scanned here with a light tokenizer of its own (it knows comments, strings, raw
//! strings, character literals and lifetimes, and tracks delimiter depth, recovering from
//! a mismatched closer), cut into its top-level items, and each item is parsed and lowered
//! on its own, its positions re-based to the file. An item that does not parse is cut
//! again at the lines that start an item at its indentation or less (an item left open
//! swallows the items after it), and an `impl`, `trait` or `mod` block that does not parse
//! is opened: its header is parsed alone and its members are recovered the same way. What
//! still does not parse is lost, and the line of its error (within the item) is recorded
//! as a syntax error.
//!
//! Everything here is linear in the size of the file, times the nesting of the blocks
//! opened (at most [`MAX_NESTING`]); nothing panics on any input.

use std::ops::Range;

use syn::parse::{ParseStream, Parser};
use syn::{Attribute, ImplItem, Item, TraitItem};
use txlint_ir::TextRange;

use crate::lower::Lowerer;

/// `impl`, `trait` and `mod` blocks nested deeper than this in broken code are not
/// opened: each level scans and parses its contents again.
const MAX_NESTING: u32 = 16;

/// Words that make up an item's prefix, before the word that says what the item is.
const MODIFIERS: [&str; 7] = [
    "pub", "unsafe", "async", "extern", "default", "auto", "safe",
];

/// Items that end with their `;`, even when a block comes before it.
const ENDS_WITH_SEMICOLON: [&str; 5] = ["const", "static", "type", "use", "let"];

/// Words that start an item (or an `impl` member) at the start of a line.
const ITEM_STARTS: [&str; 17] = [
    "fn",
    "pub",
    "impl",
    "struct",
    "enum",
    "trait",
    "mod",
    "use",
    "const",
    "static",
    "type",
    "extern",
    "unsafe",
    "async",
    "union",
    "macro_rules",
    "default",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Ident,
    Punct(u8),
    Open(u8),
    Close(u8),
    Literal,
    Lifetime,
    /// `/// …` or `/** … */`: an attribute of the item after it.
    OuterDoc,
    /// `//! …` or `/*! … */`: an attribute of the enclosing module.
    InnerDoc,
    /// A block comment left open: the rest of the file, which does not parse.
    Unterminated,
}

#[derive(Clone, Copy, Debug)]
struct Token {
    start: usize,
    end: usize,
    kind: Kind,
    /// Whether only whitespace comes before the token on its line.
    first_on_line: bool,
    /// Byte column of the token's start.
    column: usize,
}

/// Recovers what can be recovered of `source`, which syn rejects as a whole.
/// `error` is syn's error for the whole file.
pub(crate) fn recover<'s>(lowerer: &mut Lowerer<'s>, source: &'s str, error: &syn::Error) {
    let start = content_start(source);
    let tokens = tokenize(source, start);
    let mut recovery = Recovery {
        src: source,
        tokens: &tokens,
        lowerer,
        broken_until: None,
    };
    recovery.region(0..tokens.len(), &Level::Items, 0);
    if !lowerer.has_syntax_errors() {
        // Every item parses alone (the file as a whole does not): the error's own tokens.
        let bytes = error.span().byte_range();
        let at = (start + bytes.start).min(source.len());
        let mut end = (start + bytes.end).clamp(at, source.len());
        if end == at {
            end = source[at..]
                .chars()
                .next()
                .map_or(at, |c| at + c.len_utf8());
        }
        lowerer.syntax_error(TextRange::from_usize(at..end));
    }
}

/// Where the Rust text starts: after a byte-order mark and a shebang line.
fn content_start(source: &str) -> usize {
    let start = if source.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let rest = &source[start..];
    match rest.strip_prefix("#!") {
        Some(after) if !after.trim_start().starts_with('[') => {
            start + rest.find('\n').unwrap_or(rest.len())
        }
        _ => start,
    }
}

// ----- tokens ----------------------------------------------------------------------------

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The tokens of `src` from `from` on, comments other than doc comments left out.
fn tokenize(src: &str, from: usize) -> Vec<Token> {
    let b = src.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let mut i = from.min(n);
    let mut line_start = b[..i]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    if src.get(line_start..i) == Some("\u{feff}") {
        line_start = i;
    }
    let mut first_on_line = b[line_start..i].iter().all(u8::is_ascii_whitespace);
    while i < n {
        let start = i;
        let c = b[i];
        let kind = match c {
            b'\n' => {
                i += 1;
                line_start = i;
                first_on_line = true;
                continue;
            }
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = b[i..].iter().position(|&c| c == b'\n').map_or(n, |p| i + p);
                let text = &b[start..i];
                if text.starts_with(b"///") && !text.starts_with(b"////") {
                    Kind::OuterDoc
                } else if text.starts_with(b"//!") {
                    Kind::InnerDoc
                } else {
                    continue;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let (end, closed) = block_comment_end(b, i);
                i = end;
                let text = &b[start..i];
                if let Some(p) = text.iter().rposition(|&c| c == b'\n') {
                    line_start = start + p + 1;
                }
                if !closed {
                    Kind::Unterminated
                } else if text.starts_with(b"/**") && !text.starts_with(b"/***") && text.len() > 4 {
                    Kind::OuterDoc
                } else if text.starts_with(b"/*!") {
                    Kind::InnerDoc
                } else {
                    first_on_line = false;
                    continue;
                }
            }
            b'"' => {
                i = string_end(b, i + 1);
                Kind::Literal
            }
            b'\'' => {
                let (end, kind) = quote(src, i);
                i = end;
                kind
            }
            b'r' | b'b' | b'c' => {
                let (end, kind) = prefixed(src, i);
                i = end;
                kind
            }
            b'0'..=b'9' => {
                i += 1;
                loop {
                    while i < n && is_ident_byte(b[i]) {
                        i += 1;
                    }
                    if i + 1 < n && b[i] == b'.' && b[i + 1].is_ascii_digit() {
                        i += 1;
                    } else {
                        break;
                    }
                }
                Kind::Literal
            }
            _ if is_ident_byte(c) => {
                while i < n && is_ident_byte(b[i]) {
                    i += 1;
                }
                Kind::Ident
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Kind::Open(c)
            }
            b')' | b']' | b'}' => {
                i += 1;
                Kind::Close(c)
            }
            _ => {
                i += 1;
                Kind::Punct(c)
            }
        };
        out.push(Token {
            start,
            end: i,
            kind,
            first_on_line,
            column: start - line_start.min(start),
        });
        first_on_line = false;
        if kind == Kind::Literal {
            if let Some(p) = b[start..i].iter().rposition(|&c| c == b'\n') {
                line_start = start + p + 1;
            }
        }
    }
    out
}

/// The end of the (nested) block comment that starts at `i`, and whether it is closed.
fn block_comment_end(b: &[u8], i: usize) -> (usize, bool) {
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < b.len() {
        match (b[j], b[j + 1]) {
            (b'/', b'*') => {
                depth += 1;
                j += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return (j, true);
                }
            }
            _ => j += 1,
        }
    }
    (b.len(), false)
}

/// The end of a string whose text starts at `j` (after the opening quote).
fn string_end(b: &[u8], mut j: usize) -> usize {
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

/// The end of a raw string whose `#`s (or quote) start at `j`, after the `r`; `None`
/// when no quote follows the `#`s.
fn raw_string_end(b: &[u8], j: usize) -> Option<usize> {
    let hashes = b[j.min(b.len())..]
        .iter()
        .take_while(|&&c| c == b'#')
        .count();
    if b.get(j + hashes) != Some(&b'"') {
        return None;
    }
    let mut k = j + hashes + 1;
    while k < b.len() {
        if b[k] == b'"'
            && b.len() - (k + 1) >= hashes
            && b[k + 1..k + 1 + hashes].iter().all(|&c| c == b'#')
        {
            return Some(k + 1 + hashes);
        }
        k += 1;
    }
    Some(b.len())
}

/// A token that starts with a quote at `i`: a character literal, a lifetime or label,
/// or a stray quote.
fn quote(src: &str, i: usize) -> (usize, Kind) {
    let b = src.as_bytes();
    if b.get(i + 1) == Some(&b'\\') {
        // An escape: the literal ends at the next quote on the line.
        let mut j = i + 3;
        while j < b.len() && b[j] != b'\n' {
            if b[j] == b'\'' {
                return (j + 1, Kind::Literal);
            }
            j += 1;
        }
        return (i + 1, Kind::Punct(b'\''));
    }
    let Some(c) = src.get(i + 1..).and_then(|rest| rest.chars().next()) else {
        return (i + 1, Kind::Punct(b'\''));
    };
    let after = i + 1 + c.len_utf8();
    if b.get(after) == Some(&b'\'') && c != '\n' {
        return (after + 1, Kind::Literal);
    }
    if c.is_alphabetic() || c == '_' || !c.is_ascii() {
        let mut j = after;
        while j < b.len() && is_ident_byte(b[j]) {
            j += 1;
        }
        return (j, Kind::Lifetime);
    }
    (i + 1, Kind::Punct(b'\''))
}

/// A token that starts with `r`, `b` or `c` at `i`: a raw or byte or C string, a byte
/// literal, a raw identifier or an identifier.
fn prefixed(src: &str, i: usize) -> (usize, Kind) {
    let b = src.as_bytes();
    let next = b.get(i + 1).copied();
    let raw_at = match (b[i], next) {
        (b'r', _) => Some(i + 1),
        (b'b' | b'c', Some(b'r')) => Some(i + 2),
        _ => None,
    };
    if let Some(j) = raw_at {
        if let Some(end) = raw_string_end(b, j) {
            return (end, Kind::Literal);
        }
    }
    match (b[i], next) {
        (b'b' | b'c', Some(b'"')) => return (string_end(b, i + 2), Kind::Literal),
        (b'b', Some(b'\'')) => {
            let (end, kind) = quote(src, i + 1);
            if kind == Kind::Literal {
                return (end, kind);
            }
        }
        (b'r', Some(b'#')) if b.get(i + 2).is_some_and(|&c| is_ident_byte(c)) => {
            // A raw identifier: `r#type`.
            let mut j = i + 2;
            while j < b.len() && is_ident_byte(b[j]) {
                j += 1;
            }
            return (j, Kind::Ident);
        }
        _ => {}
    }
    let mut j = i + 1;
    while j < b.len() && is_ident_byte(b[j]) {
        j += 1;
    }
    (j, Kind::Ident)
}

// ----- items -----------------------------------------------------------------------------

/// What the items of a region are.
enum Level {
    /// Items of a file or of a `mod` block.
    Items,
    /// Members of an `impl` block: its owner name and self type text.
    Impl { owner: String, self_ty: String },
    /// Members of a `trait` block.
    Trait { owner: String },
}

struct Recovery<'r, 's> {
    src: &'s str,
    tokens: &'r [Token],
    lowerer: &'r mut Lowerer<'s>,
    /// The end (a token index) of the last chunk lost: a lost chunk right after it is
    /// the same broken region.
    broken_until: Option<usize>,
}

/// What a chunk of tokens has shown so far about the item it holds.
#[derive(Default)]
struct ItemState {
    /// The word after the item's attributes and modifiers (`fn`, `impl`, `const`, the
    /// name of a macro, …).
    keyword: Option<usize>,
    /// `#` `!` `[` at the start: an inner attribute.
    inner_attribute: bool,
    /// Tokens of the chunk at depth 0.
    shallow: usize,
    /// The keyword is followed by `!`: a macro invocation.
    macro_call: bool,
}

impl<'s> Recovery<'_, 's> {
    fn text(&self, token: usize) -> &'s str {
        let t = &self.tokens[token];
        self.src.get(t.start..t.end).unwrap_or("")
    }

    fn is_item_start(&self, token: usize) -> bool {
        match self.tokens[token].kind {
            Kind::OuterDoc | Kind::Punct(b'#') => true,
            Kind::Ident => {
                ITEM_STARTS.contains(&self.text(token))
                    || self
                        .tokens
                        .get(token + 1)
                        .is_some_and(|t| t.kind == Kind::Punct(b'!'))
            }
            _ => false,
        }
    }

    /// Updates `state` with the token at `token`, seen at depth 0 of its chunk.
    fn observe(&self, state: &mut ItemState, token: usize) {
        state.shallow += 1;
        if state.shallow == 2
            && self.tokens[token].kind == Kind::Punct(b'!')
            && self.tokens[token - 1].kind == Kind::Punct(b'#')
        {
            state.inner_attribute = true;
        }
        if state.keyword.is_some() || self.tokens[token].kind != Kind::Ident {
            return;
        }
        let word = self.text(token);
        let modifier = MODIFIERS.contains(&word)
            || (word == "const"
                && self.tokens.get(token + 1).is_some_and(|t| {
                    t.kind == Kind::Ident
                        && matches!(
                            self.text(token + 1),
                            "fn" | "unsafe" | "async" | "extern" | "safe"
                        )
                }));
        if !modifier {
            state.keyword = Some(token);
            state.macro_call = self
                .tokens
                .get(token + 1)
                .is_some_and(|t| t.kind == Kind::Punct(b'!'));
        }
    }

    fn keyword(&self, state: &ItemState) -> &'s str {
        state.keyword.map_or("", |k| self.text(k))
    }

    /// Whether the token at `token` starts an item that cannot be where it is, directly
    /// inside parentheses or brackets (`fn name`, `struct`, …; not a `fn(u8)` type, an
    /// `impl Trait` nor the `pub` of a tuple struct's field).
    fn is_misplaced_item(&self, token: usize) -> bool {
        if self.tokens[token].kind != Kind::Ident {
            return false;
        }
        match self.text(token) {
            "struct" | "enum" | "trait" | "mod" | "macro_rules" => true,
            "fn" => self
                .tokens
                .get(token + 1)
                .is_some_and(|t| t.kind == Kind::Ident),
            _ => false,
        }
    }

    /// Cuts the tokens `range` into chunks of one item each: an item ends with a `;` or
    /// with the `}` that closes its block at depth 0.
    ///
    /// When `recovering` (the tokens do not parse as they are), an item also ends before
    /// a line that starts a new item at column `indent` or less, and before an item that
    /// cannot be inside the parenthesis or bracket left open: the delimiters open at that
    /// point are taken as never closed.
    fn split(
        &self,
        range: Range<usize>,
        recovering: bool,
        indent: Option<usize>,
    ) -> Vec<Range<usize>> {
        let mut chunks = Vec::new();
        let mut start = range.start;
        let mut stack: Vec<u8> = Vec::new();
        let mut state = ItemState::default();
        for i in range.clone() {
            let token = self.tokens[i];
            if recovering && i > start && state.keyword.is_some() {
                let new_line = indent.is_some_and(|indent| {
                    token.first_on_line && token.column <= indent && self.is_item_start(i)
                });
                let misplaced =
                    matches!(stack.last(), Some(b'(' | b'[')) && self.is_misplaced_item(i);
                if new_line || misplaced {
                    chunks.push(start..i);
                    start = i;
                    stack.clear();
                    state = ItemState::default();
                }
            }
            if stack.is_empty() {
                self.observe(&mut state, i);
            }
            let ends = match token.kind {
                Kind::Open(c) => {
                    stack.push(c);
                    false
                }
                Kind::Close(c) => {
                    let open = match c {
                        b')' => b'(',
                        b']' => b'[',
                        _ => b'{',
                    };
                    // A closer that matches nothing open is ignored; one that matches an
                    // outer opener closes what is open inside it too.
                    if let Some(at) = stack.iter().rposition(|&o| o == open) {
                        stack.truncate(at);
                    }
                    stack.is_empty()
                        && match c {
                            // `m! { … };`: the `;` belongs to the macro.
                            b'}' => {
                                let macro_semicolon = state.macro_call
                                    && i + 1 < range.end
                                    && self.tokens[i + 1].kind == Kind::Punct(b';');
                                !(macro_semicolon
                                    || ENDS_WITH_SEMICOLON.contains(&self.keyword(&state)))
                            }
                            b']' => state.inner_attribute,
                            _ => false,
                        }
                }
                Kind::Punct(b';') => stack.is_empty(),
                Kind::InnerDoc => stack.is_empty() && i == start,
                _ => false,
            };
            if ends {
                chunks.push(start..i + 1);
                start = i + 1;
                state = ItemState::default();
            }
        }
        if start < range.end {
            chunks.push(start..range.end);
        }
        chunks
    }

    /// Recovers the items of the tokens `range`.
    fn region(&mut self, range: Range<usize>, level: &Level, nesting: u32) {
        for chunk in self.split(range, false, None) {
            self.chunk(chunk, level, nesting, true);
        }
    }

    /// The byte range of the tokens `chunk`.
    fn bytes(&self, chunk: &Range<usize>) -> Range<usize> {
        self.tokens[chunk.start].start..self.tokens[chunk.end - 1].end
    }

    fn chunk(&mut self, chunk: Range<usize>, level: &Level, nesting: u32, resplit: bool) {
        if chunk.is_empty() {
            return;
        }
        let bytes = self.bytes(&chunk);
        let Some(text) = self.src.get(bytes.clone()) else {
            return;
        };
        let Err(error) = self.parse_and_lower(text, bytes.start, level, nesting) else {
            return;
        };
        let first = self.tokens[chunk.start];
        if resplit {
            let indent = first.first_on_line.then_some(first.column);
            let parts = self.split(chunk.clone(), true, indent);
            if parts.len() > 1 {
                for part in parts {
                    self.chunk(part, level, nesting, false);
                }
                return;
            }
        }
        if matches!(level, Level::Items) && nesting < MAX_NESTING && self.open(&chunk, nesting) {
            return;
        }
        let adjacent = self.broken_until == Some(chunk.start);
        self.broken_until = Some(chunk.end);
        if adjacent {
            return;
        }
        // The line of the error, within the chunk.
        let at = bytes
            .start
            .saturating_add(error.span().byte_range().start)
            .clamp(bytes.start, bytes.end);
        let b = self.src.as_bytes();
        let line_start = b[bytes.start..at]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(bytes.start, |p| bytes.start + p + 1);
        let mut line_end = b[at..bytes.end]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(bytes.end, |p| at + p);
        if line_end > line_start && b[line_end - 1] == b'\r' {
            line_end -= 1;
        }
        let range = if line_end > line_start {
            line_start..line_end
        } else {
            bytes
        };
        self.lowerer.syntax_error(TextRange::from_usize(range));
    }

    /// Parses `text`, which starts at `base` in the file, as items of `level`, and lowers
    /// them if they parse.
    fn parse_and_lower(
        &mut self,
        text: &str,
        base: usize,
        level: &Level,
        nesting: u32,
    ) -> syn::Result<()> {
        match level {
            Level::Items => {
                let file = syn::parse_str::<syn::File>(text)?;
                self.lowerer.set_base(base);
                self.lowerer.set_depth(nesting);
                self.lowerer.items(&file.items);
            }
            Level::Impl { owner, self_ty } => {
                let members = members::<ImplItem>.parse_str(text)?;
                self.lowerer.set_base(base);
                self.lowerer.set_depth(nesting + 1);
                for member in &members {
                    self.lowerer.impl_member(member, owner, self_ty);
                }
            }
            Level::Trait { owner } => {
                let members = members::<TraitItem>.parse_str(text)?;
                self.lowerer.set_base(base);
                self.lowerer.set_depth(nesting + 1);
                for member in &members {
                    self.lowerer.trait_member(member, owner);
                }
            }
        }
        Ok(())
    }

    /// Opens a broken `impl`, `trait` or `mod` block: parses its header alone and
    /// recovers its members. Returns whether the chunk was such a block.
    fn open(&mut self, chunk: &Range<usize>, nesting: u32) -> bool {
        // The header ends at the first `{` outside attributes and parentheses.
        let mut state = ItemState::default();
        let mut brace = None;
        let mut depth = 0usize;
        for i in chunk.clone() {
            let kind = self.tokens[i].kind;
            if depth == 0 {
                if kind == Kind::Open(b'{') {
                    brace = Some(i);
                    break;
                }
                self.observe(&mut state, i);
            }
            match kind {
                Kind::Open(_) => depth += 1,
                Kind::Close(_) => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        let Some(brace) = brace else {
            return false;
        };
        if !matches!(self.keyword(&state), "impl" | "trait" | "mod") {
            return false;
        }
        let base = self.tokens[chunk.start].start;
        let Some(header) = self.src.get(base..self.tokens[brace].start) else {
            return false;
        };
        let Ok(item) = syn::parse_str::<Item>(&format!("{header}{{}}")) else {
            return false;
        };
        self.lowerer.set_base(base);
        let level = match &item {
            Item::Impl(imp) => {
                let (owner, self_ty) = self.lowerer.impl_context(imp);
                Level::Impl { owner, self_ty }
            }
            Item::Trait(t) => Level::Trait {
                owner: t.ident.to_string(),
            },
            Item::Mod(_) => Level::Items,
            _ => return false,
        };
        // The body ends with the `}` that closes the header's `{`, or with the chunk.
        let mut depth = 0usize;
        let mut end = chunk.end;
        for i in brace..chunk.end {
            match self.tokens[i].kind {
                Kind::Open(_) => depth += 1,
                Kind::Close(_) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let attrs = match &item {
            Item::Impl(imp) => &imp.attrs[..],
            Item::Mod(m) => &m.attrs[..],
            _ => &[],
        };
        if crate::lower::is_test_only(attrs) {
            // `#[cfg(test)] mod tests { … }`: all of it is test code, as when it parses.
            let last = end.min(chunk.end - 1);
            let bytes = self.tokens[chunk.start].start..self.tokens[last].end;
            self.lowerer.test_code(TextRange::from_usize(bytes));
        }
        self.region(brace + 1..end, &level, nesting + 1);
        true
    }
}

/// Parses the members of an `impl` or `trait` block, after its inner attributes.
fn members<T: syn::parse::Parse>(input: ParseStream) -> syn::Result<Vec<T>> {
    input.call(Attribute::parse_inner)?;
    let mut members = Vec::new();
    while !input.is_empty() {
        members.push(input.parse()?);
    }
    Ok(members)
}
