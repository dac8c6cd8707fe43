//! Which operands stand for the same value inside one function: copies into locals and
//! receivers followed through call chains. Language-neutral, from the IR alone.

use txlint_ir::ir::{Binding, Callee, Event, Function, Operand, VarId, VarKind};

/// `var` and the local variables it is copied into (`t := tx`), transitively.
pub(crate) fn aliases_of(function: &Function, var: VarId) -> Vec<VarId> {
    let mut aliases = vec![var];
    loop {
        let before = aliases.len();
        for event in function.events() {
            if let Event::Assign {
                targets, values, ..
            } = event
            {
                for (target, value) in targets.iter().zip(values) {
                    if let (Binding::Var(t), Operand::Var(v)) = (target, value) {
                        let local = matches!(function.var(*t).kind, VarKind::Local);
                        if local && aliases.contains(v) && !aliases.contains(t) {
                            aliases.push(*t);
                        }
                    }
                }
            }
        }
        if aliases.len() == before {
            return aliases;
        }
    }
}

/// Follows receivers through call chains: `s.db.WithContext(ctx).Where(…)` → `s.db`.
pub(crate) fn base_handle(function: &Function, operand: &Operand) -> Operand {
    let mut current = operand;
    while let Operand::Call(id) = current {
        match &function.call(*id).callee {
            Callee::Method { receiver, .. } => current = receiver,
            _ => break,
        }
    }
    current.clone()
}
