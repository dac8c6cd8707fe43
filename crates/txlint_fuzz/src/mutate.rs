//! The seed corpus and the structured mutations.
//!
//! Every input is a pure function of (corpus, target, seed, iteration): the driver can
//! regenerate the input a crashed worker was running from its iteration number alone.
//! Mutations work on `String`s at character boundaries, so inputs stay valid UTF-8 as
//! the binary requires of a source file; NUL bytes, lone CRs, byte-order marks and
//! multi-byte characters are inserted as characters.

use std::path::{Path, PathBuf};

use txlint_ir::Language;

use crate::targets::{Input, Target};

/// Inputs never grow past this.
pub const MAX_LEN: usize = 1 << 20;

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seeds of one target.
#[derive(Debug, Clone)]
pub struct Corpus {
    pub target: Target,
    pub seeds: Vec<Input>,
}

impl Corpus {
    /// The seeds of `target` from the repository at `root`: `fixtures/` for source
    /// files, `examples/*.toml` for configurations, and built-in seeds for all.
    pub fn load(root: &Path, target: Target) -> Corpus {
        let mut seeds = Vec::new();
        match target {
            Target::Go | Target::Python | Target::Rust | Target::Suppress => {
                let mut files = Vec::new();
                walk(&root.join("fixtures"), &mut files);
                files.sort();
                for path in files {
                    let Some(language) = path
                        .extension()
                        .and_then(|e| e.to_str())
                        .and_then(Language::from_extension)
                    else {
                        continue;
                    };
                    if target.language().is_some_and(|l| l != language) {
                        continue;
                    }
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        seeds.push(Input { language, text });
                    }
                }
                let languages = match target.language() {
                    Some(language) => vec![language],
                    None => vec![Language::Go, Language::Python, Language::Rust],
                };
                for language in languages {
                    for text in builtin_sources(language) {
                        seeds.push(Input {
                            language,
                            text: text.to_string(),
                        });
                    }
                }
            }
            Target::Config => {
                let mut files = Vec::new();
                walk(&root.join("examples"), &mut files);
                files.sort();
                for path in files {
                    if path.extension().is_some_and(|e| e == "toml") {
                        if let Ok(text) = std::fs::read_to_string(&path) {
                            seeds.push(config_input(text));
                        }
                    }
                }
                for text in CONFIG_SEEDS {
                    seeds.push(config_input(text.to_string()));
                }
            }
            Target::Baseline => {
                for text in BASELINE_SEEDS {
                    seeds.push(Input {
                        language: Language::Go,
                        text: text.to_string(),
                    });
                }
            }
        }
        Corpus { target, seeds }
    }

    /// The input of one iteration.
    pub fn generate(&self, seed: u64, iteration: u64) -> Input {
        let target_index = Target::ALL
            .iter()
            .position(|t| *t == self.target)
            .unwrap_or(0) as u64;
        let mut rng = Rng::new(
            seed.wrapping_mul(0x1000_0000_01B3)
                ^ iteration.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (target_index << 56),
        );
        // Warm up: nearby states give unrelated streams.
        rng.next_u64();
        rng.next_u64();
        let mut input = rng.pick(&self.seeds).clone();
        // Half the time a window of the seed: smaller inputs run faster.
        if rng.chance(50) {
            let starts = line_starts(&input.text);
            let first = rng.below(starts.len());
            let (start, end) = line_range(&starts, input.text.len(), first, 5 + rng.below(150));
            input.text = input.text[start..end].to_string();
        }
        let count = match rng.below(20) {
            0..=11 => 1,
            12..=16 => 2,
            _ => 3 + rng.below(3),
        };
        for _ in 0..count {
            mutate(&mut input, self, &mut rng);
        }
        if input.text.len() > MAX_LEN {
            let cut = floor_boundary(&input.text, MAX_LEN);
            input.text.truncate(cut);
        }
        input
    }
}

fn config_input(text: String) -> Input {
    Input {
        language: Language::Go,
        text,
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A random character boundary, `0..=len`.
fn boundary(text: &str, rng: &mut Rng) -> usize {
    floor_boundary(text, rng.below(text.len() + 1))
}

/// Byte offsets at which lines start (after `\n`).
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The byte range of lines `first..first + count` (clamped).
fn line_range(starts: &[usize], len: usize, first: usize, count: usize) -> (usize, usize) {
    let start = starts[first.min(starts.len() - 1)];
    let end = starts.get(first + count).copied().unwrap_or(len);
    (start, end.max(start))
}

/// Characters that break lexers.
const CHARS: &[char] = &[
    '(', ')', '{', '}', '[', ']', '"', '\'', '`', '#', '/', '*', '\\', ':', ';', ',', '.', '=',
    '\n', '\r', '\t', ' ', '\0', 'é', '─', '😀', '\u{feff}', '\u{2028}', '\u{85}', 'x', '0', '_',
    '$', '!', '?', '&', '|', '<', '>', '@', '%', '^', '~', '-', '+', 'r', 'b', 'f',
];

const WORDS: &[&str] = &[
    "tx",
    "db",
    "conn",
    "err",
    "Begin",
    "BeginTx",
    "Commit",
    "Rollback",
    "commit",
    "rollback",
    "begin",
    "transaction",
    "atomic",
    "defer",
    "return",
    "go",
    "func",
    "if",
    "else",
    "for",
    "with",
    "async",
    "await",
    "try",
    "except",
    "finally",
    "raise",
    "def",
    "class",
    "fn",
    "let",
    "mut",
    "match",
    "loop",
    "self",
    "Self",
    "None",
    "nil",
    "_",
    "é",
    "noqa",
    "nolint",
    "txlint",
    "pass",
    "yield",
    "lambda",
    "impl",
    "move",
    "panic",
    "recover",
    "select",
    "case",
];

const COMMON_SNIPPETS: &[&str] = &[
    "// ── x ──",
    "# café",
    "/* ",
    "*/",
    "\"",
    "'",
    "`",
    "\\",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "\u{feff}",
    "\0",
    "\r",
    "\r\n",
    "é",
    "😀",
    "\t",
    ";",
    ":",
    ",",
];

const GO_SNIPPETS: &[&str] = &[
    "// txlint: ignore[TX001] -- reason ─ é",
    "//nolint:txlint // why",
    "//nolint",
    "// noqa: TX001",
    "// noqa",
    "// txlint: ignore",
    "// txlint: ignore[",
    "// txlint: ignore[TX001, unended-transaction",
    "// txlint: ignore[TX999, é]",
    "//txlint:ignore[TX001]--",
    "// é noqa ─",
    "tx, err := db.Begin()\n",
    "tx, err := db.BeginTx(ctx, nil)\n",
    "defer tx.Rollback()\n",
    "if err := tx.Commit(); err != nil { return err }\n",
    "tx.Commit()\n",
    "return\n",
    "return nil\n",
    "panic(err)\n",
    "go func() {\n",
    "func f() {\n",
    "func (s *S) m(tx *sql.Tx) error {\n",
    "}\n",
    "for {\n",
    "select {\n",
    "switch x {\ncase 1:\n",
    "defer func() { recover() }()\n",
    "`raw ─ string // noqa`",
    "'é'",
    "\"str // not a comment\"",
    "db.SetMaxOpenConns(1)\n",
    "package main\n",
    "import \"database/sql\"\n",
    "goto L\nL:\n",
    "x := func() {",
    "if err != nil {\n",
    "tx = nil\n",
    "s.tx = tx\n",
];

const PYTHON_SNIPPETS: &[&str] = &[
    "# txlint: ignore[TX001] -- reason ─ é",
    "# noqa: TX001",
    "# noqa",
    "#noqa:TX001,TX002",
    "# nolint",
    "# txlint: ignore[",
    "# txlint: ignore",
    "# café noqa",
    "# ── x ── txlint",
    "with conn.transaction():\n",
    "    conn.commit()\n",
    "conn.rollback()\n",
    "tx = conn.begin()\n",
    "try:\n",
    "except Exception:\n    pass\n",
    "finally:\n",
    "raise\n",
    "return\n",
    "    return\n",
    "async with pool.acquire() as conn:\n",
    "async def f():\n",
    "def f():\n",
    "lambda: x",
    "\"\"\"doc ─ # noqa\"\"\"",
    "'''",
    "\"\"\"",
    "f\"{x}\"",
    "f'{x!r:>{w}}'",
    "\\\n",
    "    ",
    "if x:\n",
    "else:\n",
    "while True:\n",
    "yield\n",
    "@decorator\n",
    "class C:\n",
    "session.commit()\n",
    "cursor.execute(\"BEGIN\")\n",
    "with db.atomic():\n",
    "match x:\n    case 1:\n",
    "b'\\xff'",
    "r'\\'",
];

const RUST_SNIPPETS: &[&str] = &[
    "// txlint: ignore[TX001] -- reason ─ é",
    "//nolint",
    "// noqa",
    "// txlint: ignore[",
    "/* nested /* comment */ */",
    "/* unclosed /* nested */",
    "r#\"raw ─ \"# \"#",
    "r##\"",
    "b'x'",
    "'a",
    "'é'",
    "'\\u{1F600}'",
    "let tx = pool.begin().await?;\n",
    "tx.commit().await?;\n",
    "tx.rollback().await?;\n",
    "let mut tx = conn.transaction()?;\n",
    "drop(tx);\n",
    "return Ok(());\n",
    "fn f() {\n",
    "async fn f() -> Result<()> {\n",
    "}\n",
    "|| {",
    "async move {",
    "loop {\n",
    "match x {\n",
    "_ => {}\n",
    "macro_rules! m { () => {} }\n",
    "m!{ ( [ }\n",
    "impl T for S {\n",
    "?",
    "unsafe {",
    "#[cfg(test)]\n",
    "x as u32",
    "'label: loop {",
    "/// doc ─\n",
    "//! inner\n",
    "let _ = tx;\n",
    "std::mem::forget(tx);\n",
];

const CONFIG_SNIPPETS: &[&str] = &[
    "select = [\"TX0\"]\n",
    "select = [\"TX\", \"é\", \"\"]\n",
    "ignore = [\"TX001\"]\n",
    "extend = \"base.toml\"\n",
    "extend = \"txlint.toml\"\n",
    "extend = \"pyproject.toml\"\n",
    "extend = \"\"\n",
    "extend = \"missing/é.toml\"\n",
    "fail-on = \"warning\"\n",
    "fail-on = \"off\"\n",
    "[severity]\nTX001 = \"off\"\n",
    "[severity]\nrollback-not-deferred = \"note\"\n",
    "[per-file-ignores]\n\"**/*.go\" = [\"TX001\"]\n",
    "\"[\" = [\"TX001\"]\n",
    "exclude = [\"{a,b\"]\n",
    "exclude = [\"\", \"/\", \"..\", \"**\"]\n",
    "extend-exclude = [\"**/é/**\", \"../../x\"]\n",
    "[rules.rollback-not-deferred]\nstrict = true\n",
    "[[library]]\nname = \"ourdb\"\nlanguage = \"go\"\nimports = [\"example.com/ourdb\"]\ntx-types = [\"*ourdb.Tx\"]\n",
    "begin = [{ methods = [\"Start\"], results = \"tx-error\" }]\n",
    "commit = [{ methods = [\"\"] }]\n",
    "[tool.txlint]\n",
    "[tool]\n",
    "\"\"\"",
    "'''",
    "=",
    "[",
    "]",
    "{",
    "}",
    "\0",
    "# txlint",
    "\r\n",
];

const BASELINE_SNIPPETS: &[&str] = &[
    "\"TX001\"",
    "\"TX9\"",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"x\":",
    "4294967295",
    "4294967296",
    "-1",
    "1e9",
    "0.5",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"é\"",
    "null",
    "true",
    "\"version\": 1",
    "\"findings\": {}",
    "\"a.go\": {\"TX001\": {\"f\": 1}}",
];

const BUILTIN_GO: &[&str] = &[
    "",
    "package p\n",
    "package p\n\nimport \"database/sql\"\n\nfunc f(db *sql.DB) error {\n\ttx, err := db.Begin()\n\tif err != nil {\n\t\treturn err\n\t}\n\ttx.Exec(\"x\") // txlint: ignore[TX001] -- é\n\treturn tx.Commit() //nolint:txlint\n}\n",
];

const BUILTIN_PYTHON: &[&str] = &[
    "",
    "x = 1\n",
    "def f(conn):\n    conn.begin()  # noqa: TX001 ─ café\n    conn.execute('x')\n    conn.commit()  # txlint: ignore[TX002]\n",
];

const BUILTIN_RUST: &[&str] = &[
    "",
    "fn main() {}\n",
    "async fn f(pool: &sqlx::PgPool) -> sqlx::Result<()> {\n    let mut tx = pool.begin().await?; // txlint: ignore[TX001] -- é\n    sqlx::query(\"x\").execute(&mut *tx).await?;\n    tx.commit().await // noqa\n}\n",
];

fn builtin_sources(language: Language) -> &'static [&'static str] {
    match language {
        Language::Go => BUILTIN_GO,
        Language::Python => BUILTIN_PYTHON,
        Language::Rust => BUILTIN_RUST,
    }
}

const CONFIG_SEEDS: &[&str] = &[
    "",
    "select = [\"TX001\", \"unended-transaction\"]\nignore = [\"TX0\"]\nfail-on = \"error\"\n",
    "extend = \"base.toml\"\nexclude = [\"vendor\", \"*_gen.go\"]\n[severity]\nTX005 = \"error\"\n",
    "[project]\nname = \"x\"\n\n[tool.txlint]\nselect = [\"TX0\"]\n\n[tool.txlint.severity]\nTX001 = \"warning\"\n",
];

const BASELINE_SEEDS: &[&str] = &[
    "{\"version\": 1, \"findings\": {}}\n",
    "{\n  \"version\": 1,\n  \"findings\": {\n    \"pkg/a.go\": {\n      \"TX001\": {\n        \"0123456789abcdef\": 2\n      },\n      \"TX002\": {\n        \"fedcba9876543210\": 1\n      }\n    },\n    \"b.py\": {\n      \"TX005\": {\n        \"00\": 4294967295\n      }\n    }\n  }\n}\n",
    "{\"version\": 2, \"findings\": {}}",
    "{\"version\": 1, \"findings\": {\"é/ü.rs\": {\"unended-transaction\": {\"x\": 0}}}, \"extra\": 1}",
];

/// The snippets worth inserting into an input of this target and language.
fn snippets(target: Target, language: Language) -> &'static [&'static str] {
    match target {
        Target::Config => CONFIG_SNIPPETS,
        Target::Baseline => BASELINE_SNIPPETS,
        _ => match language {
            Language::Go => GO_SNIPPETS,
            Language::Python => PYTHON_SNIPPETS,
            Language::Rust => RUST_SNIPPETS,
        },
    }
}

fn insert_at_line(text: &mut String, rng: &mut Rng, block: &str) {
    let starts = line_starts(text);
    let at = *rng.pick(&starts);
    let mut block = block.to_string();
    if !block.ends_with('\n') {
        block.push('\n');
    }
    text.insert_str(at, &block);
}

fn mutate(input: &mut Input, corpus: &Corpus, rng: &mut Rng) {
    let language = input.language;
    let text = &mut input.text;
    // Weights out of 100; the expensive shapes (deep, long, repeated) are rare so that
    // most inputs stay quick to run.
    match rng.below(100) {
        // A character replaced: an interesting one, or an ASCII bit flip.
        0..=13 => {
            let at = boundary(text, rng);
            let Some(old) = text[at..].chars().next() else {
                text.push(*rng.pick(CHARS));
                return;
            };
            let new = if old.is_ascii() && rng.chance(40) {
                let flipped = (old as u8) ^ (1 << rng.below(7));
                flipped as char
            } else {
                *rng.pick(CHARS)
            };
            text.replace_range(at..at + old.len_utf8(), new.encode_utf8(&mut [0; 4]));
        }
        // A character inserted.
        14..=20 => {
            let at = boundary(text, rng);
            text.insert(at, *rng.pick(CHARS));
        }
        // A token deleted: a run of word characters, or one other character.
        21..=32 => {
            let at = boundary(text, rng);
            let rest = &text[at..];
            let Some(first) = rest.chars().next() else {
                return;
            };
            let word = |c: char| c.is_alphanumeric() || c == '_';
            let len = if word(first) {
                rest.find(|c: char| !word(c)).unwrap_or(rest.len())
            } else {
                first.len_utf8()
            };
            text.replace_range(at..at + len, "");
        }
        // Lines deleted.
        33..=39 => {
            let starts = line_starts(text);
            let first = rng.below(starts.len());
            let (start, end) = line_range(&starts, text.len(), first, 1 + rng.below(4));
            text.replace_range(start..end, "");
        }
        // Lines duplicated elsewhere.
        40..=46 => {
            let starts = line_starts(text);
            let first = rng.below(starts.len());
            let (start, end) = line_range(&starts, text.len(), first, 1 + rng.below(6));
            let block = text[start..end].to_string();
            let at = *rng.pick(&starts);
            text.insert_str(at, &block);
        }
        // Lines of another seed spliced in.
        47..=55 => {
            let same: Vec<&Input> = corpus
                .seeds
                .iter()
                .filter(|s| s.language == language)
                .collect();
            let other = &rng.pick(&same).text;
            let starts = line_starts(other);
            let first = rng.below(starts.len());
            let (start, end) = line_range(&starts, other.len(), first, 1 + rng.below(30));
            let block = other[start..end].to_string();
            let at = *rng.pick(&line_starts(text));
            text.insert_str(at, &block);
        }
        // A tricky snippet, within a line or as lines of their own.
        56..=74 => {
            let snippet = if rng.chance(30) {
                *rng.pick(COMMON_SNIPPETS)
            } else {
                *rng.pick(snippets(corpus.target, language))
            };
            if rng.chance(50) {
                let at = boundary(text, rng);
                text.insert_str(at, snippet);
            } else {
                insert_at_line(text, rng, snippet);
            }
        }
        // Line endings: CRLF or CR-only, everywhere or on one line.
        75..=78 => {
            let ending = if rng.chance(50) { "\r\n" } else { "\r" };
            if rng.chance(50) {
                *text = text.replace('\n', ending);
            } else if let Some((at, _)) = text.match_indices('\n').nth(rng.below(64)) {
                text.replace_range(at..at + 1, ending);
            }
        }
        // Deep nesting.
        79 | 80 => {
            let block = deep(corpus.target, language, rng);
            insert_at_line(text, rng, &block);
        }
        // A very long line.
        81 | 82 => {
            let block = long_line(corpus.target, language, rng);
            if rng.chance(50) {
                insert_at_line(text, rng, &block);
            } else {
                let at = boundary(text, rng);
                text.insert_str(at, &block);
            }
        }
        // One line repeated many times (many statements, many early returns).
        83 => {
            let starts = line_starts(text);
            let first = rng.below(starts.len());
            let (start, end) = line_range(&starts, text.len(), first, 1);
            let mut line = text[start..end].to_string();
            if !line.ends_with('\n') {
                line.push('\n');
            }
            let times = *rng.pick(&[10, 100, 1000, 3000]);
            let times = times.min(MAX_LEN / 2 / line.len().max(1));
            let block = line.repeat(times);
            text.insert_str(end.min(text.len()), &block);
        }
        // Truncated.
        84..=86 => {
            let at = boundary(text, rng);
            text.truncate(at);
        }
        // Two lines swapped.
        87..=90 => {
            let starts = line_starts(text);
            if starts.len() < 3 {
                return;
            }
            let a = rng.below(starts.len() - 1);
            let b = rng.below(starts.len() - 1);
            let (a, b) = (a.min(b), a.max(b));
            if a == b {
                return;
            }
            let (a0, a1) = line_range(&starts, text.len(), a, 1);
            let (b0, b1) = line_range(&starts, text.len(), b, 1);
            let swapped = format!("{}{}{}", &text[b0..b1], &text[a1..b0], &text[a0..a1]);
            text.replace_range(a0..b1, &swapped);
        }
        // A word replaced by another.
        91..=96 => {
            let at = boundary(text, rng);
            let rest = &text[at..];
            let word = |c: char| c.is_alphanumeric() || c == '_';
            let Some(start) = rest.find(word) else {
                return;
            };
            let len = rest[start..]
                .find(|c: char| !word(c))
                .unwrap_or(rest.len() - start);
            let replacement = *rng.pick(WORDS);
            text.replace_range(at + start..at + start + len, replacement);
        }
        // All on one line, or a NUL byte.
        _ => {
            if rng.chance(50) {
                let joiner = match language {
                    Language::Go => "; ",
                    _ => " ",
                };
                *text = text.replace('\n', joiner);
            } else {
                let at = boundary(text, rng);
                text.insert(at, '\0');
            }
        }
    }
}

/// A deeply nested construct, balanced or not.
fn deep(target: Target, language: Language, rng: &mut Rng) -> String {
    let depth = *rng.pick(&[20, 100, 300, 1000, 2000]);
    let balanced = rng.chance(70);
    let close = |s: &str| {
        if balanced {
            s.repeat(depth)
        } else {
            String::new()
        }
    };
    match target {
        Target::Config => format!("x = {}1{}", "[".repeat(depth), close("]")),
        Target::Baseline => {
            format!(
                "{{\"version\": 1, \"findings\": {}{}}}",
                "[".repeat(depth),
                close("]")
            )
        }
        _ => match (language, rng.below(4)) {
            (Language::Go, 0) => format!(
                "func f() {{\n{}\ttx.Commit()\n{}}}",
                "if x {\n".repeat(depth),
                close("}\n")
            ),
            (Language::Go, 1) => format!("var x = {}tx.Commit(){}", "f(".repeat(depth), close(")")),
            (Language::Go, 2) => format!(
                "func f() {{ {}tx.Rollback() {} }}",
                "func() {".repeat(depth),
                close("}()")
            ),
            (Language::Go, _) => format!("var x = {}1{}", "[]int{".repeat(depth), close("}")),
            (Language::Python, 0) => {
                let depth = depth.min(400);
                let mut block = String::from("def f(conn):\n");
                for level in 1..=depth {
                    block.push_str(&" ".repeat(level));
                    block.push_str(if level % 2 == 0 {
                        "if x:\n"
                    } else {
                        "with conn.transaction():\n"
                    });
                }
                block.push_str(&" ".repeat(depth + 1));
                block.push_str("conn.commit()\n");
                block
            }
            (Language::Python, 1) => {
                format!("x = {}conn.commit(){}", "f(".repeat(depth), close(")"))
            }
            (Language::Python, 2) => format!("x = {}1{}", "[".repeat(depth), close("]")),
            (Language::Python, _) => format!("x = {}conn.rollback()", "lambda: ".repeat(depth)),
            (Language::Rust, 0) => format!(
                "fn f() {{ {}tx.commit(); {} }}",
                "{ ".repeat(depth),
                close("} ")
            ),
            (Language::Rust, 1) => format!(
                "fn f() {{ let x = {}tx.commit(){}; }}",
                "Some(".repeat(depth),
                close(")")
            ),
            (Language::Rust, 2) => format!(
                "async fn f() {{ {}tx.rollback().await; {} }}",
                "if x { async { ".repeat(depth),
                close("} } ")
            ),
            (Language::Rust, _) => {
                format!("fn f() {{ let x = {}1{}; }}", "[".repeat(depth), close("]"))
            }
        },
    }
}

/// One very long line.
fn long_line(target: Target, language: Language, rng: &mut Rng) -> String {
    let n = *rng.pick(&[300, 1000, 3000, 10_000]);
    let comment = match language {
        Language::Python => "#",
        _ => "//",
    };
    match (target, rng.below(6)) {
        (Target::Config, _) => format!("select = [{}\"TX001\"]", "\"TX0\", ".repeat(n)),
        (Target::Baseline, _) => format!("\"{}\"", "é".repeat(n)),
        (_, 0) => format!("x = a{}", " + a".repeat(n)),
        (_, 1) => format!("x = conn{}", ".m()".repeat(n)),
        (_, 2) => format!("x = \"{}\"", "é─".repeat(n)),
        (_, 3) => format!("{comment} {}", "── é ".repeat(n)),
        (_, 4) => format!("{comment} txlint: ignore[{}TX001]", "TX001, ".repeat(n)),
        (_, _) => match language {
            Language::Go => format!("func f() {{ {}}}", "tx.Commit(); ".repeat(n)),
            Language::Python => format!("def f(conn): {}", "conn.commit(); ".repeat(n)),
            Language::Rust => format!("fn f() {{ {}}}", "tx.commit(); ".repeat(n)),
        },
    }
}
