//! Derived-quantity expressions: `+ - * /`, parentheses, unary minus, numbers and quantity names.
//!
//! A treaty file writes e.g. `expression = "deployed_icbm + deployed_slbm + deployed_heavy_bombers"`.
//! The text is compiled once to reverse-Polish code over quantity *slots* (indices into a
//! declaration's value vector) so evaluation is a tight loop without allocation or name lookup.

/// One instruction of the compiled (RPN) program.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Const(f64),
    Var(usize),
    Add,
    Sub,
    Mul,
    Div,
    Neg,
}

/// Evaluation stack size. Nesting is bounded at 64 levels by the parser, so the RPN program
/// never needs more than 66 slots; `compile` checks the exact need anyway.
const MAX_STACK: usize = 80;

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub(crate) ops: Vec<Op>,
    /// Slots read by the expression (each once), for dispute substitution and documentation.
    pub(crate) vars: Vec<usize>,
    /// The source text, for `treaty show`.
    pub text: String,
}

/// An expression parse error: message and 0-based character offset within the expression text.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Sym(char),
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            // optional exponent
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let save = i;
                i += 1;
                if i < chars.len() && (chars[i] == '+' || chars[i] == '-') {
                    i += 1;
                }
                if i < chars.len() && chars[i].is_ascii_digit() {
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                } else {
                    i = save;
                }
            }
            let s: String = chars[start..i].iter().collect();
            let v: f64 = s.parse().map_err(|_| ExprError {
                offset: start,
                message: format!("malformed number `{s}`"),
            })?;
            out.push((start, Tok::Num(v)));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((start, Tok::Ident(chars[start..i].iter().collect())));
        } else if "+-*/()".contains(c) {
            out.push((i, Tok::Sym(c)));
            i += 1;
        } else {
            return Err(ExprError {
                offset: i,
                message: format!("unexpected character `{c}`"),
            });
        }
    }
    Ok(out)
}

struct Parser<'a, F: FnMut(&str) -> Option<usize>> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    resolve: &'a mut F,
    ops: Vec<Op>,
    vars: Vec<usize>,
    depth: usize,
}

impl<F: FnMut(&str) -> Option<usize>> Parser<'_, F> {
    fn offset(&self) -> usize {
        self.toks.get(self.pos).map(|t| t.0).unwrap_or(self.end)
    }
    fn peek_sym(&self) -> Option<char> {
        match self.toks.get(self.pos) {
            Some((_, Tok::Sym(c))) => Some(*c),
            _ => None,
        }
    }
    // sum := product (('+'|'-') product)*
    fn sum(&mut self) -> Result<(), ExprError> {
        self.product()?;
        while let Some(c @ ('+' | '-')) = self.peek_sym() {
            self.pos += 1;
            self.product()?;
            self.ops.push(if c == '+' { Op::Add } else { Op::Sub });
        }
        Ok(())
    }
    fn product(&mut self) -> Result<(), ExprError> {
        self.unary()?;
        while let Some(c @ ('*' | '/')) = self.peek_sym() {
            self.pos += 1;
            self.unary()?;
            self.ops.push(if c == '*' { Op::Mul } else { Op::Div });
        }
        Ok(())
    }
    fn unary(&mut self) -> Result<(), ExprError> {
        // Bound recursion so hostile input ("------…" or "((((…") cannot overflow the stack.
        self.depth += 1;
        if self.depth > 64 {
            return Err(ExprError {
                offset: self.offset(),
                message: "expression nested too deeply (more than 64 levels)".into(),
            });
        }
        let r = if self.peek_sym() == Some('-') {
            self.pos += 1;
            self.unary()?;
            self.ops.push(Op::Neg);
            Ok(())
        } else {
            self.atom()
        };
        self.depth -= 1;
        r
    }
    fn atom(&mut self) -> Result<(), ExprError> {
        let off = self.offset();
        match self.toks.get(self.pos).cloned() {
            Some((_, Tok::Num(v))) => {
                self.pos += 1;
                self.ops.push(Op::Const(v));
                Ok(())
            }
            Some((_, Tok::Ident(name))) => {
                self.pos += 1;
                let slot = (self.resolve)(&name).ok_or_else(|| ExprError {
                    offset: off,
                    message: format!("unknown quantity `{name}`"),
                })?;
                if !self.vars.contains(&slot) {
                    self.vars.push(slot);
                }
                self.ops.push(Op::Var(slot));
                Ok(())
            }
            Some((_, Tok::Sym('('))) => {
                self.pos += 1;
                self.sum()?;
                if self.peek_sym() != Some(')') {
                    return Err(ExprError {
                        offset: self.offset(),
                        message: "expected `)`".into(),
                    });
                }
                self.pos += 1;
                Ok(())
            }
            Some((_, Tok::Sym(c))) => Err(ExprError {
                offset: off,
                message: format!("unexpected `{c}`"),
            }),
            None => Err(ExprError {
                offset: off,
                message: "expression ends early: expected a number, a quantity name or `(`".into(),
            }),
        }
    }
}

impl Expr {
    /// Compile `text`, resolving each quantity name to a slot with `resolve`.
    pub fn compile(
        text: &str,
        mut resolve: impl FnMut(&str) -> Option<usize>,
    ) -> Result<Expr, ExprError> {
        let toks = lex(text)?;
        let end = text.chars().count();
        let mut p = Parser {
            toks,
            pos: 0,
            end,
            resolve: &mut resolve,
            ops: Vec::new(),
            vars: Vec::new(),
            depth: 0,
        };
        p.sum()?;
        if p.pos != p.toks.len() {
            return Err(ExprError {
                offset: p.offset(),
                message: "unexpected text after the expression".into(),
            });
        }
        let mut need = 0usize;
        let mut max_need = 0usize;
        for op in &p.ops {
            match op {
                Op::Const(_) | Op::Var(_) => need += 1,
                Op::Neg => {}
                _ => need = need.saturating_sub(1),
            }
            max_need = max_need.max(need);
        }
        if max_need > MAX_STACK {
            return Err(ExprError {
                offset: 0,
                message: format!(
                    "expression needs {max_need} evaluation slots (at most {MAX_STACK})"
                ),
            });
        }
        Ok(Expr {
            ops: p.ops,
            vars: p.vars,
            text: text.to_string(),
        })
    }

    /// A single quantity slot (the common case: a rule on a declared quantity).
    pub(crate) fn var(slot: usize, name: &str) -> Expr {
        Expr {
            ops: vec![Op::Var(slot)],
            vars: vec![slot],
            text: name.to_string(),
        }
    }

    /// Evaluate over a value vector. `None` if any quantity read is not provided.
    /// `subst` replaces one slot's value (used for the contested reading of a disputed figure).
    pub(crate) fn eval(&self, values: &[Option<f64>], subst: Option<(usize, f64)>) -> Option<f64> {
        // Expressions in treaty files are short; a fixed stack avoids allocation per call.
        let mut stack = [0.0f64; MAX_STACK];
        let mut sp = 0usize;
        for op in &self.ops {
            match op {
                Op::Const(v) => {
                    *stack.get_mut(sp)? = *v;
                    sp += 1;
                }
                Op::Var(s) => {
                    let v = match subst {
                        Some((slot, alt)) if slot == *s => alt,
                        _ => (*values.get(*s)?)?,
                    };
                    *stack.get_mut(sp)? = v;
                    sp += 1;
                }
                Op::Neg => {
                    let top = stack.get_mut(sp.checked_sub(1)?)?;
                    *top = -*top;
                }
                Op::Add | Op::Sub | Op::Mul | Op::Div => {
                    let b = *stack.get(sp.checked_sub(1)?)?;
                    sp -= 1;
                    let a = stack.get_mut(sp.checked_sub(1)?)?;
                    *a = match op {
                        Op::Add => *a + b,
                        Op::Sub => *a - b,
                        Op::Mul => *a * b,
                        _ => *a / b,
                    };
                }
            }
        }
        if sp == 1 && stack[0].is_finite() {
            Some(stack[0])
        } else {
            None
        }
    }

    /// Does the expression read this slot?
    pub(crate) fn reads(&self, slot: usize) -> bool {
        self.vars.contains(&slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &str) -> Option<usize> {
        ["a", "b", "c"].iter().position(|x| *x == n)
    }

    #[test]
    fn precedence_and_unary_minus_table() {
        let vals = [Some(2.0), Some(3.0), Some(4.0)];
        let cases = [
            ("a + b * c", 14.0),
            ("(a + b) * c", 20.0),
            ("a - b - c", -5.0),
            ("c / a / a", 1.0),
            ("-a + b", 1.0),
            ("--a", 2.0),
            ("1.5e1 + a", 17.0),
            ("a * 0.5", 1.0),
        ];
        for (text, want) in cases {
            let e = Expr::compile(text, names).unwrap();
            assert_eq!(e.eval(&vals, None), Some(want), "{text}");
        }
    }

    #[test]
    fn missing_quantity_gives_none_and_substitution_replaces() {
        let e = Expr::compile("a + b", names).unwrap();
        assert_eq!(e.eval(&[Some(1.0), None, None], None), None);
        assert_eq!(e.eval(&[Some(1.0), None, None], Some((1, 5.0))), Some(6.0));
    }

    #[test]
    fn errors_name_offset_table() {
        let cases = [
            ("a +", 3, "ends early"),
            ("a + x", 4, "unknown quantity `x`"),
            ("(a", 2, "expected `)`"),
            ("a b", 2, "unexpected text"),
            ("a $ b", 2, "unexpected character"),
            ("1..2", 0, "malformed number"),
        ];
        for (text, off, msg) in cases {
            let e = Expr::compile(text, names).unwrap_err();
            assert_eq!(e.offset, off, "{text}");
            assert!(e.message.contains(msg), "{text}: {}", e.message);
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "-".repeat(10_000) + "a";
        assert!(Expr::compile(&text, names).is_err());
        let text = "(".repeat(10_000) + "a";
        assert!(Expr::compile(&text, names).is_err());
    }
}
