//! Transaction control sent as SQL text: which statements of a string begin, commit or
//! roll back a transaction, or set, release or roll back to a savepoint. Language-neutral:
//! front-ends hand over the text of a string literal (`"BEGIN"`, `"BEGIN; …; COMMIT;"`,
//! `f"SAVEPOINT {name}"`) and each language's rules decide what the statements do to the
//! connection they run on.
//!
//! The reading is lexical and forgiving: statements are split at `;` outside string
//! literals, quoted identifiers, dollar quotes (`$$ … $$`, `$tag$ … $tag$`) and comments
//! (`-- …`, nested `/* … */`), and outside the `BEGIN … END` bodies of `CREATE TRIGGER` /
//! `CREATE PROCEDURE` statements; each statement is classified by its first words,
//! case-insensitively, in the dialects of PostgreSQL, MySQL, SQLite and SQL Server.
//! Placeholders of the host language (`{name}`, `%s`, `%(name)s`) stand for one word.
//! Anything that is not transaction control (including `BEGIN … END` blocks such as
//! `BEGIN TRY`, and two-phase `COMMIT PREPARED`) is [`Control::Other`].

use std::ops::Range;

/// What one SQL statement does to the session's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// `BEGIN [WORK | TRANSACTION | TRAN | DEFERRED | IMMEDIATE | EXCLUSIVE | modes…]`,
    /// `START TRANSACTION …`.
    Begin,
    /// `COMMIT [WORK | TRANSACTION]`, `END [WORK | TRANSACTION]`, and PostgreSQL's
    /// `PREPARE TRANSACTION 'id'`, which also ends the session's transaction.
    /// `COMMIT AND CHAIN` is a `Commit` followed by a `Begin`.
    Commit,
    /// `ROLLBACK [WORK | TRANSACTION]`, `ABORT [WORK | TRANSACTION]`. `ROLLBACK AND CHAIN`
    /// is a `Rollback` followed by a `Begin`.
    Rollback,
    /// `SAVEPOINT name` (SQL Server: `SAVE TRANSACTION name`), with the name as written
    /// (quotes removed; a placeholder such as `{name}` or `%s` kept as is).
    Savepoint(String),
    /// `RELEASE [SAVEPOINT] name`.
    Release(String),
    /// `ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name`: undoes the work since the
    /// savepoint and clears a failed statement's error, without ending the transaction.
    RollbackTo(String),
    /// Any other statement.
    Other,
}

impl Control {
    /// Whether the statement ends the transaction (commit or rollback).
    pub fn ends(&self) -> bool {
        matches!(self, Control::Commit | Control::Rollback)
    }

    /// Whether the statement is transaction control of any kind.
    pub fn is_control(&self) -> bool {
        *self != Control::Other
    }
}

/// One statement of a SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub control: Control,
    /// Byte range of the statement in the text, from its first word to its last,
    /// without the `;`.
    pub range: Range<usize>,
}

/// The statements of a SQL text, in order; empty statements (`;;`, only comments) are
/// left out. A chaining end (`COMMIT AND CHAIN`) gives two statements with one range.
pub fn statements(sql: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    for (range, words) in split(sql) {
        for control in classify(&words) {
            out.push(Statement {
                control,
                range: range.clone(),
            });
        }
    }
    out
}

/// The transaction control of a SQL text, statement by statement, other statements left
/// out.
pub fn controls(sql: &str) -> Vec<Control> {
    statements(sql)
        .into_iter()
        .map(|s| s.control)
        .filter(Control::is_control)
        .collect()
}

/// Whether every statement of a text reads or locks no table: `SET …`, `SHOW …`, or a
/// `SELECT` without `FROM` (`SELECT VERSION()`). On MySQL such statements leave InnoDB
/// without a transaction of the session (no snapshot, no locks), autocommit or not. A text
/// with no statement, or any other, is `false`.
pub fn touches_no_table(sql: &str) -> bool {
    let statements = split(sql);
    !statements.is_empty()
        && statements.iter().all(|(range, words)| {
            let first = match words.first() {
                Some((Word::Bare(word), _)) => word.as_str(),
                _ => return false,
            };
            let has_from = sql[range.clone()]
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .any(|word| word.eq_ignore_ascii_case("from"));
            match first {
                "SET" | "SHOW" => true,
                "SELECT" => !has_from,
                _ => false,
            }
        })
}

/// The savepoint a text sets outside any transaction of its own and leaves set: on SQLite a
/// `SAVEPOINT` with no transaction open begins one, which only `RELEASE` of that savepoint,
/// `COMMIT` or `ROLLBACK` ends; `ROLLBACK TO` keeps it open. `None` for a text that begins
/// with `BEGIN` (a raw begin) or ends what it set.
pub fn outermost_savepoint(sql: &str) -> Option<String> {
    let mut open: Option<String> = None;
    for control in controls(sql) {
        match control {
            Control::Begin => return None,
            Control::Savepoint(name) if open.is_none() => open = Some(name),
            Control::Release(name) if open.as_ref().is_some_and(|o| same_name(o, &name)) => {
                open = None;
            }
            Control::Commit | Control::Rollback => open = None,
            _ => {}
        }
    }
    open
}

/// Whether a text releases the savepoint `name` (or ends the whole transaction) before
/// setting it again.
pub fn releases(sql: &str, name: &str) -> bool {
    for control in controls(sql) {
        match control {
            Control::Release(released) if same_name(&released, name) => return true,
            Control::Commit | Control::Rollback => return true,
            Control::Savepoint(set) if same_name(&set, name) => return false,
            _ => {}
        }
    }
    false
}

/// Savepoint names compare as SQL identifiers do, without regard to case.
fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// What running a whole SQL text does to the session's transaction, read in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Effect {
    /// The text ends the transaction that was open when it started: a `COMMIT` or
    /// `ROLLBACK` comes before any `BEGIN` of its own. `Some(true)` for a commit.
    pub ends_open: Option<bool>,
    /// The text begins a transaction that is still open when it finishes.
    pub leaves_open: bool,
    /// The text begins a transaction (open at its end or not).
    pub begins: bool,
    /// The text rolls back to a savepoint, or rolls back, before any `BEGIN` of its own:
    /// a failed statement's error no longer blocks the session.
    pub recovers: bool,
    /// The text sets a savepoint.
    pub savepoint: bool,
    /// The text has statements and all of them are transaction control.
    pub only_control: bool,
    /// The last `BEGIN`, `COMMIT` or `ROLLBACK` of the text is an end: whatever was open
    /// before it or began in it, no transaction is open when the text finishes
    /// (`"BEGIN; …; COMMIT;"`, also after a driver's own implicit `BEGIN`).
    pub closes: bool,
}

/// The [`Effect`] of a SQL text.
pub fn effect(sql: &str) -> Effect {
    let statements = statements(sql);
    let mut effect = Effect {
        only_control: !statements.is_empty(),
        ..Effect::default()
    };
    let mut own_open = false;
    for statement in &statements {
        match &statement.control {
            Control::Begin => {
                own_open = true;
                effect.begins = true;
                effect.closes = false;
            }
            Control::Commit | Control::Rollback => {
                effect.closes = true;
                let committed = statement.control == Control::Commit;
                if own_open {
                    own_open = false;
                } else if !effect.begins && effect.ends_open.is_none() {
                    effect.ends_open = Some(committed);
                    effect.recovers |= !committed;
                }
            }
            Control::RollbackTo(_) => {
                if !effect.begins {
                    effect.recovers = true;
                }
            }
            Control::Savepoint(_) => effect.savepoint = true,
            Control::Release(_) => {}
            Control::Other => effect.only_control = false,
        }
    }
    effect.leaves_open = own_open;
    effect
}

/// A word of a statement: its uppercased text, or a placeholder / quoted name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Word {
    /// A bare word, uppercased.
    Bare(String),
    /// A quoted identifier or a string literal, unquoted.
    Quoted(String),
    /// A host-language placeholder: `{name}`, `%s`, `%(name)s`, `?`, `:name`, `$1`.
    Placeholder(String),
}

impl Word {
    fn is(&self, keyword: &str) -> bool {
        matches!(self, Word::Bare(w) if w == keyword)
    }

    fn name(&self) -> String {
        match self {
            Word::Bare(w) | Word::Quoted(w) | Word::Placeholder(w) => w.clone(),
        }
    }
}

/// Classifies one statement by its first words.
fn classify(words: &[(Word, String)]) -> Vec<Control> {
    let upper: Vec<&Word> = words.iter().map(|(w, _)| w).collect();
    let raw_name = |index: usize| -> String {
        words
            .get(index)
            .map_or_else(String::new, |(word, raw)| match word {
                Word::Bare(_) => raw.clone(),
                other => other.name(),
            })
    };
    let first = match upper.first() {
        Some(Word::Bare(w)) => w.as_str(),
        _ => return vec![Control::Other],
    };
    let second = upper.get(1).copied();
    let is_any = |word: Option<&Word>, options: &[&str]| {
        word.is_some_and(|w| options.iter().any(|o| w.is(o)))
    };
    let chained = |control: Control, from: usize| -> Vec<Control> {
        // `AND CHAIN` starts the next transaction at once; `AND NO CHAIN` does not.
        let rest = &upper[from.min(upper.len())..];
        let chain = rest.windows(2).any(|w| w[0].is("AND") && w[1].is("CHAIN"));
        if chain {
            vec![control, Control::Begin]
        } else {
            vec![control]
        }
    };
    match first {
        "BEGIN" => {
            const MODES: &[&str] = &[
                "WORK",
                "TRANSACTION",
                "TRAN",
                "DEFERRED",
                "IMMEDIATE",
                "EXCLUSIVE",
                "ISOLATION",
                "READ",
                "DEFERRABLE",
                "NOT",
                "DISTRIBUTED",
            ];
            match second {
                None | Some(Word::Placeholder(_)) => vec![Control::Begin],
                Some(word) if is_any(Some(word), MODES) => vec![Control::Begin],
                // `BEGIN TRY`, `BEGIN ATOMIC`, a procedural block.
                Some(_) => vec![Control::Other],
            }
        }
        "START" if is_any(second, &["TRANSACTION"]) => vec![Control::Begin],
        "COMMIT" => match second {
            None => vec![Control::Commit],
            Some(word) if is_any(Some(word), &["PREPARED"]) => vec![Control::Other],
            Some(word)
                if is_any(
                    Some(word),
                    &["WORK", "TRANSACTION", "TRAN", "AND", "RELEASE", "NO"],
                ) =>
            {
                chained(Control::Commit, 1)
            }
            Some(_) => vec![Control::Commit],
        },
        "END" => match second {
            None => vec![Control::Commit],
            Some(word) if is_any(Some(word), &["WORK", "TRANSACTION", "TRAN"]) => {
                vec![Control::Commit]
            }
            // `END IF`, `END LOOP`, the end of a block.
            Some(_) => vec![Control::Other],
        },
        "ABORT" => match second {
            None => vec![Control::Rollback],
            Some(word) if is_any(Some(word), &["WORK", "TRANSACTION"]) => vec![Control::Rollback],
            Some(_) => vec![Control::Other],
        },
        "ROLLBACK" => {
            if is_any(second, &["PREPARED"]) {
                return vec![Control::Other];
            }
            let mut index = 1;
            if is_any(upper.get(index).copied(), &["WORK", "TRANSACTION", "TRAN"]) {
                index += 1;
            }
            if is_any(upper.get(index).copied(), &["TO"]) {
                index += 1;
                if is_any(upper.get(index).copied(), &["SAVEPOINT"]) {
                    index += 1;
                }
                return vec![Control::RollbackTo(raw_name(index))];
            }
            chained(Control::Rollback, index)
        }
        "SAVEPOINT" if second.is_some() => vec![Control::Savepoint(raw_name(1))],
        // SQL Server: `SAVE TRAN[SACTION] name`.
        "SAVE" if is_any(second, &["TRANSACTION", "TRAN"]) && upper.len() > 2 => {
            vec![Control::Savepoint(raw_name(2))]
        }
        "RELEASE" => {
            let index = if is_any(second, &["SAVEPOINT"]) { 2 } else { 1 };
            if upper.len() > index {
                vec![Control::Release(raw_name(index))]
            } else {
                vec![Control::Other]
            }
        }
        "PREPARE" if is_any(second, &["TRANSACTION"]) => vec![Control::Commit],
        _ => vec![Control::Other],
    }
}

/// Statements of a text: each one's range and its first words.
type Split = Vec<(Range<usize>, Vec<(Word, String)>)>;

/// Splits a text into statements, each with its range and its words (the word, and its
/// text as written). Only the first few words of a statement are kept: they decide.
fn split(sql: &str) -> Split {
    const KEPT_WORDS: usize = 6;
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut words: Vec<(Word, String)> = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    // `CREATE TRIGGER … BEGIN … END`: `;` inside the body does not end the statement.
    let mut is_create = false;
    let mut block_depth = 0usize;
    let mut i = 0;
    fn finish(
        start: &mut Option<usize>,
        end: usize,
        words: &mut Vec<(Word, String)>,
        out: &mut Split,
    ) {
        if let Some(s) = start.take() {
            out.push((s..end, std::mem::take(words)));
        }
        words.clear();
    }
    while i < bytes.len() {
        let b = bytes[i];
        let token_start = i;
        let mut word: Option<Word> = None;
        match b {
            b';' => {
                if is_create && block_depth > 0 {
                    i += 1;
                    end = i;
                    continue;
                }
                finish(&mut start, end, &mut words, &mut out);
                is_create = false;
                block_depth = 0;
                i += 1;
                continue;
            }
            _ if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            // A backslash escape of the host language's literal (`\n`, `\t`).
            b'\\' => {
                i += 1;
                if i < bytes.len() {
                    i += char_len(sql, i);
                }
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'\'' | b'"' | b'`' => {
                let escapes =
                    b == b'\'' && token_start > 0 && matches!(bytes[token_start - 1], b'E' | b'e');
                let (content, next) = quoted(sql, i, b, escapes);
                i = next;
                word = Some(Word::Quoted(content));
            }
            b'$' => {
                if let Some(next) = dollar_quote_end(bytes, i) {
                    i = next;
                    word = Some(Word::Quoted(String::new()));
                } else {
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                    word = Some(Word::Placeholder(sql[token_start..i].to_string()));
                }
            }
            b'{' => {
                let mut depth = 0usize;
                while i < bytes.len() {
                    match bytes[i] {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                word = Some(Word::Placeholder(sql[token_start..i].to_string()));
            }
            b'%' => {
                i += 1;
                if bytes.get(i) == Some(&b'(') {
                    while i < bytes.len() && bytes[i] != b')' {
                        i += 1;
                    }
                    i += 1;
                }
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                word = Some(Word::Placeholder(
                    sql[token_start..i.min(sql.len())].to_string(),
                ));
            }
            b'?' => {
                i += 1;
                word = Some(Word::Placeholder("?".into()));
            }
            _ if is_word_byte(b) => {
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                word = Some(Word::Bare(sql[token_start..i].to_ascii_uppercase()));
            }
            _ => {
                // An operator or punctuation: part of the statement, not a word.
                i += char_len(sql, i);
            }
        }
        i = i.min(bytes.len());
        if start.is_none() {
            start = Some(token_start);
            is_create = matches!(&word, Some(w) if w.is("CREATE"));
        }
        end = i;
        if let Some(word) = word {
            if is_create {
                if word.is("BEGIN") || word.is("CASE") {
                    block_depth += 1;
                } else if word.is("END") {
                    block_depth = block_depth.saturating_sub(1);
                }
            }
            if words.len() < KEPT_WORDS {
                words.push((word, sql[token_start..i].to_string()));
            }
        }
    }
    finish(&mut start, end, &mut words, &mut out);
    out
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The length of the character starting at byte `i`.
fn char_len(text: &str, i: usize) -> usize {
    text[i..].chars().next().map_or(1, char::len_utf8)
}

/// A quoted token starting at `i` with quote `q`: its content and the index after it.
/// A doubled quote is a quote; with `escapes` (`E'…'`) a backslash escapes the next byte.
/// An unterminated token runs to the end of the text.
fn quoted(text: &str, i: usize, q: u8, escapes: bool) -> (String, usize) {
    let bytes = text.as_bytes();
    let mut j = i + 1;
    let mut content = Vec::new();
    while j < bytes.len() {
        let b = bytes[j];
        if escapes && b == b'\\' && j + 1 < bytes.len() {
            content.push(bytes[j + 1]);
            j += 2;
            continue;
        }
        if b == q {
            if bytes.get(j + 1) == Some(&q) {
                content.push(q);
                j += 2;
                continue;
            }
            return (String::from_utf8_lossy(&content).into_owned(), j + 1);
        }
        content.push(b);
        j += 1;
    }
    (String::from_utf8_lossy(&content).into_owned(), bytes.len())
}

/// Where a dollar-quoted string starting at `i` (`$$…$$`, `$tag$…$tag$`) ends, if `i`
/// starts one.
fn dollar_quote_end(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
        return None; // `$1`: a parameter.
    }
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
        j += 1;
    }
    if bytes.get(j) != Some(&b'$') {
        return None;
    }
    let tag = &bytes[i..=j];
    let body = j + 1;
    let mut k = body;
    while k + tag.len() <= bytes.len() {
        if &bytes[k..k + tag.len()] == tag {
            return Some(k + tag.len());
        }
        k += 1;
    }
    Some(bytes.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_savepoint_outside_a_transaction_is_the_outermost_until_released() {
        assert_eq!(outermost_savepoint("SAVEPOINT batch"), Some("batch".into()));
        assert_eq!(
            outermost_savepoint("savepoint \"Batch\"; insert into t values (1)"),
            Some("Batch".into())
        );
        assert_eq!(outermost_savepoint("BEGIN; SAVEPOINT batch"), None);
        assert_eq!(outermost_savepoint("SAVEPOINT a; RELEASE a"), None);
        assert_eq!(
            outermost_savepoint("SAVEPOINT a; ROLLBACK TO a"),
            Some("a".into())
        );
        assert_eq!(outermost_savepoint("RELEASE a"), None);
        assert!(releases("RELEASE SAVEPOINT batch", "BATCH"));
        assert!(releases("ROLLBACK", "batch"));
        assert!(!releases("ROLLBACK TO batch", "batch"));
        assert!(!releases("RELEASE other", "batch"));
        assert!(!releases("SAVEPOINT batch; RELEASE batch", "batch"));
    }

    use super::*;

    fn kinds(sql: &str) -> Vec<Control> {
        statements(sql).into_iter().map(|s| s.control).collect()
    }

    #[test]
    fn single_statements_of_each_dialect() {
        for begin in [
            "BEGIN",
            "begin;",
            "  Begin Transaction ",
            "BEGIN WORK",
            "BEGIN IMMEDIATE",
            "BEGIN EXCLUSIVE TRANSACTION",
            "BEGIN ISOLATION LEVEL SERIALIZABLE",
            "BEGIN READ ONLY",
            "START TRANSACTION WITH CONSISTENT SNAPSHOT",
            "BEGIN TRAN",
            "begin %s;",
            "BEGIN {mode}",
        ] {
            assert_eq!(kinds(begin), vec![Control::Begin], "{begin}");
        }
        for commit in [
            "COMMIT",
            "commit;",
            "COMMIT WORK",
            "END",
            "end transaction",
            "COMMIT TRAN",
        ] {
            assert_eq!(kinds(commit), vec![Control::Commit], "{commit}");
        }
        assert_eq!(kinds("PREPARE TRANSACTION 'tx-1'"), vec![Control::Commit]);
        for rollback in [
            "ROLLBACK",
            "rollback;",
            "ROLLBACK WORK",
            "ABORT",
            "abort transaction",
        ] {
            assert_eq!(kinds(rollback), vec![Control::Rollback], "{rollback}");
        }
        assert_eq!(
            kinds("SAVEPOINT sp1"),
            vec![Control::Savepoint("sp1".into())]
        );
        assert_eq!(
            kinds("SAVEPOINT \"my point\";"),
            vec![Control::Savepoint("my point".into())]
        );
        assert_eq!(
            kinds("SAVE TRANSACTION before_import"),
            vec![Control::Savepoint("before_import".into())]
        );
        assert_eq!(kinds("RELEASE sp1"), vec![Control::Release("sp1".into())]);
        assert_eq!(
            kinds("RELEASE SAVEPOINT {name};"),
            vec![Control::Release("{name}".into())]
        );
        assert_eq!(
            kinds("ROLLBACK TO SAVEPOINT sp1"),
            vec![Control::RollbackTo("sp1".into())]
        );
        assert_eq!(
            kinds("rollback transaction to `sp2`"),
            vec![Control::RollbackTo("sp2".into())]
        );
        assert_eq!(
            kinds("ROLLBACK TO sp1"),
            vec![Control::RollbackTo("sp1".into())]
        );
    }

    #[test]
    fn chaining_ends_begin_again() {
        assert_eq!(
            kinds("COMMIT AND CHAIN"),
            vec![Control::Commit, Control::Begin]
        );
        assert_eq!(kinds("COMMIT AND NO CHAIN"), vec![Control::Commit]);
        assert_eq!(
            kinds("ROLLBACK WORK AND CHAIN"),
            vec![Control::Rollback, Control::Begin]
        );
    }

    #[test]
    fn other_statements_and_blocks_are_not_control() {
        for other in [
            "SELECT 1",
            "INSERT INTO t VALUES ('BEGIN')",
            "UPDATE t SET state = 'commit'",
            "BEGIN TRY SELECT 1 END TRY",
            "BEGIN ATOMIC",
            "END IF",
            "END LOOP",
            "COMMIT PREPARED 'tx-1'",
            "ROLLBACK PREPARED 'tx-1'",
            "START REPLICA",
            "RELEASE",
            "SAVEPOINT",
            "DO $$BEGIN PERFORM 1; END$$",
            "committed_at",
        ] {
            assert!(
                controls(other).is_empty(),
                "{other}: {:?}",
                statements(other)
            );
        }
    }

    #[test]
    fn several_statements_in_one_string() {
        assert_eq!(
            kinds("BEGIN; INSERT INTO t VALUES (1); COMMIT;"),
            vec![Control::Begin, Control::Other, Control::Commit]
        );
        assert_eq!(
            kinds("begin;\nupdate t set x = 1;\nend;"),
            vec![Control::Begin, Control::Other, Control::Commit]
        );
        // A host-language escape between statements is not a word.
        assert_eq!(
            kinds(r"BEGIN;\nDELETE FROM t;\nCOMMIT"),
            vec![Control::Begin, Control::Other, Control::Commit]
        );
        assert_eq!(kinds(";; ;"), vec![]);
        let text = "SELECT 1; COMMIT";
        let parts = statements(text);
        assert_eq!(&text[parts[0].range.clone()], "SELECT 1");
        assert_eq!(&text[parts[1].range.clone()], "COMMIT");
    }

    #[test]
    fn comments_strings_and_quotes_are_skipped() {
        assert_eq!(kinds("-- BEGIN\nSELECT 1"), vec![Control::Other]);
        assert_eq!(
            kinds("/* outer /* COMMIT; */ still comment */ ROLLBACK"),
            vec![Control::Rollback]
        );
        assert_eq!(
            kinds("INSERT INTO t VALUES ('a;b'); COMMIT"),
            vec![Control::Other, Control::Commit]
        );
        assert_eq!(
            kinds("INSERT INTO t VALUES ('it''s; fine'); COMMIT"),
            vec![Control::Other, Control::Commit]
        );
        assert_eq!(
            kinds("INSERT INTO t VALUES (E'a\\'; b'); COMMIT"),
            vec![Control::Other, Control::Commit]
        );
        assert_eq!(
            kinds("SELECT \"x;y\" FROM t; END"),
            vec![Control::Other, Control::Commit]
        );
        assert_eq!(
            kinds("CREATE FUNCTION f() RETURNS void AS $body$ BEGIN; COMMIT; END $body$ LANGUAGE plpgsql; BEGIN"),
            vec![Control::Other, Control::Begin]
        );
        assert_eq!(
            kinds("SELECT $1; ROLLBACK"),
            vec![Control::Other, Control::Rollback]
        );
    }

    #[test]
    fn trigger_bodies_are_one_statement() {
        let sql = "CREATE TRIGGER audit AFTER INSERT ON t BEGIN \
                   INSERT INTO log VALUES (new.id); \
                   UPDATE counts SET n = CASE WHEN n IS NULL THEN 1 ELSE n + 1 END; \
                   END; COMMIT";
        assert_eq!(kinds(sql), vec![Control::Other, Control::Commit]);
    }

    #[test]
    fn effect_of_a_whole_text() {
        let e = effect("BEGIN");
        assert!(e.begins && e.leaves_open && e.only_control);
        assert_eq!(e.ends_open, None);

        let e = effect("BEGIN; INSERT INTO t VALUES (1); COMMIT;");
        assert!(e.begins && !e.leaves_open && !e.only_control);
        assert_eq!(e.ends_open, None);

        let e = effect("COMMIT; BEGIN");
        assert_eq!(e.ends_open, Some(true));
        assert!(e.leaves_open);

        let e = effect("ROLLBACK");
        assert_eq!(e.ends_open, Some(false));
        assert!(e.recovers && e.only_control);

        let e = effect("ROLLBACK TO SAVEPOINT a; RELEASE SAVEPOINT a");
        assert!(e.recovers && e.ends_open.is_none() && e.only_control);

        let e = effect("SAVEPOINT a");
        assert!(e.savepoint && !e.begins);

        let e = effect("SELECT 1");
        assert_eq!(e, Effect::default());
        assert_eq!(effect(""), Effect::default());
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in [
            "'",
            "\"",
            "$$",
            "$a$ unterminated",
            "/* open",
            "{",
            "%(",
            "\\",
            "é; BEGIN",
            "BEGIN; é",
        ] {
            let _ = statements(text);
            let _ = effect(text);
        }
        assert_eq!(kinds("é; BEGIN"), vec![Control::Other, Control::Begin]);
    }

    #[test]
    fn statements_that_touch_no_table() {
        for sql in [
            "SET NAMES utf8mb4",
            "set session sql_mode = 'ANSI'; SET autocommit = 0",
            "SHOW MASTER STATUS",
            "SELECT VERSION()",
            "select @@GLOBAL.read_only",
        ] {
            assert!(touches_no_table(sql), "{sql}");
        }
        for sql in [
            "",
            "SELECT id FROM users",
            "SELECT count(*)\nfrom orders WHERE paid",
            "SET NAMES utf8mb4; SELECT * FROM t",
            "UPDATE t SET a = 1",
            "%s",
        ] {
            assert!(!touches_no_table(sql), "{sql}");
        }
    }
}
