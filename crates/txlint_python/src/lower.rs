use std::collections::{HashMap, HashSet};
use std::num::NonZeroU16;
use std::sync::OnceLock;

use tree_sitter::{Node, Tree};
use txlint_ir::ir::{
    Binding, BlockId, Call, CallId, Callee, CfgBuilder, Event, FieldDecl, FileIr, FuncId, Function,
    FunctionKind, GlobalDecl, Import, Jump, JumpKind, NilTest, Operand, ResultUse, Terminator, Var,
    VarId, VarKind,
};
use txlint_ir::{Language, TextRange};

/// Deeper syntax than this is not lowered: it protects the stack from generated code,
/// and no hand-written transaction code nests that deep. A nested `try` costs about 4 KiB
/// of stack per level in debug builds: 300 levels stay well within the 2 MiB of a test
/// thread.
const MAX_DEPTH: u32 = 300;

/// What entering a nested function adds to the depth: lowering one takes far more
/// stack than a statement or an expression.
const FUNCTION_DEPTH: u32 = 8;

/// A `finally` body is lowered twice (normal and abrupt copies), so `try` statements
/// nested in `finally` bodies double the work at each level. Beyond this nesting the
/// abrupt copy is left empty.
const MAX_FINALLY_NESTING: u32 = 6;

pub(crate) fn lower(source: &str, tree: &Tree) -> FileIr {
    let root = tree.root_node();
    let mut lowerer = Lowerer {
        src: source,
        ir: FileIr::empty(Language::Python),
        functions: Vec::new(),
        frames: Vec::new(),
        lowered: HashMap::new(),
        annotated_fields: HashSet::new(),
        annotated_globals: HashSet::new(),
        depth: 0,
        finally_nesting: 0,
    };
    if root.has_error() {
        collect_syntax_errors(root, &mut lowerer.ir.syntax_errors);
    }
    lowerer.collect_imports(root);
    lowerer.lower_module(root);
    lowerer.ir.functions = lowerer.functions.into_iter().flatten().collect();
    lowerer.ir
}

/// Field ids of the Python grammar, looked up once: looking a field up by name compares
/// strings against every field of the grammar on each call.
struct FieldIds {
    alias: NonZeroU16,
    alternative: NonZeroU16,
    argument: NonZeroU16,
    arguments: NonZeroU16,
    attribute: NonZeroU16,
    body: NonZeroU16,
    condition: NonZeroU16,
    consequence: NonZeroU16,
    definition: NonZeroU16,
    expression: NonZeroU16,
    function: NonZeroU16,
    guard: NonZeroU16,
    key: NonZeroU16,
    left: NonZeroU16,
    module_name: NonZeroU16,
    name: NonZeroU16,
    object: NonZeroU16,
    operator: NonZeroU16,
    operators: NonZeroU16,
    parameters: NonZeroU16,
    right: NonZeroU16,
    subject: NonZeroU16,
    superclasses: NonZeroU16,
    r#type: NonZeroU16,
    value: NonZeroU16,
}

fn fields() -> &'static FieldIds {
    static FIELDS: OnceLock<FieldIds> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let id = |name: &str| {
            language
                .field_id_for_name(name)
                .unwrap_or_else(|| panic!("tree-sitter-python has no field `{name}`"))
        };
        FieldIds {
            alias: id("alias"),
            alternative: id("alternative"),
            argument: id("argument"),
            arguments: id("arguments"),
            attribute: id("attribute"),
            body: id("body"),
            condition: id("condition"),
            consequence: id("consequence"),
            definition: id("definition"),
            expression: id("expression"),
            function: id("function"),
            guard: id("guard"),
            key: id("key"),
            left: id("left"),
            module_name: id("module_name"),
            name: id("name"),
            object: id("object"),
            operator: id("operator"),
            operators: id("operators"),
            parameters: id("parameters"),
            right: id("right"),
            subject: id("subject"),
            superclasses: id("superclasses"),
            r#type: id("type"),
            value: id("value"),
        }
    })
}

/// Records the range of every ERROR node, and of the statement around every MISSING one
/// (a missing token has an empty range, which would overlap nothing).
///
/// The walk keeps the ancestors of the cursor's node: tree-sitter's `Node::parent`
/// searches down from the root, so calling it for each of the MISSING tokens of deeply
/// nested unclosed code (`if x {` 2000 times) was quadratic in the depth.
fn collect_syntax_errors(root: Node, out: &mut Vec<TextRange>) {
    let mut cursor = root.walk();
    let mut ancestors: Vec<Node> = Vec::new();
    loop {
        let node = cursor.node();
        let mut descend = node.has_error();
        if node.is_error() {
            out.push(range(node));
            descend = false;
        } else if node.is_missing() {
            out.push(range(ancestors.last().copied().unwrap_or(node)));
        }
        if descend && cursor.goto_first_child() {
            ancestors.push(node);
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
            ancestors.pop();
        }
    }
}

/// Replaces the placeholder `Assigned(vec![])` inside a result use with `bindings`.
fn fill_assigned(use_: &mut ResultUse, bindings: &[Binding]) {
    match use_ {
        ResultUse::Assigned(existing) if existing.is_empty() => *existing = bindings.to_vec(),
        ResultUse::Field { then, .. } => fill_assigned(then, bindings),
        _ => {}
    }
}

/// The operand a binding stores to, to read it back (`a = b = f()`, `(x := f())`).
fn binding_operand(binding: &Binding) -> Operand {
    match binding {
        Binding::Var(var) => Operand::Var(*var),
        Binding::Place(place) => place.clone(),
        Binding::Blank => Operand::Other,
    }
}

/// The bytes between a string literal's quotes, and whether it interpolates anything.
fn string_content(node: Node) -> (std::ops::Range<usize>, bool) {
    let mut start = node.start_byte();
    let mut end = node.end_byte();
    let mut interpolated = false;
    for child in named_children(node) {
        match child.kind() {
            "string_start" => start = child.end_byte(),
            "string_end" => end = child.start_byte(),
            "interpolation" => interpolated = true,
            _ => {}
        }
    }
    (start..end.max(start), interpolated)
}

fn range(node: Node) -> TextRange {
    TextRange::from_usize(node.byte_range())
}

/// The range from `start` to `end`, never reversed.
fn span(start: usize, end: usize) -> TextRange {
    TextRange::from_usize(start..end.max(start))
}

fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect()
}

/// The named children of `node` in the field `field`.
fn field_children<'t>(node: Node<'t>, field: NonZeroU16) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_id(field, &mut cursor)
        .filter(|n| n.is_named() && n.kind() != "comment")
        .collect()
}

fn field<'t>(node: Node<'t>, field: NonZeroU16) -> Option<Node<'t>> {
    node.child_by_field_id(field.get())
}

/// Skips redundant parentheses.
fn unparen(mut node: Node) -> Node {
    while node.kind() == "parenthesized_expression" {
        match named_children(node).first() {
            Some(inner) => node = *inner,
            None => break,
        }
    }
    node
}

/// The call an expression evaluates to, through parentheses and `await`.
fn call_node(mut node: Node) -> Option<Node> {
    loop {
        match node.kind() {
            "call" => return Some(node),
            "parenthesized_expression" | "await" => node = *named_children(node).first()?,
            _ => return None,
        }
    }
}

/// The expressions an assignment target stands for, tuples and starred targets
/// flattened: `a, (b, *c)` gives `a`, `b`, `c`.
fn target_leaves(node: Node) -> Vec<Node> {
    let mut leaves = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "expression_list"
            | "parenthesized_expression"
            | "as_pattern_target"
            | "list_splat_pattern"
            | "list_splat" => {
                stack.extend(named_children(node).into_iter().rev());
            }
            _ => leaves.push(node),
        }
    }
    leaves
}

/// The identifiers a `case` pattern binds: capture patterns (`case x:`, `Point(x=px)`),
/// `as` names and starred names, in source order.
fn pattern_captures(pattern: Node) -> Vec<Node> {
    let mut captures = Vec::new();
    let mut stack = vec![(pattern, "")];
    while let Some((node, parent)) = stack.pop() {
        match node.kind() {
            // A lone name is a capture; a dotted name is a value pattern; the first name
            // of a class pattern is the class.
            "dotted_name" => {
                let parts = named_children(node);
                if let [only] = parts.as_slice() {
                    if parent != "class_pattern" {
                        captures.push(*only);
                    }
                }
            }
            "identifier" => {
                if matches!(parent, "as_pattern" | "splat_pattern") {
                    captures.push(node);
                }
            }
            _ => stack.extend(
                named_children(node)
                    .into_iter()
                    .rev()
                    .map(|child| (child, node.kind())),
            ),
        }
    }
    captures
}

struct Lowerer<'s> {
    src: &'s str,
    ir: FileIr,
    /// Functions by id; a slot is reserved when lowering starts so that functions nested
    /// inside get later ids and point back to their parent.
    functions: Vec<Option<Function>>,
    /// The functions being lowered, innermost last. The module is the outermost.
    frames: Vec<Frame>,
    /// Functions already lowered, by syntax node: a `finally` body is lowered twice, and
    /// the functions defined in it must exist once.
    lowered: HashMap<usize, FuncId>,
    /// Fields and globals whose type comes from an annotation, which beats a type
    /// inferred from a call.
    annotated_fields: HashSet<(String, String)>,
    annotated_globals: HashSet<String>,
    depth: u32,
    finally_nesting: u32,
}

struct Frame {
    id: FuncId,
    function: Function,
    cfg: CfgBuilder,
    /// Every local of the function (Python scoping: one scope per function), and the
    /// captured variables of enclosing functions once referred to.
    names: HashMap<String, VarId>,
    /// Names declared `global`.
    globals: HashSet<String>,
    /// The module's top-level code. Its names are globals to the functions it defines.
    is_module: bool,
    /// The class whose body is being lowered in this frame: assignments there define
    /// class attributes.
    class_body: Option<String>,
    /// For a method: its class and receiver, to record `self.x = …` fields.
    method_of: Option<(String, VarId)>,
    /// Enclosing `with`, loop and `try` constructs, innermost last.
    regions: Vec<Region>,
    /// Calls, awaits and yields lowered so far: a statement inside a `try` that adds some
    /// may raise.
    raise_points: u32,
    literal_count: u32,
}

/// A construct that control leaving it must account for.
enum Region {
    /// The body of a `with`: leaving it by `return`, `break` or `continue` exits its
    /// context managers.
    With(Vec<ContextExit>),
    Loop {
        break_to: BlockId,
        continue_to: BlockId,
    },
    /// The body of a `try`: exceptions go to its dispatch block.
    TryBody { dispatch: BlockId },
    /// The body, handlers and `else` of a `try` with a `finally`: every abrupt exit runs
    /// the abrupt copy of the `finally` body first.
    Finally(FinallyRegion),
}

struct FinallyRegion {
    /// Entry of the abrupt copy.
    entry: BlockId,
    /// Where the abrupt copy goes next, one block per exit through it.
    continuations: Vec<BlockId>,
    /// The continuation shared by exceptions that no handler of the `try` catches.
    exception_continuation: Option<BlockId>,
    /// The `try` statement.
    range: TextRange,
}

#[derive(Clone)]
struct ContextExit {
    context: Option<CallId>,
    value: Operand,
    range: TextRange,
}

impl ContextExit {
    fn event(&self, exceptional: bool) -> Event {
        Event::ScopeExit {
            context: self.context,
            value: self.value.clone(),
            range: self.range,
            exceptional,
        }
    }
}

/// The names a function body binds, found before lowering it.
#[derive(Default)]
struct Scan {
    /// Name, first binding, annotation.
    locals: Vec<(String, TextRange, Option<String>)>,
    index: HashMap<String, usize>,
    globals: HashSet<String>,
    nonlocals: HashSet<String>,
}

impl Scan {
    fn bind(&mut self, name: &str, at: TextRange, ty: Option<String>) {
        match self.index.get(name) {
            Some(&i) => {
                if self.locals[i].2.is_none() {
                    self.locals[i].2 = ty;
                }
            }
            None => {
                self.index.insert(name.to_string(), self.locals.len());
                self.locals.push((name.to_string(), at, ty));
            }
        }
    }
}

/// The parts of an `except` clause.
struct ExceptClause<'t> {
    /// The caught types as written; empty for a bare `except:`.
    catches: Vec<String>,
    /// `except T as e`, without the body.
    range: TextRange,
    /// The clause with its body.
    whole: TextRange,
    alias: Option<Node<'t>>,
    body: Option<Node<'t>>,
}

/// What a function's body is.
enum Body<'t> {
    Block(Node<'t>),
    /// A lambda's expression.
    Expression(Node<'t>),
}

struct FunctionSpec<'t> {
    node: Node<'t>,
    body: Body<'t>,
    parameters: Option<Node<'t>>,
    name: String,
    kind: FunctionKind,
    name_range: TextRange,
    parent: Option<FuncId>,
    decorators: Vec<String>,
    /// The class of a method whose first parameter is the receiver.
    receiver_class: Option<String>,
}

impl<'s> Lowerer<'s> {
    fn text(&self, node: Node) -> &'s str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    /// Text with whitespace removed, so `Optional[ Session ]` and `Optional[Session]`
    /// compare equal.
    fn compact(&self, node: Node) -> String {
        self.text(node).split_whitespace().collect()
    }

    /// Whether the lowering has gone too deep to follow `range`, which is then recorded as
    /// cut off (computed only here: measuring a syn node walks it). Module-level code is
    /// recorded as outside any function: `<module>` spans the whole file, and withholding
    /// its findings would withhold every function's.
    fn too_deep(&mut self, range: impl FnOnce(&Self) -> TextRange) -> bool {
        if self.depth <= MAX_DEPTH {
            return false;
        }
        let range = range(self);
        let function = self
            .frames
            .last()
            .filter(|frame| !frame.is_module)
            .map(|frame| frame.id);
        self.ir.cut_off(function, range);
        true
    }

    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("lowering outside a function")
    }

    fn frame_ref(&self) -> &Frame {
        self.frames.last().expect("lowering outside a function")
    }

    // ----- imports, fields, globals ----------------------------------------------------

    /// Records every import of the file, top-level or not, before any code is lowered:
    /// callees are resolved against them.
    fn collect_imports(&mut self, root: Node) {
        let mut cursor = root.walk();
        loop {
            let node = cursor.node();
            let is_import = matches!(node.kind(), "import_statement" | "import_from_statement");
            if is_import {
                self.lower_import(node);
            }
            if !is_import && cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
            }
        }
    }

    /// One [`Import`] per bound name, its alias always the bound name.
    fn lower_import(&mut self, node: Node) {
        let module = if node.kind() == "import_from_statement" {
            match field(node, fields().module_name) {
                Some(module) if module.kind() == "dotted_name" => Some(self.compact(module)),
                // Relative imports (`from ..auth import db`) keep their dots: the project
                // index resolves them against the importing module.
                Some(module) if module.kind() == "relative_import" => Some(self.compact(module)),
                _ => return,
            }
        } else {
            None
        };
        for name in field_children(node, fields().name) {
            let (path, alias) = match name.kind() {
                "dotted_name" => {
                    let dotted = self.compact(name);
                    match &module {
                        Some(module) => {
                            let bound = dotted.rsplit('.').next().unwrap_or(&dotted).to_string();
                            (join_module(module, &dotted), bound)
                        }
                        // `import a.b.c` binds `a`.
                        None => {
                            let first = dotted.split('.').next().unwrap_or(&dotted).to_string();
                            (first.clone(), first)
                        }
                    }
                }
                "aliased_import" => {
                    let (Some(path), Some(alias)) =
                        (field(name, fields().name), field(name, fields().alias))
                    else {
                        continue;
                    };
                    let path = self.compact(path);
                    let path = match &module {
                        Some(module) => join_module(module, &path),
                        None => path,
                    };
                    (path, self.text(alias).to_string())
                }
                _ => continue,
            };
            if path.is_empty() || alias.is_empty() {
                continue;
            }
            self.ir.imports.push(Import {
                path,
                alias: Some(alias),
                range: range(name),
            });
        }
    }

    fn is_import(&self, name: &str) -> bool {
        self.ir.import_named(name).is_some()
    }

    /// The type a value evidently has: the callee of a call, `psycopg.connect()`.
    fn evident_type(&self, value: Node) -> Option<String> {
        let call = call_node(value)?;
        let function = field(call, fields().function)?;
        Some(format!("{}()", self.compact(function)))
    }

    fn add_field(&mut self, owner: &str, name: &str, ty: String, annotated: bool) {
        let key = (owner.to_string(), name.to_string());
        if let Some(existing) = self
            .ir
            .fields
            .iter_mut()
            .find(|f| f.owner == owner && f.name == name)
        {
            if annotated && !self.annotated_fields.contains(&key) {
                existing.ty = ty;
                self.annotated_fields.insert(key);
            }
            return;
        }
        if annotated {
            self.annotated_fields.insert(key);
        }
        self.ir.fields.push(FieldDecl {
            owner: owner.to_string(),
            name: name.to_string(),
            ty,
            embedded: false,
        });
    }

    fn add_global(&mut self, name: &str, ty: String, annotated: bool) {
        if let Some(existing) = self.ir.globals.iter_mut().find(|g| g.name == name) {
            if annotated && !self.annotated_globals.contains(name) {
                existing.ty = ty;
                self.annotated_globals.insert(name.to_string());
            }
            return;
        }
        if annotated {
            self.annotated_globals.insert(name.to_string());
        }
        self.ir.globals.push(GlobalDecl {
            name: name.to_string(),
            ty,
        });
    }

    /// Records class attributes, `self.x` fields and module globals an assignment
    /// declares, with the annotation or the evident type of the value.
    fn record_declarations(
        &mut self,
        targets: &[Node],
        annotation: Option<Node>,
        value: Option<Node>,
    ) {
        let annotated = annotation.is_some();
        let ty = match annotation {
            Some(annotation) => self.compact(annotation),
            None => match value.and_then(|v| self.evident_type(v)) {
                Some(ty) => ty,
                None => return,
            },
        };
        for target in targets {
            let target = unparen(*target);
            match target.kind() {
                "identifier" => {
                    let name = self.text(target);
                    let frame = self.frame_ref();
                    if let Some(class) = frame.class_body.clone() {
                        self.add_field(&class, name, ty.clone(), annotated);
                    } else if frame.is_module {
                        self.add_global(name, ty.clone(), annotated);
                    }
                }
                "attribute" => {
                    let Some((class, receiver)) = self.frame_ref().method_of.clone() else {
                        continue;
                    };
                    let (Some(object), Some(attribute)) = (
                        field(target, fields().object),
                        field(target, fields().attribute),
                    ) else {
                        continue;
                    };
                    let object = unparen(object);
                    if object.kind() == "identifier"
                        && self.lookup(self.text(object)) == Some(receiver)
                    {
                        let name = self.text(attribute);
                        self.add_field(&class, name, ty.clone(), annotated);
                    }
                }
                _ => {}
            }
        }
    }

    // ----- functions -------------------------------------------------------------------

    fn reserve_function(&mut self) -> FuncId {
        let id = FuncId(u32::try_from(self.functions.len()).unwrap_or(u32::MAX));
        self.functions.push(None);
        id
    }

    fn push_frame(&mut self, id: FuncId, function: Function, is_module: bool) {
        self.frames.push(Frame {
            id,
            function,
            cfg: CfgBuilder::new(),
            names: HashMap::new(),
            globals: HashSet::new(),
            is_module,
            class_body: None,
            method_of: None,
            regions: Vec::new(),
            raise_points: 0,
            literal_count: 0,
        });
    }

    /// Ends the function being lowered with an implicit return at `end` if its last
    /// block falls off, and stores it.
    fn finish_function(&mut self, end: TextRange) {
        if self.frame().cfg.current().is_some() {
            self.frame().cfg.terminate(Terminator::Return {
                range: end,
                values: Vec::new(),
                implicit: true,
            });
        }
        let mut frame = self.frames.pop().expect("frame pushed by the caller");
        frame.function.cfg = frame.cfg.finish();
        let index = frame.id.index();
        self.functions[index] = Some(frame.function);
    }

    /// The module's top-level statements, as the function `<module>`.
    fn lower_module(&mut self, root: Node) {
        let id = self.reserve_function();
        let end = self.src.len();
        let function = new_function(
            "<module>".to_string(),
            FunctionKind::Function,
            TextRange::from_usize(0..end),
            TextRange::empty(0),
            None,
            Vec::new(),
        );
        self.push_frame(id, function, true);
        let statements = named_children(root);
        let scan = self.prescan(statements.clone(), true);
        self.declare_locals(scan);
        for statement in statements {
            self.statement(statement);
        }
        self.finish_function(TextRange::from_usize(end..end));
    }

    /// `def` and `async def`: a function at module level, a method in a class body, a
    /// literal (with its name bound as a local) elsewhere. [`Self::definition`] has
    /// evaluated its decorators and default values.
    fn function_definition(&mut self, node: Node, decorators: &[Node]) {
        let decorator_texts: Vec<String> = decorators
            .iter()
            .filter_map(|d| named_children(*d).first().map(|e| self.compact(*e)))
            .collect();
        let parameters = field(node, fields().parameters);
        let (Some(name_node), Some(body)) =
            (field(node, fields().name), field(node, fields().body))
        else {
            return;
        };
        let name = self.text(name_node).to_string();
        let (class, is_module, parent) = {
            let frame = self.frame_ref();
            (frame.class_body.clone(), frame.is_module, frame.id)
        };
        let kind = match (&class, is_module) {
            (Some(_), _) => FunctionKind::Method,
            (None, true) => FunctionKind::Function,
            (None, false) => FunctionKind::Literal,
        };
        let id = match self.lowered.get(&node.id()) {
            Some(&id) => id,
            None => {
                let (qualified, receiver_class) = match &class {
                    Some(class) => {
                        let is_static = decorator_texts.iter().any(|d| d == "staticmethod");
                        (
                            format!("{class}.{name}"),
                            (!is_static).then(|| class.clone()),
                        )
                    }
                    None if is_module => (name.clone(), None),
                    None => (self.literal_name(), None),
                };
                self.lower_function(FunctionSpec {
                    node,
                    body: Body::Block(body),
                    parameters,
                    name: qualified,
                    kind,
                    name_range: range(name_node),
                    parent: (!is_module).then_some(parent),
                    decorators: decorator_texts,
                    receiver_class,
                })
            }
        };
        if kind == FunctionKind::Literal {
            let binding = self.binding(name_node);
            self.push(Event::Assign {
                targets: vec![binding],
                values: vec![Operand::Closure(id)],
                range: range(node),
            });
        }
    }

    /// The name of the next literal of the current function: `outer.func1`, …
    fn literal_name(&mut self) -> String {
        let frame = self.frame();
        frame.literal_count += 1;
        format!("{}.func{}", frame.function.name, frame.literal_count)
    }

    fn lambda(&mut self, node: Node) -> Operand {
        if let Some(&id) = self.lowered.get(&node.id()) {
            return Operand::Closure(id);
        }
        let Some(body) = field(node, fields().body) else {
            return Operand::Other;
        };
        let parameters = field(node, fields().parameters);
        if let Some(parameters) = parameters {
            self.parameter_defaults(parameters);
        }
        let parent = self.frame_ref().id;
        let name = self.literal_name();
        let keyword = node.child(0).map_or(range(node), range);
        let id = self.lower_function(FunctionSpec {
            node,
            body: Body::Expression(body),
            parameters,
            name,
            kind: FunctionKind::Literal,
            name_range: keyword,
            parent: Some(parent),
            decorators: Vec::new(),
            receiver_class: None,
        });
        Operand::Closure(id)
    }

    fn parameter_defaults(&mut self, parameters: Node) {
        for parameter in named_children(parameters) {
            if matches!(
                parameter.kind(),
                "default_parameter" | "typed_default_parameter"
            ) {
                if let Some(value) = field(parameter, fields().value) {
                    self.expr(value, ResultUse::Used);
                }
            }
        }
    }

    fn lower_function(&mut self, spec: FunctionSpec) -> FuncId {
        self.depth += FUNCTION_DEPTH;
        let id = self.lower_function_inner(spec);
        self.depth -= FUNCTION_DEPTH;
        id
    }

    fn lower_function_inner(&mut self, spec: FunctionSpec) -> FuncId {
        let id = self.reserve_function();
        self.lowered.insert(spec.node.id(), id);
        let function = new_function(
            spec.name,
            spec.kind,
            range(spec.node),
            spec.name_range,
            spec.parent,
            spec.decorators,
        );
        self.push_frame(id, function, false);
        let mut params = match spec.parameters {
            Some(list) => self.declare_params(list),
            None => Vec::new(),
        };
        if let Some(class) = spec.receiver_class {
            if !params.is_empty() {
                let receiver = params.remove(0);
                let frame = self.frame();
                let var = &mut frame.function.vars[receiver.index()];
                var.kind = VarKind::Receiver;
                // An unannotated receiver has its class's type, as a Go receiver does.
                var.ty.get_or_insert_with(|| class.clone());
                frame.function.receiver = Some(receiver);
                frame.method_of = Some((class, receiver));
            }
        }
        self.frame().function.params = params;
        match spec.body {
            Body::Block(block) => {
                let statements = named_children(block);
                let scan = self.prescan(statements.clone(), false);
                self.declare_locals(scan);
                for statement in statements {
                    self.statement(statement);
                }
            }
            Body::Expression(expr) => {
                let scan = self.prescan(vec![expr], false);
                self.declare_locals(scan);
                let value = self.expr(expr, ResultUse::Returned);
                let frame = self.frame();
                frame.function.result_count = 1;
                frame.cfg.terminate(Terminator::Return {
                    range: range(expr),
                    values: vec![value],
                    implicit: false,
                });
            }
        }
        let end = u32::try_from(spec.node.end_byte()).unwrap_or(u32::MAX);
        self.finish_function(TextRange::empty(end));
        id
    }

    /// Declares the named parameters of a parameter list; returns them in order.
    fn declare_params(&mut self, list: Node) -> Vec<VarId> {
        let mut declared = Vec::new();
        for param in named_children(list) {
            let ty = field(param, fields().r#type).map(|t| self.compact(t));
            let name = match param.kind() {
                "identifier" => Some(param),
                "default_parameter" | "typed_default_parameter" => field(param, fields().name),
                "typed_parameter" => named_children(param)
                    .into_iter()
                    .find(|c| c.kind() != "type"),
                "list_splat_pattern" | "dictionary_splat_pattern" => Some(param),
                _ => None,
            };
            // `*args`, `**kwargs`, typed or not.
            let name = name.and_then(|n| match n.kind() {
                "identifier" => Some(n),
                "list_splat_pattern" | "dictionary_splat_pattern" => named_children(n)
                    .into_iter()
                    .find(|c| c.kind() == "identifier"),
                _ => None,
            });
            if let Some(name) = name {
                let text = self.text(name);
                declared.push(self.declare(text, VarKind::Param, ty, range(name)));
            }
        }
        declared
    }

    /// Finds the names a body binds anywhere (Python scoping), without descending into
    /// nested functions, lambdas or classes. At module level, `def` and `class` names are
    /// not locals: calls of them resolve to the file's functions.
    fn prescan(&self, roots: Vec<Node>, is_module: bool) -> Scan {
        let mut scan = Scan::default();
        let mut stack = roots;
        stack.reverse();
        let bind_targets = |scan: &mut Scan, target: Node, ty: Option<String>| {
            for leaf in target_leaves(target) {
                if leaf.kind() == "identifier" {
                    scan.bind(self.text(leaf), range(leaf), ty.clone());
                }
            }
        };
        while let Some(node) = stack.pop() {
            match node.kind() {
                "function_definition" | "class_definition" => {
                    if !is_module {
                        if let Some(name) = field(node, fields().name) {
                            scan.bind(self.text(name), range(name), None);
                        }
                    }
                    continue;
                }
                // Imported names resolve to their import, as at module level.
                "lambda"
                | "import_statement"
                | "import_from_statement"
                | "future_import_statement" => continue,
                "global_statement" | "nonlocal_statement" => {
                    let set = if node.kind() == "global_statement" {
                        &mut scan.globals
                    } else {
                        &mut scan.nonlocals
                    };
                    for name in named_children(node) {
                        set.insert(self.text(name).to_string());
                    }
                    continue;
                }
                "assignment" => {
                    if let Some(left) = field(node, fields().left) {
                        let annotation = field(node, fields().r#type)
                            .filter(|_| unparen(left).kind() == "identifier")
                            .map(|t| self.compact(t));
                        bind_targets(&mut scan, left, annotation);
                    }
                }
                "augmented_assignment" | "for_statement" | "for_in_clause" => {
                    if let Some(left) = field(node, fields().left) {
                        bind_targets(&mut scan, left, None);
                    }
                }
                "named_expression" => {
                    if let Some(name) = field(node, fields().name) {
                        scan.bind(self.text(name), range(name), None);
                    }
                }
                "as_pattern" | "except_clause" => {
                    if let Some(alias) = field(node, fields().alias) {
                        bind_targets(&mut scan, alias, None);
                    }
                }
                "case_clause" => {
                    for pattern in named_children(node) {
                        if pattern.kind() == "case_pattern" {
                            for capture in pattern_captures(pattern) {
                                scan.bind(self.text(capture), range(capture), None);
                            }
                        }
                    }
                }
                _ => {}
            }
            stack.extend(named_children(node).into_iter().rev());
        }
        scan
    }

    fn declare_locals(&mut self, scan: Scan) {
        let is_module = self.frame_ref().is_module;
        for (name, at, ty) in scan.locals {
            let frame = self.frame_ref();
            let skip = frame.names.contains_key(&name)
                || (!is_module && (scan.globals.contains(&name) || scan.nonlocals.contains(&name)));
            if !skip {
                self.declare(&name, VarKind::Local, ty, at);
            }
        }
        if !is_module {
            self.frame().globals = scan.globals;
        }
    }

    fn declare(&mut self, name: &str, kind: VarKind, ty: Option<String>, at: TextRange) -> VarId {
        let frame = self.frame();
        let id = VarId(u32::try_from(frame.function.vars.len()).unwrap_or(u32::MAX));
        frame.function.vars.push(Var {
            name: name.to_string(),
            kind,
            ty,
            range: at,
            outer: None,
        });
        frame.names.insert(name.to_string(), id);
        id
    }

    /// Resolves a name to a local of the current function, or to a local of an
    /// enclosing function (recorded as a captured variable). Names declared `global`,
    /// and the module's names seen from a function, are not variables.
    fn lookup(&mut self, name: &str) -> Option<VarId> {
        let current = self.frames.len().checked_sub(1)?;
        let frame = &self.frames[current];
        if frame.globals.contains(name) {
            return None;
        }
        if let Some(&var) = frame.names.get(name) {
            return Some(var);
        }
        if frame.is_module {
            return None;
        }
        let mut found = None;
        for i in (0..current).rev() {
            let outer = &self.frames[i];
            if outer.is_module || outer.globals.contains(name) {
                return None;
            }
            if let Some(&var) = outer.names.get(name) {
                found = Some((i, var));
                break;
            }
        }
        let (frame_index, var) = found?;
        let outer = (self.frames[frame_index].id, var);
        let ty = self.frames[frame_index].function.var(var).ty.clone();
        let at = self.frames[frame_index].function.var(var).range;
        let frame = self.frame();
        let id = VarId(u32::try_from(frame.function.vars.len()).unwrap_or(u32::MAX));
        frame.function.vars.push(Var {
            name: name.to_string(),
            kind: VarKind::Captured,
            ty,
            range: at,
            outer: Some(outer),
        });
        frame.names.insert(name.to_string(), id);
        Some(id)
    }

    fn push(&mut self, event: Event) {
        self.frame().cfg.push(event);
    }

    fn new_block(&mut self) -> BlockId {
        self.frame().cfg.new_block()
    }

    /// A new block ending with `terminator`, leaving the current block current.
    fn detached_block(&mut self, terminator: Terminator) -> BlockId {
        let cfg = &mut self.frame().cfg;
        let saved = cfg.current();
        let block = cfg.new_block();
        cfg.switch_to(block);
        cfg.terminate(terminator);
        if let Some(saved) = saved {
            cfg.switch_to(saved);
        }
        block
    }

    // ----- exceptions and abrupt exits -------------------------------------------------

    /// The innermost `try` body or `finally` region below `top` in the region stack:
    /// (index, block an exception goes to, whether it is a `finally`).
    fn exception_region(&self, top: usize) -> Option<(usize, BlockId, bool)> {
        self.frame_ref().regions[..top]
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, region)| match region {
                Region::TryBody { dispatch } => Some((i, *dispatch, false)),
                Region::Finally(finally) => Some((i, finally.entry, true)),
                _ => None,
            })
    }

    /// Where an exception raised inside the regions below `top` goes: a dispatch block,
    /// or the abrupt copy of a `finally` (which then goes on to the outer target). `None`
    /// when the exception leaves the function.
    fn exception_target(&mut self, top: usize) -> Option<BlockId> {
        let (index, block, is_finally) = self.exception_region(top)?;
        if is_finally {
            self.exception_continuation(index);
        }
        Some(block)
    }

    /// Registers, once, where the abrupt copy of the `finally` at `index` sends an
    /// exception: the outer target, or out of the function.
    fn exception_continuation(&mut self, index: usize) {
        let try_range = match &self.frame_ref().regions[index] {
            Region::Finally(finally) if finally.exception_continuation.is_none() => finally.range,
            _ => return,
        };
        let continuation = match self.exception_target(index) {
            Some(block) => block,
            None => self.detached_block(Terminator::Raise { range: try_range }),
        };
        if let Region::Finally(finally) = &mut self.frame().regions[index] {
            finally.exception_continuation = Some(continuation);
            if !finally.continuations.contains(&continuation) {
                finally.continuations.push(continuation);
            }
        }
    }

    /// The exits of the `with` bodies an exception raised here leaves before it reaches
    /// the region at `index`: innermost first.
    fn with_exits_above(&self, index: usize) -> Vec<Event> {
        self.frame_ref().regions[index + 1..]
            .iter()
            .rev()
            .filter_map(|region| match region {
                Region::With(exits) => Some(exits.iter().rev().map(|e| e.event(true))),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// `target`, or a block that first runs the exits of the `with` bodies between here
    /// and the region at `index` (their context managers see the exception).
    fn through_with_exits(&mut self, index: usize, target: BlockId) -> BlockId {
        let exits = self.with_exits_above(index);
        if exits.is_empty() {
            return target;
        }
        let saved = self.frame_ref().cfg.current();
        let detour = self.new_block();
        self.frame().cfg.switch_to(detour);
        for event in exits {
            self.push(event);
        }
        self.frame().cfg.terminate(Terminator::Goto(target));
        if let Some(saved) = saved {
            self.frame().cfg.switch_to(saved);
        }
        detour
    }

    /// After a statement inside a `try` that may raise: an exception edge to the current
    /// exception target.
    fn may_raise(&mut self, at: TextRange) {
        if self.frame_ref().cfg.current().is_none() {
            return;
        }
        let top = self.frame_ref().regions.len();
        let Some(handler) = self.exception_target(top) else {
            return;
        };
        let index = self.exception_region(top).map_or(0, |(i, _, _)| i);
        let handler = self.through_with_exits(index, handler);
        let normal = self.new_block();
        self.frame().cfg.terminate(Terminator::MayRaise {
            range: at,
            normal,
            handler,
        });
        self.frame().cfg.switch_to(normal);
    }

    /// Lowers an expression of a statement header (a condition, an iterable, a subject),
    /// with an exception edge when it calls something.
    fn header(&mut self, node: Node) {
        let before = self.frame_ref().raise_points;
        self.expr(node, ResultUse::Used);
        if self.frame_ref().raise_points > before {
            self.may_raise(range(node));
        }
    }

    /// Leaves the regions above `until` by a `return`, `break` or `continue`: exits the
    /// context managers of `with` bodies and detours through the abrupt copy of each
    /// `finally`, innermost first. The caller then ends the last block.
    fn leave(&mut self, until: usize) {
        let mut i = self.frame_ref().regions.len();
        while i > until {
            i -= 1;
            match &self.frame_ref().regions[i] {
                Region::With(exits) => {
                    let events: Vec<Event> = exits.iter().rev().map(|e| e.event(false)).collect();
                    for event in events {
                        self.push(event);
                    }
                }
                Region::Finally(finally) => {
                    let entry = finally.entry;
                    let continuation = self.new_block();
                    if let Region::Finally(finally) = &mut self.frame().regions[i] {
                        finally.continuations.push(continuation);
                    }
                    self.frame().cfg.terminate(Terminator::Goto(entry));
                    self.frame().cfg.switch_to(continuation);
                }
                Region::Loop { .. } | Region::TryBody { .. } => {}
            }
        }
    }

    // ----- statements ------------------------------------------------------------------

    fn statements(&mut self, block: Node) {
        for child in named_children(block) {
            self.statement(child);
        }
    }

    fn statement(&mut self, node: Node) {
        if self.too_deep(|_| range(node)) {
            return;
        }
        self.depth += 1;
        self.statement_inner(node);
        self.depth -= 1;
    }

    fn statement_inner(&mut self, node: Node) {
        match node.kind() {
            "expression_statement"
            | "assert_statement"
            | "delete_statement"
            | "print_statement"
            | "exec_statement" => self.simple_statement(node),
            "return_statement" => self.return_statement(node),
            "raise_statement" => self.raise_statement(node),
            "break_statement" | "continue_statement" => self.break_continue(node),
            "pass_statement"
            | "global_statement"
            | "nonlocal_statement"
            | "import_statement"
            | "import_from_statement"
            | "future_import_statement"
            | "type_alias_statement" => {}
            "if_statement" => self.if_statement(node),
            "while_statement" => self.while_statement(node),
            "for_statement" => self.for_statement(node),
            "try_statement" => self.try_statement(node),
            "with_statement" => self.with_statement(node),
            "match_statement" => self.match_statement(node),
            "function_definition" | "class_definition" | "decorated_definition" => {
                self.definition(node)
            }
            "block" => self.statements(node),
            _ => {
                // Anything else (an ERROR node, an unknown construct): evaluate its parts.
                self.expr(node, ResultUse::Used);
            }
        }
    }

    /// A statement without a body; inside a `try`, one that calls, awaits, yields or
    /// asserts gets an exception edge after it.
    fn simple_statement(&mut self, node: Node) {
        let before = self.frame_ref().raise_points;
        match node.kind() {
            "expression_statement" => self.expression_statement(node),
            _ => {
                for child in named_children(node) {
                    self.expr(child, ResultUse::Used);
                }
            }
        }
        if self.frame_ref().raise_points > before || node.kind() == "assert_statement" {
            self.may_raise(range(node));
        }
    }

    fn expression_statement(&mut self, node: Node) {
        let children = named_children(node);
        let [only] = children.as_slice() else {
            // `a, b` as a statement: a tuple nobody keeps.
            for child in children {
                self.expr(child, ResultUse::Used);
            }
            return;
        };
        match only.kind() {
            "assignment" => self.assignment(*only),
            "augmented_assignment" => {
                for child in named_children(*only) {
                    self.expr(child, ResultUse::Used);
                }
                // `n += 1` gives a variable a new value the analyses cannot know.
                let left = field(*only, fields().left).map(unparen);
                if let Some(left) = left.filter(|l| l.kind() == "identifier") {
                    let target = self.binding(left);
                    self.push(Event::Assign {
                        targets: vec![target],
                        values: vec![Operand::Other],
                        range: range(*only),
                    });
                }
            }
            _ if call_node(*only).is_some() => {
                self.expr(*only, ResultUse::Discarded);
            }
            _ => {
                self.expr(*only, ResultUse::Used);
            }
        }
    }

    fn assignment(&mut self, node: Node) {
        let Some(left) = field(node, fields().left) else {
            return;
        };
        let annotation = field(node, fields().r#type);
        // `a = b = value`: one value, several targets.
        let mut targets = vec![left];
        let mut value = field(node, fields().right);
        while let Some(chained) = value.filter(|v| v.kind() == "assignment") {
            if let Some(left) = field(chained, fields().left) {
                targets.push(left);
            }
            value = field(chained, fields().right);
        }
        self.record_declarations(&targets, annotation, value);
        let Some(value) = value else {
            return; // `x: int` declares without assigning.
        };
        if value.kind() == "augmented_assignment" {
            self.expr(value, ResultUse::Used);
            return;
        }
        let lhs = unparen(left);
        let rhs = unparen(value);
        let pairwise = matches!(lhs.kind(), "pattern_list" | "tuple_pattern" | "tuple")
            && matches!(rhs.kind(), "expression_list" | "tuple")
            && targets.len() == 1;
        if pairwise {
            let lefts = named_children(lhs);
            let rights = named_children(rhs);
            let starred = lefts
                .iter()
                .chain(&rights)
                .any(|n| matches!(n.kind(), "list_splat_pattern" | "list_splat"));
            if lefts.len() == rights.len() && !starred {
                // `a, b = c, d`: each value to its target.
                for (left, right) in lefts.into_iter().zip(rights) {
                    self.bind_value(target_leaves(left), right, range(node));
                }
                return;
            }
        }
        let bindings = self.bind_value(target_leaves(left), value, range(node));
        let values: Vec<Operand> = match bindings.as_slice() {
            [only] => vec![binding_operand(only)],
            _ => vec![Operand::Other; bindings.len()],
        };
        for target in &targets[1..] {
            let more: Vec<Binding> = target_leaves(*target)
                .into_iter()
                .map(|leaf| self.binding(leaf))
                .collect();
            let values = if more.len() == values.len() {
                values.clone()
            } else {
                vec![Operand::Other; more.len()]
            };
            self.push(Event::Assign {
                targets: more,
                values,
                range: range(node),
            });
        }
    }

    /// Assigns `value` to the flattened targets `leaves`. A call's result use says where
    /// its value goes; any other value is an [`Event::Assign`]. The value is lowered
    /// first: Python evaluates it before binding.
    fn bind_value(&mut self, leaves: Vec<Node>, value: Node, at: TextRange) -> Vec<Binding> {
        let first = self.frame_ref().function.calls.len();
        let operand = self.expr(value, ResultUse::Assigned(Vec::new()));
        let bindings: Vec<Binding> = leaves.into_iter().map(|leaf| self.binding(leaf)).collect();
        let frame = self.frame();
        for call in &mut frame.function.calls[first..] {
            fill_assigned(&mut call.result, &bindings);
        }
        if !matches!(operand, Operand::Call(_)) && !bindings.is_empty() {
            let values = match bindings.as_slice() {
                [_] => vec![operand],
                _ => vec![Operand::Other; bindings.len()],
            };
            self.push(Event::Assign {
                targets: bindings.clone(),
                values,
                range: at,
            });
        }
        // `d = {"key": True}` is `d = {}` then `d["key"] = True`, for the literal entries.
        if let [binding @ (Binding::Var(_)
        | Binding::Place(Operand::Field(..) | Operand::Global(_)))] = bindings.as_slice()
        {
            let entries = self.literal_entries(unparen(value));
            if !entries.is_empty() {
                let base = binding_operand(binding);
                let (targets, values) = entries
                    .into_iter()
                    .map(|(key, value)| {
                        (
                            Binding::Place(Operand::Item(Box::new(base.clone()), key)),
                            value,
                        )
                    })
                    .unzip();
                self.push(Event::Assign {
                    targets,
                    values,
                    range: at,
                });
            }
        }
        bindings
    }

    /// The binding for one assignment target. `_` is an ordinary name in Python.
    fn binding(&mut self, target: Node) -> Binding {
        let target = unparen(target);
        match target.kind() {
            "identifier" => {
                let name = self.text(target);
                if let Some(class) = self.frame_ref().class_body.clone() {
                    // A class attribute.
                    return Binding::Place(Operand::Field(
                        Box::new(Operand::Global(class)),
                        name.to_string(),
                    ));
                }
                match self.lookup(name) {
                    Some(var) => Binding::Var(var),
                    None => Binding::Place(Operand::Global(name.to_string())),
                }
            }
            "attribute" => match self.peek_operand(target) {
                Some(place) => Binding::Place(place),
                None => {
                    let object = field(target, fields().object)
                        .map_or(Operand::Other, |o| self.expr(o, ResultUse::Used));
                    let name = field(target, fields().attribute)
                        .map(|a| self.text(a).to_string())
                        .unwrap_or_default();
                    Binding::Place(Operand::Field(Box::new(object), name))
                }
            },
            _ => {
                // A subscript (its parts are read) or anything unexpected.
                self.expr(target, ResultUse::Used);
                Binding::Place(self.literal_item(target).unwrap_or(Operand::Other))
            }
        }
    }

    /// `base["key"]` with a literal key, as an [`Operand::Item`].
    fn literal_item(&mut self, node: Node) -> Option<Operand> {
        if node.kind() != "subscript" {
            return None;
        }
        let base = field(node, fields().value)?;
        let [_, key] = named_children(node)[..] else {
            return None;
        };
        let (content, interpolated) = string_content(key);
        if key.kind() != "string" || interpolated {
            return None;
        }
        let key = self.src.get(content)?.to_string();
        Some(Operand::Item(Box::new(self.peek_operand(base)?), key))
    }

    /// Binds targets to values nobody tracks (loop variables, `except … as e`, `case`
    /// captures).
    fn bind_unknown(&mut self, leaves: Vec<Node>, at: TextRange) {
        if leaves.is_empty() {
            return;
        }
        let targets: Vec<Binding> = leaves.into_iter().map(|leaf| self.binding(leaf)).collect();
        let values = vec![Operand::Other; targets.len()];
        self.push(Event::Assign {
            targets,
            values,
            range: at,
        });
    }

    fn return_statement(&mut self, node: Node) {
        let before = self.frame_ref().raise_points;
        let mut values = Vec::new();
        for child in named_children(node) {
            let exprs = if child.kind() == "expression_list" {
                named_children(child)
            } else {
                vec![child]
            };
            for expr in exprs {
                values.push(self.expr(expr, ResultUse::Returned));
            }
        }
        if !values.is_empty() {
            self.frame().function.result_count = 1;
        }
        if self.frame_ref().raise_points > before {
            self.may_raise(range(node));
        }
        self.leave(0);
        self.frame().cfg.terminate(Terminator::Return {
            range: range(node),
            values,
            implicit: false,
        });
    }

    /// `raise`, `raise X`, `raise X from e`: to the current exception target, through the
    /// abrupt copy of a `finally` if one is in the way, or out of the function.
    fn raise_statement(&mut self, node: Node) {
        for child in named_children(node) {
            self.expr(child, ResultUse::Used);
        }
        let at = range(node);
        self.push(Event::Raise { range: at });
        let top = self.frame_ref().regions.len();
        match self.exception_region(top) {
            Some((index, dispatch, false)) => {
                let target = self.through_with_exits(index, dispatch);
                self.frame().cfg.terminate(Terminator::Goto(target));
            }
            Some((index, entry, true)) => {
                let continuation = match self.exception_target(index) {
                    Some(block) => block,
                    None => self.detached_block(Terminator::Raise { range: at }),
                };
                if let Region::Finally(finally) = &mut self.frame().regions[index] {
                    if !finally.continuations.contains(&continuation) {
                        finally.continuations.push(continuation);
                    }
                }
                let target = self.through_with_exits(index, entry);
                self.frame().cfg.terminate(Terminator::Goto(target));
            }
            None => self.frame().cfg.terminate(Terminator::Raise { range: at }),
        }
    }

    fn break_continue(&mut self, node: Node) {
        let is_break = node.kind() == "break_statement";
        let found =
            self.frame_ref().regions.iter().enumerate().rev().find_map(
                |(i, region)| match region {
                    Region::Loop {
                        break_to,
                        continue_to,
                    } => Some((i, if is_break { *break_to } else { *continue_to })),
                    _ => None,
                },
            );
        let Some((index, target)) = found else {
            return; // Not inside a loop: invalid Python, nothing to lower.
        };
        self.leave(index + 1);
        let kind = if is_break {
            JumpKind::Break
        } else {
            JumpKind::Continue
        };
        self.frame().cfg.jump(
            target,
            Jump {
                kind,
                range: range(node),
            },
        );
    }

    fn if_statement(&mut self, node: Node) {
        let join = self.new_block();
        let mut branches = vec![(
            field(node, fields().condition),
            field(node, fields().consequence),
        )];
        let mut otherwise = None;
        for alternative in field_children(node, fields().alternative) {
            match alternative.kind() {
                "elif_clause" => branches.push((
                    field(alternative, fields().condition),
                    field(alternative, fields().consequence),
                )),
                _ => otherwise = field(alternative, fields().body),
            }
        }
        for (condition, consequence) in branches {
            let then_block = self.new_block();
            let else_block = self.new_block();
            match condition {
                Some(condition) => self.branch_on(condition, then_block, else_block, 0),
                None => self.frame().cfg.terminate(Terminator::Branch {
                    range: range(node),
                    nil_test: None,
                    then_block,
                    else_block,
                }),
            }
            self.frame().cfg.switch_to(then_block);
            if let Some(consequence) = consequence {
                self.statements(consequence);
            }
            self.frame().cfg.goto_and_switch(join);
            self.frame().cfg.switch_to(else_block);
        }
        if let Some(otherwise) = otherwise {
            self.statements(otherwise);
        }
        self.frame().cfg.goto_and_switch(join);
    }

    /// Branches to `then_block` or `else_block` on a condition, one test at a time as
    /// Python evaluates it: `a and b` tests `b` only where `a` held, `a or b` only where it
    /// did not, and `not (…)` swaps the targets. So each part's nil test decides its own
    /// edge (`if conn and not conn.closed:`), and a call in `b` runs only on its paths.
    fn branch_on(&mut self, condition: Node, then_block: BlockId, else_block: BlockId, depth: u32) {
        let inner = unparen(condition);
        if depth < MAX_DEPTH {
            if inner.kind() == "not_operator" {
                if let Some(argument) = field(inner, fields().argument) {
                    if unparen(argument).kind() == "boolean_operator" {
                        return self.branch_on(argument, else_block, then_block, depth + 1);
                    }
                }
            }
            if inner.kind() == "boolean_operator" {
                let operator = field(inner, fields().operator).map(|o| self.text(o).to_string());
                let left = field(inner, fields().left);
                let right = field(inner, fields().right);
                if let (Some(operator), Some(left), Some(right)) = (operator, left, right) {
                    let middle = self.new_block();
                    match operator.as_str() {
                        "and" => self.branch_on(left, middle, else_block, depth + 1),
                        _ => self.branch_on(left, then_block, middle, depth + 1),
                    }
                    self.frame().cfg.switch_to(middle);
                    return self.branch_on(right, then_block, else_block, depth + 1);
                }
            }
        }
        let nil_test = self.nil_test(condition);
        self.header(condition);
        self.frame().cfg.terminate(Terminator::Branch {
            range: range(condition),
            nil_test,
            then_block,
            else_block,
        });
    }

    /// Recognises `x is None`, `x is not None`, `x == None`, `x != None` (either order),
    /// `x` and `not x`, where `x` is a variable or a field path.
    fn nil_test(&mut self, condition: Node) -> Option<NilTest> {
        let condition = unparen(condition);
        let (tested, then_is_nil) = match condition.kind() {
            "comparison_operator" => {
                let operators = field_children_all(condition, fields().operators);
                let [operator] = operators.as_slice() else {
                    return None;
                };
                let then_is_nil = match self
                    .text(*operator)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .as_slice()
                {
                    ["is"] | ["=="] => true,
                    ["is", "not"] | ["!="] => false,
                    _ => return None,
                };
                let operands = named_children(condition);
                let [left, right] = operands.as_slice() else {
                    return None;
                };
                let (left, right) = (unparen(*left), unparen(*right));
                let tested = match (left.kind(), right.kind()) {
                    ("none", "none") => return None,
                    (_, "none") => left,
                    ("none", _) => right,
                    _ => return None,
                };
                (tested, then_is_nil)
            }
            "not_operator" => (field(condition, fields().argument)?, true),
            _ => (condition, false),
        };
        let by_truth = condition.kind() != "comparison_operator";
        let tested = unparen(tested);
        let tested = match tested.kind() {
            "named_expression" => field(tested, fields().name)?,
            "identifier" | "attribute" => tested,
            _ => return None,
        };
        let operand = self.peek_operand(tested)?;
        Some(NilTest {
            operand,
            then_is_nil,
            by_truth,
            one_sided: false,
        })
    }

    /// The operand of a variable or field path, without recording any event.
    fn peek_operand(&mut self, node: Node) -> Option<Operand> {
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let operand = self.peek_operand_inner(node);
        self.depth -= 1;
        operand
    }

    fn peek_operand_inner(&mut self, node: Node) -> Option<Operand> {
        let node = unparen(node);
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                Some(match self.lookup(name) {
                    Some(var) => Operand::Var(var),
                    None => Operand::Global(name.to_string()),
                })
            }
            "attribute" => {
                let base = self.peek_operand(field(node, fields().object)?)?;
                let name = self.text(field(node, fields().attribute)?).to_string();
                Some(Operand::Field(Box::new(base), name))
            }
            _ => None,
        }
    }

    fn while_statement(&mut self, node: Node) {
        let header = self.new_block();
        let body = self.new_block();
        let exit = self.new_block();
        let alternative = field(node, fields().alternative).and_then(|a| field(a, fields().body));
        let otherwise = match alternative {
            Some(_) => self.new_block(),
            None => exit,
        };
        self.frame().cfg.goto_and_switch(header);
        let condition = field(node, fields().condition);
        match condition {
            // `while True:` leaves by `break` only.
            Some(c) if matches!(unparen(c).kind(), "true") || self.text(unparen(c)) == "1" => {
                self.frame().cfg.terminate(Terminator::Goto(body));
            }
            Some(c) => self.branch_on(c, body, otherwise, 0),
            None => self.frame().cfg.terminate(Terminator::Goto(body)),
        }
        self.loop_body(node, body, exit, header);
        if let Some(alternative) = alternative {
            self.frame().cfg.switch_to(otherwise);
            self.statements(alternative);
            self.frame().cfg.goto_and_switch(exit);
        }
        self.frame().cfg.switch_to(exit);
    }

    /// Lowers the body of a loop into `body`; `continue` and the end of the body go to
    /// `next`.
    fn loop_body(&mut self, node: Node, body: BlockId, exit: BlockId, next: BlockId) {
        self.frame().cfg.switch_to(body);
        self.frame().regions.push(Region::Loop {
            break_to: exit,
            continue_to: next,
        });
        if let Some(block) = field(node, fields().body) {
            self.statements(block);
        }
        self.frame().regions.pop();
        if self.frame_ref().cfg.current().is_some() {
            self.frame().cfg.terminate(Terminator::Goto(next));
        }
    }

    fn for_statement(&mut self, node: Node) {
        let iterable = field(node, fields().right);
        if let Some(iterable) = iterable {
            self.header(iterable);
        }
        let header = self.new_block();
        let body = self.new_block();
        let exit = self.new_block();
        let alternative = field(node, fields().alternative).and_then(|a| field(a, fields().body));
        let otherwise = match alternative {
            Some(_) => self.new_block(),
            None => exit,
        };
        self.frame().cfg.goto_and_switch(header);
        let header_end = iterable.map_or(node.end_byte(), |i| i.end_byte());
        self.frame().cfg.terminate(Terminator::Switch {
            range: span(node.start_byte(), header_end),
            targets: vec![body, otherwise],
        });
        self.frame().cfg.switch_to(body);
        if let Some(left) = field(node, fields().left) {
            self.bind_unknown(target_leaves(left), range(left));
        }
        let body_start = self.frame_ref().cfg.current().unwrap_or(body);
        self.loop_body(node, body_start, exit, header);
        if let Some(alternative) = alternative {
            self.frame().cfg.switch_to(otherwise);
            self.statements(alternative);
            self.frame().cfg.goto_and_switch(exit);
        }
        self.frame().cfg.switch_to(exit);
    }

    fn try_statement(&mut self, node: Node) {
        let mut handlers = Vec::new();
        let mut otherwise = None;
        let mut finally = None;
        for child in named_children(node) {
            match child.kind() {
                "except_clause" => handlers.push(child),
                "else_clause" => otherwise = field(child, fields().body),
                "finally_clause" => {
                    finally = named_children(child)
                        .into_iter()
                        .find(|c| c.kind() == "block")
                        .map(|block| (child, block));
                    // Code here runs on every exit of the `try`: rules about position
                    // (a commit in `finally`) need the range.
                    if let Some((_, block)) = finally {
                        let block_range = range(block);
                        if !self.ir.cleanup_blocks.contains(&block_range) {
                            self.ir.cleanup_blocks.push(block_range);
                        }
                    }
                }
                _ => {}
            }
        }
        let try_range = range(node);
        let dispatch = self.new_block();
        let after = self.new_block();
        let normal_end = match finally {
            Some(_) => self.new_block(),
            None => after,
        };
        if finally.is_some() {
            let entry = self.new_block();
            self.frame().regions.push(Region::Finally(FinallyRegion {
                entry,
                continuations: Vec::new(),
                exception_continuation: None,
                range: try_range,
            }));
        }
        // The body, covered by the handlers.
        self.frame().regions.push(Region::TryBody { dispatch });
        let body_node = field(node, fields().body);
        let body_range = body_node.map_or(TextRange::empty(try_range.start()), range);
        if let Some(body) = body_node {
            self.statements(body);
        }
        self.frame().regions.pop();
        // `else` runs when the body completes normally; its exceptions are not caught.
        if let Some(otherwise) = otherwise {
            if self.frame_ref().cfg.current().is_some() {
                self.statements(otherwise);
            }
        }
        self.frame().cfg.goto_and_switch(normal_end);
        // Dispatch: to each handler, or on to the outer target.
        self.frame().cfg.switch_to(dispatch);
        let entries: Vec<BlockId> = handlers.iter().map(|_| self.new_block()).collect();
        let mut targets = entries.clone();
        let mut catch_all = false;
        let clauses: Vec<ExceptClause> = handlers.iter().map(|h| self.except_clause(*h)).collect();
        for clause in &clauses {
            if clause.catches.is_empty()
                || clause
                    .catches
                    .iter()
                    .any(|c| matches!(c.as_str(), "Exception" | "BaseException"))
            {
                catch_all = true;
            }
        }
        if !catch_all {
            let top = self.frame_ref().regions.len();
            let propagate = match self.exception_target(top) {
                Some(block) => block,
                None => self.detached_block(Terminator::Raise { range: try_range }),
            };
            targets.push(propagate);
        }
        self.frame().cfg.terminate(Terminator::Switch {
            range: try_range,
            targets,
        });
        for (clause, entry) in clauses.into_iter().zip(entries) {
            self.frame().cfg.switch_to(entry);
            self.push(Event::Handler {
                catches: clause.catches,
                range: clause.range,
                body: body_range,
                clause: clause.whole,
            });
            if let Some(alias) = clause.alias {
                self.bind_unknown(target_leaves(alias), range(alias));
            }
            if let Some(body) = clause.body {
                self.statements(body);
            }
            self.frame().cfg.goto_and_switch(normal_end);
        }
        if let Some((clause, block)) = finally {
            let Some(Region::Finally(region)) = self.frame().regions.pop() else {
                return;
            };
            self.finally_nesting += 1;
            // The normal copy: after the body, `else` or a handler completes.
            self.frame().cfg.switch_to(normal_end);
            self.statements(block);
            self.frame().cfg.goto_and_switch(after);
            // The abrupt copy: on the way out of a `return`, `raise`, uncaught exception,
            // `break` or `continue`, which each continue where they were going.
            if !region.continuations.is_empty() {
                self.frame().cfg.switch_to(region.entry);
                if self.finally_nesting <= MAX_FINALLY_NESTING {
                    self.statements(block);
                }
                if self.frame_ref().cfg.current().is_some() {
                    self.frame().cfg.terminate(Terminator::Switch {
                        range: range(clause),
                        targets: region.continuations,
                    });
                }
            }
            self.finally_nesting -= 1;
        }
        self.frame().cfg.switch_to(after);
    }

    fn except_clause<'t>(&self, clause: Node<'t>) -> ExceptClause<'t> {
        let values = field_children(clause, fields().value);
        let (types, alias) = match values.as_slice() {
            [single] if single.kind() == "as_pattern" => {
                let alias = field(*single, fields().alias);
                let types: Vec<Node> = named_children(*single)
                    .into_iter()
                    .filter(|c| Some(*c) != alias)
                    .collect();
                (types, alias)
            }
            _ => (values, field(clause, fields().alias)),
        };
        let mut catches = Vec::new();
        for ty in &types {
            let ty = unparen(*ty);
            if ty.kind() == "tuple" {
                catches.extend(named_children(ty).into_iter().map(|t| self.compact(t)));
            } else {
                catches.push(self.compact(ty));
            }
        }
        let keyword_end = clause
            .child(0)
            .map_or(clause.start_byte(), |k| k.end_byte());
        let end = alias
            .or_else(|| types.last().copied())
            .map_or(keyword_end, |n| n.end_byte());
        let body = named_children(clause)
            .into_iter()
            .find(|c| c.kind() == "block");
        ExceptClause {
            catches,
            range: span(clause.start_byte(), end),
            whole: range(clause),
            alias,
            body,
        }
    }

    fn with_statement(&mut self, node: Node) {
        let Some(clause) = named_children(node)
            .into_iter()
            .find(|c| c.kind() == "with_clause")
        else {
            return;
        };
        // `with …:`, the header.
        let mut header_end = clause.end_byte();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            if child.kind() == ":" && child.start_byte() >= clause.end_byte() {
                header_end = child.end_byte();
                break;
            }
        }
        let header = span(node.start_byte(), header_end);
        self.ir.with_blocks.push((header, range(node)));
        let mut exits = Vec::new();
        for item in named_children(clause) {
            let Some(value) = field(item, fields().value) else {
                continue;
            };
            let (expr, target) = if value.kind() == "as_pattern" {
                let alias = field(value, fields().alias);
                let expr = named_children(value)
                    .into_iter()
                    .find(|c| Some(*c) != alias);
                match expr {
                    Some(expr) => (expr, alias),
                    None => continue,
                }
            } else {
                (value, None)
            };
            let before = self.frame_ref().raise_points;
            if call_node(expr).is_some() {
                let use_ = match target {
                    Some(_) => ResultUse::Assigned(Vec::new()),
                    None => ResultUse::Used,
                };
                let first = self.frame_ref().function.calls.len();
                let operand = self.expr(expr, use_);
                if let Some(target) = target {
                    let bindings: Vec<Binding> = target_leaves(target)
                        .into_iter()
                        .map(|leaf| self.binding(leaf))
                        .collect();
                    for call in &mut self.frame().function.calls[first..] {
                        fill_assigned(&mut call.result, &bindings);
                    }
                }
                let context = match operand {
                    Operand::Call(id) => Some(id),
                    _ => None,
                };
                exits.push(ContextExit {
                    context,
                    value: operand,
                    range: header,
                });
            } else {
                let operand = self.expr(expr, ResultUse::Used);
                if let Some(target) = target {
                    let targets: Vec<Binding> = target_leaves(target)
                        .into_iter()
                        .map(|leaf| self.binding(leaf))
                        .collect();
                    let values = match targets.as_slice() {
                        [_] => vec![operand.clone()],
                        _ => vec![Operand::Other; targets.len()],
                    };
                    self.push(Event::Assign {
                        targets,
                        values,
                        range: range(item),
                    });
                }
                exits.push(ContextExit {
                    context: None,
                    value: operand,
                    range: header,
                });
            }
            if self.frame_ref().raise_points > before {
                self.may_raise(range(item));
            }
        }
        self.frame().regions.push(Region::With(exits.clone()));
        if let Some(body) = field(node, fields().body) {
            self.statements(body);
        }
        self.frame().regions.pop();
        if self.frame_ref().cfg.current().is_some() {
            for exit in exits.iter().rev() {
                self.push(exit.event(false));
            }
        }
    }

    /// `match`: a many-way branch to each case, like a Go switch.
    fn match_statement(&mut self, node: Node) {
        for subject in field_children(node, fields().subject) {
            self.header(subject);
        }
        let cases: Vec<Node> = field(node, fields().body)
            .map(|body| {
                named_children(body)
                    .into_iter()
                    .filter(|c| c.kind() == "case_clause")
                    .collect()
            })
            .unwrap_or_default();
        let exit = self.new_block();
        let case_blocks: Vec<BlockId> = cases.iter().map(|_| self.new_block()).collect();
        let irrefutable = cases.iter().any(|case| self.is_irrefutable(*case));
        let mut targets = case_blocks.clone();
        if !irrefutable {
            targets.push(exit);
        }
        self.frame().cfg.terminate(Terminator::Switch {
            range: range(node),
            targets,
        });
        for (case, block) in cases.into_iter().zip(case_blocks) {
            self.frame().cfg.switch_to(block);
            for pattern in named_children(case) {
                if pattern.kind() == "case_pattern" {
                    self.bind_unknown(pattern_captures(pattern), range(pattern));
                }
            }
            if let Some(guard) = field(case, fields().guard) {
                for condition in named_children(guard) {
                    self.header(condition);
                }
            }
            if let Some(consequence) = field(case, fields().consequence) {
                self.statements(consequence);
            }
            self.frame().cfg.goto_and_switch(exit);
        }
        self.frame().cfg.switch_to(exit);
    }

    /// `case _:` or `case name:` without a guard matches anything.
    fn is_irrefutable(&self, case: Node) -> bool {
        if field(case, fields().guard).is_some() {
            return false;
        }
        let patterns: Vec<Node> = named_children(case)
            .into_iter()
            .filter(|c| c.kind() == "case_pattern")
            .collect();
        let [pattern] = patterns.as_slice() else {
            return false;
        };
        if self.text(*pattern) == "_" {
            return true;
        }
        match named_children(*pattern).as_slice() {
            [only] if only.kind() == "dotted_name" => named_children(*only).len() == 1,
            _ => false,
        }
    }

    /// `def`, `class`, decorated or not. Decorators, default values and base classes
    /// are evaluated where the definition runs and may raise there; a class body is a
    /// sequence of statements of its own.
    fn definition(&mut self, node: Node) {
        let (definition, decorators) = match node.kind() {
            "decorated_definition" => {
                let decorators: Vec<Node> = named_children(node)
                    .into_iter()
                    .filter(|c| c.kind() == "decorator")
                    .collect();
                match field(node, fields().definition) {
                    Some(definition) => (definition, decorators),
                    None => {
                        for decorator in decorators {
                            self.expr(decorator, ResultUse::Used);
                        }
                        return;
                    }
                }
            }
            _ => (node, Vec::new()),
        };
        let before = self.frame_ref().raise_points;
        for decorator in &decorators {
            if let Some(expr) = named_children(*decorator).first() {
                self.expr(*expr, ResultUse::Used);
            }
        }
        let header = match definition.kind() {
            "function_definition" => field(definition, fields().parameters),
            _ => field(definition, fields().superclasses),
        };
        if let Some(header) = header {
            if definition.kind() == "function_definition" {
                self.parameter_defaults(header);
            } else {
                self.expr(header, ResultUse::Used);
            }
        }
        if self.frame_ref().raise_points > before {
            self.may_raise(span(
                node.start_byte(),
                header.map_or(node.end_byte(), |h| h.end_byte()),
            ));
        }
        match definition.kind() {
            "function_definition" => self.function_definition(definition, &decorators),
            "class_definition" => self.class_definition(definition),
            _ => {}
        }
    }

    /// A class body runs where the class is defined; its assignments define class
    /// attributes and its functions are methods.
    fn class_definition(&mut self, node: Node) {
        let (Some(name), Some(body)) = (field(node, fields().name), field(node, fields().body))
        else {
            return;
        };
        let name = self.text(name).to_string();
        // A top-level class: its bases, for the rules to tell a subclass of a modelled
        // class (`class AppDb(SQLAlchemy)`).
        let top_level = self.frame_ref().is_module && self.frame_ref().class_body.is_none();
        if top_level {
            let bases = field(node, fields().superclasses)
                .map(|list| {
                    named_children(list)
                        .into_iter()
                        .filter(|base| matches!(base.kind(), "identifier" | "attribute"))
                        .map(|base| self.compact(base))
                        .collect()
                })
                .unwrap_or_default();
            self.ir.class_bases.push((name.clone(), bases));
        }
        let saved = self.frame().class_body.replace(name);
        self.statements(body);
        self.frame().class_body = saved;
    }

    // ----- expressions -----------------------------------------------------------------

    /// Lowers an expression, recording its calls and variable reads. `use_` says what
    /// happens to the value, which matters when the expression is a call.
    fn expr(&mut self, node: Node, use_: ResultUse) -> Operand {
        if self.too_deep(|_| range(node)) {
            return Operand::Other;
        }
        self.depth += 1;
        let operand = self.expr_inner(node, use_);
        self.depth -= 1;
        operand
    }

    fn expr_inner(&mut self, node: Node, use_: ResultUse) -> Operand {
        match node.kind() {
            "parenthesized_expression" => match named_children(node).first() {
                Some(inner) => self.expr(*inner, use_),
                None => Operand::Other,
            },
            "call" => Operand::Call(self.call(node, use_)),
            "await" => {
                self.frame().raise_points += 1;
                match named_children(node).first() {
                    Some(inner) => self.expr(*inner, use_),
                    None => Operand::Other,
                }
            }
            "identifier" => {
                let operand = self.peek_operand(node).unwrap_or(Operand::Other);
                self.record_use(&operand, node, &use_);
                operand
            }
            "attribute" => self.attribute(node, use_),
            "string" => Operand::Str(self.string(node)),
            "concatenated_string" => {
                let mut joined = String::new();
                for part in named_children(node) {
                    joined.push_str(&self.string(part));
                }
                Operand::Str(joined)
            }
            "true" | "false" | "none" | "integer" | "float" => {
                Operand::Const(self.text(node).to_string())
            }
            "lambda" => self.lambda(node),
            "list" | "set" | "tuple" | "expression_list" | "dictionary" => {
                self.composite(node);
                Operand::Other
            }
            "named_expression" => self.walrus(node, use_),
            "yield" => {
                // The caller may throw into a generator where it yields.
                self.frame().raise_points += 1;
                let mut value = Operand::Other;
                for child in named_children(node) {
                    value = self.expr(child, ResultUse::Used);
                }
                // `yield from it` yields what `it` yields, not `it`.
                let delegates = node.child(1).is_some_and(|c| c.kind() == "from");
                self.push(Event::Yield {
                    value: if delegates { Operand::Other } else { value },
                    range: range(node),
                });
                Operand::Other
            }
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => {
                self.comprehension(node);
                Operand::Other
            }
            "binary_operator" | "boolean_operator" => {
                self.operator_chain(node);
                match self.string_template(node) {
                    Some(text) => Operand::Str(text),
                    None => Operand::Other,
                }
            }
            "keyword_argument" => match field(node, fields().value) {
                Some(value) => self.expr(value, ResultUse::Used),
                None => Operand::Other,
            },
            _ => {
                for child in named_children(node) {
                    self.expr(child, ResultUse::Used);
                }
                Operand::Other
            }
        }
    }

    /// `a + b + c …`, `x and y or z …`: the tree nests a chain to the left, one level per
    /// operator. Its operands are lowered in evaluation order (the leftmost first) one
    /// level below the chain, so that a long chain (a query built from thousands of
    /// pieces) is not taken for deep nesting.
    fn operator_chain(&mut self, node: Node) {
        let is_chain = |n: Node| matches!(n.kind(), "binary_operator" | "boolean_operator");
        // Right operands from the top of the chain down; each level's in reverse.
        let mut rights = Vec::new();
        let mut leftmost = Some(node);
        while let Some(current) = leftmost.filter(|n| is_chain(*n)) {
            let children = named_children(current);
            leftmost = children.first().copied();
            rights.extend(children.into_iter().skip(1).rev());
        }
        if let Some(leftmost) = leftmost {
            self.expr(leftmost, ResultUse::Used);
        }
        for right in rights.into_iter().rev() {
            self.expr(right, ResultUse::Used);
        }
    }

    fn attribute(&mut self, node: Node, use_: ResultUse) -> Operand {
        let Some(object) = field(node, fields().object) else {
            return Operand::Other;
        };
        let name = field(node, fields().attribute)
            .map(|a| self.text(a).to_string())
            .unwrap_or_default();
        if call_node(object).is_some() {
            let then = Box::new(use_);
            let inner = self.expr(
                object,
                ResultUse::Field {
                    name: name.clone(),
                    then,
                },
            );
            return Operand::Field(Box::new(inner), name);
        }
        match self.peek_operand(node) {
            Some(operand) => {
                self.record_use(&operand, node, &use_);
                operand
            }
            None => {
                let inner = self.expr(object, ResultUse::Used);
                Operand::Field(Box::new(inner), name)
            }
        }
    }

    /// The content of a string literal without prefix and quotes; interpolated
    /// expressions are lowered as values.
    /// The text a string built from a literal stands for, read without lowering: `"UPDATE t
    /// SET a = 1 WHERE id IN (" + ids + ")"` as `UPDATE t SET a = 1 WHERE id IN ({})` (each
    /// operand that is not a literal is a placeholder, like an f-string's), and
    /// `"UPDATE t SET a = %s" % (v,)` as its left side. `None` unless the leftmost operand
    /// of a `+` chain, or the left side of `%`, is a string literal.
    fn string_template(&self, node: Node) -> Option<String> {
        let literal = |node: Node| -> Option<String> {
            match node.kind() {
                "string" => Some(
                    self.src
                        .get(string_content(node).0)
                        .unwrap_or("")
                        .to_string(),
                ),
                "concatenated_string" => Some(
                    named_children(node)
                        .into_iter()
                        .map(|part| self.src.get(string_content(part).0).unwrap_or(""))
                        .collect(),
                ),
                _ => None,
            }
        };
        // Iterative over the left-nested chain: a query built from thousands of pieces.
        let mut rights = Vec::new();
        let mut current = node;
        loop {
            if current.kind() != "binary_operator" {
                break;
            }
            let operator = field(current, fields().operator).map(|o| self.text(o));
            let (Some(left), Some(right)) = (
                field(current, fields().left),
                field(current, fields().right),
            ) else {
                return None;
            };
            match operator {
                Some("+") => {
                    rights.push(right);
                    current = unparen(left);
                }
                // `"…" % args`: only the format string is SQL.
                Some("%") if rights.is_empty() => {
                    current = unparen(left);
                    break;
                }
                _ => return None,
            }
        }
        let mut text = literal(current)?;
        for right in rights.into_iter().rev() {
            match literal(unparen(right)) {
                Some(part) => text.push_str(&part),
                None => text.push_str("{}"),
            }
        }
        Some(text)
    }

    fn string(&mut self, node: Node) -> String {
        for child in named_children(node) {
            if child.kind() == "interpolation" {
                if let Some(expr) = field(child, fields().expression) {
                    self.expr(expr, ResultUse::Used);
                }
            }
        }
        let (content, _) = string_content(node);
        self.src.get(content).unwrap_or("").to_string()
    }

    /// The entries of a dictionary literal whose keys are strings and whose values are
    /// literals, read without lowering (the caller lowers the dictionary itself).
    fn literal_entries(&self, node: Node) -> Vec<(String, Operand)> {
        // A string without interpolations, unquoted.
        let plain = |node: Node| -> Option<String> {
            let (content, interpolated) = string_content(node);
            (!interpolated).then(|| self.src.get(content).unwrap_or("").to_string())
        };
        if node.kind() != "dictionary" {
            return Vec::new();
        }
        let mut entries = Vec::new();
        for pair in named_children(node) {
            let (Some(key), Some(value)) = (field(pair, fields().key), field(pair, fields().value))
            else {
                continue;
            };
            let Some(key) = (key.kind() == "string").then(|| plain(key)).flatten() else {
                continue;
            };
            let value = match value.kind() {
                "string" => match plain(value) {
                    Some(text) => Operand::Str(text),
                    None => continue,
                },
                "true" | "false" | "none" | "integer" | "float" => {
                    Operand::Const(self.text(value).to_string())
                }
                _ => continue,
            };
            entries.push((key, value));
        }
        entries
    }

    /// Lowers the elements of a list, tuple, set or dict. A variable placed in one is
    /// stored in an aggregate that may outlive the function: recorded as an assignment
    /// to a place.
    fn composite(&mut self, node: Node) {
        for child in named_children(node) {
            if child.kind() == "pair" {
                if let Some(key) = field(child, fields().key) {
                    self.expr(key, ResultUse::Used);
                }
                if let Some(value) = field(child, fields().value) {
                    self.element(value);
                }
            } else {
                self.element(child);
            }
        }
    }

    fn element(&mut self, node: Node) {
        let operand = self.expr(node, ResultUse::Used);
        if operand.root_var().is_some() || matches!(operand, Operand::Closure(_)) {
            self.push(Event::Assign {
                targets: vec![Binding::Place(Operand::Other)],
                values: vec![operand],
                range: range(node),
            });
        }
    }

    /// `(name := value)`: assigns, and denotes the variable.
    fn walrus(&mut self, node: Node, use_: ResultUse) -> Operand {
        let (Some(name), Some(value)) = (field(node, fields().name), field(node, fields().value))
        else {
            return Operand::Other;
        };
        let bindings = self.bind_value(vec![name], value, range(node));
        let operand = bindings.first().map_or(Operand::Other, binding_operand);
        self.record_use(&operand, node, &use_);
        operand
    }

    /// Comprehensions: the iterables, targets and conditions in evaluation order, then
    /// the element.
    fn comprehension(&mut self, node: Node) {
        for clause in named_children(node) {
            match clause.kind() {
                "for_in_clause" => {
                    for iterable in field_children(clause, fields().right) {
                        self.expr(iterable, ResultUse::Used);
                    }
                    if let Some(left) = field(clause, fields().left) {
                        self.bind_unknown(target_leaves(left), range(left));
                    }
                }
                "if_clause" => {
                    for condition in named_children(clause) {
                        self.expr(condition, ResultUse::Used);
                    }
                }
                _ => {}
            }
        }
        if let Some(body) = field(node, fields().body) {
            if body.kind() == "pair" {
                for part in named_children(body) {
                    self.expr(part, ResultUse::Used);
                }
            } else {
                self.expr(body, ResultUse::Used);
            }
        }
    }

    /// Records a read of a variable (or a field of one) in a plain value context.
    /// Receivers, arguments and assignments are already described by their call or
    /// assignment event.
    fn record_use(&mut self, operand: &Operand, node: Node, use_: &ResultUse) {
        if operand.root_var().is_none() {
            return;
        }
        if matches!(use_, ResultUse::Used | ResultUse::Returned) {
            self.push(Event::Use {
                operand: operand.clone(),
                range: range(node),
            });
        }
    }

    fn call(&mut self, node: Node, use_: ResultUse) -> CallId {
        let id = {
            let frame = self.frame();
            let id = CallId(u32::try_from(frame.function.calls.len()).unwrap_or(u32::MAX));
            frame.function.calls.push(Call {
                range: range(node),
                callee: Callee::Path(Vec::new()),
                args: Vec::new(),
                keywords: Vec::new(),
                moved_args: Vec::new(),
                result: use_,
            });
            id
        };
        let callee = match field(node, fields().function) {
            Some(function) => self.callee(function, id),
            None => Callee::Other(Operand::Other),
        };
        let mut args = Vec::new();
        let mut keywords = Vec::new();
        if let Some(arguments) = field(node, fields().arguments) {
            if arguments.kind() == "argument_list" {
                for arg in named_children(arguments) {
                    match arg.kind() {
                        "keyword_argument" => {
                            let (Some(name), Some(value)) =
                                (field(arg, fields().name), field(arg, fields().value))
                            else {
                                continue;
                            };
                            let name = self.text(name).to_string();
                            let entries = self.literal_entries(value);
                            let value = self.expr(value, ResultUse::Argument(id));
                            // Options passed on as a mapping (`kwargs={"autocommit": True}`,
                            // `kwargs=dict(autocommit=True)`) are keywords `kwargs.autocommit`.
                            let nested = match &value {
                                Operand::Call(inner) => {
                                    let inner = &self.frame().function.calls[inner.index()];
                                    match &inner.callee {
                                        Callee::Path(path) if path == &["dict"] => {
                                            inner.keywords.clone()
                                        }
                                        _ => Vec::new(),
                                    }
                                }
                                _ => entries,
                            };
                            for (key, entry) in nested {
                                keywords.push((format!("{name}.{key}"), entry));
                            }
                            keywords.push((name, value));
                        }
                        // `*args`, `**kwargs`: the value passed; a mapping's is also the
                        // keyword `**`.
                        "list_splat" | "dictionary_splat" => {
                            let operand = match named_children(arg).first() {
                                Some(inner) => self.expr(*inner, ResultUse::Argument(id)),
                                None => Operand::Other,
                            };
                            if arg.kind() == "dictionary_splat" {
                                keywords.push(("**".to_string(), operand.clone()));
                            }
                            args.push(operand);
                        }
                        _ => args.push(self.expr(arg, ResultUse::Argument(id))),
                    }
                }
            } else {
                // `f(x for x in xs)`
                args.push(self.expr(arguments, ResultUse::Argument(id)));
            }
        }
        {
            let frame = self.frame();
            let call = &mut frame.function.calls[id.index()];
            call.callee = callee;
            call.args = args;
            call.keywords = keywords;
            frame.raise_points += 1;
        }
        self.push(Event::Call(id));
        id
    }

    fn callee(&mut self, function: Node, id: CallId) -> Callee {
        let function = unparen(function);
        match function.kind() {
            "attribute" => {
                // `pkg.mod.f(…)` with `pkg` imported and not shadowed: a path.
                let mut root = function;
                while root.kind() == "attribute" {
                    match field(root, fields().object) {
                        Some(object) => root = object,
                        None => break,
                    }
                }
                if root.kind() == "identifier" {
                    let name = self.text(root);
                    if self.is_import(name) && self.lookup(name).is_none() {
                        let mut path = Vec::new();
                        let mut node = function;
                        while node.kind() == "attribute" {
                            if let Some(attribute) = field(node, fields().attribute) {
                                path.push(self.text(attribute).to_string());
                            }
                            match field(node, fields().object) {
                                Some(object) => node = object,
                                None => break,
                            }
                        }
                        path.push(name.to_string());
                        path.reverse();
                        return Callee::Path(path);
                    }
                }
                let (Some(object), Some(attribute)) = (
                    field(function, fields().object),
                    field(function, fields().attribute),
                ) else {
                    return Callee::Other(Operand::Other);
                };
                let receiver = self.expr(object, ResultUse::Receiver(id));
                Callee::Method {
                    receiver,
                    name: self.text(attribute).to_string(),
                    name_range: range(attribute),
                }
            }
            "identifier" => {
                let name = self.text(function);
                match self.lookup(name) {
                    Some(var) => Callee::Other(Operand::Var(var)),
                    None => Callee::Path(vec![name.to_string()]),
                }
            }
            _ => Callee::Other(self.expr(function, ResultUse::Receiver(id))),
        }
    }
}

/// All children of `node` in the field `field`, anonymous tokens included (comparison
/// operators are tokens).
fn field_children_all<'t>(node: Node<'t>, field: NonZeroU16) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_id(field, &mut cursor).collect()
}

fn new_function(
    name: String,
    kind: FunctionKind,
    range: TextRange,
    name_range: TextRange,
    parent: Option<FuncId>,
    decorators: Vec<String>,
) -> Function {
    Function {
        name,
        kind,
        range,
        name_range,
        parent,
        receiver: None,
        params: Vec::new(),
        decorators,
        named_results: Vec::new(),
        result_count: 0,
        result_types: Vec::new(),
        vars: Vec::new(),
        calls: Vec::new(),
        cfg: Default::default(),
        definitions_index: Default::default(),
    }
}

/// `module.name`, where a bare relative prefix (`from . import db`) takes the name
/// without another dot: `.db`, `..db`.
fn join_module(module: &str, name: &str) -> String {
    if module.ends_with('.') {
        format!("{module}{name}")
    } else {
        format!("{module}.{name}")
    }
}
