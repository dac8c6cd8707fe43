//! The project index: what each file's functions do to the resources handed to them,
//! gathered over every file of the project and resolved to a fixed point, so that a
//! helper in another file (or package, or module) counts like one in the file itself.
//!
//! Phase 1 computes each file's exports (the summaries of its top-level functions) from
//! its IR and the index so far; phase 2 repeats that until no export changes. Every
//! summary is a set of facts that only ever grows (a parameter that is ended stays ended)
//! and the facts are finite, so the iteration ends; a cap guards against a bug of ours.
//!
//! Where a file sits — its project root and its unit (a Go package's import path, a
//! Python module's dotted name) — is decided by the binary, which alone sees the file
//! system: [`locate`] does it with the file system behind a trait.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use txlint_ir::ir::{Callee, FileIr, FunctionKind, Operand};
use txlint_ir::Language;

use crate::models::Models;
use crate::semantics::go::wrapping::WrapParts;
use crate::semantics::python::{Handed, HandedTo, Kind, PyFacts, PySummary};
use crate::semantics::rust::summary::RustSummary;
use crate::semantics::typed::facts::FileFacts;
use crate::semantics::typed::transactions::{FileSummaries, Summary};
use crate::settings::Settings;

/// Where a file sits in its project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Place {
    /// The project root: the directory of a Go module's `go.mod`, the directory above a
    /// Python file's outermost package. Units resolve only within one root.
    pub root: String,
    /// Go: the package's import path (`example.com/svc/store`). Python: the module's
    /// dotted name (`app.db`; a package's `__init__.py` is `app.__init__`). Rust: the
    /// module's path in its crate (`crate::db`; `crate` for `lib.rs` and `main.rs`).
    pub unit: String,
    /// Python: how many directories above the root an absolute import may be found in
    /// (namespace packages), up to the project's own directory (see
    /// [`namespace_levels`]). Zero elsewhere.
    pub namespace_levels: usize,
}

impl Place {
    /// The key the unit's exports are filed under: a package's `__init__` is the package.
    fn unit_key(&self) -> &str {
        self.unit.strip_suffix(".__init__").unwrap_or(&self.unit)
    }

    /// The unit of this file: a Go external test package (`package store_test`) is a
    /// package of its own beside the one of its directory.
    fn own_unit(&self, file: &FileIr) -> String {
        let external_test = file.language == Language::Go
            && file
                .package
                .as_deref()
                .is_some_and(|p| p.ends_with("_test"));
        if external_test {
            format!("{}_test", self.unit_key())
        } else {
            self.unit_key().to_string()
        }
    }
}

/// What [`locate`] needs to know of the file system.
pub trait ProjectFs {
    fn is_file(&self, path: &Path) -> bool;
    fn read_to_string(&self, path: &Path) -> Option<String>;
}

/// The place of a source file (an absolute path), found from the files around it. A
/// Go file without a `go.mod` above it is its directory's package; a Python file outside
/// any package is a top-level module of its own directory.
pub fn locate(language: Language, path: &Path, fs: &dyn ProjectFs) -> Option<Place> {
    let directory = path.parent()?;
    match language {
        Language::Go => {
            for ancestor in directory.ancestors() {
                let manifest = ancestor.join("go.mod");
                if !fs.is_file(&manifest) {
                    continue;
                }
                let module = fs
                    .read_to_string(&manifest)
                    .and_then(|text| module_path(&text))?;
                let relative = directory.strip_prefix(ancestor).ok()?;
                let mut unit = module;
                for component in relative.components() {
                    unit.push('/');
                    unit.push_str(&component.as_os_str().to_string_lossy());
                }
                return Some(Place {
                    root: ancestor.to_string_lossy().into_owned(),
                    unit,
                    namespace_levels: 0,
                });
            }
            let dir = directory.to_string_lossy().into_owned();
            Some(Place {
                root: dir.clone(),
                unit: dir,
                namespace_levels: 0,
            })
        }
        Language::Python => {
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            let mut parts = vec![stem];
            let mut root: PathBuf = directory.to_path_buf();
            while fs.is_file(&root.join("__init__.py")) {
                let Some(name) = root.file_name() else { break };
                parts.push(name.to_string_lossy().into_owned());
                let Some(parent) = root.parent() else { break };
                root = parent.to_path_buf();
            }
            parts.reverse();
            Some(Place {
                root: root.to_string_lossy().into_owned(),
                unit: parts.join("."),
                namespace_levels: namespace_levels(&root, fs),
            })
        }
        Language::Rust => locate_rust(path, fs),
    }
}

/// A Rust file's crate and module: the crate is the directory of the nearest
/// `Cargo.toml`, its modules the files under `src/` (`src/db.rs` and `src/db/mod.rs` are
/// `crate::db`). A binary of `src/bin/` is a crate of its own, and so is a file outside
/// `src/` (a test, an example), which then sees only itself.
fn locate_rust(path: &Path, fs: &dyn ProjectFs) -> Option<Place> {
    let directory = path.parent()?;
    let manifest_dir = directory
        .ancestors()
        .find(|a| fs.is_file(&a.join("Cargo.toml")))?;
    let src = manifest_dir.join("src");
    let Ok(relative) = path.strip_prefix(&src) else {
        return Some(Place {
            root: path.to_string_lossy().into_owned(),
            unit: "crate".to_string(),
            namespace_levels: 0,
        });
    };
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let mut root = src.clone();
    // `src/bin/x.rs` and `src/bin/x/main.rs` are the roots of the binary `x`.
    if parts.first().map(String::as_str) == Some("bin") && parts.len() >= 2 {
        parts.remove(0);
        let name = parts.remove(0);
        let stem = name.strip_suffix(".rs").unwrap_or(&name).to_string();
        root = src.join("bin").join(&stem);
        if parts.is_empty() {
            parts.push("main.rs".to_string());
        }
    }
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    let mut unit = vec!["crate".to_string()];
    unit.extend(parts);
    // `lib.rs`/`main.rs` at the top are the crate itself; `mod.rs` is its directory.
    let crate_root = unit.len() == 1 && matches!(stem, "lib" | "main");
    if stem != "mod" && !crate_root {
        unit.push(stem.to_string());
    }
    Some(Place {
        root: root.to_string_lossy().into_owned(),
        unit: unit.join("::"),
        namespace_levels: 0,
    })
}

/// The module path a `go.mod` declares.
fn module_path(go_mod: &str) -> Option<String> {
    go_mod.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("module")?;
        let path = rest.trim().trim_matches('"');
        (!path.is_empty() && rest.starts_with(char::is_whitespace)).then(|| path.to_string())
    })
}

/// Where the files a file's summaries may need live, outside the files named on the
/// command line: a finding must not depend on which files were named.
pub fn context_of(file: &FileIr, place: &Place, fs: &dyn ProjectFs) -> Vec<PathBuf> {
    let root = Path::new(&place.root);
    let mut wanted = Vec::new();
    match file.language {
        // Directories: the file's own package and the module's packages it imports.
        Language::Go => {
            let module = fs
                .read_to_string(&root.join("go.mod"))
                .and_then(|text| module_path(&text));
            let Some(module) = module else {
                wanted.push(PathBuf::from(&place.unit));
                return wanted;
            };
            let own = place.unit.as_str();
            for path in std::iter::once(own).chain(file.imports.iter().map(|i| i.path.as_str())) {
                if path == module {
                    wanted.push(root.to_path_buf());
                } else if let Some(rest) = path.strip_prefix(&format!("{module}/")) {
                    wanted.push(root.join(rest));
                }
            }
        }
        // Files: the project modules it imports (a name may be a module or a name in one).
        Language::Python => {
            let index = ProjectIndex::default();
            let view = index.view(Some(place));
            for import in &file.imports {
                let Some(absolute) = view.absolute_module(&import.path) else {
                    continue;
                };
                let parent = absolute.rsplit_once('.').map(|(m, _)| m.to_string());
                let modules: Vec<String> = std::iter::once(absolute).chain(parent).collect();
                // Under the root, else (an absolute import of namespace packages) under
                // the nearest directory above it that has the module, not above the
                // project's own directory.
                let absolute_import = !import.path.starts_with('.');
                let directories = std::iter::once(root).chain(root.ancestors().skip(1).take(
                    if absolute_import {
                        place.namespace_levels
                    } else {
                        0
                    },
                ));
                let mut found = false;
                for directory in directories {
                    for module in &modules {
                        let relative: PathBuf = module.split('.').collect();
                        for candidate in [
                            directory.join(&relative).with_extension("py"),
                            directory.join(&relative).join("__init__.py"),
                        ] {
                            if fs.is_file(&candidate) {
                                wanted.push(candidate);
                                found = true;
                            }
                        }
                    }
                    if found {
                        break;
                    }
                }
            }
        }
        // Files: the modules of the crate whose functions it calls (`db::f(…)`).
        Language::Rust => wanted = rust_module_files(file, place, fs, true),
    }
    wanted
}

/// The files of the other modules of a Rust file's crate whose functions its calls name,
/// and with `imported`, of the modules it imports from (`use crate::db;`).
fn rust_module_files(
    file: &FileIr,
    place: &Place,
    fs: &dyn ProjectFs,
    imported: bool,
) -> Vec<PathBuf> {
    let mut wanted = Vec::new();
    let Some(src) = rust_src_dir(place) else {
        return wanted;
    };
    let mut modules: BTreeSet<String> = BTreeSet::new();
    if imported {
        for import in &file.imports {
            if let Some(module) = rust_absolute(place, &import.path, None) {
                if let Some((parent, _)) = module.rsplit_once("::") {
                    modules.insert(parent.to_string());
                }
                modules.insert(module);
            }
        }
    }
    for function in &file.functions {
        for call in &function.calls {
            let Callee::Path(path) = &call.callee else {
                continue;
            };
            if let Some((unit, _)) = rust_target(file, place, path) {
                modules.insert(unit);
            }
        }
    }
    modules.remove(&place.unit);
    for module in modules {
        let Some(rest) = module.strip_prefix("crate::") else {
            continue;
        };
        let relative: PathBuf = rest.split("::").collect();
        for candidate in [
            src.join(&relative).with_extension("rs"),
            src.join(&relative).join("mod.rs"),
        ] {
            if fs.is_file(&candidate) {
                wanted.push(candidate);
            }
        }
    }
    wanted
}

/// The directory a Rust crate's module paths start from (`src`, or `src/bin/x`).
fn rust_src_dir(place: &Place) -> Option<PathBuf> {
    let root = Path::new(&place.root);
    (root.is_absolute() && !place.root.ends_with(".rs")).then(|| root.to_path_buf())
}

/// A path as written in a Rust module, made absolute within its crate (`crate::db::f`):
/// `crate::…`, `self::…`, `super::…`, or through a name the file imports (`db::f` after
/// `use crate::db;`, or after `mod db;`, which the front-end records as `use self::db;`).
/// `None` for a path into another crate, or one that starts with a local name.
fn rust_absolute(place: &Place, path: &str, file: Option<&FileIr>) -> Option<String> {
    let mut segments: Vec<&str> = path.split("::").collect();
    let own: Vec<&str> = place.unit.split("::").collect();
    let mut base: Vec<String> = match *segments.first()? {
        "crate" => {
            segments.remove(0);
            vec!["crate".to_string()]
        }
        "self" => {
            segments.remove(0);
            own.iter().map(|s| s.to_string()).collect()
        }
        "super" => {
            let mut base: Vec<String> = own.iter().map(|s| s.to_string()).collect();
            while segments.first() == Some(&"super") {
                segments.remove(0);
                if base.len() <= 1 {
                    return None;
                }
                base.pop();
            }
            base
        }
        first => match file.and_then(|f| f.import_named(first)) {
            Some(import) => {
                // The import's path, itself resolved (`use super::db;`), also through a
                // module the file declares (`mod store; use store::Store;`), one step.
                let head = import.path.split("::").next().unwrap_or_default();
                let resolved = if in_crate_path(&import.path) {
                    rust_absolute(place, &import.path, None)?
                } else if head != first && imported_from_crate(file?, head) {
                    rust_absolute(place, &import.path, file)?
                } else {
                    return None;
                };
                segments.remove(0);
                resolved.split("::").map(str::to_string).collect()
            }
            None => return None,
        },
    };
    base.extend(segments.iter().map(|s| s.to_string()));
    Some(base.join("::"))
}

fn in_crate_path(path: &str) -> bool {
    path.starts_with("crate::") || path.starts_with("self::") || path.starts_with("super::")
}

/// Whether `name` is imported from the crate itself: `mod store;` (`self::store`), `use
/// crate::db;`.
fn imported_from_crate(file: &FileIr, name: &str) -> bool {
    file.import_named(name)
        .is_some_and(|import| in_crate_path(&import.path))
}

/// The module and name of the crate's function a call path names, if any: `db::begin`
/// → (`crate::db`, `begin`); `begin` imported with `use crate::db::begin;` likewise. A
/// single name not imported is the file's own, not looked up here.
fn rust_target(file: &FileIr, place: &Place, path: &[String]) -> Option<(String, String)> {
    // Most paths name another crate (`String::from`, `sqlx::query`): told apart before
    // anything is built.
    let first = path.first()?;
    let relative = matches!(first.as_str(), "crate" | "self" | "super") && path.len() > 1;
    let imported = file.import_named(first).is_some_and(|import| {
        let head = import.path.split("::").next().unwrap_or_default();
        in_crate_path(&import.path) || (head != first && imported_from_crate(file, head))
    });
    if !relative && !imported {
        return None;
    }
    let absolute = rust_absolute(place, &path.join("::"), Some(file))?;
    let (unit, name) = absolute.rsplit_once("::")?;
    Some((unit.to_string(), name.to_string()))
}

/// A file of the project, lowered.
pub struct ProjectFile<'a> {
    /// Names the file across the indexes of a growing project.
    pub id: usize,
    /// The file's IR, or only its declarations (see [`FileIr::declarations`]) when its
    /// functions were set aside to bound memory: then the resolution lowers the file again
    /// each time it computes the file's exports.
    pub ir: &'a FileIr,
    pub place: Option<&'a Place>,
    pub set_aside: Option<SetAside<'a>>,
}

/// A file whose functions were set aside: the skeleton computed from its whole IR before,
/// until an index holds the file (a growing project's next resolution starts from that
/// index, so the skeleton can go).
#[derive(Clone, Copy)]
pub struct SetAside<'a> {
    pub skeleton: Option<&'a Skeleton>,
}

/// What a file offers the project before any of its summaries is computed: its
/// functions, saying nothing yet (see [`Skeleton::of`]).
/// Shared with the index's round 0, which starts from it.
pub struct Skeleton(Arc<Exports>);

impl Skeleton {
    /// The skeleton of a lowered file, kept when its IR is not.
    pub fn of(ir: &FileIr, settings: &Settings) -> Skeleton {
        Skeleton(Arc::new(skeleton(ir, settings)))
    }
}

/// A file's exports computed in one round, the facts found on the way (not kept for a
/// file set aside) and the entries it looked up.
type Computed = (Exports, Option<Precomputed>, Lookups);

/// Lowers a file set aside again, by its [`ProjectFile::id`] (`None`: it can no longer be
/// read). The binary's: the rules never touch the file system.
pub type Relower<'a> = &'a (dyn Fn(usize) -> Option<FileIr> + Sync);

/// The summaries a unit offers to the other files of the project.
#[derive(Debug, Clone, Default, PartialEq)]
struct Exports {
    // Summaries are boxed: a map's node makes room for eleven values, and most files
    // have a few functions.
    go: BTreeMap<String, Box<Summary>>,
    /// Go methods by their short name, each with its receiver's type (`Store` for
    /// `(*Store).Save`): a call `x.name(…)` is resolved to the method of `x`'s declared
    /// type, or, when that is not known, to the package's only method of that name.
    go_methods: BTreeMap<String, Vec<(String, Summary)>>,
    python: BTreeMap<String, Box<PySummary>>,
    /// Go: the unit's transaction wrapper types, in parts (see [`WrapParts`]).
    go_wrapping: WrapParts,
    /// Go: the unit's package-level database handles (see `handle_globals_of`).
    go_handle_globals: BTreeSet<String>,
    /// Go: the unit's struct fields, each with the import path its type's qualifier names
    /// when that is a modelled library's (see [`ProjectView::with_package_fields`]).
    go_fields: Vec<(txlint_ir::ir::FieldDecl, Option<String>)>,
    /// Rust: the free functions of a module.
    rust: BTreeMap<String, RustSummary>,
    /// Python: the long-lived connections this unit hands to classes of the project when
    /// it makes their instances (`Store(config.conn)`). A fact about the class's module,
    /// gathered from every unit (see [`ProjectIndex::python_handed`]).
    python_handed: Vec<Handed>,
    /// Python: this unit's calls of other modules' functions that hand a failure back as
    /// a value (see [`PySummary::fails_as_value`]), and whether each drops the value. A
    /// fact about the callee's module (see [`ProjectIndex::python_callers`]).
    python_calls: Vec<CallOf>,
}

/// A call of another module's function: the module (its key), the entry, and whether the
/// call throws the result away.
#[derive(Debug, Clone, PartialEq)]
struct CallOf {
    module: UnitKey,
    entry: String,
    dropped: bool,
}

/// How the project's modules call one function of another module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Callers {
    /// Calls found.
    pub calls: usize,
    /// Of those, the ones that throw the result away (a call made a statement of its own).
    pub dropped: usize,
}

impl Exports {
    fn add_go(&mut self, function: &txlint_ir::ir::Function, summary: Summary) {
        match function.kind {
            FunctionKind::Method => {
                let (owner, short) = function
                    .name
                    .rsplit_once('.')
                    .unwrap_or(("", &function.name));
                // Most names have one method: a first push would make room for four.
                self.go_methods
                    .entry(short.to_string())
                    .or_insert_with(|| Vec::with_capacity(1))
                    .push((bare_go_type(owner).to_string(), summary));
            }
            _ => {
                self.go.insert(function.name.clone(), Box::new(summary));
            }
        }
    }

    /// Two files of one unit: a Go package's files never define a name twice; for a
    /// Python module (one file) the later definition wins, as at run time.
    fn merge(&mut self, other: Exports) {
        self.go.extend(other.go);
        for (name, mut summaries) in other.go_methods {
            self.go_methods
                .entry(name)
                .or_default()
                .append(&mut summaries);
        }
        self.python.extend(other.python);
        self.go_wrapping.merge(&other.go_wrapping);
        self.go_handle_globals.extend(other.go_handle_globals);
        self.go_fields.extend(other.go_fields);
        self.rust.extend(other.rust);
        self.python_handed.extend(other.python_handed);
        self.python_calls.extend(other.python_calls);
    }
}

/// The exports of every unit of the project, resolved to a fixed point.
#[derive(Default)]
pub struct ProjectIndex {
    /// Shared with `files` for a unit of one file (a Python or Rust module), and with the
    /// round before for a unit none of whose files was computed again.
    units: Units,
    /// Each file's exports, by [`ProjectFile::id`], for [`ProjectIndex::resolve_from`].
    files: HashMap<usize, Arc<Exports>>,
    /// The entries each file looked up, by id, for [`ProjectIndex::resolve_from`].
    lookups: HashMap<usize, Lookups>,
    /// The facts each file's last computation found, by id: computed with the final
    /// exports of every unit the file sees, so its check can take them as they are.
    precomputed: std::sync::Mutex<HashMap<usize, Precomputed>>,
    /// Each unit's digest, made on first use: every file of a package depends on all of
    /// it, and hashing its exports once per file made the digests quadratic.
    unit_digests: std::sync::Mutex<HashMap<UnitKey, u64>>,
    /// By the module of the class: the long-lived connections the units hand to its
    /// classes' constructors, gathered from every unit's exports.
    python_handed: HandedByModule,
    /// By module and entry: how the units call that module's functions that hand a
    /// failure back as a value, gathered from every unit's exports.
    python_callers: HashMap<UnitKey, BTreeMap<String, Callers>>,
    /// The Python modules by the names they have above their roots (see
    /// [`namespace_aliases`]).
    python_aliases: HashMap<UnitKey, UnitKey>,
    /// By Rust crate (its root): the methods its own types define, each with the types
    /// that define it (`transaction` → `TimelineState` for `impl TimelineState { fn
    /// transaction(&mut self) … }`). Which functions exist never changes between rounds
    /// (see the skeletons).
    rust_methods: HashMap<String, HashMap<String, BTreeSet<String>>>,
    /// Every name a Python module of the index has, under its root or above it.
    python_names: std::collections::HashSet<String>,
    /// How many rounds the fixed point took (for `-v` and the tests).
    pub rounds: usize,
    /// How many file summaries were computed over all rounds (for `-v`).
    pub computed: usize,
}

/// Rounds beyond the number of files: a chain of helpers, one a file, settles one file a
/// round, so a fixed point needs at most one round per file plus a few. Reaching the cap
/// is a bug of ours (summaries that do not only grow), and the index is then used as it
/// stands (summaries only miss facts, never invent them).
const EXTRA_ROUNDS: usize = 64;

impl ProjectIndex {
    /// The digest of one unit's exports (see [`ProjectView::digest`]).
    fn unit_digest(&self, key: &UnitKey) -> Option<u64> {
        let exports = self.units.get(key)?;
        let mut known = self.unit_digests.lock().unwrap_or_else(|e| e.into_inner());
        let digest = known.entry(key.clone()).or_insert_with(|| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            format!("{exports:?}").hash(&mut hasher);
            hasher.finish()
        });
        Some(*digest)
    }

    /// The digest of every module of a Rust crate, made on first use.
    fn crate_digest(&self, root: &str) -> u64 {
        let key = (root.to_string(), String::new());
        let mut known = self.unit_digests.lock().unwrap_or_else(|e| e.into_inner());
        *known.entry(key).or_insert_with(|| {
            let mut units: Vec<(&UnitKey, &Arc<Exports>)> =
                self.units.iter().filter(|(k, _)| k.0 == root).collect();
            units.sort_by(|a, b| a.0.cmp(b.0));
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for (key, exports) in units {
                key.hash(&mut hasher);
                format!("{exports:?}").hash(&mut hasher);
            }
            hasher.finish()
        })
    }

    /// The index of these files' exports, each file's computed with the index of the
    /// round before until a round changes nothing. After the first round, only files
    /// that see a unit whose exports changed are computed again.
    pub fn resolve(files: &[ProjectFile], settings: &Settings) -> ProjectIndex {
        ProjectIndex::resolve_from(files, settings, None, &|_| None)
    }

    /// [`ProjectIndex::resolve`] for a project that has grown since `previous` was
    /// resolved (files are only ever added, and each keeps its [`ProjectFile::id`]): facts
    /// only grow when files are added, so the previous fixed point is a sound start, and
    /// only the new files and those that see a unit that changed are computed again.
    pub fn resolve_from(
        files: &[ProjectFile],
        settings: &Settings,
        previous: Option<ProjectIndex>,
        relower: Relower,
    ) -> ProjectIndex {
        let mut previous = previous.unwrap_or_default();
        let mut precomputed = std::mem::take(previous.precomputed.get_mut().expect("not poisoned"));
        let located: Vec<&ProjectFile> = files.iter().filter(|f| f.place.is_some()).collect();
        // Round 0: every exported function, saying nothing yet (or what it said in the
        // previous index). Which functions exist never changes, so after the first real
        // round only the files that looked up an entry that changed are computed again.
        let skeletons: Vec<Option<Arc<Exports>>> = located
            .par_iter()
            .with_max_len(1)
            .map(|file| {
                if previous.files.contains_key(&file.id) {
                    return None;
                }
                let relowered;
                let whole = match file.set_aside {
                    None => Ok(file.ir),
                    Some(SetAside {
                        skeleton: Some(skeleton),
                    }) => Err(skeleton),
                    Some(SetAside { skeleton: None }) => {
                        relowered = relower(file.id);
                        Ok(relowered.as_ref().unwrap_or(file.ir))
                    }
                };
                Some(match whole {
                    Ok(ir) => Arc::new(skeleton(ir, settings)),
                    Err(skeleton) => Arc::clone(&skeleton.0),
                })
            })
            .collect();
        let mut dirty: Vec<bool> = Vec::with_capacity(located.len());
        let mut exports: Vec<Arc<Exports>> = Vec::with_capacity(located.len());
        let mut logs: Vec<Lookups> = Vec::with_capacity(located.len());
        for (file, skeleton) in located.iter().zip(skeletons) {
            // A file of the previous index keeps what it said there.
            let known = match skeleton {
                Some(_) => None,
                None => previous.files.get(&file.id),
            };
            match (known, skeleton) {
                (Some(known), _) => {
                    exports.push(known.clone());
                    logs.push(previous.lookups.remove(&file.id).unwrap_or_default());
                    dirty.push(false);
                }
                (None, skeleton) => {
                    exports.push(skeleton.unwrap_or_default());
                    logs.push(Lookups::default());
                    dirty.push(true);
                }
            }
        }
        let members = unit_members(&located);
        let units = merge_units(&members, &exports, None);
        let mut aliases_of: HashMap<UnitKey, Vec<UnitKey>> = HashMap::new();
        for file in located.iter().filter(|f| f.ir.language == Language::Python) {
            let place = file.place.expect("located files have a place");
            let key = (place.root.clone(), place.unit_key().to_string());
            aliases_of
                .entry(key.clone())
                .or_insert_with(|| namespace_aliases(&key));
        }
        let mut index = ProjectIndex {
            python_handed: handed_by_module(&units),
            python_callers: callers_by_module(&units),
            rust_methods: methods_by_crate(&units),
            python_aliases: aliases_of
                .iter()
                .flat_map(|(key, aliases)| aliases.iter().map(move |a| (a.clone(), key.clone())))
                .collect(),
            python_names: aliases_of
                .iter()
                .flat_map(|(key, aliases)| std::iter::once(key).chain(aliases))
                .map(|(_, name)| name.clone())
                .collect(),
            units,
            ..ProjectIndex::default()
        };
        // A changed module is also changed under the names it has above its root, and
        // under each of its names whatever the root (see `ProjectView::python_lookup`).
        let with_aliases = |changed: BTreeSet<EntryKey>| -> Changed {
            let mut all = HashSet::with_capacity_and_hasher(changed.len(), Default::default());
            for (key, entry) in changed {
                all.insert(entry_hash(&key.0, &key.1, &entry));
                let Some(aliases) = aliases_of.get(&key) else {
                    continue;
                };
                for name in std::iter::once(&key).chain(aliases) {
                    all.insert(entry_hash(&name.0, &name.1, &entry));
                    all.insert(entry_hash(ANY_ROOT, &name.1, &entry));
                }
            }
            Changed(all)
        };
        let changed = with_aliases(changed_entries(
            (&previous.units, &index.units),
            (&previous.python_handed, &index.python_handed),
        ));
        dirty
            .par_iter_mut()
            .zip(&logs)
            .for_each(|(dirty, log)| *dirty |= changed.meets(log));
        let max_rounds = located.len() + EXTRA_ROUNDS;
        while index.rounds < max_rounds && dirty.iter().any(|d| *d) {
            index.rounds += 1;
            index.computed += dirty.iter().filter(|d| **d).count();
            // A job a file: the files to compute may sit together, and cost a thousand
            // times as much as one another.
            let fresh: Vec<Option<Computed>> = located
                .par_iter()
                .with_max_len(1)
                .zip(&dirty)
                .map(|(file, dirty)| {
                    if !dirty {
                        return None;
                    }
                    // A file set aside is lowered again, and its facts not kept: its check
                    // lowers it once more and computes them then.
                    let lowered = file.set_aside.and_then(|_| relower(file.id));
                    let ir = match (&lowered, file.set_aside) {
                        (Some(ir), _) => ir,
                        (None, None) => file.ir,
                        (None, Some(_)) => return None,
                    };
                    let log = RefCell::new(Vec::new());
                    let view = ProjectView {
                        index: &index,
                        place: file.place,
                        log: Some(&log),
                    };
                    let (exports, facts) = exports_of(ir, settings, &view);
                    let facts = file.set_aside.is_none().then_some(facts);
                    Some((exports, facts, Lookups::from(log.into_inner())))
                })
                .collect();
            for (((slot, fresh), file), log) in exports
                .iter_mut()
                .zip(fresh)
                .zip(&located)
                .zip(logs.iter_mut())
            {
                if let Some((fresh, facts, looked_up)) = fresh {
                    *slot = Arc::new(fresh);
                    *log = looked_up;
                    match facts {
                        Some(facts) => precomputed.insert(file.id, facts),
                        None => precomputed.remove(&file.id),
                    };
                }
            }
            let units = merge_units(&members, &exports, Some((&index.units, &dirty)));
            let handed = handed_by_module(&units);
            let changed = with_aliases(changed_entries(
                (&index.units, &units),
                (&index.python_handed, &handed),
            ));
            dirty = logs.par_iter().map(|log| changed.meets(log)).collect();
            index.python_handed = handed;
            index.python_callers = callers_by_module(&units);
            index.rust_methods = methods_by_crate(&units);
            index.units = units;
        }
        index.lookups = located.iter().map(|f| f.id).zip(logs).collect();
        // A file dirty at the start but never computed (the cap) has no facts to reuse.
        index.files = located.iter().map(|f| f.id).zip(exports).collect();
        index.precomputed = std::sync::Mutex::new(precomputed);
        index
    }

    /// Whether any module hands a long-lived connection to a class's constructor (see
    /// [`ProjectView::is_handed_connections`]).
    pub fn hands_python_connections(&self) -> bool {
        self.python_handed
            .values()
            .flatten()
            .any(|handed| handed.life == crate::semantics::python::HandedLife::LongLived)
    }

    /// The facts computed for a file while resolving the index (once: they move out).
    pub fn take_precomputed(&self, id: usize) -> Option<Precomputed> {
        self.precomputed.lock().ok()?.remove(&id)
    }

    /// The view of the index from one file.
    pub fn view<'a>(&'a self, place: Option<&'a Place>) -> ProjectView<'a> {
        ProjectView {
            index: self,
            place,
            log: None,
        }
    }
}

type UnitKey = (String, String);

/// The exports of each unit.
type Units = HashMap<UnitKey, Arc<Exports>, foldhash::fast::RandomState>;

/// The files of each unit, by their index among the located files.
type Members = Vec<(UnitKey, Vec<usize>)>;

fn unit_members(files: &[&ProjectFile]) -> Members {
    let mut members: HashMap<UnitKey, Vec<usize>> = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        let place = file.place.expect("located files have a place");
        members
            .entry((place.root.clone(), place.own_unit(file.ir)))
            .or_default()
            .push(index);
    }
    members.into_iter().collect()
}

/// The exports of each unit: those of its files together. A unit of one file shares its
/// file's exports; with the units of the round before and which files that round computed,
/// a unit none of whose files was computed keeps its exports as they were.
fn merge_units(
    members: &Members,
    exports: &[Arc<Exports>],
    before: Option<(&Units, &[bool])>,
) -> Units {
    members
        .par_iter()
        .map(|(unit, indexes)| {
            let unchanged = before.and_then(|(units, computed)| {
                let fresh = indexes.iter().any(|&i| computed[i]);
                units.get(unit).filter(|_| !fresh)
            });
            let merged = match (unchanged, indexes.as_slice()) {
                (Some(kept), _) => Arc::clone(kept),
                (None, [only]) => Arc::clone(&exports[*only]),
                (None, _) => {
                    let mut merged = Exports::default();
                    for &i in indexes {
                        merged.merge(Exports::clone(&exports[i]));
                    }
                    Arc::new(merged)
                }
            };
            (unit.clone(), merged)
        })
        .collect()
}

/// The entry a file looks up to see a unit's transaction wrapper types.
const WRAPPING: &str = "#wrapping";

/// The entry a file looks up to see a unit's package-level database handles.
const HANDLES: &str = "#handles";

/// A Go type as a method's receiver or a declaration names it, bare: `(*Store)`,
/// `(Store)`, `*Store`, `Store[T]` and `*Remote[string]` are `Store` and `Remote`.
pub(crate) fn bare_go_type(ty: &str) -> &str {
    let ty = ty.trim_start_matches('(').trim_end_matches(')');
    let ty = ty.trim_start_matches('*');
    ty.split('[').next().unwrap_or(ty)
}

/// The entry a file looks up to see the struct fields of its package.
const FIELDS: &str = "#fields";

/// Go: the file's struct fields, each with the import path its type's qualifier names
/// when that is a modelled library's (`client *gorm.DB`).
fn fields_of(ir: &FileIr, models: &Models) -> Vec<(txlint_ir::ir::FieldDecl, Option<String>)> {
    if ir.language != Language::Go {
        return Vec::new();
    }
    ir.fields
        .iter()
        .map(|field| {
            let bare = field.ty.trim_start_matches(['*', '[', ']']);
            let library = bare
                .split_once('.')
                .and_then(|(qualifier, _)| ir.import_named(qualifier))
                .filter(|import| models.is_library_import(&import.path))
                .map(|import| import.path.clone());
            (field.clone(), library)
        })
        .collect()
}

/// A unit and a name looked up in it (`.name` for a Go method).
type EntryKey = (UnitKey, String);

/// An entry as a file's lookups and a round's changes hold it: a hash of its root, unit
/// and name. Kept for every lookup of every file, the keys themselves (two long absolute
/// paths each) were a large part of a big project's memory. Two entries that share a hash
/// only make a file computed again that needed not be.
type EntryHash = u64;

fn entry_hash(root: &str, unit: &str, entry: &str) -> EntryHash {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one((root, unit, entry))
}

/// The entries a file looked up while its exports were computed, once each (sorted to drop
/// the repeats).
#[derive(Default)]
struct Lookups(Box<[EntryHash]>);

impl From<Vec<EntryHash>> for Lookups {
    fn from(mut entries: Vec<EntryHash>) -> Lookups {
        entries.sort_unstable();
        entries.dedup();
        Lookups(entries.into_boxed_slice())
    }
}

/// The entries a round changed.
struct Changed(HashSet<EntryHash, foldhash::fast::RandomState>);

impl Changed {
    /// Whether a file that looked up these entries must be computed again.
    fn meets(&self, looked_up: &Lookups) -> bool {
        !self.0.is_empty() && looked_up.0.iter().any(|entry| self.0.contains(entry))
    }
}

/// Files that mark a Python project's own directory: imports are not looked for above it.
const PROJECT_MARKERS: [&str; 5] = [
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements.txt",
    ".git/HEAD",
];

/// The directory a Python file's project runs from: the first directory with a
/// [`PROJECT_MARKERS`] file, from its root up as far as its imports are looked for
/// (`place.namespace_levels`). `None` when none has one: a loose script, whose
/// surroundings are no project to search.
pub fn python_project_directory(place: &Place, fs: &dyn ProjectFs) -> Option<PathBuf> {
    Path::new(&place.root)
        .ancestors()
        .take(place.namespace_levels + 1)
        .find(|directory| {
            PROJECT_MARKERS
                .iter()
                .any(|m| fs.is_file(&directory.join(m)))
        })
        .map(Path::to_path_buf)
}

/// How many directories above a Python root an absolute import is looked for: up to
/// [`NAMESPACE_LEVELS`], and not past the first that has a [`PROJECT_MARKERS`] file (none
/// when the root has one).
fn namespace_levels(root: &Path, fs: &dyn ProjectFs) -> usize {
    let marked = |directory: &Path| {
        PROJECT_MARKERS
            .iter()
            .any(|m| fs.is_file(&directory.join(m)))
    };
    if marked(root) {
        return 0;
    }
    let mut levels = 0;
    for directory in root.ancestors().skip(1).take(NAMESPACE_LEVELS) {
        levels += 1;
        if marked(directory) {
            break;
        }
    }
    levels
}

/// How many directories above a Python file's root an absolute import is looked for: a
/// project of namespace packages (directories without `__init__.py`) runs from a
/// directory above the file's own (`import config` in `modules/registry/cog.py`).
pub(crate) const NAMESPACE_LEVELS: usize = 4;

/// Whether a directory's name can be a package's in an import.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// The names a Python module can be imported by from the directories above its root
/// (namespace packages): module `cog` of root `repo/modules/registry` is also
/// `registry.cog` under `repo/modules` and `modules.registry.cog` under `repo`.
fn namespace_aliases(key: &UnitKey) -> Vec<UnitKey> {
    let mut aliases = Vec::new();
    let mut prefix = key.1.clone();
    let mut directory = Path::new(&key.0);
    for _ in 0..NAMESPACE_LEVELS {
        let (Some(parent), Some(name)) = (
            directory.parent(),
            directory.file_name().and_then(|n| n.to_str()),
        ) else {
            break;
        };
        if !is_identifier(name) {
            break;
        }
        prefix = format!("{name}.{prefix}");
        aliases.push((parent.to_string_lossy().into_owned(), prefix.clone()));
        directory = parent;
    }
    aliases
}

/// The root under which a Python module not found is noted, by the name it was looked up
/// by (not a directory: no file has it).
const ANY_ROOT: &str = "*";

/// How many re-exports a Python name is followed through (`from .stock import Stock` in
/// a package's `__init__`, imported from the package by another module): enough for a
/// package of packages, and an end to a cycle of them.
const MAX_REEXPORTS: usize = 4;

/// The keys a module a file of this place imports as `unit` may have above its root.
fn namespace_candidates<'r>(place: &'r Place, unit: &'r str) -> impl Iterator<Item = UnitKey> + 'r {
    Path::new(&place.root)
        .ancestors()
        .skip(1)
        .take(place.namespace_levels)
        .map(move |directory| (directory.to_string_lossy().into_owned(), unit.to_string()))
}

/// Entry of a Python module under which its files look up what other units hand to the
/// constructors of its classes.
const HANDED: &str = "#handed";

/// What the units hand to the classes of each module (see [`Exports::python_handed`]).
type HandedByModule = HashMap<UnitKey, Vec<HandedTo>>;

/// What the units hand to the classes of each module (see [`Exports::python_handed`]).
fn handed_by_module(units: &Units) -> HandedByModule {
    let mut by_module: HashMap<UnitKey, Vec<HandedTo>> = HashMap::new();
    for exports in units.values() {
        for handed in &exports.python_handed {
            for key in &handed.keys {
                by_module
                    .entry(key.clone())
                    .or_default()
                    .push(handed.to.clone());
            }
        }
    }
    for handed in by_module.values_mut() {
        handed.sort_by_cached_key(|h| format!("{h:?}"));
        handed.dedup();
    }
    by_module
}

/// How the units call other modules' functions (see [`Exports::python_calls`]). Read
/// only by the check, after the fixed point: no summary depends on it.
fn callers_by_module(units: &Units) -> HashMap<UnitKey, BTreeMap<String, Callers>> {
    let mut by_module: HashMap<UnitKey, BTreeMap<String, Callers>> = HashMap::new();
    for exports in units.values() {
        for call in &exports.python_calls {
            let callers = by_module
                .entry(call.module.clone())
                .or_default()
                .entry(call.entry.clone())
                .or_default();
            callers.calls += 1;
            callers.dropped += usize::from(call.dropped);
        }
    }
    by_module
}

/// By Rust crate root, the methods the crate's types define and the types defining each.
fn methods_by_crate(units: &Units) -> HashMap<String, HashMap<String, BTreeSet<String>>> {
    let mut by_crate: HashMap<String, HashMap<String, BTreeSet<String>>> = HashMap::new();
    for (key, exports) in units {
        for name in exports.rust.keys() {
            if let Some((ty, method)) = name.rsplit_once("::") {
                by_crate
                    .entry(key.0.clone())
                    .or_default()
                    .entry(method.to_string())
                    .or_default()
                    .insert(ty.to_string());
            }
        }
    }
    by_crate
}

/// The entries whose summaries differ between two indexes (added and removed included),
/// given the units of each and what they hand to each module's classes.
fn changed_entries(
    (before, after): (&Units, &Units),
    (handed_before, handed_after): (&HandedByModule, &HandedByModule),
) -> BTreeSet<EntryKey> {
    let empty = Arc::new(Exports::default());
    let mut changed = BTreeSet::new();
    // What is handed to a module's classes comes from other units.
    for module in handed_before.keys().chain(handed_after.keys()) {
        if handed_before.get(module) != handed_after.get(module) {
            changed.insert((module.clone(), HANDED.to_string()));
        }
    }
    let units: BTreeSet<&UnitKey> = before.keys().chain(after.keys()).collect();
    for unit in units {
        let (old, new) = (
            before.get(unit).unwrap_or(&empty),
            after.get(unit).unwrap_or(&empty),
        );
        if Arc::ptr_eq(old, new) || old == new {
            continue;
        }
        let mut differ = |name: String| {
            changed.insert((unit.clone(), name));
        };
        for name in old.go.keys().chain(new.go.keys()) {
            if old.go.get(name) != new.go.get(name) {
                differ(name.clone());
            }
        }
        for name in old.go_methods.keys().chain(new.go_methods.keys()) {
            if old.go_methods.get(name) != new.go_methods.get(name) {
                differ(format!(".{name}"));
            }
        }
        if old.go_wrapping != new.go_wrapping {
            differ(WRAPPING.to_string());
        }
        if old.go_fields != new.go_fields {
            differ(FIELDS.to_string());
        }
        if old.go_handle_globals != new.go_handle_globals {
            differ(HANDLES.to_string());
        }
        for name in old.python.keys().chain(new.python.keys()) {
            if old.python.get(name) != new.python.get(name) {
                differ(name.clone());
            }
        }
        for name in old.rust.keys().chain(new.rust.keys()) {
            if old.rust.get(name) != new.rust.get(name) {
                differ(name.clone());
            }
        }
    }
    changed
}

/// The functions a file exports, with summaries that say nothing.
fn skeleton(ir: &FileIr, settings: &Settings) -> Exports {
    let models = settings.models().for_language(ir.language);
    let mut exports = Exports {
        go_wrapping: WrapParts::of_file(ir, models),
        go_handle_globals: crate::semantics::typed::transactions::handle_globals_of(ir, models),
        go_fields: fields_of(ir, models),
        ..Exports::default()
    };
    for function in exported_functions(ir) {
        match ir.language {
            Language::Go => {
                let summary = Summary {
                    arity: function.params.len(),
                    ..Summary::default()
                };
                exports.add_go(function, summary);
            }
            Language::Python => {
                exports.python.insert(function.name.clone(), Box::default());
            }
            Language::Rust => {
                exports
                    .rust
                    .insert(function.name.clone(), RustSummary::default());
            }
        }
    }
    // Python context-manager classes, filed under the class's name.
    if ir.language == Language::Python {
        for function in &ir.functions {
            let class = function
                .name
                .strip_suffix(".__enter__")
                .or_else(|| function.name.strip_suffix(".__aenter__"));
            if let Some(class) = class {
                if function.kind == FunctionKind::Method
                    && function.parent.is_none()
                    && !class.contains('.')
                {
                    exports.python.entry(class.to_string()).or_default();
                }
            }
        }
    }
    exports
}

/// The functions other files can call by name: Go's package-level functions and methods,
/// Python's module-level functions.
fn exported_functions(ir: &FileIr) -> impl Iterator<Item = &txlint_ir::ir::Function> {
    ir.functions
        .iter()
        .filter(|function| is_exported(ir, function))
}

fn is_exported(ir: &FileIr, function: &txlint_ir::ir::Function) -> bool {
    match ir.language {
        Language::Go => {
            matches!(function.kind, FunctionKind::Function | FunctionKind::Method)
                && function.parent.is_none()
        }
        // Top-level functions, and methods of top-level classes (`Class.method`), which
        // calls on instances reach (see `python::with_imported_receivers`).
        Language::Python => {
            function.parent.is_none()
                && match function.kind {
                    FunctionKind::Function => {
                        !function.name.contains('.') && function.name != "<module>"
                    }
                    FunctionKind::Method => function.name.matches('.').count() == 1,
                    FunctionKind::Literal => false,
                }
        }
        Language::Rust => crate::semantics::rust::summary::is_summarized(function),
    }
}

/// What computing a file's exports found out about the file: the same facts the check
/// of the file needs, when the index it was computed with is the final one for it.
#[derive(Default)]
pub struct Precomputed {
    /// Go and Rust: the typed analyses' summaries and facts.
    pub(crate) typed: Option<(FileSummaries, FileFacts)>,
    pub(crate) python: Option<PyFacts>,
    pub(crate) rust: Option<crate::semantics::rust::summary::RustSummaries>,
}

/// The exports of one file: the summaries of its top-level functions.
fn exports_of(ir: &FileIr, settings: &Settings, view: &ProjectView) -> (Exports, Precomputed) {
    let models = settings.models().for_language(ir.language);
    let mut exports = Exports::default();
    let mut precomputed = Precomputed::default();
    let exported = |id: usize| is_exported(ir, &ir.functions[id]);
    match ir.language {
        Language::Go => {
            exports.go_wrapping = WrapParts::of_file(ir, models);
            exports.go_handle_globals =
                crate::semantics::typed::transactions::handle_globals_of(ir, models);
            exports.go_fields = fields_of(ir, models);
            let converted = view.with_package_fields(ir);
            let ir = converted.as_ref().unwrap_or(ir);
            let models = &*view.go_models(ir, models);
            let mut summaries = FileSummaries::compute(ir, models, view);
            let facts = FileFacts::compute(ir, models, &summaries);
            summaries.record_wrappers(ir, models, &facts);
            for (index, function) in ir.functions.iter().enumerate() {
                if exported(index) {
                    exports.add_go(function, summaries.summaries[index].clone());
                }
            }
            precomputed.typed = Some((summaries, facts));
        }
        Language::Python => {
            let converted = crate::semantics::python::with_imported_receivers(ir, view);
            let ir = converted.as_ref().unwrap_or(ir);
            let facts = PyFacts::compute(ir, models, view);
            for (index, function) in ir.functions.iter().enumerate() {
                if exported(index) {
                    exports.python.insert(
                        function.name.clone(),
                        Box::new(facts.summary(txlint_ir::ir::FuncId(index as u32)).clone()),
                    );
                }
            }
            for (class, summary) in facts.classes() {
                exports
                    .python
                    .entry(class.clone())
                    .or_insert_with(|| Box::new(summary.clone()));
            }
            for (name, class) in &facts.instance_globals {
                exports.python.entry(name.clone()).or_insert_with(|| {
                    Box::new(PySummary {
                        instance_of: Some(class.clone()),
                        ..PySummary::default()
                    })
                });
            }
            // Methods a class inherits from classes of its module, under its own name
            // (`OrgaView.delete` from `BaseView.delete`): another module's subclass reaches
            // them through `super()` or an instance.
            for (class, method) in crate::semantics::python::inherited_methods(ir) {
                let summary = facts.summary(method);
                if summary.says_something() {
                    exports
                        .python
                        .entry(format!(
                            "{class}.{}",
                            ir.function(method)
                                .name
                                .rsplit('.')
                                .next()
                                .unwrap_or_default()
                        ))
                        .or_insert_with(|| Box::new(summary.clone()));
                }
            }
            for class in crate::semantics::python::request_view_classes(ir, models, view) {
                exports.python.entry(class).or_default().request_view = true;
            }
            for (class, exit) in crate::semantics::python::session_class_exits(ir, models) {
                exports.python.entry(class).or_default().session_exit = Some(exit);
            }
            exports.python_handed = facts.handed_out(ir, view);
            // Only module-level functions: TX003 follows no other module's calls of a
            // method.
            exports.python_calls = ir
                .functions
                .iter()
                .flat_map(|function| function.calls.iter().map(move |call| (function, call)))
                .filter_map(|(function, call)| {
                    let (module, entry, summary) = view.python_target(ir, &call.callee)?;
                    (summary.fails_as_value && !entry.contains('.')).then(|| {
                        let from_view = || {
                            crate::semantics::python::connections::is_request_view_in(
                                ir, models, view, function,
                            )
                        };
                        CallOf {
                            module,
                            entry,
                            dropped: crate::semantics::python::connections::drops_the_value(
                                &call.result,
                                from_view,
                            ),
                        }
                    })
                })
                .collect();
            for (name, kind) in &facts.exported_globals {
                exports.python.entry(name.clone()).or_insert_with(|| {
                    Box::new(PySummary {
                        global: Some(kind.clone()),
                        ..PySummary::default()
                    })
                });
            }
            for (name, target) in view.python_reexports(ir) {
                exports.python.entry(name).or_insert_with(|| {
                    Box::new(PySummary {
                        reexport_of: Some(target),
                        ..PySummary::default()
                    })
                });
            }
            precomputed.python = Some(facts);
        }
        Language::Rust => {
            let summaries = FileSummaries::compute(ir, models, view);
            let facts = FileFacts::compute(ir, models, &summaries);
            let rust =
                crate::semantics::rust::summary::RustSummaries::compute(ir, models, &facts, view);
            for (index, function) in ir.functions.iter().enumerate() {
                if let Some(summary) = exported(index)
                    .then(|| rust.of(txlint_ir::ir::FuncId(index as u32)))
                    .flatten()
                {
                    exports.rust.insert(function.name.clone(), summary.clone());
                }
            }
            precomputed.typed = Some((summaries, facts));
            precomputed.rust = Some(rust);
        }
    }
    (exports, precomputed)
}

/// What one file sees of the project index.
#[derive(Clone, Copy)]
pub struct ProjectView<'a> {
    index: &'a ProjectIndex,
    place: Option<&'a Place>,
    /// The entries the file looked up, found or not, while its exports are computed: it
    /// is computed again only when one of them changes.
    log: Option<&'a RefCell<Vec<EntryHash>>>,
}

impl<'a> ProjectView<'a> {
    /// The view of a file checked alone.
    pub fn alone() -> ProjectView<'static> {
        static EMPTY: std::sync::OnceLock<ProjectIndex> = std::sync::OnceLock::new();
        ProjectView {
            index: EMPTY.get_or_init(ProjectIndex::default),
            place: None,
            log: None,
        }
    }

    /// The file's own unit (a Python module's dotted name, a Go package's import path),
    /// empty for a file checked alone.
    pub(crate) fn module(&self) -> &str {
        self.place.map_or("", |place| place.unit_key())
    }

    fn unit(&self, unit: &str) -> Option<&'a Exports> {
        let place = self.place?;
        self.index
            .units
            .get(&(place.root.clone(), unit.to_string()))
            .map(|exports| &**exports)
    }

    /// The key of a Python module a file of this root imports by `unit`: under the root,
    /// or, for namespace packages, under a directory above it (see [`namespace_aliases`]).
    fn python_key(&self, unit: &str) -> Option<UnitKey> {
        let place = self.place?;
        let key = (place.root.clone(), unit.to_string());
        if self.index.units.contains_key(&key) {
            return Some(key);
        }
        // Most names are not the project's (`typing`, `sqlalchemy.orm`).
        if !self.index.python_names.contains(unit) {
            return None;
        }
        namespace_candidates(place, unit).find_map(|candidate| {
            if self.index.units.contains_key(&candidate) {
                Some(candidate)
            } else {
                self.index.python_aliases.get(&candidate).cloned()
            }
        })
    }

    fn python_unit(&self, unit: &str) -> Option<&'a Exports> {
        let key = self.python_key(unit)?;
        self.index.units.get(&key).map(|exports| &**exports)
    }

    /// [`ProjectView::lookup`] of a Python module. Not found, it is noted under its name
    /// whatever the root ([`ANY_ROOT`]): a module added later may be a namespace
    /// package's, whose key has a root above this file's.
    fn python_lookup(&self, unit: &str, entry: &str) -> Option<&'a Exports> {
        let key = self.python_key(unit);
        if let (Some(log), Some(place)) = (self.log, self.place) {
            let mut log = log.borrow_mut();
            match &key {
                Some(key) => log.push(entry_hash(&key.0, &key.1, entry)),
                None => {
                    log.push(entry_hash(&place.root, unit, entry));
                    log.push(entry_hash(ANY_ROOT, unit, entry));
                }
            }
        }
        self.index.units.get(&key?).map(|exports| &**exports)
    }

    /// The exports of `unit`, noting that the file looks up `entry` in them.
    fn lookup(&self, unit: &str, entry: &str) -> Option<&'a Exports> {
        if let (Some(log), Some(place)) = (self.log, self.place) {
            log.borrow_mut().push(entry_hash(&place.root, unit, entry));
        }
        self.unit(unit)
    }

    /// The Go function of another file a call names: `helper(…)` in the same package,
    /// `pkg.Helper(…)` in a package of the module, `x.helper(…)` when the package has one
    /// method of that name.
    pub(crate) fn go_function(&self, file: &FileIr, callee: &Callee) -> Option<&'a Summary> {
        self.go_function_on(file, callee, None)
    }

    /// [`ProjectView::go_function`], knowing the declared type of a method call's
    /// receiver (`Store` for `s *Store`): then only that type's method of the name is
    /// the call's, though the package's other types have one too or its file was not read.
    pub(crate) fn go_function_on(
        &self,
        file: &FileIr,
        callee: &Callee,
        receiver_type: Option<&str>,
    ) -> Option<&'a Summary> {
        let place = self.place?;
        if file.language != Language::Go {
            return None;
        }
        match callee {
            Callee::Path(path) => match path.as_slice() {
                [name] => self
                    .lookup(&place.own_unit(file), name)?
                    .go
                    .get(name)
                    .map(|s| &**s),
                [package, name] => {
                    let import = file.import_named(package)?;
                    self.lookup(&import.path, name)?.go.get(name).map(|s| &**s)
                }
                _ => None,
            },
            // `s.rollback(tx, err)`: the method of `s`'s type (or of a type it embeds), or,
            // that type unknown, the package's only method of that name.
            Callee::Method { name, .. } => {
                let unit = place.own_unit(file);
                let methods = self
                    .lookup(&unit, &format!(".{name}"))?
                    .go_methods
                    .get(name)?;
                let Some(ty) = receiver_type else {
                    return match methods.as_slice() {
                        [(_, only)] => Some(only),
                        _ => None,
                    };
                };
                let ty = bare_go_type(ty);
                // Another package's type (`bus *events.Bus`) has none of this package's
                // methods.
                if ty.contains('.') {
                    return None;
                }
                let of_type = |ty: &str| {
                    let mut found = methods.iter().filter(|(owner, _)| owner == ty);
                    match (found.next(), found.next()) {
                        (Some((_, only)), None) => Some(only),
                        _ => None,
                    }
                };
                if let Some(own) = of_type(ty) {
                    return Some(own);
                }
                // Promoted from a type the struct embeds (`type Store struct{ *base }`).
                let fields = &self.lookup(&unit, FIELDS)?.go_fields;
                let mut promoted = fields
                    .iter()
                    .filter(|(field, _)| field.owner == ty && field.embedded)
                    .filter_map(|(field, _)| of_type(bare_go_type(&field.ty)));
                match (promoted.next(), promoted.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A Go file with the struct fields other files of its package declare that it uses
    /// (`e.client.Begin()` with `client *gorm.DB` in `engine.go`), and the imports of the
    /// modelled libraries their types name (the file may never import gorm): a field's
    /// declared type is the evidence the file's own text lacks, for a library's handle
    /// and for the project's own types alike. `None` when nothing is missing.
    pub(crate) fn with_package_fields(&self, file: &FileIr) -> Option<FileIr> {
        let place = self.place?;
        if file.language != Language::Go {
            return None;
        }
        let exports = self.lookup(&place.own_unit(file), FIELDS)?;
        // The fields the file's calls go through (`e.client` in `e.client.Begin()`).
        let mut used: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for function in &file.functions {
            for call in &function.calls {
                let Callee::Method { receiver, .. } = &call.callee else {
                    continue;
                };
                let mut receiver = receiver;
                loop {
                    match receiver {
                        Operand::Field(base, field) => {
                            used.insert(field.as_str());
                            receiver = base;
                        }
                        Operand::Call(inner) => match &function.call(*inner).callee {
                            Callee::Method { receiver: r, .. } => receiver = r,
                            _ => break,
                        },
                        _ => break,
                    }
                }
            }
        }
        let missing: Vec<&(txlint_ir::ir::FieldDecl, Option<String>)> = exports
            .go_fields
            .iter()
            .filter(|(field, _)| {
                !file
                    .fields
                    .iter()
                    .any(|own| own.owner == field.owner && own.name == field.name)
            })
            .collect();
        // All of them once one is used: a field's type is known as the package's own by
        // the fields its struct declares (`cache *Journal` is no handle).
        if !missing
            .iter()
            .any(|(field, _)| used.contains(field.name.as_str()))
        {
            return None;
        }
        let mut converted = file.clone();
        for (field, path) in missing {
            converted.fields.push(field.clone());
            let Some(path) = path else {
                continue;
            };
            let import = txlint_ir::ir::Import {
                path: path.clone(),
                alias: None,
                range: txlint_ir::TextRange::default(),
            };
            if !converted.imports.iter().any(|i| i.path == *path)
                && converted.import_named(import.local_name()).is_none()
            {
                converted.imports.push(import);
            }
        }
        Some(converted)
    }

    /// The package-level database handles a Go file can name: its own, its package's and
    /// those of the project packages it imports.
    pub(crate) fn handle_globals(
        &self,
        file: &FileIr,
        models: &Models,
    ) -> crate::semantics::typed::transactions::HandleGlobals {
        let mut own = crate::semantics::typed::transactions::handle_globals_of(file, models);
        let mut imported = HashMap::new();
        if let (Some(place), Language::Go) = (self.place, file.language) {
            if let Some(exports) = self.lookup(&place.own_unit(file), HANDLES) {
                own.extend(exports.go_handle_globals.iter().cloned());
            }
            for import in &file.imports {
                if let Some(exports) = self.lookup(&import.path, HANDLES) {
                    if !exports.go_handle_globals.is_empty() {
                        imported.insert(
                            import.local_name().to_string(),
                            exports.go_handle_globals.clone(),
                        );
                    }
                }
            }
        }
        crate::semantics::typed::transactions::HandleGlobals::new(own, imported)
    }

    /// Whether a unit (a Go import path) is one of the project's.
    pub(crate) fn is_project_unit(&self, unit: &str) -> bool {
        self.unit(unit).is_some()
    }

    /// The models a Go file is checked with: the shipped ones and the transaction
    /// wrapper types of its package and of the project packages it imports.
    /// The transaction wrapper parts of a Go file's package: its own declarations and
    /// those of the package's other files.
    pub(crate) fn go_package_parts(&self, file: &FileIr, base: &Models) -> WrapParts {
        let mut own = WrapParts::of_file(file, base);
        if let Some(place) = self.place {
            if let Some(exports) = self.lookup(&place.own_unit(file), WRAPPING) {
                own.merge(&exports.go_wrapping);
            }
        }
        own
    }

    /// Adds the transaction interfaces of the project packages a Go file imports to its
    /// package's parts, named as the file names them (`db.Tx`).
    pub(crate) fn add_imported_tx_interfaces(&self, file: &FileIr, parts: &mut WrapParts) {
        if file.language != Language::Go || self.place.is_none() {
            return;
        }
        for import in &file.imports {
            let name = import.local_name();
            if name == "_" || name == "." {
                continue;
            }
            if let Some(exports) = self.lookup(&import.path, WRAPPING) {
                parts.add_tx_interfaces_of(name, &exports.go_wrapping);
            }
        }
    }

    pub(crate) fn go_models<'m>(&self, file: &FileIr, base: &'m Models) -> Cow<'m, Models> {
        if file.language != Language::Go {
            return Cow::Borrowed(base);
        }
        let own = self.go_package_parts(file, base);
        let mut units = Vec::new();
        if let Some(place) = self.place {
            let unit = place.own_unit(file);
            for import in &file.imports {
                let name = import.local_name();
                if name == "_" || name == "." {
                    continue;
                }
                if let Some(exports) = self.lookup(&import.path, WRAPPING) {
                    units.push((
                        import.path.clone(),
                        Some(name.to_string()),
                        exports.go_wrapping.clone(),
                    ));
                }
            }
            units.insert(0, (unit, None, own));
        } else {
            units.push((String::new(), None, own));
        }
        crate::semantics::go::wrapping::file_models(base, &units)
    }

    /// The Rust function of another module of the crate a call path names.
    pub(crate) fn rust_function(&self, file: &FileIr, path: &[String]) -> Option<&'a RustSummary> {
        let place = self.place?;
        if file.language != Language::Rust {
            return None;
        }
        let (unit, name) = rust_target(file, place, path)?;
        // Most paths name no module of the crate (`String::from`, `sqlx::query`): the
        // modules are all known before the first round, so those are not logged.
        self.unit(&unit)?;
        self.lookup(&unit, &name)?.rust.get(&name)
    }

    /// The method of a type of another module of the crate: `Store::save` for a call
    /// `store.save(…)` on a receiver declared `&Store`, with `Store` imported from it.
    pub(crate) fn rust_method(
        &self,
        file: &FileIr,
        type_path: &[String],
        method: &str,
    ) -> Option<&'a RustSummary> {
        let place = self.place?;
        if file.language != Language::Rust {
            return None;
        }
        let (unit, ty) = rust_target(file, place, type_path)?;
        self.unit(&unit)?;
        let name = format!("{ty}::{method}");
        self.lookup(&unit, &name)?.rust.get(&name)
    }

    /// The types of this Rust file's crate that define a method of this name: a call of it
    /// on a value whose type the code does not show may be the crate's own.
    pub(crate) fn rust_types_with_method(&self, name: &str) -> Option<&'a BTreeSet<String>> {
        self.index.rust_methods.get(&self.place?.root)?.get(name)
    }

    /// The guard a Rust function of another module returns after beginning it.
    pub(crate) fn rust_begins(
        &self,
        file: &FileIr,
        callee: &Callee,
    ) -> Option<crate::semantics::typed::facts::Wrapper> {
        let Callee::Path(path) = callee else {
            return None;
        };
        self.rust_function(file, path)?.begins.clone()
    }

    /// The Python function of another module a call names, through the file's imports:
    /// `helper(…)` after `from app.db import helper`, `db.helper(…)` after
    /// `from ..app import db` or `import app.db as db`.
    pub(crate) fn python_function(&self, file: &FileIr, callee: &Callee) -> Option<&'a PySummary> {
        self.python_target(file, callee)
            .map(|(_, _, summary)| summary)
    }

    /// [`ProjectView::python_function`] with the module (its key) and the entry the
    /// summary is filed under.
    fn python_target(
        &self,
        file: &FileIr,
        callee: &Callee,
    ) -> Option<(UnitKey, String, &'a PySummary)> {
        let Callee::Path(path) = callee else {
            return None;
        };
        file.import_named(path.first()?)?;
        let segments: Vec<&str> = path.iter().map(String::as_str).collect();
        let dotted = crate::semantics::python::resolve(file, &segments);
        let absolute = self.absolute_module(&dotted)?;
        let (module, name) = absolute.rsplit_once('.')?;
        // Through the re-exports (`from .stock import Stock` in a package's `__init__`).
        let (module, name) = self.python_defined_at(module, name);
        if let Some(summary) = self
            .python_lookup(&module, &name)
            .and_then(|e| e.python.get(&name))
        {
            return Some((self.python_key(&module)?, name, summary));
        }
        // A method: `Backend.get_engine` of a class of module `app.backend`, or of the
        // class of an instance the module keeps (`backend = Backend(…)`).
        let (module, owner) = module.rsplit_once('.')?;
        let (module, owner) = self.python_defined_at(module, owner);
        let exports = self.python_lookup(&module, &owner)?;
        let class = match exports
            .python
            .get(&owner)
            .and_then(|s| s.instance_of.as_ref())
        {
            Some(class) => class.as_str(),
            None => owner.as_str(),
        };
        let method = format!("{class}.{name}");
        let summary = self.python_lookup(&module, &method)?.python.get(&method)?;
        Some((self.python_key(&module)?, method, summary))
    }

    /// The names a Python package's `__init__` imports from other modules of the project,
    /// with the absolute dotted path each stands for: what it re-exports (see
    /// [`PySummary::reexport_of`]).
    pub(crate) fn python_reexports(&self, file: &FileIr) -> Vec<(String, String)> {
        // Only a package's `__init__`, the place a package offers its modules' names:
        // every module imports names of others, and filing them all would make each
        // module depend on what its imports import.
        if !self
            .place
            .is_some_and(|place| place.unit.ends_with(".__init__"))
        {
            return Vec::new();
        }
        file.imports
            .iter()
            .filter_map(|import| {
                let name = import.local_name();
                if name.contains('.') || name == "*" {
                    return None;
                }
                let absolute = self.absolute_module(&import.path)?;
                let (module, _) = absolute.rsplit_once('.')?;
                self.python_key(module)?;
                Some((name.to_string(), absolute))
            })
            .collect()
    }

    /// Where a name of another module leads once its re-exports are followed:
    /// `(module, name)` of the definition (the name itself when it is no re-export).
    fn python_defined_at(&self, module: &str, name: &str) -> (String, String) {
        let mut at = (module.to_string(), name.to_string());
        for _ in 0..MAX_REEXPORTS {
            let target = self
                .python_lookup(&at.0, &at.1)
                .and_then(|e| e.python.get(&at.1))
                .and_then(|s| s.reexport_of.as_ref());
            match target.and_then(|t| t.rsplit_once('.')) {
                Some((m, n)) => at = (m.to_string(), n.to_string()),
                None => break,
            }
        }
        at
    }

    /// How the project's other modules call this module's `entry` (a function, or a
    /// method as `Class.method`), when it hands a failure back as a value. Under the
    /// module's own key, and the names it has above its root.
    pub(crate) fn python_callers(&self, entry: &str) -> Callers {
        let mut callers = Callers::default();
        for key in self.own_python_keys() {
            if let Some(found) = self
                .index
                .python_callers
                .get(&key)
                .and_then(|entries| entries.get(entry))
            {
                callers.calls += found.calls;
                callers.dropped += found.dropped;
            }
        }
        callers
    }

    /// This Python module's key and the keys of the names it has above its root.
    fn own_python_keys(&self) -> Vec<UnitKey> {
        let Some(place) = self.place else {
            return Vec::new();
        };
        let key = (place.root.clone(), place.unit_key().to_string());
        let mut keys = namespace_aliases(&key);
        keys.insert(0, key);
        keys
    }

    /// The kind of another module's global a name of the file reaches through its
    /// imports: `db` after `from app.models import db`, `models.db` after
    /// `from app import models` (see [`PySummary::global`]).
    pub(crate) fn python_global(&self, file: &FileIr, segments: &[&str]) -> Option<&'a Kind> {
        file.import_named(segments.first()?)?;
        let dotted = crate::semantics::python::resolve(file, segments);
        let absolute = self.absolute_module(&dotted)?;
        let (module, name) = absolute.rsplit_once('.')?;
        if let Some(kind) = self
            .python_lookup(module, name)
            .and_then(|exports| exports.python.get(name)?.global.as_ref())
        {
            return Some(kind);
        }
        // An attribute of an instance the module keeps: `state.conn` in module `app.state`.
        let (module, instance) = module.rsplit_once('.')?;
        let attribute = format!("{instance}.{name}");
        self.python_lookup(module, &attribute)?
            .python
            .get(&attribute)?
            .global
            .as_ref()
    }

    /// Whether a base class a file names (`PGChildNodeView` after
    /// `from app.views import PGChildNodeView`, `views.Base`) is a request view of another
    /// module of the project (see [`PySummary::request_view`]).
    pub(crate) fn python_request_view(&self, file: &FileIr, segments: &[&str]) -> bool {
        if file.import_named(segments[0]).is_none() {
            return false;
        }
        let dotted = crate::semantics::python::resolve(file, segments);
        let Some(absolute) = self.absolute_module(&dotted) else {
            return false;
        };
        let Some((module, class)) = absolute.rsplit_once('.') else {
            return false;
        };
        self.python_lookup(module, class)
            .and_then(|exports| exports.python.get(class))
            .is_some_and(|summary| summary.request_view)
    }

    /// The class of the project a call makes an instance of, as (its module, its name):
    /// `Store(…)` of the file's own module or after `from app.store import Store`,
    /// `store.Store(…)` after `from app import store`. An imported name of a module the
    /// index does not hold yet may be one.
    /// Found, the module comes with its key; not yet in the index, with every key it may
    /// have (see [`namespace_candidates`]).
    pub(crate) fn python_class(
        &self,
        file: &FileIr,
        path: &[String],
    ) -> Option<(Vec<UnitKey>, String)> {
        let place = self.place?;
        let (module, class) = match path {
            [class] if file.import_named(class).is_none() => {
                (place.unit_key().to_string(), class.clone())
            }
            _ => {
                file.import_named(path.first()?)?;
                let segments: Vec<&str> = path.iter().map(String::as_str).collect();
                let absolute =
                    self.absolute_module(&crate::semantics::python::resolve(file, &segments))?;
                let (module, class) = absolute.rsplit_once('.')?;
                self.python_defined_at(module, class)
            }
        };
        let init = format!("{class}.__init__");
        match self.python_lookup(&module, &init) {
            Some(exports) => {
                exports.python.get(&init)?;
                Some((vec![self.python_key(&module)?], class))
            }
            // A module passed over (it imports no driver) is not in the index yet: what
            // it is handed is what makes it worth reading.
            None if path.len() > 1 || file.import_named(&path[0]).is_some() => {
                let keys = std::iter::once((place.root.clone(), module.clone()))
                    .chain(namespace_candidates(place, &module))
                    .collect();
                Some((keys, class))
            }
            None => None,
        }
    }

    /// What the units of the project hand to the constructors of this file's classes.
    /// Under the module's own key, and the names it has above its root.
    pub(crate) fn python_handed(&self) -> Vec<HandedTo> {
        let mut handed = Vec::new();
        for key in self.own_python_keys() {
            if let Some(log) = self.log {
                log.borrow_mut().push(entry_hash(&key.0, &key.1, HANDED));
            }
            handed.extend(
                self.index
                    .python_handed
                    .get(&key)
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
        handed
    }

    /// Whether other modules hand long-lived connections to this Python module's classes:
    /// a module that imports no driver is then worth lowering.
    pub fn is_handed_connections(&self) -> bool {
        self.python_handed()
            .iter()
            .any(|handed| handed.life == crate::semantics::python::HandedLife::LongLived)
    }

    /// A dotted name with its relative prefix (`..app.db`) resolved against this file's
    /// module.
    fn absolute_module(&self, dotted: &str) -> Option<String> {
        let dots = dotted.bytes().take_while(|&b| b == b'.').count();
        if dots == 0 {
            return Some(dotted.to_string());
        }
        let place = self.place?;
        // The package the file is in: its module without the last part (`__init__` of a
        // package's own file included), then one more level up per extra dot.
        let mut package: Vec<&str> = place.unit.split('.').collect();
        package.pop();
        for _ in 1..dots {
            package.pop()?;
        }
        let rest = &dotted[dots..];
        if !rest.is_empty() {
            package.push(rest);
        }
        Some(package.join("."))
    }

    /// Whether these imports (of a Python file that imports no driver) bring in a helper
    /// of the project whose summary says something, or a module that has one: the file
    /// can then hold a connection, and is checked like the others.
    pub fn imports_python_helpers(&self, imports: &[txlint_ir::ir::Import]) -> bool {
        imports.iter().any(|import| {
            self.absolute_module(&import.path)
                .is_some_and(|absolute| self.python_helpful(&absolute, MAX_REEXPORTS))
        })
    }

    /// Whether an absolute dotted name is a module with a helper, or a helper, an
    /// instance that has helpful methods or a class with one (`Backend.get_engine`),
    /// following up to `reexports` re-exports.
    fn python_helpful(&self, absolute: &str, reexports: usize) -> bool {
        let helpful = |exports: &Exports| {
            exports.python.values().any(|summary| {
                summary.says_something()
                    // One level only: a module re-exporting many names, each from a
                    // module re-exporting many, would multiply the lookups.
                    || summary.reexport_of.as_ref().is_some_and(|target| {
                        reexports > 0 && self.python_helpful(target, 0)
                    })
            })
        };
        if self.python_unit(absolute).is_some_and(helpful) {
            return true;
        }
        let Some((module, name)) = absolute.rsplit_once('.') else {
            return false;
        };
        let Some(exports) = self.python_unit(module) else {
            return false;
        };
        if let Some(target) = exports
            .python
            .get(name)
            .and_then(|s| s.reexport_of.as_ref())
        {
            return reexports > 0 && self.python_helpful(target, reexports - 1);
        }
        exports.python.iter().any(|(entry, summary)| {
            let member = entry
                .strip_prefix(name)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
            member && summary.says_something()
        })
    }

    /// The units whose exports this file's summaries can use: its own and those it
    /// imports (for Python, the imported name may be a module or a name in one).
    fn dependencies(&self, file: &FileIr) -> BTreeSet<(String, String)> {
        let mut units = BTreeSet::new();
        let Some(place) = self.place else {
            return units;
        };
        let key = |unit: &str| (place.root.clone(), unit.to_string());
        units.insert(key(&place.own_unit(file)));
        for import in &file.imports {
            match file.language {
                Language::Go => {
                    units.insert(key(&import.path));
                }
                Language::Python => {
                    if let Some(absolute) = self.absolute_module(&import.path) {
                        let parent = absolute.rsplit_once('.').map(|(module, _)| module);
                        for module in std::iter::once(absolute.as_str()).chain(parent) {
                            units.insert(self.python_key(module).unwrap_or_else(|| key(module)));
                        }
                    }
                }
                Language::Rust => {}
            }
        }
        if file.language == Language::Python {
            // The modules the imported ones re-export from (a package's `__init__` with
            // `from .stock import Stock`): what their names stand for is defined there.
            let mut frontier: Vec<UnitKey> = units.iter().cloned().collect();
            for _ in 0..MAX_REEXPORTS {
                let mut next = Vec::new();
                for unit in &frontier {
                    let Some(exports) = self.index.units.get(unit) else {
                        continue;
                    };
                    for target in exports
                        .python
                        .values()
                        .filter_map(|s| s.reexport_of.as_ref())
                    {
                        let Some((module, _)) = target.rsplit_once('.') else {
                            continue;
                        };
                        let found = self.python_key(module).unwrap_or_else(|| key(module));
                        if units.insert(found.clone()) {
                            next.push(found);
                        }
                    }
                }
                if next.is_empty() {
                    break;
                }
                frontier = next;
            }
        }
        units
    }

    /// A digest of every export this file's results can depend on, for the cache: when
    /// a helper elsewhere changes, the file's cached results are stale.
    pub fn digest(&self, file: &FileIr) -> u64 {
        // A file with no place sees nothing of a project (Rust, or checked alone).
        let Some(place) = self.place else {
            return 0;
        };
        // Rust: every module of the crate (what a path names is only known by resolving
        // it), digested once for all its files.
        if file.language == Language::Rust {
            return self.index.crate_digest(&place.root);
        }
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for key in self.dependencies(file) {
            if let Some(unit) = self.index.unit_digest(&key) {
                key.hash(&mut hasher);
                unit.hash(&mut hasher);
            }
        }
        // What other units hand to this module's classes.
        if file.language == Language::Python {
            format!("{:?}", self.python_handed()).hash(&mut hasher);
            // How other modules call this module's functions (TX003 follows the callers).
            for key in self.own_python_keys() {
                if let Some(entries) = self.index.python_callers.get(&key) {
                    format!("{entries:?}").hash(&mut hasher);
                }
            }
        }
        hasher.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FakeFs(Vec<(&'static str, &'static str)>);

    impl ProjectFs for FakeFs {
        fn is_file(&self, path: &Path) -> bool {
            self.0.iter().any(|(p, _)| Path::new(p) == path)
        }
        fn read_to_string(&self, path: &Path) -> Option<String> {
            self.0
                .iter()
                .find(|(p, _)| Path::new(p) == path)
                .map(|(_, text)| text.to_string())
        }
    }

    #[test]
    fn go_packages_are_import_paths_under_their_module() {
        let fs = FakeFs(vec![(
            "/r/go.mod",
            "// c\nmodule example.com/svc\n\ngo 1.22\n",
        )]);
        let place = locate(Language::Go, Path::new("/r/internal/db/tx.go"), &fs).unwrap();
        assert_eq!(place.unit, "example.com/svc/internal/db");
        assert_eq!(place.root, "/r");
        let alone = locate(Language::Go, Path::new("/x/y/main.go"), &FakeFs(vec![])).unwrap();
        assert_eq!(alone.unit, "/x/y");
    }

    #[test]
    fn python_modules_are_named_from_the_outermost_package() {
        let fs = FakeFs(vec![
            ("/r/app/__init__.py", ""),
            ("/r/app/auth/__init__.py", ""),
        ]);
        let place = locate(Language::Python, Path::new("/r/app/auth/db.py"), &fs).unwrap();
        assert_eq!(
            (place.root.as_str(), place.unit.as_str()),
            ("/r", "app.auth.db")
        );
        let init = locate(Language::Python, Path::new("/r/app/__init__.py"), &fs).unwrap();
        assert_eq!(init.unit, "app.__init__");
        assert_eq!(init.unit_key(), "app");
        let script = locate(Language::Python, Path::new("/r/run.py"), &fs).unwrap();
        assert_eq!(script.unit, "run");
    }

    #[test]
    fn relative_imports_resolve_against_the_module() {
        let index = ProjectIndex::default();
        let place = Place {
            root: "/r".into(),
            unit: "app.stats.views".into(),
            namespace_levels: 0,
        };
        let view = index.view(Some(&place));
        assert_eq!(view.absolute_module(".db").unwrap(), "app.stats.db");
        assert_eq!(view.absolute_module("..auth.db").unwrap(), "app.auth.db");
        assert_eq!(view.absolute_module("app.x").unwrap(), "app.x");
        assert_eq!(view.absolute_module("....x"), None);
        let init = Place {
            root: "/r".into(),
            unit: "app.stats.__init__".into(),
            namespace_levels: 0,
        };
        let view = index.view(Some(&init));
        assert_eq!(view.absolute_module(".db").unwrap(), "app.stats.db");
    }

    #[test]
    fn external_test_packages_are_units_of_their_own() {
        let store = txlint_go::lower_file(
            "package store\nimport \"database/sql\"\nfunc undo(tx *sql.Tx) { tx.Rollback() }\n",
        );
        let tests = txlint_go::lower_file(
            "package store_test\nimport \"database/sql\"\nfunc undo(tx *sql.Tx) { _ = tx }\n",
        );
        let place = Place {
            root: "/r".into(),
            unit: "example.com/r/store".into(),
            namespace_levels: 0,
        };
        let files = [
            ProjectFile {
                id: 0,
                ir: &store,
                place: Some(&place),
                set_aside: None,
            },
            ProjectFile {
                id: 1,
                ir: &tests,
                place: Some(&place),
                set_aside: None,
            },
        ];
        let index = ProjectIndex::resolve(&files, &Settings::default());
        let call = Callee::Path(vec!["undo".into()]);
        let ends = |file: &FileIr| {
            index
                .view(Some(&place))
                .go_function(file, &call)
                .unwrap()
                .ends
                .has(0)
        };
        assert!(ends(&store));
        assert!(!ends(&tests));
    }

    #[test]
    fn rust_modules_are_paths_in_their_crate() {
        let fs = FakeFs(vec![("/r/Cargo.toml", "[package]\nname = \"r\"\n")]);
        let unit = |path: &str| {
            let place = locate(Language::Rust, Path::new(path), &fs).unwrap();
            (place.root, place.unit)
        };
        assert_eq!(unit("/r/src/lib.rs"), ("/r/src".into(), "crate".into()));
        assert_eq!(unit("/r/src/main.rs"), ("/r/src".into(), "crate".into()));
        assert_eq!(unit("/r/src/db.rs"), ("/r/src".into(), "crate::db".into()));
        assert_eq!(
            unit("/r/src/db/mod.rs"),
            ("/r/src".into(), "crate::db".into())
        );
        assert_eq!(
            unit("/r/src/a/lib.rs"),
            ("/r/src".into(), "crate::a::lib".into())
        );
        assert_eq!(
            unit("/r/src/bin/x.rs"),
            ("/r/src/bin/x".into(), "crate".into())
        );
        assert_eq!(
            unit("/r/src/bin/x/db.rs"),
            ("/r/src/bin/x".into(), "crate::db".into())
        );
        // Outside `src/`: a crate of its own.
        assert_eq!(
            unit("/r/tests/t.rs"),
            ("/r/tests/t.rs".into(), "crate".into())
        );
        assert!(locate(Language::Rust, Path::new("/x/lib.rs"), &fs).is_none());
    }

    #[test]
    fn rust_paths_resolve_within_the_crate() {
        let file = txlint_rust::lower_file(
            "use crate::store;\nuse super::util::helper;\nmod jobs;\nfn f() { store::begin(); helper(); jobs::run(); String::from(\"\"); crate::a::b(); self::c::d(); }\n",
        );
        let place = Place {
            root: "/r/src".into(),
            unit: "crate::api::v1".into(),
            namespace_levels: 0,
        };
        let target = |path: &[&str]| {
            let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            rust_target(&file, &place, &path)
        };
        let pair = |u: &str, n: &str| Some((u.to_string(), n.to_string()));
        assert_eq!(target(&["store", "begin"]), pair("crate::store", "begin"));
        assert_eq!(target(&["helper"]), pair("crate::api::util", "helper"));
        assert_eq!(
            target(&["jobs", "run"]),
            pair("crate::api::v1::jobs", "run")
        );
        assert_eq!(target(&["String", "from"]), None);
        assert_eq!(target(&["crate", "a", "b"]), pair("crate::a", "b"));
        assert_eq!(target(&["self", "c", "d"]), pair("crate::api::v1::c", "d"));
        assert_eq!(target(&["local"]), None);
    }

    #[test]
    fn module_lines_name_the_module() {
        assert_eq!(module_path("module a.b/c\n").unwrap(), "a.b/c");
        assert_eq!(module_path("module \"a/b\"\n").unwrap(), "a/b");
        assert_eq!(module_path("modules x\n"), None);
    }
}
