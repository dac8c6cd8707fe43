use std::collections::{HashMap, HashSet};
use std::num::NonZeroU16;
use std::sync::OnceLock;

use tree_sitter::{Node, Tree};
use txlint_ir::ir::{
    Binding, BlockId, Call, CallId, Callee, CfgBuilder, Event, FieldDecl, FileIr, FuncId, Function,
    FunctionKind, GlobalDecl, Import, InterfaceMethod, Jump, JumpKind, NilTest, NoReturnKind,
    Operand, PanicKind, ResultUse, Terminator, Var, VarId, VarKind,
};
use txlint_ir::{Language, TextRange};

/// Deeper syntax than this is not lowered: it protects the stack from generated code,
/// and no hand-written transaction code nests that deep.
const MAX_DEPTH: u32 = 400;

pub(crate) fn lower(source: &str, tree: &Tree) -> FileIr {
    let root = tree.root_node();
    let mut lowerer = Lowerer {
        src: source,
        ir: FileIr::empty(Language::Go),
        functions: Vec::new(),
        frames: Vec::new(),
        depth: 0,
        fresh_pointers_known: HashMap::new(),
        sentinels: HashSet::new(),
        global_literals: 0,
    };
    if root.has_error() {
        collect_syntax_errors(root, &mut lowerer.ir.syntax_errors);
    }
    lowerer.lower_source_file(root);
    lowerer.ir.functions = lowerer.functions.into_iter().flatten().collect();
    lowerer.ir
}

/// Field ids of the Go grammar, looked up once: looking a field up by name compares
/// strings against every field of the grammar on each call.
struct FieldIds {
    alias: NonZeroU16,
    alternative: NonZeroU16,
    arguments: NonZeroU16,
    body: NonZeroU16,
    channel: NonZeroU16,
    communication: NonZeroU16,
    condition: NonZeroU16,
    consequence: NonZeroU16,
    field: NonZeroU16,
    function: NonZeroU16,
    initializer: NonZeroU16,
    label: NonZeroU16,
    left: NonZeroU16,
    name: NonZeroU16,
    operand: NonZeroU16,
    operator: NonZeroU16,
    parameters: NonZeroU16,
    path: NonZeroU16,
    receiver: NonZeroU16,
    result: NonZeroU16,
    right: NonZeroU16,
    r#type: NonZeroU16,
    update: NonZeroU16,
    value: NonZeroU16,
}

fn fields() -> &'static FieldIds {
    static FIELDS: OnceLock<FieldIds> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_go::LANGUAGE.into();
        let id = |name: &str| {
            language
                .field_id_for_name(name)
                .unwrap_or_else(|| panic!("tree-sitter-go has no field `{name}`"))
        };
        FieldIds {
            alias: id("alias"),
            alternative: id("alternative"),
            arguments: id("arguments"),
            body: id("body"),
            channel: id("channel"),
            communication: id("communication"),
            condition: id("condition"),
            consequence: id("consequence"),
            field: id("field"),
            function: id("function"),
            initializer: id("initializer"),
            label: id("label"),
            left: id("left"),
            name: id("name"),
            operand: id("operand"),
            operator: id("operator"),
            parameters: id("parameters"),
            path: id("path"),
            receiver: id("receiver"),
            result: id("result"),
            right: id("right"),
            r#type: id("type"),
            update: id("update"),
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

/// Replaces the placeholder `Assigned(vec![])` inside a result use with `binding`.
fn fill_assigned(use_: &mut ResultUse, binding: &Binding) {
    match use_ {
        ResultUse::Assigned(bindings) if bindings.is_empty() => *bindings = vec![binding.clone()],
        ResultUse::Field { then, .. } => fill_assigned(then, binding),
        _ => {}
    }
}

fn range(node: Node) -> TextRange {
    TextRange::from_usize(node.byte_range())
}

fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|n| n.kind() != "comment")
        .collect()
}

/// The `var_spec`s of a `var` declaration, grouped or not.
fn var_specs(node: Node) -> Vec<Node> {
    let mut specs = Vec::new();
    for child in named_children(node) {
        match child.kind() {
            "var_spec" => specs.push(child),
            "var_spec_list" => specs.extend(
                named_children(child)
                    .into_iter()
                    .filter(|s| s.kind() == "var_spec"),
            ),
            _ => {}
        }
    }
    specs
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

struct Lowerer<'s> {
    src: &'s str,
    ir: FileIr,
    /// Functions by id; a slot is reserved when lowering starts so that literals nested
    /// inside get later ids and point back to their parent.
    functions: Vec<Option<Function>>,
    /// The functions being lowered, innermost last.
    frames: Vec<Frame>,
    depth: u32,
    /// The file's package-level errors made with `errors.New` or `fmt.Errorf`.
    sentinels: HashSet<String>,
    /// Function literals of package-level initialisers lowered so far.
    global_literals: usize,
    /// [`Lowerer::fresh_pointers`] of each top-level declaration walked, by its start.
    fresh_pointers_known: HashMap<usize, HashSet<String>>,
}

struct Frame {
    id: FuncId,
    function: Function,
    cfg: CfgBuilder,
    scopes: Vec<HashMap<String, VarId>>,
    /// Targets of `break`/`continue`, innermost last.
    breakables: Vec<Breakable>,
    labels: HashMap<String, BlockId>,
    /// A label that names the next loop, switch or select.
    pending_label: Option<String>,
    /// Where `fallthrough` goes in the switch case being lowered.
    fallthrough_to: Option<BlockId>,
    literal_count: u32,
}

struct Breakable {
    label: Option<String>,
    break_to: BlockId,
    /// `None` for switch and select, which `continue` passes through.
    continue_to: Option<BlockId>,
}

impl<'s> Lowerer<'s> {
    fn text(&self, node: Node) -> &'s str {
        &self.src[node.byte_range()]
    }

    /// Type text with whitespace removed, so `* sql.Tx` and `*sql.Tx` compare equal.
    fn type_text(&self, node: Node) -> String {
        self.text(node).split_whitespace().collect()
    }

    /// Whether the lowering has gone too deep to follow `range`, which is then recorded as
    /// cut off (computed only here: measuring a syn node walks it).
    fn too_deep(&mut self, range: impl FnOnce(&Self) -> TextRange) -> bool {
        if self.depth <= MAX_DEPTH {
            return false;
        }
        let range = range(self);
        let function = self.frames.last().map(|frame| frame.id);
        self.ir.cut_off(function, range);
        true
    }

    fn frame(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("lowering outside a function")
    }

    fn lower_source_file(&mut self, root: Node) {
        self.sentinels = self.declared_errors(root);
        for item in named_children(root) {
            match item.kind() {
                "package_clause" => {
                    if let Some(name) = named_children(item).first() {
                        self.ir.package = Some(self.text(*name).to_string());
                    }
                }
                "import_declaration" => self.lower_imports(item),
                "type_declaration" => self.lower_type_declaration(item),
                "var_declaration" => self.lower_globals(item),
                "function_declaration" | "method_declaration" => self.lower_function(item),
                _ => {}
            }
        }
        // A file that imports a test framework is test support wherever it is (a Ginkgo
        // suite's harness package, testify mocks): production code does not import them.
        if self.ir.imports.iter().any(|i| is_test_framework(&i.path)) {
            self.ir.test_code.push(range(root));
        }
    }

    /// `var ErrX = errors.New("…")` (or `fmt.Errorf`) at package level: the names.
    fn declared_errors(&self, root: Node) -> HashSet<String> {
        let mut names = HashSet::new();
        for item in named_children(root) {
            if item.kind() != "var_declaration" {
                continue;
            }
            for spec in var_specs(item) {
                let values: Vec<Node> = spec
                    .child_by_field_id(fields().value.get())
                    .map(named_children)
                    .unwrap_or_default();
                let mut cursor = spec.walk();
                let targets: Vec<Node> = spec
                    .children_by_field_id(fields().name, &mut cursor)
                    .collect();
                for (target, value) in targets.iter().zip(&values) {
                    let made = unparen(*value).kind() == "call_expression"
                        && unparen(*value)
                            .child_by_field_id(fields().function.get())
                            .is_some_and(|f| matches!(self.text(f), "errors.New" | "fmt.Errorf"));
                    if made {
                        names.insert(self.text(*target).to_string());
                    }
                }
            }
        }
        names
    }

    fn lower_imports(&mut self, node: Node) {
        for child in named_children(node) {
            match child.kind() {
                "import_spec" => self.lower_import_spec(child),
                "import_spec_list" => {
                    for spec in named_children(child) {
                        if spec.kind() == "import_spec" {
                            self.lower_import_spec(spec);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn lower_import_spec(&mut self, spec: Node) {
        let Some(path) = spec.child_by_field_id(fields().path.get()) else {
            return;
        };
        let path = self.text(path).trim_matches(|c| c == '"' || c == '`');
        let alias = spec
            .child_by_field_id(fields().name.get())
            .map(|n| self.text(n).to_string());
        self.ir.imports.push(Import {
            path: path.to_string(),
            alias,
            range: range(spec),
        });
    }

    fn lower_type_declaration(&mut self, node: Node) {
        for spec in named_children(node) {
            let (Some(name), Some(ty)) = (
                spec.child_by_field_id(fields().name.get()),
                spec.child_by_field_id(fields().r#type.get()),
            ) else {
                continue;
            };
            if ty.kind() == "interface_type" {
                self.lower_interface(self.text(name).to_string(), ty);
                continue;
            }
            if ty.kind() != "struct_type" {
                continue;
            }
            let owner = self.text(name).to_string();
            let Some(list) = named_children(ty)
                .into_iter()
                .find(|n| n.kind() == "field_declaration_list")
            else {
                continue;
            };
            for field in named_children(list) {
                let Some(field_ty) = field.child_by_field_id(fields().r#type.get()) else {
                    continue;
                };
                let field_ty = self.type_text(field_ty);
                let mut cursor = field.walk();
                let names: Vec<String> = field
                    .children_by_field_id(fields().name, &mut cursor)
                    .map(|name| self.text(name).to_string())
                    .collect();
                // An embedded field is named after its type: `*sqlx.Tx` is `Tx`.
                let embedded = names.is_empty();
                // The grammar leaves an embedded pointer's `*` out of the type.
                let field_ty = if embedded && self.text(field).starts_with('*') {
                    format!("*{}", field_ty.trim_start_matches('*'))
                } else {
                    field_ty
                };
                let names = if embedded {
                    let bare = field_ty.trim_start_matches('*');
                    let bare = bare.split('[').next().unwrap_or(bare);
                    vec![bare.rsplit('.').next().unwrap_or(bare).to_string()]
                } else {
                    names
                };
                for name in names {
                    self.ir.fields.push(FieldDecl {
                        owner: owner.clone(),
                        name,
                        ty: field_ty.clone(),
                        embedded,
                    });
                }
            }
        }
    }

    /// Records the methods an interface type declares, with their result types.
    fn lower_interface(&mut self, interface: String, ty: Node) {
        for method in named_children(ty) {
            if method.kind() != "method_elem" {
                continue;
            }
            let Some(name) = method.child_by_field_id(fields().name.get()) else {
                continue;
            };
            let results = match method.child_by_field_id(fields().result.get()) {
                None => Vec::new(),
                Some(list) if list.kind() == "parameter_list" => named_children(list)
                    .into_iter()
                    .filter_map(|p| p.child_by_field_id(fields().r#type.get()))
                    .map(|t| self.type_text(t))
                    .collect(),
                Some(single) => vec![self.type_text(single)],
            };
            self.ir.interface_methods.push(InterfaceMethod {
                interface: interface.clone(),
                name: self.text(name).to_string(),
                results,
            });
        }
    }

    /// Records the types of package-level variables, and lowers the function literals of
    /// their initialisers (the rest of an initialiser runs in no function the analyses
    /// follow).
    fn lower_globals(&mut self, node: Node) {
        for spec in var_specs(node) {
            let values: Vec<Node> = spec
                .child_by_field_id(fields().value.get())
                .map(named_children)
                .unwrap_or_default();
            let declared = spec
                .child_by_field_id(fields().r#type.get())
                .map(|t| self.type_text(t));
            let mut cursor = spec.walk();
            let names: Vec<Node> = spec
                .children_by_field_id(fields().name, &mut cursor)
                .collect();
            for (i, name) in names.iter().enumerate() {
                let ty = declared
                    .clone()
                    .or_else(|| values.get(i).and_then(|v| self.evident_type(*v)));
                if let Some(ty) = ty {
                    self.ir.globals.push(GlobalDecl {
                        name: self.text(*name).to_string(),
                        ty,
                    });
                }
            }
            // Function literals in the initialisers (a table of migrations, of handlers)
            // are functions like any other, named after their variable and numbered in the
            // file, so that no two share a name (`var _ = func…` twice).
            for (i, value) in values.iter().enumerate() {
                let owner = names
                    .get(i)
                    .map_or_else(|| "var".to_string(), |n| self.text(*n).to_string());
                self.lower_global_literals(*value, &owner);
            }
        }
    }

    /// Lowers the function literals of a package-level initialiser (those nested in them
    /// are lowered with them), with no enclosing function. Iterative: an initialiser can be
    /// a generated table nested deeper than the stack allows.
    fn lower_global_literals(&mut self, node: Node, owner: &str) {
        let mut pending = vec![node];
        while let Some(node) = pending.pop() {
            if node.kind() != "func_literal" {
                pending.extend(named_children(node).into_iter().rev());
                continue;
            }
            let Some(body) = node.child_by_field_id(fields().body.get()) else {
                continue;
            };
            self.global_literals += 1;
            let name = format!("{owner}.func{}", self.global_literals);
            let keyword = node.child(0).map_or(range(node), range);
            self.lower_body(node, body, name, FunctionKind::Literal, keyword, None, None);
        }
    }

    /// The type an expression evidently has without type checking: `T{…}`, `&T{…}`,
    /// `new(T)`.
    fn evident_type(&self, node: Node) -> Option<String> {
        let node = unparen(node);
        match node.kind() {
            "composite_literal" => node
                .child_by_field_id(fields().r#type.get())
                .map(|t| self.type_text(t)),
            "unary_expression" => {
                let operator = node.child_by_field_id(fields().operator.get())?;
                let operand = node.child_by_field_id(fields().operand.get())?;
                if self.text(operator) != "&" {
                    return None;
                }
                self.evident_type(operand)
                    .filter(|_| unparen(operand).kind() == "composite_literal")
                    .map(|t| format!("*{t}"))
            }
            "call_expression" => {
                let function = node.child_by_field_id(fields().function.get())?;
                let arguments = node.child_by_field_id(fields().arguments.get())?;
                let args = named_children(arguments);
                match (self.text(function), args.as_slice()) {
                    // Go 1.26's `new(value)` (see `reparsed_with_new_of_values`) says
                    // nothing of its type that a text could.
                    ("new", [ty]) if names_a_type(ty.kind()) => {
                        Some(format!("*{}", self.type_text(*ty)))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    // ----- functions -------------------------------------------------------------------

    fn reserve_function(&mut self) -> FuncId {
        let id = FuncId(u32::try_from(self.functions.len()).unwrap_or(u32::MAX));
        self.functions.push(None);
        id
    }

    fn lower_function(&mut self, node: Node) {
        let Some(body) = node.child_by_field_id(fields().body.get()) else {
            return; // A declaration without a body (assembly or linkname).
        };
        let name_node = node.child_by_field_id(fields().name.get()).unwrap_or(node);
        let mut name = self.text(name_node).to_string();
        let receiver = node.child_by_field_id(fields().receiver.get());
        if let Some(receiver) = receiver {
            let ty = named_children(receiver)
                .first()
                .and_then(|p| p.child_by_field_id(fields().r#type.get()))
                .map(|t| self.type_text(t))
                .unwrap_or_default();
            name = format!("({ty}).{name}");
        }
        let kind = if receiver.is_some() {
            FunctionKind::Method
        } else {
            FunctionKind::Function
        };
        self.lower_body(node, body, name, kind, range(name_node), receiver, None);
    }

    /// Lowers a function literal as a function of its own; returns its id.
    fn lower_literal(&mut self, node: Node) -> Operand {
        let Some(body) = node.child_by_field_id(fields().body.get()) else {
            return Operand::Other;
        };
        let parent = self.frame().id;
        let count = {
            let frame = self.frame();
            frame.literal_count += 1;
            frame.literal_count
        };
        let name = format!("{}.func{count}", self.frame().function.name);
        let keyword = node.child(0).map_or(range(node), range);
        let id = self.lower_body(
            node,
            body,
            name,
            FunctionKind::Literal,
            keyword,
            None,
            Some(parent),
        );
        Operand::Closure(id)
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_body(
        &mut self,
        node: Node,
        body: Node,
        name: String,
        kind: FunctionKind,
        name_range: TextRange,
        receiver: Option<Node>,
        parent: Option<FuncId>,
    ) -> FuncId {
        let id = self.reserve_function();
        self.frames.push(Frame {
            id,
            function: Function {
                name,
                kind,
                range: range(node),
                name_range,
                parent,
                receiver: None,
                decorators: Vec::new(),
                params: Vec::new(),
                named_results: Vec::new(),
                result_count: 0,
                result_types: Vec::new(),
                vars: Vec::new(),
                calls: Vec::new(),
                cfg: Default::default(),
                definitions_index: Default::default(),
            },
            cfg: CfgBuilder::new(),
            scopes: vec![HashMap::new()],
            breakables: Vec::new(),
            labels: HashMap::new(),
            pending_label: None,
            fallthrough_to: None,
            literal_count: 0,
        });
        if let Some(receiver) = receiver {
            let declared = self.declare_params(receiver, VarKind::Receiver);
            self.frame().function.receiver = declared.first().copied();
        }
        if let Some(params) = node.child_by_field_id(fields().parameters.get()) {
            let declared = self.declare_params(params, VarKind::Param);
            // A helper that takes the test's `*testing.T` runs only in tests, whatever
            // file it is in (`testutil.NewDB(t)`): it is test code.
            let frame = self.frame();
            let testing = declared.iter().any(|&v| {
                matches!(
                    frame.function.var(v).ty.as_deref(),
                    Some("*testing.T" | "*testing.B" | "*testing.F" | "testing.TB")
                )
            });
            if testing && parent.is_none() {
                self.ir.test_code.push(range(node));
            }
            self.frame().function.params = declared;
        }
        if let Some(result) = node.child_by_field_id(fields().result.get()) {
            if result.kind() == "parameter_list" {
                let declared = self.declare_params(result, VarKind::NamedResult);
                let count = named_children(result)
                    .iter()
                    .map(|p| {
                        let mut cursor = p.walk();
                        p.children_by_field_id(fields().name, &mut cursor)
                            .count()
                            .max(1)
                    })
                    .sum();
                let types = named_children(result)
                    .iter()
                    .flat_map(|p| {
                        let mut cursor = p.walk();
                        let names = p.children_by_field_id(fields().name, &mut cursor).count();
                        let ty = p
                            .child_by_field_id(fields().r#type.get())
                            .map(|t| self.type_text(t))
                            .unwrap_or_default();
                        std::iter::repeat_n(ty, names.max(1))
                    })
                    .collect();
                let frame = self.frame();
                frame.function.named_results = declared;
                frame.function.result_count = count;
                frame.function.result_types = types;
            } else {
                let ty = self.type_text(result);
                let function = &mut self.frame().function;
                function.result_count = 1;
                function.result_types = vec![ty];
            }
        }
        // Parameters and results live in the body's outermost scope: a top-level
        // `tx, err :=` reuses a named result `err` instead of shadowing it.
        self.statements(body);
        // The closing brace, or an empty range where it is missing (the body's last
        // byte may then be inside a multi-byte character).
        let end = u32::try_from(body.end_byte()).unwrap_or(u32::MAX);
        let closing = if self.src[..body.end_byte()].ends_with('}') {
            TextRange::new(end - 1, end)
        } else {
            TextRange::empty(end)
        };
        if self.frame().cfg.current().is_some() {
            self.frame().cfg.terminate(Terminator::Return {
                range: closing,
                values: Vec::new(),
                implicit: true,
            });
        }
        let mut frame = self.frames.pop().expect("frame pushed above");
        frame.function.cfg = frame.cfg.finish();
        self.functions[id.index()] = Some(frame.function);
        id
    }

    /// Declares the named parameters of a parameter list; returns them in order.
    fn declare_params(&mut self, list: Node, kind: VarKind) -> Vec<VarId> {
        let mut declared = Vec::new();
        for param in named_children(list) {
            let ty = param
                .child_by_field_id(fields().r#type.get())
                .map(|t| self.type_text(t));
            let mut cursor = param.walk();
            let names: Vec<Node> = param
                .children_by_field_id(fields().name, &mut cursor)
                .collect();
            for name in names {
                let text = self.text(name);
                if text == "_" {
                    continue;
                }
                declared.push(self.declare(text, kind, ty.clone(), range(name)));
            }
        }
        declared
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
        frame
            .scopes
            .last_mut()
            .expect("a function has a scope")
            .insert(name.to_string(), id);
        id
    }

    /// Resolves an identifier to a local of the current function, or to a variable of an
    /// enclosing function (recorded as a captured variable).
    fn lookup(&mut self, name: &str) -> Option<VarId> {
        let depth = self.frames.len();
        let found = self
            .frames
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, frame)| {
                frame
                    .scopes
                    .iter()
                    .rev()
                    .find_map(|scope| scope.get(name))
                    .map(|&var| (i, var))
            })?;
        let (frame_index, var) = found;
        if frame_index == depth - 1 {
            return Some(var);
        }
        let outer = (self.frames[frame_index].id, var);
        let ty = self.frames[frame_index].function.var(var).ty.clone();
        let at = self.frames[frame_index].function.var(var).range;
        // Bind the capture in the literal's outermost scope so later uses reuse it.
        let frame = self.frame();
        let id = VarId(u32::try_from(frame.function.vars.len()).unwrap_or(u32::MAX));
        frame.function.vars.push(Var {
            name: name.to_string(),
            kind: VarKind::Captured,
            ty,
            range: at,
            outer: Some(outer),
        });
        frame.scopes[0].insert(name.to_string(), id);
        Some(id)
    }

    fn push_scope(&mut self) {
        self.frame().scopes.push(HashMap::new());
    }

    fn pop_scope(&mut self) {
        self.frame().scopes.pop();
    }

    fn push(&mut self, event: Event) {
        self.frame().cfg.push(event);
    }

    fn new_block(&mut self) -> BlockId {
        self.frame().cfg.new_block()
    }

    /// Whether `name` is a logging package whose `Fatal*` functions exit and whose
    /// `Panic*` functions panic (testify's `assert.Panics` does neither).
    fn is_logger(&self, name: &str) -> bool {
        const LOGGERS: [&str; 5] = [
            "log",
            "github.com/sirupsen/logrus",
            "k8s.io/klog",
            "k8s.io/klog/v2",
            "github.com/golang/glog",
        ];
        self.ir
            .import_named(name)
            .is_some_and(|import| LOGGERS.contains(&import.path.as_str()))
    }

    fn is_import(&self, name: &str) -> bool {
        self.ir.import_named(name).is_some()
    }

    // ----- statements ------------------------------------------------------------------

    fn block(&mut self, node: Node) {
        self.push_scope();
        self.statements(node);
        self.pop_scope();
    }

    /// Lowers the statements of a block, case clause or statement list.
    fn statements(&mut self, node: Node) {
        for child in named_children(node) {
            if child.kind() == "statement_list" {
                self.statements(child);
            } else {
                self.statement(child);
            }
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
            "expression_statement" => {
                if let Some(expr) = named_children(node).first() {
                    self.expression_statement(*expr);
                }
            }
            "short_var_declaration" => self.assignment(node, true),
            "assignment_statement" => self.assignment(node, false),
            "var_declaration" => self.var_declaration(node),
            "inc_statement" | "dec_statement" => {
                let targets = named_children(node);
                for child in &targets {
                    self.expr(*child, ResultUse::Used);
                }
                self.assign_unknown(&targets, range(node));
            }
            "send_statement" => {
                if let Some(channel) = node.child_by_field_id(fields().channel.get()) {
                    self.expr(channel, ResultUse::Used);
                }
                if let Some(value) = node.child_by_field_id(fields().value.get()) {
                    let operand = self.expr(value, ResultUse::Used);
                    self.push(Event::Send {
                        value: operand,
                        range: range(node),
                    });
                }
            }
            "go_statement" | "defer_statement" => {
                let deferred = node.kind() == "defer_statement";
                if let Some(expr) = named_children(node).first() {
                    let expr = unparen(*expr);
                    if expr.kind() == "call_expression" {
                        let use_ = if deferred {
                            ResultUse::Deferred
                        } else {
                            ResultUse::Spawned
                        };
                        self.call(expr, use_);
                    } else {
                        self.expr(expr, ResultUse::Used);
                    }
                }
            }
            "return_statement" => {
                let mut values = Vec::new();
                for list in named_children(node) {
                    let exprs = if list.kind() == "expression_list" {
                        named_children(list)
                    } else {
                        vec![list]
                    };
                    for expr in exprs {
                        values.push(self.expr(expr, ResultUse::Returned));
                    }
                }
                self.frame().cfg.terminate(Terminator::Return {
                    range: range(node),
                    values,
                    implicit: false,
                });
            }
            "block" => self.block(node),
            "if_statement" => self.if_statement(node),
            "for_statement" => self.for_statement(node),
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                self.switch_statement(node)
            }
            "labeled_statement" => self.labeled_statement(node),
            "break_statement" | "continue_statement" => self.break_continue(node),
            "goto_statement" => {
                if let Some(label) = named_children(node).first() {
                    let label = self.text(*label).to_string();
                    let target = self.label_block(&label);
                    self.frame().cfg.jump(
                        target,
                        Jump {
                            kind: JumpKind::Goto,
                            range: range(node),
                        },
                    );
                }
            }
            "fallthrough_statement" => {
                if let Some(target) = self.frame().fallthrough_to {
                    self.frame().cfg.terminate(Terminator::Goto(target));
                }
            }
            "const_declaration" | "type_declaration" | "empty_statement" => {}
            _ => {
                // Anything else (a bare receive, an unknown construct): evaluate its parts.
                self.expr(node, ResultUse::Used);
            }
        }
    }

    fn expression_statement(&mut self, expr: Node) {
        let expr = unparen(expr);
        if expr.kind() != "call_expression" {
            self.expr(expr, ResultUse::Used);
            return;
        }
        let call = self.call(expr, ResultUse::Discarded);
        if let Some(kind) = self.no_return_kind(call) {
            self.frame().cfg.terminate(Terminator::NoReturn {
                range: range(expr),
                kind,
            });
        }
    }

    /// Whether a call never returns: `panic`, `os.Exit`, `log.Fatal*`, `log.Panic*`,
    /// and `t.Fatal*`/`t.FailNow`/`t.Skip*` on a `*testing.T`/`B`/`F`.
    fn no_return_kind(&mut self, call: CallId) -> Option<NoReturnKind> {
        let frame = self.frames.last()?;
        match &frame.function.call(call).callee {
            Callee::Path(path) => match path.as_slice() {
                [f] if f == "panic" => Some(NoReturnKind::Panic),
                [pkg, f] if pkg == "os" && f == "Exit" => Some(NoReturnKind::Exit),
                [pkg, f] if self.is_logger(pkg) && f.starts_with("Fatal") => {
                    Some(NoReturnKind::Exit)
                }
                [pkg, f] if self.is_logger(pkg) && f.starts_with("Panic") => {
                    Some(NoReturnKind::Panic)
                }
                _ => None,
            },
            Callee::Method { receiver, name, .. } => {
                let var = receiver.root_var()?;
                let ty = frame.function.var(var).ty.as_deref()?;
                let is_testing = matches!(
                    ty,
                    "*testing.T" | "*testing.B" | "*testing.F" | "testing.TB"
                );
                let stops = name.starts_with("Fatal")
                    || name.starts_with("Skip")
                    || name == "FailNow"
                    || name == "SkipNow";
                (is_testing && stops).then_some(NoReturnKind::Exit)
            }
            Callee::Other(_) => None,
        }
    }

    fn assignment(&mut self, node: Node, define: bool) {
        let (Some(left), Some(right)) = (
            node.child_by_field_id(fields().left.get()),
            node.child_by_field_id(fields().right.get()),
        ) else {
            return;
        };
        let compound = node
            .child_by_field_id(fields().operator.get())
            .is_some_and(|op| self.text(op) != "=");
        let lhs = named_children(left);
        let rhs = named_children(right);
        if compound {
            for expr in lhs.iter().chain(&rhs) {
                self.expr(*expr, ResultUse::Used);
            }
            self.assign_unknown(&lhs, range(node));
            return;
        }
        self.bind(&lhs, &rhs, define, None, range(node));
    }

    /// `n++`, `n += k`: the local variables among `targets` get a new value that is not
    /// known (a counter that is no longer zero, for the flow analysis).
    fn assign_unknown(&mut self, targets: &[Node], at: TextRange) {
        for target in targets {
            let target = unparen(*target);
            if target.kind() != "identifier" {
                continue;
            }
            if let Some(var) = self.lookup(self.text(target)) {
                self.push(Event::Assign {
                    targets: vec![Binding::Var(var)],
                    values: vec![Operand::Other],
                    range: at,
                });
            }
        }
    }

    /// Assigns `rhs` to `lhs`. `define` declares new variables (`:=`, `var`), and `ty`
    /// is the declared type for `var x T = …`. The right side is lowered first: new
    /// names come into scope only after the statement.
    fn bind(
        &mut self,
        lhs: &[Node],
        rhs: &[Node],
        define: bool,
        ty: Option<String>,
        at: TextRange,
    ) {
        if let [only] = rhs {
            let only = unparen(*only);
            if lhs.len() == 2 && only.kind() == "type_assertion_expression" {
                // `v, ok := x.(T)` cannot panic; `v` is `x` itself, seen with its dynamic
                // type (a copy of the same transaction or rows), `ok` tells whether `x`
                // has that type.
                let value = match only.child_by_field_id(fields().operand.get()) {
                    Some(operand) => self.expr(operand, ResultUse::Used),
                    None => Operand::Other,
                };
                for (index, target) in lhs.iter().enumerate() {
                    let binding = self.binding(*target, define, ty.clone());
                    self.push(Event::Assign {
                        targets: vec![binding],
                        values: vec![if index == 0 {
                            value.clone()
                        } else {
                            Operand::TypeTest(Box::new(value.clone()))
                        }],
                        range: at,
                    });
                }
                return;
            }
            if lhs.len() > 1 && only.kind() == "call_expression" {
                // `x, err := f()`: one call, one binding per result.
                let id = self.call(only, ResultUse::Assigned(Vec::new()));
                let bindings = lhs
                    .iter()
                    .map(|target| self.binding(*target, define, ty.clone()))
                    .collect();
                self.set_result_use(id, ResultUse::Assigned(bindings));
                return;
            }
        }
        // Each value is lowered with a placeholder `Assigned` use, filled in once the
        // bindings exist: `err := f()` and `_ = f().Error` both reach their call.
        let mut values = Vec::with_capacity(rhs.len());
        let mut call_spans = Vec::with_capacity(rhs.len());
        for value in rhs {
            let first = self.frame().function.calls.len();
            values.push(self.expr(*value, ResultUse::Assigned(Vec::new())));
            call_spans.push(first..self.frame().function.calls.len());
        }
        let bindings: Vec<Binding> = lhs
            .iter()
            .enumerate()
            .map(|(i, target)| {
                let evident = rhs.get(i).and_then(|v| self.evident_type(*v));
                self.binding(*target, define, ty.clone().or(evident))
            })
            .collect();
        for (i, span) in call_spans.into_iter().enumerate() {
            let binding = bindings.get(i).cloned().unwrap_or(Binding::Blank);
            for call in &mut self.frame().function.calls[span] {
                fill_assigned(&mut call.result, &binding);
            }
        }
        // `v, ok = m[k]` (and `<-ch`, `x.(T)` in assignments) binds more targets than it
        // has values: the extra ones get a value the analyses cannot know.
        if values.len() < bindings.len() {
            values.resize(bindings.len(), Operand::Other);
        }
        let (targets, values): (Vec<Binding>, Vec<Operand>) = bindings
            .into_iter()
            .zip(values)
            .filter(|(_, value)| !matches!(value, Operand::Call(_)))
            .unzip();
        if !targets.is_empty() {
            self.push(Event::Assign {
                targets,
                values,
                range: at,
            });
        }
    }

    fn set_result_use(&mut self, id: CallId, use_: ResultUse) {
        self.frame().function.calls[id.index()].result = use_;
    }

    /// The binding for one left-hand side expression.
    fn binding(&mut self, target: Node, define: bool, ty: Option<String>) -> Binding {
        let target = unparen(target);
        if target.kind() == "identifier" {
            let name = self.text(target);
            if name == "_" {
                return Binding::Blank;
            }
            if define {
                // `:=` reuses a variable already declared in the same scope.
                // A capture of an enclosing function's variable lives in the literal's
                // outermost scope but is not declared there: `:=` shadows it.
                let existing = self
                    .frame()
                    .scopes
                    .last()
                    .and_then(|scope| scope.get(name))
                    .copied()
                    .filter(|v| {
                        self.frames
                            .last()
                            .is_some_and(|f| f.function.var(*v).kind != VarKind::Captured)
                    });
                let var = match existing {
                    Some(var) => var,
                    None => self.declare(name, VarKind::Local, ty, range(target)),
                };
                return Binding::Var(var);
            }
            return match self.lookup(name) {
                Some(var) => Binding::Var(var),
                None => Binding::Place(Operand::Global(name.to_string())),
            };
        }
        Binding::Place(self.expr(target, ResultUse::Used))
    }

    fn var_declaration(&mut self, node: Node) {
        for spec in var_specs(node) {
            let ty = spec
                .child_by_field_id(fields().r#type.get())
                .map(|t| self.type_text(t));
            let mut cursor = spec.walk();
            let names: Vec<Node> = spec
                .children_by_field_id(fields().name, &mut cursor)
                .collect();
            match spec.child_by_field_id(fields().value.get()) {
                Some(values) => {
                    let values = named_children(values);
                    self.bind(&names, &values, true, ty, range(spec));
                }
                None => {
                    for name in names {
                        let text = self.text(name);
                        if text != "_" {
                            self.declare(text, VarKind::Local, ty.clone(), range(name));
                        }
                    }
                }
            }
        }
    }

    fn if_statement(&mut self, node: Node) {
        self.push_scope();
        if let Some(init) = node.child_by_field_id(fields().initializer.get()) {
            self.statement(init);
        }
        let then_block = self.new_block();
        let else_block = self.new_block();
        let join = self.new_block();
        match node.child_by_field_id(fields().condition.get()) {
            Some(condition) => self.branch_on(condition, then_block, else_block),
            None => self.frame().cfg.terminate(Terminator::Branch {
                range: range(node),
                nil_test: None,
                then_block,
                else_block,
            }),
        }
        self.frame().cfg.switch_to(then_block);
        if let Some(consequence) = node.child_by_field_id(fields().consequence.get()) {
            self.block(consequence);
        }
        self.frame().cfg.goto_and_switch(join);
        self.frame().cfg.switch_to(else_block);
        if let Some(alternative) = node.child_by_field_id(fields().alternative.get()) {
            self.statement(alternative);
        }
        self.frame().cfg.goto_and_switch(join);
        self.pop_scope();
    }

    /// Ends the current block with a branch on `condition`, short-circuiting `&&`, `||`
    /// and `!` into a branch per operand: `err != nil || tx == nil` is two nil tests.
    fn branch_on(&mut self, condition: Node, then_block: BlockId, else_block: BlockId) {
        let condition = unparen(condition);
        if self.depth <= MAX_DEPTH {
            self.depth += 1;
            let split = self.branch_on_parts(condition, then_block, else_block);
            self.depth -= 1;
            if split {
                return;
            }
        }
        let nil_test = self.nil_test(condition);
        let first_call = self.frame().function.calls.len();
        self.expr(condition, ResultUse::Used);
        // `f(err) == nil` tests the value of the call lowered just now.
        let nil_test = nil_test.or_else(|| {
            let (tested, then_is_nil) = self.nil_tested(condition)?;
            if unparen(tested).kind() != "call_expression" {
                return None;
            }
            let calls = &self.frame().function.calls;
            let id =
                (first_call..calls.len()).find(|&i| calls[i].range == range(unparen(tested)))?;
            Some(NilTest {
                operand: Operand::Call(CallId(u32::try_from(id).ok()?)),
                then_is_nil,
                by_truth: false,
                one_sided: false,
            })
        });
        let nil_test = nil_test
            .or_else(|| self.error_matched(condition, first_call))
            .or_else(|| self.sentinel_compared(condition));
        self.frame().cfg.terminate(Terminator::Branch {
            range: range(condition),
            nil_test,
            then_block,
            else_block,
        });
    }

    /// [`Self::branch_on`] for `a && b`, `a || b` and `!a`; false for any other condition.
    fn branch_on_parts(
        &mut self,
        condition: Node,
        then_block: BlockId,
        else_block: BlockId,
    ) -> bool {
        let operator = condition
            .child_by_field_id(fields().operator.get())
            .map(|op| self.text(op));
        match (condition.kind(), operator) {
            ("binary_expression", Some(op @ ("&&" | "||"))) => {
                let (Some(left), Some(right)) = (
                    condition.child_by_field_id(fields().left.get()),
                    condition.child_by_field_id(fields().right.get()),
                ) else {
                    return false;
                };
                let second = self.new_block();
                if op == "&&" {
                    self.branch_on(left, second, else_block);
                } else {
                    self.branch_on(left, then_block, second);
                }
                self.frame().cfg.switch_to(second);
                self.branch_on(right, then_block, else_block);
                true
            }
            ("unary_expression", Some("!")) => {
                match condition.child_by_field_id(fields().operand.get()) {
                    Some(operand) => {
                        self.branch_on(operand, else_block, then_block);
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// `errors.Is(err, target)` and `errors.As(err, &target)`, true only for an error that
    /// is not nil: a one-sided nil test of `err`, whose `then` edge is its failure (a
    /// `Query` that fails with some error returns no rows). Its other edge tells nothing,
    /// and the analyses take nothing from it.
    fn error_matched(&self, condition: Node, first_call: usize) -> Option<NilTest> {
        if condition.kind() != "call_expression" {
            return None;
        }
        let calls = &self.frames.last()?.function.calls;
        let call = calls[first_call..]
            .iter()
            .find(|call| call.range == range(condition))?;
        let Callee::Path(path) = &call.callee else {
            return None;
        };
        let matcher = matches!(path.as_slice(), [package, f] if package == "errors" && (f == "Is" || f == "As"));
        match call.args.first() {
            Some(operand @ Operand::Var(_)) if matcher && call.args.len() == 2 => Some(NilTest {
                operand: operand.clone(),
                then_is_nil: false,
                by_truth: false,
                one_sided: true,
            }),
            _ => None,
        }
    }

    /// `err == sql.ErrNoRows`, `err != io.EOF` (either order): a comparison with a sentinel
    /// error, a package-level value that is never nil (`ErrX`, `EOF`). As with
    /// `errors.Is`, the edge on which they are equal is a failure of `err`; the other edge
    /// tells nothing, and the analyses take nothing from it.
    fn sentinel_compared(&mut self, condition: Node) -> Option<NilTest> {
        let (equal, left, right) = self.equality(condition)?;
        let then_is_nil = !equal;
        // `pkg.ErrX` of an imported package, or an `ErrX` this file declares with
        // `errors.New`/`fmt.Errorf`: values that are never nil.
        let mut sentinel = |node: Node| {
            let named = |name: &str| {
                name == "EOF"
                    || name
                        .strip_prefix("Err")
                        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
            };
            match node.kind() {
                "selector_expression" => {
                    let package = node.child_by_field_id(fields().operand.get())?;
                    let field = self.text(node.child_by_field_id(fields().field.get())?);
                    let imported = package.kind() == "identifier"
                        && self.lookup(self.text(package)).is_none()
                        && self
                            .ir
                            .imports
                            .iter()
                            .any(|import| import.local_name() == self.text(package));
                    (imported && named(field)).then_some(())
                }
                "identifier" => {
                    let name = self.text(node);
                    (self.lookup(name).is_none() && self.sentinels.contains(name)).then_some(())
                }
                _ => None,
            }
        };
        let (left_sentinel, right_sentinel) = (sentinel(left), sentinel(right));
        let tested = match (left_sentinel, right_sentinel) {
            (None, Some(())) => left,
            (Some(()), None) => right,
            _ => return None,
        };
        if tested.kind() != "identifier" {
            return None;
        }
        match self.peek_operand(tested)? {
            operand @ Operand::Var(_) => Some(NilTest {
                operand,
                then_is_nil,
                by_truth: false,
                one_sided: true,
            }),
            _ => None,
        }
    }

    /// `a == b` (true) or `a != b` (false), with its operands without parentheses.
    fn equality<'t>(&self, condition: Node<'t>) -> Option<(bool, Node<'t>, Node<'t>)> {
        let condition = unparen(condition);
        if condition.kind() != "binary_expression" {
            return None;
        }
        let equal = match self.text(condition.child_by_field_id(fields().operator.get())?) {
            "==" => true,
            "!=" => false,
            _ => return None,
        };
        let left = unparen(condition.child_by_field_id(fields().left.get())?);
        let right = unparen(condition.child_by_field_id(fields().right.get())?);
        Some((equal, left, right))
    }

    /// The expression `x` of `x == nil`, `x != nil` (either order), and whether the
    /// `then` edge is taken when it is nil.
    fn nil_tested<'t>(&self, condition: Node<'t>) -> Option<(Node<'t>, bool)> {
        let (then_is_nil, left, right) = self.equality(condition)?;
        match (left.kind(), right.kind()) {
            (_, "nil") => Some((left, then_is_nil)),
            ("nil", _) => Some((right, then_is_nil)),
            _ => None,
        }
    }

    /// Recognises `x == nil`, `x != nil` (either order) on a variable or field path, and
    /// the zero tests of one: `n == 0`, `n != 0`, `n > 0` (a count), a boolean `ok`.
    fn nil_test(&mut self, condition: Node) -> Option<NilTest> {
        let (tested, then_is_nil) = self
            .nil_tested(condition)
            .or_else(|| self.zero_tested(condition))?;
        let operand = self.peek_operand(tested)?;
        // A bare path is a boolean's truth (`!` is split off before).
        let by_truth = matches!(
            unparen(condition).kind(),
            "identifier" | "selector_expression"
        );
        Some(NilTest {
            operand,
            then_is_nil,
            by_truth,
            one_sided: false,
        })
    }

    /// The variable or field path of `x == 0`, `x != 0` (either order), `x > 0` or a bare
    /// `x` (a boolean), and whether the `then` edge is taken when it is zero (or false).
    fn zero_tested<'t>(&self, condition: Node<'t>) -> Option<(Node<'t>, bool)> {
        let condition = unparen(condition);
        let path = |node: Node<'t>| matches!(node.kind(), "identifier" | "selector_expression");
        if path(condition) {
            return Some((condition, false));
        }
        if condition.kind() != "binary_expression" {
            return None;
        }
        let op = self.text(condition.child_by_field_id(fields().operator.get())?);
        let left = unparen(condition.child_by_field_id(fields().left.get())?);
        let right = unparen(condition.child_by_field_id(fields().right.get())?);
        let zero = |node: Node| node.kind() == "int_literal" && self.text(node) == "0";
        match (op, zero(left), zero(right)) {
            ("==", false, true) if path(left) => Some((left, true)),
            ("!=" | ">", false, true) if path(left) => Some((left, false)),
            ("==", true, false) if path(right) => Some((right, true)),
            ("!=" | "<", true, false) if path(right) => Some((right, false)),
            _ => None,
        }
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
            "selector_expression" => {
                let base = self.peek_operand(node.child_by_field_id(fields().operand.get())?)?;
                let field = self
                    .text(node.child_by_field_id(fields().field.get())?)
                    .to_string();
                Some(Operand::Field(Box::new(base), field))
            }
            _ => None,
        }
    }

    fn take_label(&mut self) -> Option<String> {
        self.frame().pending_label.take()
    }

    fn for_statement(&mut self, node: Node) {
        let label = self.take_label();
        self.push_scope();
        let header = self.new_block();
        let body = self.new_block();
        let exit = self.new_block();
        let mut continue_to = header;
        let mut clause = None;
        for child in named_children(node) {
            if child.kind() != "block" {
                clause = Some(child);
            }
        }
        match clause {
            Some(c) if c.kind() == "for_clause" => {
                if let Some(init) = c.child_by_field_id(fields().initializer.get()) {
                    self.statement(init);
                }
                self.frame().cfg.goto_and_switch(header);
                match c.child_by_field_id(fields().condition.get()) {
                    Some(condition) => {
                        self.expr(condition, ResultUse::Used);
                        self.frame().cfg.terminate(Terminator::Branch {
                            range: range(condition),
                            nil_test: None,
                            then_block: body,
                            else_block: exit,
                        });
                    }
                    None => self.frame().cfg.terminate(Terminator::Goto(body)),
                }
                if let Some(update) = c.child_by_field_id(fields().update.get()) {
                    let update_block = self.new_block();
                    self.frame().cfg.switch_to(update_block);
                    self.statement(update);
                    self.frame().cfg.terminate(Terminator::Goto(header));
                    continue_to = update_block;
                }
            }
            Some(c) if c.kind() == "range_clause" => {
                if let Some(right) = c.child_by_field_id(fields().right.get()) {
                    self.expr(right, ResultUse::Used);
                }
                self.frame().cfg.goto_and_switch(header);
                self.frame().cfg.terminate(Terminator::Switch {
                    range: range(c),
                    targets: vec![body, exit],
                });
                self.frame().cfg.switch_to(body);
                if let Some(left) = c.child_by_field_id(fields().left.get()) {
                    let define = (0..c.child_count())
                        .filter_map(|i| c.child(i))
                        .any(|t| t.kind() == ":=");
                    for target in named_children(left) {
                        let binding = self.binding(target, define, None);
                        self.push(Event::Assign {
                            targets: vec![binding],
                            values: vec![Operand::Other],
                            range: range(target),
                        });
                    }
                }
            }
            Some(condition) => {
                self.frame().cfg.goto_and_switch(header);
                self.expr(condition, ResultUse::Used);
                self.frame().cfg.terminate(Terminator::Branch {
                    range: range(condition),
                    nil_test: None,
                    then_block: body,
                    else_block: exit,
                });
            }
            None => {
                self.frame().cfg.goto_and_switch(header);
                self.frame().cfg.terminate(Terminator::Goto(body));
            }
        }
        if self.frame().cfg.current() != Some(body) {
            self.frame().cfg.switch_to(body);
        }
        self.frame().breakables.push(Breakable {
            label,
            break_to: exit,
            continue_to: Some(continue_to),
        });
        if let Some(block) = node.child_by_field_id(fields().body.get()) {
            self.block(block);
        }
        self.frame().breakables.pop();
        if self.frame().cfg.current().is_some() {
            self.frame().cfg.terminate(Terminator::Goto(continue_to));
        }
        self.frame().cfg.switch_to(exit);
        self.pop_scope();
    }

    /// Expression switch, type switch and select: a many-way branch to each case.
    fn switch_statement(&mut self, node: Node) {
        let label = self.take_label();
        self.push_scope();
        if let Some(init) = node.child_by_field_id(fields().initializer.get()) {
            self.statement(init);
        }
        if let Some(value) = node.child_by_field_id(fields().value.get()) {
            self.expr(value, ResultUse::Used);
        }
        let alias = node
            .child_by_field_id(fields().alias.get())
            .map(named_children);
        let cases: Vec<Node> = named_children(node)
            .into_iter()
            .filter(|c| {
                matches!(
                    c.kind(),
                    "expression_case" | "default_case" | "type_case" | "communication_case"
                )
            })
            .collect();
        let exit = self.new_block();
        let case_blocks: Vec<BlockId> = cases.iter().map(|_| self.new_block()).collect();
        let has_default = cases.iter().any(|c| c.kind() == "default_case");
        let mut targets = case_blocks.clone();
        // A select without default blocks until a case is ready; a switch without
        // default may match no case and fall out.
        if !has_default && node.kind() != "select_statement" {
            targets.push(exit);
        }
        if targets.is_empty() {
            self.frame().cfg.terminate(Terminator::Unreachable);
        } else {
            self.frame().cfg.terminate(Terminator::Switch {
                range: range(node),
                targets,
            });
        }
        self.frame().breakables.push(Breakable {
            label,
            break_to: exit,
            continue_to: None,
        });
        for (i, case) in cases.iter().enumerate() {
            self.frame().cfg.switch_to(case_blocks[i]);
            self.push_scope();
            if let Some(alias) = &alias {
                // In a case that lists one type, the alias has that type.
                let mut cursor = case.walk();
                let types: Vec<Node> = case
                    .children_by_field_id(fields().r#type, &mut cursor)
                    .collect();
                let ty = match types.as_slice() {
                    [only] => Some(self.type_text(*only)),
                    _ => None,
                };
                for name in alias {
                    let text = self.text(*name);
                    if text != "_" {
                        self.declare(text, VarKind::Local, ty.clone(), range(*name));
                    }
                }
            }
            if let Some(value) = case.child_by_field_id(fields().value.get()) {
                self.expr(value, ResultUse::Used);
            }
            if let Some(comm) = case.child_by_field_id(fields().communication.get()) {
                self.communication(comm);
            }
            let saved = self.frame().fallthrough_to;
            self.frame().fallthrough_to = case_blocks.get(i + 1).copied();
            for child in named_children(*case) {
                if child.kind() == "statement_list" {
                    self.statements(child);
                }
            }
            self.frame().fallthrough_to = saved;
            self.pop_scope();
            self.frame().cfg.goto_and_switch(exit);
            self.frame().cfg.terminate(Terminator::Unreachable);
        }
        self.frame().breakables.pop();
        self.frame().cfg.switch_to(exit);
        self.pop_scope();
    }

    fn communication(&mut self, comm: Node) {
        if comm.kind() == "receive_statement" {
            if let Some(right) = comm.child_by_field_id(fields().right.get()) {
                self.expr(right, ResultUse::Used);
            }
            if let Some(left) = comm.child_by_field_id(fields().left.get()) {
                let define = (0..comm.child_count())
                    .filter_map(|i| comm.child(i))
                    .any(|t| t.kind() == ":=");
                for target in named_children(left) {
                    let binding = self.binding(target, define, None);
                    self.push(Event::Assign {
                        targets: vec![binding],
                        values: vec![Operand::Other],
                        range: range(target),
                    });
                }
            }
        } else {
            self.statement(comm);
        }
    }

    fn label_block(&mut self, label: &str) -> BlockId {
        if let Some(&block) = self.frame().labels.get(label) {
            return block;
        }
        let block = self.new_block();
        self.frame().labels.insert(label.to_string(), block);
        block
    }

    fn labeled_statement(&mut self, node: Node) {
        let Some(label) = node.child_by_field_id(fields().label.get()) else {
            return;
        };
        let label = self.text(label).to_string();
        let block = self.label_block(&label);
        self.frame().cfg.goto_and_switch(block);
        self.frame().pending_label = Some(label);
        for child in named_children(node) {
            if child.kind() != "label_name" {
                self.statement(child);
            }
        }
        self.frame().pending_label = None;
    }

    fn break_continue(&mut self, node: Node) {
        let is_break = node.kind() == "break_statement";
        let label = named_children(node)
            .first()
            .map(|l| self.text(*l).to_string());
        let target = self.frame().breakables.iter().rev().find_map(|b| {
            if let Some(label) = &label {
                if b.label.as_ref() != Some(label) {
                    return None;
                }
            }
            if is_break {
                Some(b.break_to)
            } else {
                b.continue_to
            }
        });
        let Some(target) = target else {
            return; // Not inside a loop: invalid Go, nothing to lower.
        };
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
            "call_expression" => match self.pointer_conversion(node) {
                // `(*T)(x)` is `x` seen as another type: the same value.
                Some(operand) => self.expr(operand, use_),
                None => Operand::Call(self.call(node, use_)),
            },
            // `[]byte(s)`, `map[K]V(m)`: a conversion, the same value.
            "type_conversion_expression" => match node.child_by_field_id(fields().operand.get()) {
                Some(operand) => self.expr(operand, use_),
                None => Operand::Other,
            },
            "identifier" => {
                let operand = self.peek_operand(node).unwrap_or(Operand::Other);
                self.record_use(&operand, node, &use_);
                operand
            }
            "selector_expression" => {
                let Some(base) = node.child_by_field_id(fields().operand.get()) else {
                    return Operand::Other;
                };
                let field = node
                    .child_by_field_id(fields().field.get())
                    .map(|f| self.text(f).to_string())
                    .unwrap_or_default();
                if unparen(base).kind() == "call_expression" {
                    let then = Box::new(use_);
                    let inner = self.expr(
                        base,
                        ResultUse::Field {
                            name: field.clone(),
                            then,
                        },
                    );
                    return Operand::Field(Box::new(inner), field);
                }
                match self.peek_operand(node) {
                    Some(operand) => {
                        self.record_use(&operand, node, &use_);
                        operand
                    }
                    None => {
                        let inner = self.expr(base, ResultUse::Used);
                        Operand::Field(Box::new(inner), field)
                    }
                }
            }
            "func_literal" => self.lower_literal(node),
            "nil" => Operand::Const("nil".to_string()),
            "int_literal" | "true" | "false" => Operand::Const(self.text(node).to_string()),
            "interpreted_string_literal" | "raw_string_literal" => {
                // Without its quotes. A literal left unclosed in broken code has no
                // closing quote, and may end in a multi-byte character.
                let text = self.text(node);
                let mut chars = text.chars();
                let quote = chars.next();
                let inner = chars.as_str();
                let inner = quote.and_then(|q| inner.strip_suffix(q)).unwrap_or(inner);
                Operand::Str(inner.to_string())
            }
            "unary_expression" => {
                let operand = node.child_by_field_id(fields().operand.get());
                let operator = node
                    .child_by_field_id(fields().operator.get())
                    .map(|op| self.text(op));
                match operand {
                    // `&x` denotes x for the analyses: the address shares the value.
                    Some(inner) if operator == Some("&") => self.expr(inner, use_),
                    Some(inner) => {
                        let operand = self.expr(inner, ResultUse::Used);
                        // `*p` dereferences a value; `(*T)(nil)` converts to a pointer
                        // type, whose name is never a local variable or a call.
                        let is_value =
                            operand.root_var().is_some() || matches!(operand, Operand::Call(_));
                        if operator == Some("*")
                            && is_value
                            && !self.never_nil(inner)
                            && !self.nil_guarded(inner)
                        {
                            self.push(Event::PanicSite {
                                kind: PanicKind::Dereference,
                                range: range(node),
                            });
                        }
                        Operand::Other
                    }
                    None => Operand::Other,
                }
            }
            "type_assertion_expression" => {
                // `x.(T)` is `x` itself, seen with its dynamic type: `return rows.(*T)`
                // returns the rows.
                let operand = match node.child_by_field_id(fields().operand.get()) {
                    Some(operand) => self.expr(operand, use_),
                    None => Operand::Other,
                };
                self.push(Event::PanicSite {
                    kind: PanicKind::TypeAssertion,
                    range: range(node),
                });
                operand
            }
            "composite_literal" => {
                let Some(body) = node.child_by_field_id(fields().body.get()) else {
                    return Operand::Other;
                };
                self.literal_elements(body);
                let constants = self.constant_fields(body);
                match node.child_by_field_id(fields().r#type.get()) {
                    Some(ty) if !constants.is_empty() => {
                        Operand::Composite(self.type_text(ty), constants)
                    }
                    _ => Operand::Other,
                }
            }
            _ => {
                for child in named_children(node) {
                    self.expr(child, ResultUse::Used);
                }
                Operand::Other
            }
        }
    }

    /// Whether `p` in `*p` is a local that every assignment in its function (literals
    /// inside it included) gives an address of a new value, `p := &T{…}` or `new(T)`:
    /// dereferencing it cannot panic. A parameter, a named result, `var p *T`, a copy, a
    /// call's result or `&p` handed elsewhere may be nil.
    fn never_nil(&mut self, pointer: Node) -> bool {
        let pointer = unparen(pointer);
        if pointer.kind() != "identifier" {
            return false;
        }
        let name = self.text(pointer);
        // The whole top-level declaration: a literal's captured variable is assigned
        // around it.
        let mut declaration = pointer;
        while let Some(parent) = declaration.parent() {
            if parent.kind() == "source_file" {
                break;
            }
            declaration = parent;
        }
        let start = declaration.start_byte();
        if !self.fresh_pointers_known.contains_key(&start) {
            let names = self.fresh_pointers(declaration);
            self.fresh_pointers_known.insert(start, names);
        }
        self.fresh_pointers_known[&start].contains(name)
    }

    /// Whether `p` in `*p` (a name or a selector, `f.ParentID`) was tested not nil on the
    /// way: the dereference is inside the branch an enclosing `if` takes when it is not
    /// nil (`if p != nil && … { … *p … }`, the `else` of `if p == nil`), or follows, in an
    /// enclosing block, an `if p == nil { return }` whose branch always leaves (return,
    /// continue, break, goto, panic). Assignments to `p` in between are not looked for.
    fn nil_guarded(&self, pointer: Node) -> bool {
        let pointer = unparen(pointer);
        if !matches!(pointer.kind(), "identifier" | "selector_expression") {
            return false;
        }
        let text = self.text(pointer);
        // The conjuncts of a condition (`a && b && c`).
        fn conjuncts<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
            let node = unparen(node);
            if node.kind() == "binary_expression"
                && node
                    .child_by_field_id(fields().operator.get())
                    .is_some_and(|op| op.kind() == "&&")
            {
                for part in named_children(node) {
                    conjuncts(part, out);
                }
            } else {
                out.push(node);
            }
        }
        // Whether a condition is `<text> == nil` (`is_nil`) or `<text> != nil`.
        let compares = |condition: Node, is_nil: bool| {
            self.nil_tested(condition)
                .is_some_and(|(tested, then_is_nil)| {
                    then_is_nil == is_nil && self.text(tested) == text
                })
        };
        let leaves = |block: Node| {
            // A block's statements may sit in a `statement_list`.
            let mut last = named_children(block).last().copied();
            while let Some(list) = last.filter(|l| l.kind() == "statement_list") {
                last = named_children(list).last().copied();
            }
            last.is_some_and(|last| {
                matches!(
                    last.kind(),
                    "return_statement"
                        | "continue_statement"
                        | "break_statement"
                        | "goto_statement"
                ) || (last.kind() == "expression_statement"
                    && self.text(last).starts_with("panic("))
            })
        };
        let mut child = pointer;
        while let Some(parent) = child.parent() {
            match parent.kind() {
                "function_declaration" | "method_declaration" | "func_literal" => return false,
                "if_statement" => {
                    let condition = parent.child_by_field_id(fields().condition.get());
                    let in_consequence = parent
                        .child_by_field_id(fields().consequence.get())
                        .is_some_and(|c| c.id() == child.id());
                    let in_alternative = parent
                        .child_by_field_id(fields().alternative.get())
                        .is_some_and(|a| a.id() == child.id());
                    if let Some(condition) = condition {
                        let mut parts = Vec::new();
                        conjuncts(condition, &mut parts);
                        if in_consequence && parts.iter().any(|part| compares(*part, false)) {
                            return true;
                        }
                        if in_alternative && compares(condition, true) {
                            return true;
                        }
                    }
                }
                "block" | "statement_list" => {
                    // An earlier `if p == nil { return }` in this block.
                    let mut sibling = child.prev_named_sibling();
                    while let Some(statement) = sibling {
                        if statement.kind() == "if_statement"
                            && statement
                                .child_by_field_id(fields().alternative.get())
                                .is_none()
                            && statement
                                .child_by_field_id(fields().condition.get())
                                .is_some_and(|c| compares(c, true))
                            && statement
                                .child_by_field_id(fields().consequence.get())
                                .is_some_and(&leaves)
                        {
                            return true;
                        }
                        sibling = statement.prev_named_sibling();
                    }
                }
                _ => {}
            }
            child = parent;
        }
        false
    }

    /// The names a top-level declaration assigns, and only ever `&T{…}` or `new(T)`.
    fn fresh_pointers(&self, declaration: Node) -> HashSet<String> {
        let fresh = |value: Node| {
            let value = unparen(value);
            match value.kind() {
                "unary_expression" => {
                    value
                        .child_by_field_id(fields().operator.get())
                        .is_some_and(|op| self.text(op) == "&")
                        && value
                            .child_by_field_id(fields().operand.get())
                            .is_some_and(|operand| unparen(operand).kind() == "composite_literal")
                }
                "call_expression" => value
                    .child_by_field_id(fields().function.get())
                    .is_some_and(|f| self.text(f) == "new"),
                _ => false,
            }
        };
        // One walk: the names given a fresh address somewhere, and those given anything
        // else (or bound as a parameter, a range or receive variable, or handed as `&p`).
        let mut fresh_names: HashSet<&str> = HashSet::new();
        let mut other_names: HashSet<&str> = HashSet::new();
        let mut pending = vec![declaration];
        while let Some(node) = pending.pop() {
            match node.kind() {
                "short_var_declaration" | "assignment_statement" | "var_spec" => {
                    let left: Vec<Node> = match node.kind() {
                        "var_spec" => {
                            let mut cursor = node.walk();
                            node.children_by_field_id(fields().name, &mut cursor)
                                .collect()
                        }
                        _ => node
                            .child_by_field_id(fields().left.get())
                            .map(named_children)
                            .unwrap_or_default(),
                    };
                    let right: Vec<Node> = node
                        .child_by_field_id(fields().right.get())
                        .or_else(|| node.child_by_field_id(fields().value.get()))
                        .map(named_children)
                        .unwrap_or_default();
                    for (index, target) in left.iter().enumerate() {
                        let name = self.text(unparen(*target));
                        let is_fresh = left.len() == right.len()
                            && right.get(index).is_some_and(|v| fresh(*v));
                        match is_fresh {
                            true => fresh_names.insert(name),
                            false => other_names.insert(name),
                        };
                    }
                }
                "parameter_declaration" | "variadic_parameter_declaration" => {
                    for child in named_children(node) {
                        if child.kind() == "identifier" {
                            other_names.insert(self.text(child));
                        }
                    }
                }
                // `for _, p := range …`, `p := <-ch`, `switch p := x.(type)`.
                "range_clause" | "receive_statement" | "type_switch_statement" => {
                    let bound = node
                        .child_by_field_id(fields().left.get())
                        .or_else(|| node.child_by_field_id(fields().alias.get()))
                        .map(named_children)
                        .unwrap_or_default();
                    for n in bound {
                        other_names.insert(self.text(unparen(n)));
                    }
                }
                "unary_expression" => {
                    let address = node
                        .child_by_field_id(fields().operator.get())
                        .is_some_and(|op| self.text(op) == "&");
                    if let (true, Some(operand)) =
                        (address, node.child_by_field_id(fields().operand.get()))
                    {
                        other_names.insert(self.text(unparen(operand)));
                    }
                }
                _ => {}
            }
            pending.extend(named_children(node));
        }
        fresh_names
            .difference(&other_names)
            .map(|name| name.to_string())
            .collect()
    }

    /// The converted operand of `(*T)(x)` and `(*pkg.T)(x)`: a call whose function is a
    /// parenthesized pointer to a name that is no local variable (a dereferenced function
    /// variable `(*f)(x)` is a call).
    fn pointer_conversion<'t>(&mut self, node: Node<'t>) -> Option<Node<'t>> {
        let function = node.child_by_field_id(fields().function.get())?;
        if function.kind() != "parenthesized_expression" {
            return None;
        }
        let pointer = unparen(function);
        let operator = pointer.child_by_field_id(fields().operator.get())?;
        if pointer.kind() != "unary_expression" || self.text(operator) != "*" {
            return None;
        }
        let target = unparen(pointer.child_by_field_id(fields().operand.get())?);
        let is_type = match target.kind() {
            "identifier" => self.lookup(self.text(target)).is_none(),
            "selector_expression" => target
                .child_by_field_id(fields().operand.get())
                .filter(|base| base.kind() == "identifier")
                .is_some_and(|base| {
                    let name = self.text(base);
                    self.lookup(name).is_none() && self.is_import(name)
                }),
            _ => false,
        };
        let arguments = node.child_by_field_id(fields().arguments.get())?;
        match named_children(arguments).as_slice() {
            [only] if is_type => Some(*only),
            _ => None,
        }
    }

    /// The fields a composite literal's body sets to a constant (`DryRun: true`), as
    /// written. Constants have no events: reading them again lowers nothing twice.
    fn constant_fields(&self, body: Node) -> Vec<(String, Operand)> {
        fn inner(node: Node<'_>) -> Option<Node<'_>> {
            if node.kind() == "literal_element" {
                named_children(node).first().copied()
            } else {
                Some(node)
            }
        }
        named_children(body)
            .into_iter()
            .filter(|child| child.kind() == "keyed_element")
            .filter_map(|element| {
                let parts = named_children(element);
                let (key, value) = (inner(*parts.first()?)?, inner(*parts.last()?)?);
                if !matches!(key.kind(), "identifier" | "field_identifier") || parts.len() != 2 {
                    return None;
                }
                let value = match unparen(value).kind() {
                    "true" | "false" | "nil" | "int_literal" => {
                        Operand::Const(self.text(unparen(value)).to_string())
                    }
                    _ => return None,
                };
                Some((self.text(key).to_string(), value))
            })
            .collect()
    }

    /// Lowers the elements of a composite literal. A variable placed in one is stored in
    /// an aggregate that may outlive the function: recorded as an assignment to a place.
    fn literal_elements(&mut self, node: Node) {
        for child in named_children(node) {
            match child.kind() {
                "literal_value" | "literal_element" => self.literal_elements(child),
                "keyed_element" => {
                    // Only the value is stored; the key is a field name or an index.
                    if let Some(value) = named_children(child).last() {
                        self.literal_elements_value(*value);
                    }
                }
                _ => self.literal_elements_value(child),
            }
        }
    }

    fn literal_elements_value(&mut self, node: Node) {
        if matches!(node.kind(), "literal_value" | "literal_element") {
            self.literal_elements(node);
            return;
        }
        // A call's value is stored in the aggregate, like a variable's: `&S{db: wrap(db)}`.
        let use_ = if unparen(node).kind() == "call_expression" {
            ResultUse::Assigned(vec![Binding::Place(Operand::Other)])
        } else {
            ResultUse::Used
        };
        let operand = self.expr(node, use_);
        if operand.root_var().is_some() || matches!(operand, Operand::Closure(_)) {
            self.push(Event::Assign {
                targets: vec![Binding::Place(Operand::Other)],
                values: vec![operand],
                range: range(node),
            });
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
                result: use_.clone(),
            });
            id
        };
        let callee = match node.child_by_field_id(fields().function.get()).map(unparen) {
            Some(function) => self.callee(function, id),
            None => Callee::Other(Operand::Other),
        };
        let mut args = Vec::new();
        if let Some(arguments) = node.child_by_field_id(fields().arguments.get()) {
            for arg in named_children(arguments) {
                args.push(self.expr(arg, ResultUse::Argument(id)));
            }
        }
        {
            let call = &mut self.frame().function.calls[id.index()];
            call.callee = callee;
            call.args = args;
        }
        let event = match use_ {
            ResultUse::Deferred => Event::Defer(id),
            ResultUse::Spawned => Event::Go(id),
            _ => Event::Call(id),
        };
        self.push(event);
        id
    }

    fn callee(&mut self, function: Node, id: CallId) -> Callee {
        match function.kind() {
            "selector_expression" => {
                let (Some(base), Some(field)) = (
                    function
                        .child_by_field_id(fields().operand.get())
                        .map(unparen),
                    function.child_by_field_id(fields().field.get()),
                ) else {
                    return Callee::Other(Operand::Other);
                };
                let name = self.text(field).to_string();
                if base.kind() == "identifier" {
                    let base_name = self.text(base);
                    if self.lookup(base_name).is_none() && self.is_import(base_name) {
                        return Callee::Path(vec![base_name.to_string(), name]);
                    }
                }
                let receiver = self.expr(base, ResultUse::Receiver(id));
                Callee::Method {
                    receiver,
                    name,
                    name_range: range(field),
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

/// Import paths of Go's third-party test frameworks. The standard `testing` package is
/// not one of them here: a helper that uses it takes the test's `*testing.T` (or `B`, `F`,
/// `TB`), which makes that function test code, and the file may hold other code.
fn is_test_framework(path: &str) -> bool {
    const PREFIXES: [&str; 5] = [
        "github.com/onsi/ginkgo",
        "github.com/onsi/gomega",
        "github.com/stretchr/testify",
        "github.com/smartystreets/goconvey",
        "gopkg.in/check.v",
    ];
    PREFIXES.iter().any(|prefix| path.starts_with(prefix))
}

/// Whether a node the argument of `new` can be is a type, or a name that may be one.
fn names_a_type(kind: &str) -> bool {
    kind.ends_with("type")
        || matches!(
            kind,
            "identifier" | "selector_expression" | "index_expression" | "type_identifier"
        )
}
