//! Go log lines: calls of a logging package, or methods of its logger types, that a value
//! only reaches to be written down (`log.Printf("…: %v", err)`, `logrus.WithError(err).Warn(…)`).
//! Handing an error to one reports nothing to the caller.

use txlint_ir::ir::{Binding, Call, Callee, Event, FileIr, Function, Operand, ResultUse, VarId};

use crate::models::Models;

/// The calls of one function that only write a log line.
pub(crate) struct LoggingCalls<'a> {
    pub file: &'a FileIr,
    pub models: &'a Models,
    pub function: &'a Function,
}

impl LoggingCalls<'_> {
    /// Whether a call is handed `error`, as its receiver or an argument.
    pub(crate) fn handed_error(call: &Call, error: VarId) -> bool {
        let mentions = |op: &Operand| op.root_var() == Some(error);
        matches!(&call.callee, Callee::Method { receiver, .. } if mentions(receiver))
            || call.args.iter().any(mentions)
    }

    /// Whether an event leaves `error` alone or only hands it to a log line.
    pub(crate) fn leaves_error_alone(&self, event: &Event, error: VarId) -> bool {
        let mentions = |op: &Operand| op.root_var() == Some(error);
        match event {
            Event::Call(id) => {
                let call = self.function.call(*id);
                !Self::handed_error(call, error) || self.only_logged(call)
            }
            Event::Assign {
                targets, values, ..
            } => !values.iter().any(mentions) && !targets.contains(&Binding::Var(error)),
            Event::Send { value, .. } => !mentions(value),
            _ => true,
        }
    }

    /// Whether an event logs the error (a logging call it reaches, `log.Print(err)`).
    pub(crate) fn logs_error(&self, event: &Event, error: VarId) -> bool {
        match event {
            Event::Call(id) => {
                let call = self.function.call(*id);
                Self::handed_error(call, error) && self.only_logged(call)
            }
            _ => false,
        }
    }

    /// Whether a call's value ends in a log line: it is a logging call whose result is
    /// dropped, or it feeds one (`err.Error()` as an argument, `logrus.WithError(err)` as
    /// the receiver of `.Error(…)`).
    pub(crate) fn only_logged(&self, call: &Call) -> bool {
        match &call.result {
            ResultUse::Discarded => self.is_logging(call),
            ResultUse::Argument(outer) | ResultUse::Receiver(outer) => {
                self.only_logged(self.function.call(*outer))
            }
            _ => false,
        }
    }

    pub(crate) fn is_logging(&self, call: &Call) -> bool {
        let logging = &self.models.logging;
        let ends_program = |name: &str| name.starts_with("Fatal") || name.starts_with("Panic");
        match &call.callee {
            Callee::Path(path) => match path.as_slice() {
                [package, name] => {
                    !ends_program(name)
                        && self.file.imports.iter().any(|import| {
                            import.local_name() == package
                                && logging.packages.contains(&import.path)
                        })
                }
                _ => false,
            },
            Callee::Method { receiver, name, .. } => {
                if ends_program(name) {
                    return false;
                }
                match receiver {
                    Operand::Call(inner) => self.is_logging(self.function.call(*inner)),
                    _ => crate::semantics::typed::facts::declared_type(
                        self.file,
                        self.function,
                        receiver,
                    )
                    .is_some_and(|ty| logging.types.iter().any(|t| t == ty)),
                }
            }
            Callee::Other(_) => false,
        }
    }
}
