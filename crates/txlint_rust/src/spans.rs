//! The first and last token of a syntax node, read from the node's own fields.
//!
//! [`syn::spanned::Spanned::span`] prints a node back to tokens to find its first and last
//! one: its cost is the size of the node, so measuring every enclosing node of a deep or
//! long expression is quadratic. These functions follow only the leftmost (or rightmost)
//! child, a step per nesting level, and fall back to `Spanned` for the rare nodes they do
//! not know (types, patterns, verbatim tokens), which are small.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Macro, MacroDelimiter, Path, RangeLimits, Stmt, UnOp};

/// The span of a node's first token and of its last one.
pub(crate) type Ends = (Span, Span);

fn first_attr(attrs: &[Attribute]) -> Option<Span> {
    attrs.first().map(|a| a.pound_token.span)
}

fn delimiter_close(delimiter: &MacroDelimiter) -> Span {
    match delimiter {
        MacroDelimiter::Paren(p) => p.span.close(),
        MacroDelimiter::Brace(b) => b.span.close(),
        MacroDelimiter::Bracket(b) => b.span.close(),
    }
}

fn path_first(path: &Path) -> Span {
    match (&path.leading_colon, path.segments.first()) {
        (Some(colon), _) => colon.spans[0],
        (None, Some(segment)) => segment.ident.span(),
        (None, None) => path.span(),
    }
}

fn path_last(path: &Path) -> Span {
    match path.segments.last() {
        Some(segment) => match &segment.arguments {
            syn::PathArguments::None => segment.ident.span(),
            syn::PathArguments::AngleBracketed(args) => args.gt_token.span,
            syn::PathArguments::Parenthesized(args) => match &args.output {
                syn::ReturnType::Default => args.paren_token.span.close(),
                syn::ReturnType::Type(_, ty) => ty.span(),
            },
        },
        None => path.span(),
    }
}

/// The ends of a macro invocation (`path!(…)`), attributes and `;` not included.
pub(crate) fn mac(mac: &Macro) -> Ends {
    (path_first(&mac.path), delimiter_close(&mac.delimiter))
}

fn limits(limits: &RangeLimits) -> Ends {
    match limits {
        RangeLimits::HalfOpen(t) => (t.spans[0], t.spans[1]),
        RangeLimits::Closed(t) => (t.spans[0], t.spans[2]),
    }
}

/// The span of an expression's first token: its first outer attribute, or the first
/// token of its leftmost operand.
pub(crate) fn expr_first(mut expr: &Expr) -> Span {
    loop {
        if let Some(span) = expr_attrs(expr).and_then(first_attr) {
            return span;
        }
        expr = match expr {
            Expr::Assign(e) => &e.left,
            Expr::Await(e) => &e.base,
            Expr::Binary(e) => &e.left,
            Expr::Call(e) => &e.func,
            Expr::Cast(e) => &e.expr,
            Expr::Field(e) => &e.base,
            Expr::Index(e) => &e.expr,
            Expr::MethodCall(e) => &e.receiver,
            Expr::Try(e) => &e.expr,
            Expr::Range(e) => match &e.start {
                Some(start) => start,
                None => return limits(&e.limits).0,
            },
            Expr::Array(e) => return e.bracket_token.span.open(),
            Expr::Async(e) => return e.async_token.span,
            Expr::Block(e) => {
                return match &e.label {
                    Some(label) => label.name.apostrophe,
                    None => e.block.brace_token.span.open(),
                }
            }
            Expr::Break(e) => return e.break_token.span,
            Expr::Closure(e) => {
                return e
                    .lifetimes
                    .as_ref()
                    .map(|l| l.for_token.span)
                    .or(e.constness.map(|t| t.span))
                    .or(e.movability.map(|t| t.span))
                    .or(e.asyncness.map(|t| t.span))
                    .or(e.capture.map(|t| t.span))
                    .unwrap_or(e.or1_token.span)
            }
            Expr::Const(e) => return e.const_token.span,
            Expr::Continue(e) => return e.continue_token.span,
            Expr::ForLoop(e) => {
                return e
                    .label
                    .as_ref()
                    .map_or(e.for_token.span, |l| l.name.apostrophe)
            }
            Expr::If(e) => return e.if_token.span,
            Expr::Infer(e) => return e.underscore_token.span,
            Expr::Let(e) => return e.let_token.span,
            Expr::Lit(e) => return e.lit.span(),
            Expr::Loop(e) => {
                return e
                    .label
                    .as_ref()
                    .map_or(e.loop_token.span, |l| l.name.apostrophe)
            }
            Expr::Macro(e) => return path_first(&e.mac.path),
            Expr::Match(e) => return e.match_token.span,
            Expr::Paren(e) => return e.paren_token.span.open(),
            Expr::Path(e) => {
                return match &e.qself {
                    Some(qself) => qself.lt_token.span,
                    None => path_first(&e.path),
                }
            }
            Expr::RawAddr(e) => return e.and_token.span,
            Expr::Reference(e) => return e.and_token.span,
            Expr::Repeat(e) => return e.bracket_token.span.open(),
            Expr::Return(e) => return e.return_token.span,
            Expr::Struct(e) => {
                return match &e.qself {
                    Some(qself) => qself.lt_token.span,
                    None => path_first(&e.path),
                }
            }
            Expr::TryBlock(e) => return e.try_token.span,
            Expr::Tuple(e) => return e.paren_token.span.open(),
            Expr::Unary(e) => {
                return match e.op {
                    UnOp::Deref(t) => t.span,
                    UnOp::Not(t) => t.span,
                    UnOp::Neg(t) => t.span,
                    _ => expr.span(),
                }
            }
            Expr::Unsafe(e) => return e.unsafe_token.span,
            Expr::While(e) => {
                return e
                    .label
                    .as_ref()
                    .map_or(e.while_token.span, |l| l.name.apostrophe)
            }
            Expr::Yield(e) => return e.yield_token.span,
            // Invisible groups and verbatim tokens: only from macro expansion.
            _ => return expr.span(),
        };
    }
}

/// The span of an expression's last token.
pub(crate) fn expr_last(mut expr: &Expr) -> Span {
    loop {
        expr = match expr {
            Expr::Assign(e) => &e.right,
            Expr::Binary(e) => &e.right,
            Expr::Closure(e) => &e.body,
            Expr::Let(e) => &e.expr,
            Expr::RawAddr(e) => &e.expr,
            Expr::Reference(e) => &e.expr,
            Expr::Unary(e) => &e.expr,
            Expr::Break(e) => match (&e.expr, &e.label) {
                (Some(value), _) => value,
                (None, Some(label)) => return label.ident.span(),
                (None, None) => return e.break_token.span,
            },
            Expr::Range(e) => match &e.end {
                Some(end) => end,
                None => return limits(&e.limits).1,
            },
            Expr::Return(e) => match &e.expr {
                Some(value) => value,
                None => return e.return_token.span,
            },
            Expr::Yield(e) => match &e.expr {
                Some(value) => value,
                None => return e.yield_token.span,
            },
            Expr::If(e) => match &e.else_branch {
                Some((_, alternative)) => alternative,
                None => return e.then_branch.brace_token.span.close(),
            },
            Expr::Array(e) => return e.bracket_token.span.close(),
            Expr::Async(e) => return e.block.brace_token.span.close(),
            Expr::Await(e) => return e.await_token.span,
            Expr::Block(e) => return e.block.brace_token.span.close(),
            Expr::Call(e) => return e.paren_token.span.close(),
            Expr::Cast(e) => return e.ty.span(),
            Expr::Const(e) => return e.block.brace_token.span.close(),
            Expr::Continue(e) => {
                return e
                    .label
                    .as_ref()
                    .map_or(e.continue_token.span, |l| l.ident.span())
            }
            Expr::Field(e) => {
                return match &e.member {
                    syn::Member::Named(ident) => ident.span(),
                    syn::Member::Unnamed(index) => index.span,
                }
            }
            Expr::ForLoop(e) => return e.body.brace_token.span.close(),
            Expr::Index(e) => return e.bracket_token.span.close(),
            Expr::Infer(e) => return e.underscore_token.span,
            Expr::Lit(e) => return e.lit.span(),
            Expr::Loop(e) => return e.body.brace_token.span.close(),
            Expr::Macro(e) => return delimiter_close(&e.mac.delimiter),
            Expr::Match(e) => return e.brace_token.span.close(),
            Expr::MethodCall(e) => return e.paren_token.span.close(),
            Expr::Paren(e) => return e.paren_token.span.close(),
            Expr::Path(e) => return path_last(&e.path),
            Expr::Repeat(e) => return e.bracket_token.span.close(),
            Expr::Struct(e) => return e.brace_token.span.close(),
            Expr::Try(e) => return e.question_token.span,
            Expr::TryBlock(e) => return e.block.brace_token.span.close(),
            Expr::Tuple(e) => return e.paren_token.span.close(),
            Expr::Unsafe(e) => return e.block.brace_token.span.close(),
            Expr::While(e) => return e.body.brace_token.span.close(),
            _ => return expr.span(),
        };
    }
}

/// The ends of an expression.
pub(crate) fn expr(expr: &Expr) -> Ends {
    (expr_first(expr), expr_last(expr))
}

fn expr_attrs(expr: &Expr) -> Option<&[Attribute]> {
    let attrs = match expr {
        Expr::Array(e) => &e.attrs,
        Expr::Assign(e) => &e.attrs,
        Expr::Async(e) => &e.attrs,
        Expr::Await(e) => &e.attrs,
        Expr::Binary(e) => &e.attrs,
        Expr::Block(e) => &e.attrs,
        Expr::Break(e) => &e.attrs,
        Expr::Call(e) => &e.attrs,
        Expr::Cast(e) => &e.attrs,
        Expr::Closure(e) => &e.attrs,
        Expr::Const(e) => &e.attrs,
        Expr::Continue(e) => &e.attrs,
        Expr::Field(e) => &e.attrs,
        Expr::ForLoop(e) => &e.attrs,
        Expr::Group(e) => &e.attrs,
        Expr::If(e) => &e.attrs,
        Expr::Index(e) => &e.attrs,
        Expr::Infer(e) => &e.attrs,
        Expr::Let(e) => &e.attrs,
        Expr::Lit(e) => &e.attrs,
        Expr::Loop(e) => &e.attrs,
        Expr::Macro(e) => &e.attrs,
        Expr::Match(e) => &e.attrs,
        Expr::MethodCall(e) => &e.attrs,
        Expr::Paren(e) => &e.attrs,
        Expr::Path(e) => &e.attrs,
        Expr::Range(e) => &e.attrs,
        Expr::RawAddr(e) => &e.attrs,
        Expr::Reference(e) => &e.attrs,
        Expr::Repeat(e) => &e.attrs,
        Expr::Return(e) => &e.attrs,
        Expr::Struct(e) => &e.attrs,
        Expr::Try(e) => &e.attrs,
        Expr::TryBlock(e) => &e.attrs,
        Expr::Tuple(e) => &e.attrs,
        Expr::Unary(e) => &e.attrs,
        Expr::Unsafe(e) => &e.attrs,
        Expr::While(e) => &e.attrs,
        Expr::Yield(e) => &e.attrs,
        _ => return None,
    };
    Some(attrs)
}

/// The ends of a `let` statement.
pub(crate) fn local(local: &syn::Local) -> Ends {
    (
        first_attr(&local.attrs).unwrap_or(local.let_token.span),
        local.semi_token.span,
    )
}

/// The ends of a statement.
pub(crate) fn stmt(stmt: &Stmt) -> Ends {
    match stmt {
        Stmt::Local(l) => local(l),
        Stmt::Expr(e, semi) => (expr_first(e), semi.map_or_else(|| expr_last(e), |s| s.span)),
        Stmt::Macro(m) => stmt_macro(m),
        Stmt::Item(item) => {
            let span = item.span();
            (span, span)
        }
    }
}

/// The ends of a macro statement (`println!(…);`).
pub(crate) fn stmt_macro(m: &syn::StmtMacro) -> Ends {
    let (first, last) = mac(&m.mac);
    (
        first_attr(&m.attrs).unwrap_or(first),
        m.semi_token.map_or(last, |s| s.span),
    )
}

/// The ends of a macro expression.
pub(crate) fn expr_macro(m: &syn::ExprMacro) -> Ends {
    let (first, last) = mac(&m.mac);
    (first_attr(&m.attrs).unwrap_or(first), last)
}
