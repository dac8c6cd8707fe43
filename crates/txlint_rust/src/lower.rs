use std::collections::HashMap;

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Block, Expr, FnArg, ImplItem, Item, Lit, Pat, Stmt, TraitItem, UseTree};
use txlint_ir::ir::{
    Binding, BlockId, Call, CallId, Callee, CfgBuilder, Event, FieldDecl, FileIr, FuncId, Function,
    FunctionKind, GlobalDecl, Import, Jump, JumpKind, NilTest, NoReturnKind, Operand, ResultUse,
    Terminator, Var, VarId, VarKind,
};
use txlint_ir::{Language, TextRange};

use crate::positions::Positions;
use crate::spans;

/// Deeper syntax than this is not lowered: it protects the stack from generated code,
/// and no hand-written transaction code nests that deep.
const MAX_DEPTH: u32 = 400;

/// Macros that never return (they panic).
const PANIC_MACROS: [&str; 4] = ["panic", "unreachable", "todo", "unimplemented"];

pub(crate) fn lower(source: &str) -> FileIr {
    let mut lowerer = Lowerer::new(source);
    match syn::parse_file(source) {
        Ok(file) => {
            // syn skips a byte-order mark and a shebang line: positions count from there.
            let bom = if source.starts_with('\u{feff}') {
                '\u{feff}'.len_utf8()
            } else {
                0
            };
            lowerer.set_base(bom + file.shebang.as_ref().map_or(0, String::len));
            lowerer.items(&file.items);
        }
        Err(error) => crate::recover::recover(&mut lowerer, source, &error),
    }
    lowerer.finish()
}

/// Replaces the placeholder `Assigned(vec![])` inside a result use with `bindings`
/// (`Used` when the pattern binds nothing).
fn fill_assigned(use_: &mut ResultUse, bindings: &[Binding]) {
    match use_ {
        ResultUse::Assigned(existing) if existing.is_empty() => {
            *use_ = if bindings.is_empty() {
                ResultUse::Used
            } else {
                ResultUse::Assigned(bindings.to_vec())
            };
        }
        ResultUse::Field { then, .. } => fill_assigned(then, bindings),
        _ => {}
    }
}

/// `a OP b` written as `b OP' a`: `0 < n` is `n > 0`.
fn mirrored(op: syn::BinOp) -> Option<syn::BinOp> {
    use syn::BinOp::{Eq, Ge, Gt, Le, Lt, Ne};
    Some(match op {
        Eq(t) => Eq(t),
        Ne(t) => Ne(t),
        Lt(_) => Gt(Default::default()),
        Gt(_) => Lt(Default::default()),
        Le(_) => Ge(Default::default()),
        Ge(_) => Le(Default::default()),
        _ => return None,
    })
}

/// Skips parentheses, invisible groups, `.await`, references and dereferences: they all
/// denote their operand for the analyses.
fn strip(mut expr: &Expr) -> &Expr {
    loop {
        expr = match expr {
            Expr::Paren(e) => &e.expr,
            Expr::Group(e) => &e.expr,
            Expr::Await(e) => &e.base,
            Expr::Reference(e) => &e.expr,
            Expr::Unary(e) if matches!(e.op, syn::UnOp::Deref(_)) => &e.expr,
            _ => return expr,
        };
    }
}

/// Whether an expression is a call of the path `Err(..)`.
fn is_err_call(expr: &Expr) -> bool {
    match strip(expr) {
        Expr::Call(call) => match &*call.func {
            Expr::Path(p) => p
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Err" && p.path.segments.len() <= 3),
            _ => false,
        },
        _ => false,
    }
}

fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// `sqlx::query!` and friends: `query`, `query_as`, `query_scalar`, `query_file`,
/// `query_file_as`, their `_unchecked` forms.
fn is_query_macro(segments: &[String]) -> bool {
    match segments {
        [name] => name.starts_with("query"),
        [krate, name] => krate == "sqlx" && name.starts_with("query"),
        _ => false,
    }
}

pub(crate) struct Lowerer<'s> {
    src: &'s str,
    /// Converts the positions of the text parsed last to offsets in the file.
    positions: Positions,
    ir: FileIr,
    /// Functions by id; a slot is reserved when lowering starts so that closures nested
    /// inside get later ids and point back to their parent.
    functions: Vec<Option<Function>>,
    /// The functions being lowered, innermost last.
    frames: Vec<Frame>,
    depth: u32,
    /// Inside an `impl` block: its type's name and the methods the block defines, so that
    /// `self.helper(…)` names the method it calls (`Repo::helper`).
    own_methods: Option<(String, Vec<String>)>,
}

struct Frame {
    id: FuncId,
    function: Function,
    cfg: CfgBuilder,
    scopes: Vec<HashMap<String, VarId>>,
    /// Targets of `break`/`continue`, innermost last.
    breakables: Vec<Breakable>,
    literal_count: u32,
    /// Range of the body's closing brace: where a tail expression returns.
    closing: TextRange,
}

struct Breakable {
    label: Option<String>,
    break_to: BlockId,
    /// `None` for a labelled block, which only a labelled `break` leaves.
    continue_to: Option<BlockId>,
}

/// What a function body to lower is.
enum Body<'a> {
    Block(&'a Block),
    /// A closure whose body is an expression.
    Expr(&'a Expr),
}

/// Where the value of a block or branch goes: somewhere inside an expression, or out of
/// the function (the body's tail position).
#[derive(Clone)]
enum Flow {
    Value(ResultUse),
    Tail,
}

impl<'s> Lowerer<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        Lowerer {
            src,
            positions: Positions::new(src),
            ir: FileIr::empty(Language::Rust),
            functions: Vec::new(),
            frames: Vec::new(),
            depth: 0,
            own_methods: None,
        }
    }

    pub(crate) fn finish(mut self) -> FileIr {
        self.ir.functions = self.functions.into_iter().flatten().collect();
        self.ir
    }

    /// Says where the text whose syntax is lowered next starts in the file.
    pub(crate) fn set_base(&mut self, base: usize) {
        self.positions
            .set_base(u32::try_from(base).unwrap_or(u32::MAX));
    }

    /// Sets the nesting depth the items lowered next are at.
    pub(crate) fn set_depth(&mut self, depth: u32) {
        self.depth = depth;
    }

    pub(crate) fn has_syntax_errors(&self) -> bool {
        !self.ir.syntax_errors.is_empty()
    }

    /// Records a region of the file that is test code.
    pub(crate) fn test_code(&mut self, range: TextRange) {
        self.ir.test_code.push(range);
    }

    /// Records a region of the file that does not parse.
    pub(crate) fn syntax_error(&mut self, range: TextRange) {
        self.ir.syntax_errors.push(range);
    }

    // ----- positions -------------------------------------------------------------------

    /// The byte range in the file of a span of the text parsed last.
    fn range(&self, span: Span) -> TextRange {
        let start = self.positions.offset(span.start());
        TextRange::new(start, self.positions.offset(span.end()).max(start))
    }

    /// The range from the start of `first` to the end of `last`.
    fn ends(&self, (first, last): spans::Ends) -> TextRange {
        let start = self.range(first).start();
        TextRange::new(start, self.range(last).end().max(start))
    }

    /// The range of a small node (a type, a pattern): [`Spanned::span`] prints the node
    /// to find its first and last token, so it is not for expressions or statements.
    fn srange<T: Spanned + ?Sized>(&self, node: &T) -> TextRange {
        self.range(node.span())
    }

    /// The range of an expression, from its first token (or outer attribute) to its last.
    fn erange(&self, expr: &Expr) -> TextRange {
        self.ends(spans::expr(expr))
    }

    /// The range of an expression, without the outer attributes of a postfix chain
    /// (`a.b().c().await?` starts at `a`).
    fn expr_range(&self, expr: &Expr) -> TextRange {
        let end = match expr {
            Expr::MethodCall(m) => m.paren_token.span.close(),
            Expr::Call(c) => c.paren_token.span.close(),
            Expr::Try(t) => t.question_token.span,
            Expr::Await(a) => a.await_token.span,
            Expr::Field(_) => spans::expr_last(expr),
            _ => return self.erange(expr),
        };
        let mut start = expr;
        loop {
            start = match start {
                Expr::MethodCall(m) => &m.receiver,
                Expr::Call(c) => &c.func,
                Expr::Try(t) => &t.expr,
                Expr::Await(a) => &a.base,
                Expr::Field(f) => &f.base,
                Expr::Index(i) => &i.expr,
                _ => break,
            };
        }
        self.ends((spans::expr_first(start), end))
    }

    /// Source text of a node with whitespace removed: `&mut Transaction<'_, Postgres>`.
    fn type_text<T: Spanned + ?Sized>(&self, node: &T) -> String {
        let range = self.srange(node);
        self.src
            .get(range.to_usize())
            .unwrap_or("")
            .split_whitespace()
            .collect()
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

    // ----- items -----------------------------------------------------------------------

    pub(crate) fn items(&mut self, items: &[Item]) {
        for item in items {
            self.item(item);
        }
    }

    fn item(&mut self, item: &Item) {
        if self.too_deep(|l| l.srange(item)) {
            return;
        }
        self.depth += 1;
        self.item_inner(item);
        self.depth -= 1;
    }

    fn item_inner(&mut self, item: &Item) {
        let attrs = match item {
            Item::Fn(f) => &f.attrs[..],
            Item::Mod(m) => &m.attrs[..],
            Item::Impl(i) => &i.attrs[..],
            _ => &[],
        };
        if is_test_only(attrs) {
            let range = self.srange(item);
            self.ir.test_code.push(range);
        }
        match item {
            Item::Use(u) => {
                let mut prefix = Vec::new();
                self.use_tree(&mut prefix, &u.tree);
            }
            // `extern crate lmdb_zero as lmdb;`: the crate, under the name the code uses.
            Item::ExternCrate(e) => {
                let name = e.ident.to_string();
                let alias = e
                    .rename
                    .as_ref()
                    .map_or_else(|| name.clone(), |(_, rename)| rename.to_string());
                if name != "self" {
                    self.push_import(name, alias, e.ident.span());
                }
            }
            Item::Fn(f) => {
                let name = f.sig.ident.to_string();
                self.lower_fn(
                    &f.sig,
                    &f.block,
                    &f.attrs,
                    name,
                    FunctionKind::Function,
                    None,
                );
            }
            Item::Impl(imp) => {
                let (owner, self_ty) = self.impl_context(imp);
                let methods = imp
                    .items
                    .iter()
                    .filter_map(|member| match member {
                        ImplItem::Fn(m) if m.sig.receiver().is_some() => {
                            Some(m.sig.ident.to_string())
                        }
                        _ => None,
                    })
                    .collect();
                let outer = self.own_methods.replace((owner.clone(), methods));
                for member in &imp.items {
                    self.impl_member(member, &owner, &self_ty);
                }
                self.own_methods = outer;
            }
            Item::Trait(t) => {
                let owner = t.ident.to_string();
                for member in &t.items {
                    self.trait_member(member, &owner);
                }
            }
            Item::Mod(m) => match &m.content {
                Some((_, items)) => self.items(items),
                // `mod db;`: a module in a file of its own, which paths of this file
                // name as `db::…`, as if imported with `use self::db;`.
                None => {
                    let name = m.ident.to_string();
                    self.push_import(format!("self::{name}"), name, m.ident.span());
                }
            },
            Item::Struct(s) => {
                if let syn::Fields::Named(fields) = &s.fields {
                    for field in &fields.named {
                        if let Some(name) = &field.ident {
                            let ty = self.type_text(&field.ty);
                            self.ir.fields.push(FieldDecl {
                                owner: s.ident.to_string(),
                                name: name.to_string(),
                                ty,
                                embedded: false,
                            });
                        }
                    }
                }
            }
            Item::Static(s) => {
                let ty = self.type_text(&*s.ty);
                self.ir.globals.push(GlobalDecl {
                    name: s.ident.to_string(),
                    ty,
                });
            }
            Item::Const(c) => {
                let ty = self.type_text(&*c.ty);
                self.ir.globals.push(GlobalDecl {
                    name: c.ident.to_string(),
                    ty,
                });
            }
            _ => {}
        }
    }

    /// The name methods of an `impl` are qualified with (`Repo` for `impl Repo<T>`) and
    /// the text of its self type.
    pub(crate) fn impl_context(&self, imp: &syn::ItemImpl) -> (String, String) {
        let self_ty = self.type_text(&*imp.self_ty);
        let owner = match &*imp.self_ty {
            syn::Type::Path(p) => p
                .path
                .segments
                .last()
                .map_or_else(|| self_ty.clone(), |s| s.ident.to_string()),
            _ => self_ty.clone(),
        };
        (owner, self_ty)
    }

    pub(crate) fn impl_member(&mut self, member: &ImplItem, owner: &str, self_ty: &str) {
        if let ImplItem::Fn(m) = member {
            if is_test_only(&m.attrs) {
                let range = self.srange(m);
                self.ir.test_code.push(range);
            }
            let name = format!("{owner}::{}", m.sig.ident);
            self.lower_fn(
                &m.sig,
                &m.block,
                &m.attrs,
                name,
                FunctionKind::Method,
                Some(self_ty),
            );
        }
    }

    pub(crate) fn trait_member(&mut self, member: &TraitItem, owner: &str) {
        if let TraitItem::Fn(m) = member {
            if let Some(block) = &m.default {
                let name = format!("{owner}::{}", m.sig.ident);
                self.lower_fn(
                    &m.sig,
                    block,
                    &m.attrs,
                    name,
                    FunctionKind::Method,
                    Some(owner),
                );
            }
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &UseTree) {
        if self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        self.push_import(prefix.join("::"), last, n.span());
                    }
                } else {
                    let path = prefix
                        .iter()
                        .cloned()
                        .chain([name.clone()])
                        .collect::<Vec<_>>()
                        .join("::");
                    self.push_import(path, name, n.span());
                }
            }
            UseTree::Rename(r) => {
                let name = r.ident.to_string();
                let path = if name == "self" {
                    prefix.join("::")
                } else {
                    prefix
                        .iter()
                        .cloned()
                        .chain([name])
                        .collect::<Vec<_>>()
                        .join("::")
                };
                self.push_import(path, r.rename.to_string(), r.span());
            }
            UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(prefix, tree);
                }
            }
            UseTree::Glob(_) => {}
        }
        self.depth -= 1;
    }

    fn push_import(&mut self, path: String, alias: String, span: Span) {
        if path.is_empty() {
            return;
        }
        let range = self.range(span);
        self.ir.imports.push(Import {
            path,
            alias: Some(alias),
            range,
        });
    }

    fn decorators(&self, attrs: &[Attribute]) -> Vec<String> {
        attrs
            .iter()
            .filter(|a| !a.path().is_ident("doc"))
            .map(|a| path_segments(a.path()).join("::"))
            .collect()
    }

    // ----- functions -------------------------------------------------------------------

    fn reserve_function(&mut self) -> FuncId {
        let id = FuncId(u32::try_from(self.functions.len()).unwrap_or(u32::MAX));
        self.functions.push(None);
        id
    }

    fn lower_fn(
        &mut self,
        sig: &syn::Signature,
        block: &Block,
        attrs: &[Attribute],
        name: String,
        kind: FunctionKind,
        self_ty: Option<&str>,
    ) {
        // A named function sees nothing of an enclosing function's locals.
        let outer = std::mem::take(&mut self.frames);
        let start = self.range(sig.fn_token.span).start().min(
            attrs
                .first()
                .map_or(u32::MAX, |a| self.range(a.pound_token.span).start()),
        );
        let end = self.range(block.brace_token.span.close()).end().max(start);
        let id = self.begin_function(
            name,
            kind,
            TextRange::new(start, end),
            self.range(sig.ident.span()),
            None,
            self.range(block.brace_token.span.close()),
        );
        let decorators = self.decorators(attrs);
        self.frame().function.decorators = decorators;
        if matches!(sig.output, syn::ReturnType::Type(..)) {
            self.frame().function.result_count = 1;
        }
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(r) => {
                    let ty = self_ty.map(str::to_string);
                    let var = self.declare("self", VarKind::Receiver, ty, self.srange(r));
                    self.frame().function.receiver = Some(var);
                }
                FnArg::Typed(pt) => {
                    let declared = self.params(&pt.pat, Some(self.type_text(&*pt.ty)));
                    self.frame().function.params.extend(declared);
                }
            }
        }
        self.finish_function(Body::Block(block), id);
        self.frames = outer;
    }

    fn begin_function(
        &mut self,
        name: String,
        kind: FunctionKind,
        range: TextRange,
        name_range: TextRange,
        parent: Option<FuncId>,
        closing: TextRange,
    ) -> FuncId {
        let id = self.reserve_function();
        self.frames.push(Frame {
            id,
            function: Function {
                name,
                kind,
                range,
                name_range,
                parent,
                receiver: None,
                params: Vec::new(),
                decorators: Vec::new(),
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
            literal_count: 0,
            closing,
        });
        id
    }

    /// Lowers the body of the innermost frame, pops it and stores the function.
    fn finish_function(&mut self, body: Body, id: FuncId) {
        match body {
            Body::Block(block) => self.body_block(block),
            Body::Expr(expr) => self.tail(expr),
        }
        if self.frame().cfg.current().is_some() {
            let closing = self.frame().closing;
            self.frame().cfg.terminate(Terminator::Return {
                range: closing,
                values: Vec::new(),
                implicit: true,
            });
        }
        let mut frame = self.frames.pop().expect("frame pushed by begin_function");
        frame.function.cfg = frame.cfg.finish();
        self.functions[id.index()] = Some(frame.function);
    }

    /// Declares the variables of a parameter pattern; returns them in order.
    fn params(&mut self, pat: &Pat, ty: Option<String>) -> Vec<VarId> {
        let mut declared = Vec::new();
        let mut names = Vec::new();
        self.pattern_names(pat, false, &mut names);
        let simple = matches!(pat, Pat::Ident(_));
        for (name, range) in names {
            let ty = if simple { ty.clone() } else { None };
            declared.push(self.declare(&name, VarKind::Param, ty, range));
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
        let (frame_index, var) = self
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
        if frame_index == depth - 1 {
            return Some(var);
        }
        let outer = (self.frames[frame_index].id, var);
        let ty = self.frames[frame_index].function.var(var).ty.clone();
        let at = self.frames[frame_index].function.var(var).range;
        // Bind the capture in the closure's outermost scope so later uses reuse it.
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

    fn terminate(&mut self, terminator: Terminator) {
        self.frame().cfg.terminate(terminator);
    }

    /// A closure or async block, lowered as a function of its own.
    fn lower_closure(&mut self, expr: &Expr) -> Operand {
        let parent = self.frame().id;
        let count = {
            let frame = self.frame();
            frame.literal_count += 1;
            frame.literal_count
        };
        let parent_name = self.frame().function.name.clone();
        let range = self.erange(expr);
        let closing = TextRange::new(
            range.end().saturating_sub(1).max(range.start()),
            range.end(),
        );
        match expr {
            Expr::Closure(c) => {
                let name = format!("{parent_name}.closure{count}");
                let id = self.begin_function(
                    name,
                    FunctionKind::Literal,
                    range,
                    self.range(c.or1_token.span),
                    Some(parent),
                    closing,
                );
                for input in &c.inputs {
                    let (pat, ty) = match input {
                        Pat::Type(pt) => (&*pt.pat, Some(self.type_text(&*pt.ty))),
                        other => (other, None),
                    };
                    let declared = self.params(pat, ty);
                    self.frame().function.params.extend(declared);
                }
                let returns = match &c.output {
                    syn::ReturnType::Type(..) => true,
                    syn::ReturnType::Default => match &*c.body {
                        Expr::Block(b) => matches!(b.block.stmts.last(), Some(Stmt::Expr(_, None))),
                        _ => true,
                    },
                };
                if returns {
                    self.frame().function.result_count = 1;
                }
                let body = match &*c.body {
                    Expr::Block(b) if b.label.is_none() => Body::Block(&b.block),
                    other => Body::Expr(other),
                };
                self.finish_function(body, id);
                Operand::Closure(id)
            }
            Expr::Async(a) => {
                let name = format!("{parent_name}.async{count}");
                let id = self.begin_function(
                    name,
                    FunctionKind::Literal,
                    range,
                    self.range(a.async_token.span),
                    Some(parent),
                    self.range(a.block.brace_token.span.close()),
                );
                if matches!(a.block.stmts.last(), Some(Stmt::Expr(_, None))) {
                    self.frame().function.result_count = 1;
                }
                self.finish_function(Body::Block(&a.block), id);
                Operand::Closure(id)
            }
            _ => Operand::Other,
        }
    }

    // ----- patterns --------------------------------------------------------------------

    /// The identifiers a pattern binds, in order. In a refutable pattern an identifier
    /// that starts with an upper-case letter names a constant or unit variant (`None`).
    fn pattern_names(&mut self, pat: &Pat, refutable: bool, out: &mut Vec<(String, TextRange)>) {
        if self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        match pat {
            Pat::Ident(p) => {
                let name = p.ident.to_string();
                let constant = refutable
                    && p.by_ref.is_none()
                    && p.mutability.is_none()
                    && p.subpat.is_none()
                    && name.starts_with(|c: char| c.is_uppercase());
                if !constant {
                    out.push((name, self.range(p.ident.span())));
                }
                if let Some((_, sub)) = &p.subpat {
                    self.pattern_names(sub, refutable, out);
                }
            }
            Pat::Type(p) => self.pattern_names(&p.pat, refutable, out),
            Pat::Tuple(p) => {
                for elem in &p.elems {
                    self.pattern_names(elem, refutable, out);
                }
            }
            Pat::TupleStruct(p) => {
                for elem in &p.elems {
                    self.pattern_names(elem, true, out);
                }
            }
            Pat::Struct(p) => {
                for field in &p.fields {
                    self.pattern_names(&field.pat, true, out);
                }
            }
            Pat::Slice(p) => {
                for elem in &p.elems {
                    self.pattern_names(elem, true, out);
                }
            }
            // Every alternative binds the same names.
            Pat::Or(p) => {
                if let Some(first) = p.cases.first() {
                    self.pattern_names(first, true, out);
                }
            }
            Pat::Paren(p) => self.pattern_names(&p.pat, refutable, out),
            Pat::Reference(p) => self.pattern_names(&p.pat, refutable, out),
            _ => {}
        }
        self.depth -= 1;
    }

    /// Declares the locals a pattern binds; returns one binding per bound name (`_` is a
    /// blank binding). A type annotation (`let x: T`) gives a simple pattern its type.
    fn bind_pattern(&mut self, pat: &Pat, refutable: bool) -> Vec<Binding> {
        let (pat, ty) = match pat {
            Pat::Type(pt) => (&*pt.pat, Some(self.type_text(&*pt.ty))),
            other => (other, None),
        };
        match pat {
            Pat::Wild(_) => return vec![Binding::Blank],
            Pat::Tuple(t) if flat_tuple(t) => {
                return t
                    .elems
                    .iter()
                    .flat_map(|e| self.bind_pattern(e, refutable))
                    .collect();
            }
            // `Some((_, txn))`: one binding per element of the tuple, by position, so that
            // what is taken out of an `Option<(Id, Transaction)>` is told apart.
            Pat::TupleStruct(ts)
                if ts.elems.len() == 1
                    && matches!(&ts.elems[0], Pat::Tuple(t) if flat_tuple(t)
                        && t.elems.iter().any(|e| matches!(e, Pat::Ident(_)))) =>
            {
                return self.bind_pattern(&ts.elems[0], true);
            }
            _ => {}
        }
        let simple = matches!(pat, Pat::Ident(_));
        let mut names = Vec::new();
        self.pattern_names(pat, refutable, &mut names);
        names
            .into_iter()
            .map(|(name, range)| {
                let ty = if simple { ty.clone() } else { None };
                Binding::Var(self.declare(&name, VarKind::Local, ty, range))
            })
            .collect()
    }

    // ----- statements ------------------------------------------------------------------

    /// Lowers a block; its tail expression's value goes where `flow` says. When the
    /// block completes, the locals it declared go out of scope (a guard among them is
    /// dropped there): one [`Event::ScopeExit`] each, the last declared first.
    fn block(&mut self, block: &Block, flow: Flow) -> Operand {
        self.push_scope();
        let operand = self.stmts(&block.stmts, flow);
        let locals = self.frame().scopes.pop().unwrap_or_default();
        if self.frame().cfg.current().is_some() {
            let mut locals: Vec<VarId> = locals.into_values().collect();
            locals.sort_by(|a, b| b.cmp(a));
            let range = self.range(block.brace_token.span.close());
            for var in locals {
                self.push(Event::ScopeExit {
                    context: None,
                    value: Operand::Var(var),
                    range,
                    exceptional: false,
                });
            }
        }
        operand
    }

    /// Lowers a function's body: its locals live until the function ends.
    fn body_block(&mut self, block: &Block) {
        self.push_scope();
        self.stmts(&block.stmts, Flow::Tail);
        self.pop_scope();
    }

    fn stmts(&mut self, stmts: &[Stmt], flow: Flow) -> Operand {
        let tail = match stmts.last() {
            Some(Stmt::Expr(e, None)) => Some(e),
            _ => None,
        };
        let body = if tail.is_some() {
            &stmts[..stmts.len() - 1]
        } else {
            stmts
        };
        for stmt in body {
            self.statement(stmt);
        }
        match (tail, flow) {
            (Some(tail), Flow::Tail) => {
                self.tail(tail);
                Operand::Other
            }
            (Some(tail), Flow::Value(use_)) => self.expr(tail, use_),
            (None, _) => Operand::Other,
        }
    }

    fn statement(&mut self, stmt: &Stmt) {
        if self.too_deep(|l| l.ends(spans::stmt(stmt))) {
            return;
        }
        self.depth += 1;
        match stmt {
            Stmt::Local(local) => self.local(local),
            Stmt::Expr(e, _) => {
                self.expr(e, ResultUse::Discarded);
            }
            Stmt::Macro(m) => {
                let range = self.ends(spans::stmt_macro(m));
                self.macro_(&m.mac, range, ResultUse::Discarded);
            }
            Stmt::Item(item) => self.item(item),
        }
        self.depth -= 1;
    }

    fn local(&mut self, local: &syn::Local) {
        let Some(init) = &local.init else {
            self.bind_pattern(&local.pat, false);
            return;
        };
        let first = self.frame().function.calls.len();
        let value = self.expr(&init.expr, ResultUse::Assigned(Vec::new()));
        let refutable = init.diverge.is_some();
        if let Some((_, diverge)) = &init.diverge {
            // `let P = e else { … }`: the else block runs when the pattern fails.
            let normal = self.new_block();
            let otherwise = self.new_block();
            self.terminate(Terminator::Branch {
                range: self.ends(spans::local(local)),
                nil_test: None,
                then_block: normal,
                else_block: otherwise,
            });
            self.frame().cfg.switch_to(otherwise);
            self.expr(diverge, ResultUse::Discarded);
            if self.frame().cfg.current().is_some() {
                self.terminate(Terminator::Unreachable);
            }
            self.frame().cfg.switch_to(normal);
        }
        let bindings = self.bind_pattern(&local.pat, refutable);
        self.assign(first, value, bindings, self.ends(spans::local(local)));
    }

    /// Completes an assignment of `value` (whose calls start at `first`) to `bindings`:
    /// the calls' placeholder uses are filled in, and a value that is not a call is
    /// recorded as an assignment.
    fn assign(&mut self, first: usize, value: Operand, bindings: Vec<Binding>, at: TextRange) {
        for call in &mut self.frame().function.calls[first..] {
            fill_assigned(&mut call.result, &bindings);
        }
        if matches!(value, Operand::Call(_)) || bindings.is_empty() {
            return;
        }
        let values = vec![value; bindings.len()];
        self.push(Event::Assign {
            targets: bindings,
            values,
            range: at,
        });
    }

    /// A value that leaves the function: a `return` value, a tail expression.
    fn tail(&mut self, expr: &Expr) {
        if self.too_deep(|l| l.erange(expr)) {
            return;
        }
        self.depth += 1;
        self.tail_inner(expr);
        self.depth -= 1;
    }

    fn tail_inner(&mut self, expr: &Expr) {
        match expr {
            Expr::If(e) => self.if_expr(e, Flow::Tail),
            Expr::Match(e) => self.match_expr(e, Flow::Tail),
            Expr::Block(b) if b.label.is_none() => {
                self.block(&b.block, Flow::Tail);
            }
            Expr::Unsafe(u) => {
                self.block(&u.block, Flow::Tail);
            }
            Expr::Paren(p) => self.tail(&p.expr),
            _ if is_err_call(expr) => {
                self.expr(expr, ResultUse::Returned);
                let range = self.erange(expr);
                self.terminate(Terminator::Raise { range });
            }
            _ => {
                let operand = self.expr(expr, ResultUse::Returned);
                if self.frame().cfg.current().is_none() {
                    return; // The tail diverged (`return`, `panic!`, `loop {}`).
                }
                let closing = self.frame().closing;
                self.terminate(Terminator::Return {
                    range: closing,
                    values: vec![operand],
                    implicit: true,
                });
            }
        }
    }

    // ----- control flow ----------------------------------------------------------------

    /// The condition of an `if` or `while`: `let` patterns bind in the current scope.
    fn condition(&mut self, cond: &Expr) {
        match cond {
            Expr::Let(l) => self.let_expr(l),
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                self.condition(&b.left);
                self.condition(&b.right);
            }
            Expr::Paren(p) => self.condition(&p.expr),
            _ => {
                self.expr(cond, ResultUse::Used);
            }
        }
    }

    fn let_expr(&mut self, l: &syn::ExprLet) {
        let first = self.frame().function.calls.len();
        let value = self.expr(&l.expr, ResultUse::Assigned(Vec::new()));
        let bindings = self.bind_pattern(&l.pat, true);
        let range = self.ends((
            l.attrs
                .first()
                .map_or(l.let_token.span, |a| a.pound_token.span),
            spans::expr_last(&l.expr),
        ));
        self.assign(first, value, bindings, range);
    }

    /// Lowers a branch body (a block, or an `else if`) with `flow`.
    fn branch(&mut self, expr: &Expr, flow: &Flow) {
        match flow {
            Flow::Tail => self.tail(expr),
            Flow::Value(use_) => {
                self.expr(expr, use_.clone());
            }
        }
    }

    /// `count == 0` / `count != 0` on a local, and the comparisons that say the same of a
    /// count (`count > 0`, `count >= 1`, `0 < count`, `count < 1`, `count <= 0`): a test of
    /// emptiness, like a nil test (a write whose row count is 0 wrote nothing on that edge).
    /// The counts are unsigned (`rows_affected()`, `execute`'s `u64`/`usize`), so `> 0`
    /// is `!= 0`.
    fn zero_test(&mut self, cond: &Expr) -> Option<NilTest> {
        let Expr::Binary(b) = strip(cond) else {
            return None;
        };
        let literal = |e: &Expr| match strip(e) {
            Expr::Lit(l) => match &l.lit {
                Lit::Int(i) => match i.base10_digits() {
                    "0" => Some(0),
                    "1" => Some(1),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        // The comparison as `count OP literal`.
        let (local, op, bound) = match (literal(&b.left), literal(&b.right)) {
            (None, Some(bound)) => (&b.left, b.op, bound),
            (Some(bound), None) => (&b.right, mirrored(b.op)?, bound),
            _ => return None,
        };
        use syn::BinOp::{Eq, Ge, Gt, Le, Lt, Ne};
        let then_is_nil = match (op, bound) {
            (Eq(_), 0) | (Lt(_), 1) | (Le(_), 0) => true,
            (Ne(_), 0) | (Gt(_), 0) | (Ge(_), 1) => false,
            _ => return None,
        };
        match self.peek_operand(local)? {
            operand @ Operand::Var(_) => Some(NilTest {
                operand,
                then_is_nil,
                by_truth: false,
                one_sided: false,
            }),
            _ => None,
        }
    }

    fn if_expr(&mut self, e: &syn::ExprIf, flow: Flow) {
        self.push_scope();
        self.condition(&e.cond);
        let nil_test = self.zero_test(&e.cond);
        let then_block = self.new_block();
        let else_block = self.new_block();
        let join = self.new_block();
        self.terminate(Terminator::Branch {
            range: self.erange(&e.cond),
            nil_test,
            then_block,
            else_block,
        });
        self.frame().cfg.switch_to(then_block);
        self.block(&e.then_branch, flow.clone());
        self.pop_scope();
        self.frame().cfg.goto_and_switch(join);
        self.frame().cfg.switch_to(else_block);
        if let Some((_, alternative)) = &e.else_branch {
            self.branch(alternative, &flow);
        }
        self.frame().cfg.goto_and_switch(join);
    }

    fn match_expr(&mut self, e: &syn::ExprMatch, flow: Flow) {
        let scrutinee = self.expr(&e.expr, ResultUse::Used);
        let exit = self.new_block();
        let arm_blocks: Vec<BlockId> = e.arms.iter().map(|_| self.new_block()).collect();
        // `match result { Ok(..) => …, Err(..) => … }` on a local: the `Err` (or `None`) arm
        // is the edge where the value failed, as a nil test says.
        let failure_arm = match (&scrutinee, e.arms.as_slice()) {
            (Operand::Var(_), [first, second])
                if first.guard.is_none() && second.guard.is_none() =>
            {
                match (variant_of(&first.pat), variant_of(&second.pat)) {
                    (Some("Ok" | "Some"), Some("Err" | "None")) => Some(1),
                    (Some("Err" | "None"), Some("Ok" | "Some")) => Some(0),
                    _ => None,
                }
            }
            _ => None,
        };
        let range = self.ends((
            e.attrs
                .first()
                .map_or(e.match_token.span, |a| a.pound_token.span),
            e.brace_token.span.close(),
        ));
        if let Some(failed) = failure_arm {
            self.terminate(Terminator::Branch {
                range,
                nil_test: Some(NilTest {
                    operand: scrutinee.clone(),
                    then_is_nil: failed == 0,
                    by_truth: false,
                    one_sided: false,
                }),
                then_block: arm_blocks[0],
                else_block: arm_blocks[1],
            });
        } else if arm_blocks.is_empty() {
            self.terminate(Terminator::Unreachable);
        } else {
            self.terminate(Terminator::Switch {
                range,
                targets: arm_blocks.clone(),
            });
        }
        for (i, arm) in e.arms.iter().enumerate() {
            self.frame().cfg.switch_to(arm_blocks[i]);
            self.push_scope();
            let bindings = self.bind_pattern(&arm.pat, true);
            // `match slot.take() { Some((_, txn)) => … }`: the `Some` arm binds what the
            // call returned, by position, as `if let Some((_, txn)) = slot.take()` does.
            let payload = matches!(scrutinee, Operand::Call(_))
                && variant_of(&arm.pat) == Some("Some")
                && bindings.iter().any(|b| matches!(b, Binding::Var(_)));
            if payload {
                self.push(Event::Assign {
                    values: vec![scrutinee.clone(); bindings.len()],
                    targets: bindings,
                    range: self.srange(&arm.pat),
                });
            } else {
                let bindings: Vec<Binding> = bindings
                    .into_iter()
                    .filter(|b| matches!(b, Binding::Var(_)))
                    .collect();
                if !bindings.is_empty() {
                    self.push(Event::Assign {
                        values: vec![Operand::Other; bindings.len()],
                        targets: bindings,
                        range: self.srange(&arm.pat),
                    });
                }
            }
            if let Some((_, guard)) = &arm.guard {
                self.expr(guard, ResultUse::Used);
                let body = self.new_block();
                let next = arm_blocks.get(i + 1).copied().unwrap_or(exit);
                self.terminate(Terminator::Branch {
                    range: self.erange(guard),
                    nil_test: None,
                    then_block: body,
                    else_block: next,
                });
                self.frame().cfg.switch_to(body);
            }
            self.branch(&arm.body, &flow);
            self.pop_scope();
            if self.frame().cfg.current().is_some() {
                self.terminate(Terminator::Goto(exit));
            }
        }
        self.frame().cfg.switch_to(exit);
    }

    fn label_name(label: &Option<syn::Label>) -> Option<String> {
        label.as_ref().map(|l| l.name.ident.to_string())
    }

    /// `loop`, `while` and `for`.
    fn loop_expr(&mut self, expr: &Expr) {
        let header = self.new_block();
        let body = self.new_block();
        let exit = self.new_block();
        self.push_scope();
        let (label, block) = match expr {
            Expr::Loop(l) => {
                self.frame().cfg.goto_and_switch(header);
                self.terminate(Terminator::Goto(body));
                (Self::label_name(&l.label), &l.body)
            }
            Expr::While(w) => {
                self.frame().cfg.goto_and_switch(header);
                self.condition(&w.cond);
                self.terminate(Terminator::Branch {
                    range: self.erange(&w.cond),
                    nil_test: None,
                    then_block: body,
                    else_block: exit,
                });
                (Self::label_name(&w.label), &w.body)
            }
            Expr::ForLoop(f) => {
                self.expr(&f.expr, ResultUse::Used);
                self.frame().cfg.goto_and_switch(header);
                self.terminate(Terminator::Switch {
                    range: self.erange(&f.expr),
                    targets: vec![body, exit],
                });
                self.frame().cfg.switch_to(body);
                let bindings = self.bind_pattern(&f.pat, false);
                if !bindings.is_empty() {
                    self.push(Event::Assign {
                        values: vec![Operand::Other; bindings.len()],
                        targets: bindings,
                        range: self.srange(&*f.pat),
                    });
                }
                (Self::label_name(&f.label), &f.body)
            }
            _ => {
                self.pop_scope();
                return;
            }
        };
        if self.frame().cfg.current() != Some(body) {
            self.frame().cfg.switch_to(body);
        }
        self.frame().breakables.push(Breakable {
            label,
            break_to: exit,
            continue_to: Some(header),
        });
        self.block(block, Flow::Value(ResultUse::Discarded));
        self.frame().breakables.pop();
        if self.frame().cfg.current().is_some() {
            self.terminate(Terminator::Goto(header));
        }
        self.pop_scope();
        self.frame().cfg.switch_to(exit);
    }

    fn break_continue(&mut self, label: Option<&syn::Lifetime>, is_break: bool, at: TextRange) {
        let label = label.map(|l| l.ident.to_string());
        let target = self.frame().breakables.iter().rev().find_map(|b| {
            match &label {
                Some(label) if b.label.as_ref() != Some(label) => return None,
                // An unlabelled break or continue leaves the innermost loop.
                None if b.continue_to.is_none() => return None,
                _ => {}
            }
            if is_break {
                Some(b.break_to)
            } else {
                b.continue_to
            }
        });
        let Some(target) = target else {
            return; // Not inside a loop: invalid Rust, nothing to lower.
        };
        let kind = if is_break {
            JumpKind::Break
        } else {
            JumpKind::Continue
        };
        self.frame().cfg.jump(target, Jump { kind, range: at });
    }

    // ----- expressions -----------------------------------------------------------------

    /// Lowers an expression, recording its calls and variable reads. `use_` says what
    /// happens to the value, which matters when the expression is a call.
    fn expr(&mut self, expr: &Expr, use_: ResultUse) -> Operand {
        if self.too_deep(|l| l.erange(expr)) {
            return Operand::Other;
        }
        self.depth += 1;
        let operand = self.expr_inner(expr, use_);
        self.depth -= 1;
        operand
    }

    fn expr_inner(&mut self, expr: &Expr, use_: ResultUse) -> Operand {
        match expr {
            Expr::Paren(e) => self.expr(&e.expr, use_),
            Expr::Group(e) => self.expr(&e.expr, use_),
            Expr::Await(e) => self.expr(&e.base, use_),
            Expr::Reference(e) => self.expr(&e.expr, use_),
            Expr::Cast(e) => self.expr(&e.expr, use_),
            Expr::Unary(e) => match e.op {
                syn::UnOp::Deref(_) => self.expr(&e.expr, use_),
                _ => {
                    self.expr(&e.expr, ResultUse::Used);
                    Operand::Other
                }
            },
            Expr::Try(e) => {
                // `?` inspects the result: a call it applies to is used, not discarded.
                let inner_use = match use_ {
                    ResultUse::Discarded => ResultUse::Used,
                    other => other,
                };
                let operand = self.expr(&e.expr, inner_use);
                let range = self.expr_range(expr);
                let normal = self.new_block();
                let handler = self.new_block();
                self.terminate(Terminator::MayRaise {
                    range,
                    normal,
                    handler,
                });
                self.frame().cfg.switch_to(handler);
                self.terminate(Terminator::Raise { range });
                self.frame().cfg.switch_to(normal);
                operand
            }
            Expr::Path(p) => {
                let operand = self.path_operand(p);
                self.record_use(&operand, expr, &use_);
                operand
            }
            Expr::Field(f) => {
                let name = match &f.member {
                    syn::Member::Named(ident) => ident.to_string(),
                    syn::Member::Unnamed(index) => index.index.to_string(),
                };
                if matches!(strip(&f.base), Expr::MethodCall(_) | Expr::Call(_)) {
                    let then = Box::new(use_);
                    let inner = self.expr(
                        &f.base,
                        ResultUse::Field {
                            name: name.clone(),
                            then,
                        },
                    );
                    return Operand::Field(Box::new(inner), name);
                }
                match self.peek_operand(expr) {
                    Some(operand) => {
                        self.record_use(&operand, expr, &use_);
                        operand
                    }
                    None => {
                        let inner = self.expr(&f.base, ResultUse::Used);
                        Operand::Field(Box::new(inner), name)
                    }
                }
            }
            Expr::MethodCall(_) | Expr::Call(_) => self.call(expr, use_),
            Expr::Macro(m) => {
                let range = self.ends(spans::expr_macro(m));
                self.macro_(&m.mac, range, use_)
            }
            Expr::Lit(l) => self.literal(&l.lit),
            Expr::Closure(_) | Expr::Async(_) => self.lower_closure(expr),
            Expr::Struct(s) => {
                for field in &s.fields {
                    self.stored_value(&field.expr);
                }
                if let Some(rest) = &s.rest {
                    self.expr(rest, ResultUse::Used);
                }
                Operand::Other
            }
            Expr::Tuple(t) => {
                for elem in &t.elems {
                    self.stored_value(elem);
                }
                Operand::Other
            }
            Expr::Array(a) => {
                for elem in &a.elems {
                    self.stored_value(elem);
                }
                Operand::Other
            }
            Expr::Repeat(r) => {
                self.stored_value(&r.expr);
                self.expr(&r.len, ResultUse::Used);
                Operand::Other
            }
            Expr::If(e) => {
                self.if_expr(e, Flow::Value(use_));
                Operand::Other
            }
            Expr::Match(e) => {
                self.match_expr(e, Flow::Value(use_));
                Operand::Other
            }
            Expr::Block(b) => match &b.label {
                None => self.block(&b.block, Flow::Value(use_)),
                Some(label) => {
                    let exit = self.new_block();
                    self.frame().breakables.push(Breakable {
                        label: Some(label.name.ident.to_string()),
                        break_to: exit,
                        continue_to: None,
                    });
                    self.block(&b.block, Flow::Value(use_));
                    self.frame().breakables.pop();
                    self.frame().cfg.goto_and_switch(exit);
                    Operand::Other
                }
            },
            Expr::Unsafe(u) => self.block(&u.block, Flow::Value(use_)),
            Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => {
                self.loop_expr(expr);
                Operand::Other
            }
            Expr::Return(r) => {
                let range = self.erange(expr);
                match &r.expr {
                    Some(value) if is_err_call(value) => {
                        self.expr(value, ResultUse::Returned);
                        self.terminate(Terminator::Raise { range });
                    }
                    Some(value) => {
                        let operand = self.expr(value, ResultUse::Returned);
                        if self.frame().cfg.current().is_some() {
                            self.terminate(Terminator::Return {
                                range,
                                values: vec![operand],
                                implicit: false,
                            });
                        }
                    }
                    None => self.terminate(Terminator::Return {
                        range,
                        values: Vec::new(),
                        implicit: false,
                    }),
                }
                Operand::Other
            }
            Expr::Break(b) => {
                if let Some(value) = &b.expr {
                    self.expr(value, ResultUse::Used);
                }
                let range = self.erange(expr);
                self.break_continue(b.label.as_ref(), true, range);
                Operand::Other
            }
            Expr::Continue(c) => {
                let range = self.erange(expr);
                self.break_continue(c.label.as_ref(), false, range);
                Operand::Other
            }
            Expr::Let(l) => {
                self.let_expr(l);
                Operand::Other
            }
            Expr::Assign(a) => {
                let first = self.frame().function.calls.len();
                let value = self.expr(&a.right, ResultUse::Assigned(Vec::new()));
                let bindings = self.assign_targets(&a.left);
                self.assign(first, value, bindings, self.erange(expr));
                Operand::Other
            }
            Expr::Binary(b) => {
                self.expr(&b.left, ResultUse::Used);
                self.expr(&b.right, ResultUse::Used);
                Operand::Other
            }
            Expr::Index(i) => {
                self.expr(&i.expr, ResultUse::Used);
                self.expr(&i.index, ResultUse::Used);
                Operand::Other
            }
            Expr::Range(r) => {
                if let Some(start) = &r.start {
                    self.expr(start, ResultUse::Used);
                }
                if let Some(end) = &r.end {
                    self.expr(end, ResultUse::Used);
                }
                Operand::Other
            }
            Expr::Yield(y) => {
                if let Some(value) = &y.expr {
                    self.expr(value, ResultUse::Used);
                }
                Operand::Other
            }
            Expr::TryBlock(t) => self.block(&t.block, Flow::Value(use_)),
            _ => Operand::Other,
        }
    }

    fn literal(&self, lit: &Lit) -> Operand {
        match lit {
            Lit::Str(s) => Operand::Str(s.value()),
            other => Operand::Const(self.type_text(other)),
        }
    }

    /// An element of a struct literal, tuple or array. A variable placed in one is
    /// stored in an aggregate that may outlive it: recorded as an assignment to a place.
    fn stored_value(&mut self, expr: &Expr) {
        let operand = self.expr(expr, ResultUse::Used);
        if operand.root_var().is_some() || matches!(operand, Operand::Closure(_)) {
            self.push(Event::Assign {
                targets: vec![Binding::Place(Operand::Other)],
                values: vec![operand],
                range: self.erange(expr),
            });
        }
    }

    /// The bindings of the left side of `=`.
    fn assign_targets(&mut self, target: &Expr) -> Vec<Binding> {
        match target {
            Expr::Infer(_) => vec![Binding::Blank],
            Expr::Paren(p) => self.assign_targets(&p.expr),
            Expr::Tuple(t) => {
                let mut out = Vec::new();
                for elem in &t.elems {
                    if self.depth > MAX_DEPTH {
                        break;
                    }
                    self.depth += 1;
                    out.extend(self.assign_targets(elem));
                    self.depth -= 1;
                }
                out
            }
            Expr::Path(p) if p.path.get_ident().is_some() => match self.path_operand(p) {
                Operand::Var(var) => vec![Binding::Var(var)],
                other => vec![Binding::Place(other)],
            },
            _ => {
                let place = self.expr(target, ResultUse::Used);
                vec![Binding::Place(place)]
            }
        }
    }

    fn path_operand(&mut self, p: &syn::ExprPath) -> Operand {
        if p.qself.is_none() {
            if let Some(ident) = p.path.get_ident() {
                let name = ident.to_string();
                return match self.lookup(&name) {
                    Some(var) => Operand::Var(var),
                    None => Operand::Global(name),
                };
            }
        }
        Operand::Global(path_segments(&p.path).join("::"))
    }

    /// The operand of a variable or field path, without recording any event.
    fn peek_operand(&mut self, expr: &Expr) -> Option<Operand> {
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let operand = match expr {
            Expr::Paren(p) => self.peek_operand(&p.expr),
            Expr::Path(p) => Some(self.path_operand(p)),
            Expr::Field(f) => {
                let name = match &f.member {
                    syn::Member::Named(ident) => ident.to_string(),
                    syn::Member::Unnamed(index) => index.index.to_string(),
                };
                self.peek_operand(&f.base)
                    .map(|base| Operand::Field(Box::new(base), name))
            }
            _ => None,
        };
        self.depth -= 1;
        operand
    }

    /// Records a read of a variable (or a field of one) in a plain value context.
    /// Receivers, arguments and assignments are already described by their call or
    /// assignment event.
    fn record_use(&mut self, operand: &Operand, expr: &Expr, use_: &ResultUse) {
        if operand.root_var().is_none() {
            return;
        }
        if matches!(use_, ResultUse::Used | ResultUse::Returned) {
            self.push(Event::Use {
                operand: operand.clone(),
                range: self.expr_range(expr),
            });
        }
    }

    fn reserve_call(&mut self, range: TextRange, use_: ResultUse) -> CallId {
        let frame = self.frame();
        let id = CallId(u32::try_from(frame.function.calls.len()).unwrap_or(u32::MAX));
        frame.function.calls.push(Call {
            range,
            callee: Callee::Path(Vec::new()),
            args: Vec::new(),
            keywords: Vec::new(),
            moved_args: Vec::new(),
            result: use_,
        });
        id
    }

    fn finish_call(&mut self, id: CallId, callee: Callee, args: Vec<Operand>) {
        let exits = matches!(&callee, Callee::Path(path)
            if path.ends_with(&["process".to_string(), "exit".to_string()]));
        {
            let call = &mut self.frame().function.calls[id.index()];
            call.callee = callee;
            call.args = args;
        }
        self.push(Event::Call(id));
        if exits {
            let range = self.frame().function.call(id).range;
            self.terminate(Terminator::NoReturn {
                range,
                kind: NoReturnKind::Exit,
            });
        }
    }

    /// Records which arguments are plain paths (`f(tx)`, not `f(&mut tx)`): moved into
    /// the callee.
    fn record_moves<'e>(&mut self, id: CallId, args: impl Iterator<Item = &'e Expr>) {
        let moved = args
            .enumerate()
            .filter(|(_, arg)| matches!(strip_parens(arg), Expr::Path(_)))
            .map(|(i, _)| i)
            .collect();
        self.frame().function.calls[id.index()].moved_args = moved;
    }

    /// A method call or a call expression.
    fn call(&mut self, expr: &Expr, use_: ResultUse) -> Operand {
        let range = self.expr_range(expr);
        match expr {
            Expr::MethodCall(m) => {
                let id = self.reserve_call(range, use_);
                let receiver = self.expr(&m.receiver, ResultUse::Receiver(id));
                let args = m
                    .args
                    .iter()
                    .map(|arg| self.expr(arg, ResultUse::Argument(id)))
                    .collect();
                let name = m.method.to_string();
                // `self.helper(…)` of a method the same `impl` block defines: a call of
                // that method, by its full name (its receiver is `self`, not an argument).
                let own = match (&*m.receiver, &self.own_methods) {
                    (Expr::Path(p), Some((owner, methods)))
                        if p.path.is_ident("self") && methods.contains(&name) =>
                    {
                        Some(format!("{owner}::{name}"))
                    }
                    _ => None,
                };
                let callee = match own {
                    Some(full) => Callee::Path(vec![full]),
                    None => Callee::Method {
                        receiver,
                        name,
                        name_range: self.range(m.method.span()),
                    },
                };
                self.finish_call(id, callee, args);
                self.record_moves(id, m.args.iter());
                Operand::Call(id)
            }
            Expr::Call(c) => {
                let id = self.reserve_call(range, use_);
                let callee = match strip_parens(&c.func) {
                    Expr::Path(p) => match self.path_operand(p) {
                        Operand::Var(var) => Callee::Other(Operand::Var(var)),
                        _ => Callee::Path(path_segments(&p.path)),
                    },
                    other => Callee::Other(self.expr(other, ResultUse::Receiver(id))),
                };
                let args = c
                    .args
                    .iter()
                    .map(|arg| self.expr(arg, ResultUse::Argument(id)))
                    .collect();
                self.finish_call(id, callee, args);
                self.record_moves(id, c.args.iter());
                Operand::Call(id)
            }
            _ => self.expr(expr, use_),
        }
    }

    /// A macro invocation. Panicking macros end the block; `sqlx::query!` and friends
    /// are calls whose arguments are the SQL text and the bound values; other macros'
    /// arguments are lowered as values when they parse as expressions.
    fn macro_(&mut self, mac: &syn::Macro, range: TextRange, use_: ResultUse) -> Operand {
        let segments = path_segments(&mac.path);
        let name = segments.last().map(String::as_str).unwrap_or("");
        let args = mac
            .parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated)
            .ok();
        if is_query_macro(&segments) {
            let id = self.reserve_call(range, use_);
            let args = match &args {
                Some(args) => args
                    .iter()
                    .map(|arg| self.expr(arg, ResultUse::Argument(id)))
                    .collect(),
                None => self.token_operands(mac.tokens.clone()),
            };
            let path = if segments.len() == 1 {
                vec!["sqlx".to_string(), name.to_string()]
            } else {
                segments.clone()
            };
            self.finish_call(id, Callee::Path(path), args);
            return Operand::Call(id);
        }
        for arg in args.iter().flatten() {
            self.expr(arg, ResultUse::Used);
        }
        if PANIC_MACROS.contains(&name) && segments.len() <= 2 {
            self.terminate(Terminator::NoReturn {
                range,
                kind: NoReturnKind::Panic,
            });
        }
        Operand::Other
    }

    /// The string literals and identifiers of a token stream that does not parse as
    /// expressions, in order.
    fn token_operands(&mut self, tokens: proc_macro2::TokenStream) -> Vec<Operand> {
        let mut out = Vec::new();
        let mut stack = vec![tokens.into_iter()];
        while let Some(iter) = stack.last_mut() {
            let Some(token) = iter.next() else {
                stack.pop();
                continue;
            };
            match token {
                proc_macro2::TokenTree::Group(g) => {
                    if stack.len() < MAX_DEPTH as usize {
                        stack.push(g.stream().into_iter());
                    }
                }
                proc_macro2::TokenTree::Literal(l) => {
                    let lit = Lit::new(l);
                    out.push(self.literal(&lit));
                }
                proc_macro2::TokenTree::Ident(i) => {
                    let name = i.to_string();
                    out.push(match self.lookup(&name) {
                        Some(var) => Operand::Var(var),
                        None => Operand::Global(name),
                    });
                }
                proc_macro2::TokenTree::Punct(_) => {}
            }
        }
        out
    }
}

/// A tuple pattern of plain names and `_` only: `(a, _)`.
fn flat_tuple(t: &syn::PatTuple) -> bool {
    t.elems
        .iter()
        .all(|e| matches!(e, Pat::Wild(_) | Pat::Ident(_)))
}

fn strip_parens(mut expr: &Expr) -> &Expr {
    loop {
        expr = match expr {
            Expr::Paren(e) => &e.expr,
            Expr::Group(e) => &e.expr,
            _ => return expr,
        };
    }
}

/// Whether items with these attributes exist only in test builds: `#[cfg(test)]`
/// (also inside `all(...)`), or a test function (`#[test]`, `#[tokio::test]`,
/// `#[sqlx::test]`, `#[rstest]`…).
pub(crate) fn is_test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let path = attr.path();
        if path.is_ident("cfg") {
            return cfg_requires_test(&attr.meta);
        }
        path.segments
            .last()
            .is_some_and(|s| s.ident == "test" || s.ident == "rstest")
    })
}

/// `cfg(test)` or `cfg(all(.., test, ..))`; `not(test)` and `any(test, ..)` do not
/// restrict the code to tests.
fn cfg_requires_test(meta: &syn::Meta) -> bool {
    let syn::Meta::List(list) = meta else {
        return false;
    };
    let Ok(inner) = list.parse_args::<syn::Meta>() else {
        return false;
    };
    match &inner {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::List(l) if l.path.is_ident("all") => l
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|args| args.iter().any(|m| m.path().is_ident("test"))),
        _ => false,
    }
}

/// The enum variant a pattern matches: `Ok(res)` → `Ok`, `None` → `None`,
/// `Err(_)` → `Err`.
fn variant_of(pat: &Pat) -> Option<&'static str> {
    let path = match pat {
        Pat::TupleStruct(t) => &t.path,
        Pat::Path(p) => &p.path,
        Pat::Ident(i) if i.subpat.is_none() && i.ident == "None" => return Some("None"),
        _ => return None,
    };
    let last = path.segments.last()?.ident.to_string();
    ["Ok", "Err", "Some", "None"]
        .into_iter()
        .find(|variant| *variant == last)
}
