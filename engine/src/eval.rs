//! Expression evaluation over `hcl-edit` expressions.
//!
//! The evaluator is our own (not `hcl::eval`) because it must propagate
//! unknown values ("known after apply") and sensitive marks, and point every
//! error at its source span. A [`Scope`] borrows the [`Namespace`] of the
//! module being evaluated, so evaluating one expression never copies the
//! values of thousands of resources.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator,
    UnaryOperator,
};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

use crate::diagnostics::{did_you_mean, Diagnostic, Span};
use crate::functions::{self, FunctionContext, FunctionError};
use crate::value::{format_number, Number, Value};

/// The values visible to expressions in one module instance.
#[derive(Debug, Clone, Default)]
pub struct Namespace {
    pub vars: BTreeMap<String, Value>,
    pub locals: BTreeMap<String, Value>,
    /// Each called module's outputs, as an object.
    pub modules: BTreeMap<String, Value>,
    /// Managed resources: type → name → value (an object, or a list/map of
    /// objects for `count`/`for_each`).
    pub resources: HashMap<String, BTreeMap<String, Value>>,
    pub data: HashMap<String, BTreeMap<String, Value>>,
    pub path_module: String,
    pub path_root: String,
    pub path_cwd: String,
    pub workspace: String,
}

/// Where and how an expression is evaluated.
#[derive(Clone)]
pub struct Scope<'a> {
    pub namespace: &'a Namespace,
    /// The file expressions come from, for diagnostics' spans.
    pub file: Arc<PathBuf>,
    pub count_index: Option<usize>,
    pub each: Option<(Value, Value)>,
    pub self_value: Option<&'a Value>,
    /// True during apply (timestamp() and uuid() become known).
    pub applying: bool,
    /// When the plan was made, for plantimestamp(); `None` while validating.
    pub plan_timestamp: Option<Arc<str>>,
    /// Names bound by `for` expressions and template `for` directives, innermost last.
    bindings: Vec<(String, Value)>,
}

type EvalResult = Result<Value, Diagnostic>;

impl<'a> Scope<'a> {
    pub fn new(namespace: &'a Namespace, file: Arc<PathBuf>) -> Scope<'a> {
        Scope {
            namespace,
            file,
            count_index: None,
            each: None,
            self_value: None,
            applying: false,
            plan_timestamp: None,
            bindings: Vec::new(),
        }
    }

    /// Binds a name (a `for` variable or a dynamic block's iterator).
    pub fn bind(&mut self, name: &str, value: Value) {
        self.bindings.push((name.to_string(), value));
    }

    fn span_of(&self, expr: &impl hcl_edit::Span) -> Option<Span> {
        expr.span().map(|r| Span::new(self.file.clone(), r))
    }

    fn error(&self, at: &impl hcl_edit::Span, summary: &str, detail: String) -> Diagnostic {
        Diagnostic::error(summary, detail).with_span(self.span_of(at))
    }

    /// `cond ? a : b`. Like Terraform, both results are evaluated so that
    /// their types can be checked whichever is chosen; the errors of the
    /// result not chosen are dropped, as Terraform drops them.
    fn conditional(&self, c: &hcl_edit::expr::Conditional) -> EvalResult {
        let (condition, sensitive) = self.eval(&c.cond_expr)?.unmark();
        let (yes, no) = (self.eval(&c.true_expr), self.eval(&c.false_expr));
        if let (Ok(a), Ok(b)) = (&yes, &no) {
            if !crate::types::unifiable(a, b) {
                return Err(self.error(
                    c,
                    "Inconsistent conditional result types",
                    format!(
                        "The true and false results of a conditional must have a common type, but one is {} and the other {}. Convert one of them (tostring(), tolist(), …) or return the same kind of value from both.",
                        a.type_name(),
                        b.type_name()
                    ),
                ));
            }
        }
        let chosen = match &condition {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Bool(b) => *b,
            Value::String(s) if s == "true" || s == "false" => s == "true",
            other => {
                return Err(self.error(
                    &c.cond_expr,
                    "Incorrect condition type",
                    format!(
                        "The condition of a conditional expression must be a bool, not {}.",
                        other.type_name()
                    ),
                ))
            }
        };
        let result = if chosen { yes } else { no };
        Ok(result?.mark_if(sensitive))
    }

    /// Evaluates an expression.
    pub fn eval(&self, expr: &Expression) -> EvalResult {
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(Value::Number(literal_number(n))),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.eval(item)?);
                }
                Ok(Value::List(out))
            }
            Expression::Object(object) => {
                let mut out = BTreeMap::new();
                let mut sensitive_key = false;
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_string(),
                        ObjectKey::Expression(key_expr) => {
                            let (key, sensitive) = self.eval(key_expr)?.unmark();
                            sensitive_key |= sensitive;
                            match key {
                                Value::Unknown => return Ok(Value::Unknown),
                                other => self.to_string_value(&other, key_expr, "object key")?,
                            }
                        }
                    };
                    out.insert(key, self.eval(value.expr())?);
                }
                Ok(Value::Map(out).mark_if(sensitive_key))
            }
            Expression::StringTemplate(template) => self.render(template),
            Expression::HeredocTemplate(heredoc) => self.render(&heredoc.template),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(name) => self.eval_root(name.as_str(), &[], expr),
            Expression::Conditional(c) => self.conditional(c),
            Expression::FuncCall(call) => self.call(call),
            Expression::Traversal(traversal) => self.eval_traversal(traversal),
            Expression::UnaryOp(op) => {
                let (value, sensitive) = self.eval(&op.expr)?.unmark();
                let result = match (op.operator.value(), value) {
                    (_, Value::Unknown) => Value::Unknown,
                    (UnaryOperator::Neg, v) => Value::Number(self.to_number(&v, &op.expr)?.neg()),
                    (UnaryOperator::Not, v) => Value::Bool(!self.to_bool(&v, &op.expr)?),
                };
                Ok(result.mark_if(sensitive))
            }
            Expression::BinaryOp(op) => {
                self.binary(op.operator.value(), &op.lhs_expr, &op.rhs_expr, expr)
            }
            Expression::ForExpr(for_expr) => self.eval_for(for_expr),
        }
    }

    fn binary(
        &self,
        operator: &BinaryOperator,
        lhs: &Expression,
        rhs: &Expression,
        whole: &Expression,
    ) -> EvalResult {
        let (left, left_sensitive) = self.eval(lhs)?.unmark();
        // `&&` and `||` short-circuit, also over unknowns: `false && x` is false.
        match (operator, &left) {
            (BinaryOperator::And, Value::Bool(false)) => {
                return Ok(Value::Bool(false).mark_if(left_sensitive))
            }
            (BinaryOperator::Or, Value::Bool(true)) => {
                return Ok(Value::Bool(true).mark_if(left_sensitive))
            }
            _ => {}
        }
        let (right, right_sensitive) = self.eval(rhs)?.unmark();
        let sensitive = left_sensitive || right_sensitive;
        let result = match operator {
            BinaryOperator::And | BinaryOperator::Or => {
                let known_right = match &right {
                    Value::Unknown => None,
                    v => Some(self.to_bool(v, rhs)?),
                };
                match (operator, &left, known_right) {
                    (BinaryOperator::And, _, Some(false)) => Value::Bool(false),
                    (BinaryOperator::Or, _, Some(true)) => Value::Bool(true),
                    (_, Value::Unknown, _) | (_, _, None) => Value::Unknown,
                    (_, l, Some(r)) => {
                        let l = self.to_bool(l, lhs)?;
                        Value::Bool(if *operator == BinaryOperator::And {
                            l && r
                        } else {
                            l || r
                        })
                    }
                }
            }
            BinaryOperator::Eq | BinaryOperator::NotEq => {
                if !left.is_wholly_known() || !right.is_wholly_known() {
                    Value::Unknown
                } else {
                    let equal = crate::provider::values_equal(&left, &right)
                        && left.type_name() == right.type_name()
                        || numbers_equal(&left, &right);
                    Value::Bool(if *operator == BinaryOperator::Eq {
                        equal
                    } else {
                        !equal
                    })
                }
            }
            _ => {
                if left.is_unknown() || right.is_unknown() {
                    Value::Unknown
                } else {
                    let l = self.to_number(&left, lhs)?;
                    let r = self.to_number(&right, rhs)?;
                    // As in Terraform, x/0 is an infinity and x%0 is x; only
                    // what has no number at all (0/0) is an error.
                    let number = |n: Result<Number, crate::number::NotANumber>| {
                        n.map(Value::Number).map_err(|e| {
                            self.error(
                                whole,
                                "Operation failed",
                                format!("Error during operation: {e}."),
                            )
                        })
                    };
                    let order = l.cmp_value(&r);
                    match operator {
                        BinaryOperator::Plus => number(l.add(&r))?,
                        BinaryOperator::Minus => number(l.sub(&r))?,
                        BinaryOperator::Mul => number(l.mul(&r))?,
                        BinaryOperator::Div => number(l.div(&r))?,
                        BinaryOperator::Mod => number(l.rem(&r))?,
                        BinaryOperator::Less => Value::Bool(order.is_lt()),
                        BinaryOperator::LessEq => Value::Bool(order.is_le()),
                        BinaryOperator::Greater => Value::Bool(order.is_gt()),
                        BinaryOperator::GreaterEq => Value::Bool(order.is_ge()),
                        _ => Value::Unknown,
                    }
                }
            }
        };
        Ok(result.mark_if(sensitive))
    }

    fn to_number(&self, value: &Value, at: &Expression) -> Result<Number, Diagnostic> {
        match value {
            Value::Number(n) => Ok(n.clone()),
            Value::String(s) => Number::parse(s.trim()).ok_or_else(|| {
                self.error(
                    at,
                    "Invalid operand",
                    format!("A number is required here, but {s:?} is not a number."),
                )
            }),
            other => Err(self.error(
                at,
                "Invalid operand",
                format!(
                    "A number is required here, but this is a {}.",
                    other.type_name()
                ),
            )),
        }
    }

    fn to_bool(&self, value: &Value, at: &Expression) -> Result<bool, Diagnostic> {
        match value {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            other => Err(self.error(
                at,
                "Invalid operand",
                format!(
                    "A bool is required here, but this is a {}.",
                    other.type_name()
                ),
            )),
        }
    }

    fn to_string_value(
        &self,
        value: &Value,
        at: &impl hcl_edit::Span,
        what: &str,
    ) -> Result<String, Diagnostic> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(format_number(n)),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Err(self.error(
                at,
                "Invalid template interpolation value",
                format!("The {what} is null. A null value cannot be used in a string; use coalesce() or a conditional to choose a default."),
            )),
            other => Err(self.error(
                at,
                "Invalid template interpolation value",
                format!("Cannot include a {} in a {what}: a string is required. Use jsonencode() or join() to turn it into a string.", other.type_name()),
            )),
        }
    }

    /// Renders a string template; the result is unknown if any interpolated
    /// value is, and sensitive if any is.
    fn render(&self, template: &Template) -> EvalResult {
        // A template that is just `"${expr}"` yields the expression's value unconverted, as in HCL.
        if let Some(Element::Interpolation(interp)) = template.as_single_element() {
            return self.eval(&interp.expr);
        }
        let mut out = String::new();
        let mut unknown = false;
        let mut sensitive = false;
        self.render_into(template, &mut out, &mut unknown, &mut sensitive)?;
        Ok(if unknown {
            Value::Unknown
        } else {
            Value::String(out)
        }
        .mark_if(sensitive))
    }

    fn render_into(
        &self,
        template: &Template,
        out: &mut String,
        unknown: &mut bool,
        sensitive: &mut bool,
    ) -> Result<(), Diagnostic> {
        let mut strip_next = false;
        for element in template.iter() {
            match element {
                Element::Literal(literal) => {
                    let text = literal.value().as_str();
                    if strip_next {
                        out.push_str(text.trim_start());
                    } else {
                        out.push_str(text);
                    }
                    strip_next = false;
                }
                Element::Interpolation(interp) => {
                    if interp.strip.strip_start() {
                        trim_end_in_place(out);
                    }
                    let (value, marked) = self.eval(&interp.expr)?.unmark();
                    *sensitive |= marked;
                    if value.is_unknown() {
                        *unknown = true;
                    } else {
                        out.push_str(&self.to_string_value(
                            &value,
                            &interp.expr,
                            "string template",
                        )?);
                    }
                    strip_next = interp.strip.strip_end();
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(d) => {
                        if d.if_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let (condition, marked) = self.eval(&d.if_expr.cond_expr)?.unmark();
                        *sensitive |= marked;
                        match condition {
                            Value::Unknown => *unknown = true,
                            other => {
                                let endif_strips = d.endif_expr.strip.strip_start();
                                if self.to_bool(&other, &d.if_expr.cond_expr)? {
                                    let mut inner = String::new();
                                    self.render_into(
                                        &d.if_expr.template,
                                        &mut inner,
                                        unknown,
                                        sensitive,
                                    )?;
                                    let trim_end = match &d.else_expr {
                                        Some(else_expr) => else_expr.strip.strip_start(),
                                        None => endif_strips,
                                    };
                                    push_stripped(
                                        out,
                                        &inner,
                                        d.if_expr.strip.strip_end(),
                                        trim_end,
                                    );
                                } else if let Some(else_expr) = &d.else_expr {
                                    let mut inner = String::new();
                                    self.render_into(
                                        &else_expr.template,
                                        &mut inner,
                                        unknown,
                                        sensitive,
                                    )?;
                                    push_stripped(
                                        out,
                                        &inner,
                                        else_expr.strip.strip_end(),
                                        endif_strips,
                                    );
                                }
                            }
                        }
                        strip_next = d.endif_expr.strip.strip_end();
                    }
                    Directive::For(d) => {
                        if d.for_expr.strip.strip_start() {
                            trim_end_in_place(out);
                        }
                        let (collection, marked) = self.eval(&d.for_expr.collection_expr)?.unmark();
                        *sensitive |= marked;
                        if collection.is_unknown() {
                            *unknown = true;
                        } else {
                            let pairs = self.iterate(&collection, &d.for_expr.collection_expr)?;
                            for (key, value) in pairs {
                                let mut inner_scope = self.clone();
                                if let Some(key_var) = &d.for_expr.key_var {
                                    inner_scope
                                        .bindings
                                        .push((key_var.as_str().to_string(), key));
                                }
                                inner_scope
                                    .bindings
                                    .push((d.for_expr.value_var.as_str().to_string(), value));
                                let mut inner = String::new();
                                inner_scope.render_into(
                                    &d.for_expr.template,
                                    &mut inner,
                                    unknown,
                                    sensitive,
                                )?;
                                push_stripped(
                                    out,
                                    &inner,
                                    d.for_expr.strip.strip_end(),
                                    d.endfor_expr.strip.strip_start(),
                                );
                            }
                        }
                        strip_next = d.endfor_expr.strip.strip_end();
                    }
                },
            }
        }
        Ok(())
    }

    /// Key/value pairs of a collection for `for` expressions and directives.
    fn iterate(
        &self,
        collection: &Value,
        at: &Expression,
    ) -> Result<Vec<(Value, Value)>, Diagnostic> {
        match collection {
            Value::List(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::number(i), v.clone()))
                .collect()),
            Value::Set(items) => Ok(items.iter().map(|v| (v.clone(), v.clone())).collect()),
            Value::Map(map) => Ok(map
                .iter()
                .map(|(k, v)| (Value::String(k.clone()), v.clone()))
                .collect()),
            Value::Sensitive(inner) => Ok(self
                .iterate(inner, at)?
                .into_iter()
                .map(|(k, v)| (k, v.mark_if(true)))
                .collect()),
            Value::Null => Err(self.error(
                at,
                "Iteration over null value",
                "A null value cannot be used as the collection in a for expression.".to_string(),
            )),
            other => Err(self.error(
                at,
                "Iteration over non-iterable value",
                format!(
                    "A value of type {} cannot be used as the collection in a for expression.",
                    other.type_name()
                ),
            )),
        }
    }

    fn eval_for(&self, for_expr: &ForExpr) -> EvalResult {
        let (collection, sensitive) = self.eval(&for_expr.intro.collection_expr)?.unmark();
        if collection.is_unknown() {
            return Ok(Value::Unknown);
        }
        let pairs = self.iterate(&collection, &for_expr.intro.collection_expr)?;
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (key, value) in pairs {
            let mut scope = self.clone();
            if let Some(key_var) = &for_expr.intro.key_var {
                scope.bindings.push((key_var.as_str().to_string(), key));
            }
            scope
                .bindings
                .push((for_expr.intro.value_var.as_str().to_string(), value));
            if let Some(cond) = &for_expr.cond {
                match scope.eval(&cond.expr)?.unmark().0 {
                    Value::Unknown => return Ok(Value::Unknown),
                    v => {
                        if !scope.to_bool(&v, &cond.expr)? {
                            continue;
                        }
                    }
                }
            }
            let item = scope.eval(&for_expr.value_expr)?;
            match &for_expr.key_expr {
                None => list.push(item),
                Some(key_expr) => {
                    let key = match scope.eval(key_expr)?.unmark().0 {
                        Value::Unknown => return Ok(Value::Unknown),
                        k => scope.to_string_value(&k, key_expr, "for expression key")?,
                    };
                    if for_expr.grouping {
                        groups.entry(key).or_default().push(item);
                    } else if let std::collections::btree_map::Entry::Vacant(slot) =
                        map.entry(key.clone())
                    {
                        slot.insert(item);
                    } else {
                        return Err(scope.error(
                            key_expr,
                            "Duplicate object key",
                            format!("Two elements produce the key {key:?}. Add `...` after the value expression to group values with the same key."),
                        ));
                    }
                }
            }
        }
        let result = if for_expr.key_expr.is_none() {
            Value::List(list)
        } else if for_expr.grouping {
            Value::Map(
                groups
                    .into_iter()
                    .map(|(k, v)| (k, Value::List(v)))
                    .collect(),
            )
        } else {
            Value::Map(map)
        };
        Ok(result.mark_if(sensitive))
    }

    fn call(&self, call: &FuncCall) -> EvalResult {
        let name = self.function_name(call)?;
        let args: Vec<&Expression> = call.args.iter().collect();
        match name {
            "templatestring" => return self.templatestring(call, &args),
            "convert" => return self.convert(call, &args),
            "try" => {
                let mut last_error = None;
                for arg in &args {
                    match self.eval(arg) {
                        Ok(v) if v.is_wholly_known() => return Ok(v),
                        Ok(_) => return Ok(Value::Unknown),
                        Err(e) => last_error = Some(e),
                    }
                }
                return Err(match last_error {
                    Some(e) => self.error(
                        call,
                        "Error in function call",
                        format!("Call to function \"try\" failed: no expression succeeded. The last error was: {}", e.detail),
                    ),
                    None => self.error(call, "Not enough function arguments", "Function \"try\" needs at least one argument.".to_string()),
                });
            }
            "can" => {
                return match args.as_slice() {
                    [arg] => match self.eval(arg) {
                        Ok(v) if !v.is_wholly_known() => Ok(Value::Unknown),
                        Ok(_) => Ok(Value::Bool(true)),
                        Err(_) => Ok(Value::Bool(false)),
                    },
                    _ => Err(self.error(
                        call,
                        "Wrong number of function arguments",
                        "Function \"can\" takes exactly one argument.".to_string(),
                    )),
                };
            }
            _ => {}
        }
        let mut values = Vec::with_capacity(args.len());
        for arg in &args {
            values.push(self.eval(arg)?);
        }
        if call.args.expand_final() {
            // `f(a, list...)` spreads the last list into separate arguments.
            let last = values.pop().unwrap_or(Value::Null);
            let (last, sensitive) = last.unmark();
            match last {
                Value::List(items) | Value::Set(items) => {
                    values.extend(items.into_iter().map(|v| v.mark_if(sensitive)))
                }
                Value::Unknown => return Ok(Value::Unknown),
                other => {
                    return Err(self.error(
                        call,
                        "Invalid expanding argument value",
                        format!(
                            "The expanding argument (indicated by ...) must be a list, not {}.",
                            other.type_name()
                        ),
                    ))
                }
            }
        }
        self.call_function(call, name, values)
    }

    /// Calls a library function with evaluated arguments, turning its error
    /// into a diagnostic pointing at the argument at fault.
    fn call_function(&self, call: &FuncCall, name: &str, values: Vec<Value>) -> EvalResult {
        let namespace = self.namespace;
        let base_dir = PathBuf::from(&namespace.path_module);
        let render =
            |text: &str, vars: &BTreeMap<String, Value>| render_template_file(text, vars, self);
        let ctx = FunctionContext {
            base_dir: &base_dir,
            applying: self.applying,
            render_template: &render,
            plan_timestamp: self.plan_timestamp.as_deref(),
        };
        functions::call(name, values, &ctx).map_err(|err| self.function_error(call, name, err))
    }

    /// A function's error as a diagnostic, pointing at the argument at fault.
    fn function_error(&self, call: &FuncCall, name: &str, err: FunctionError) -> Diagnostic {
        let args: Vec<&Expression> = call.args.iter().collect();
        let arg_span = |index: usize| args.get(index).and_then(|a| self.span_of(*a));
        match err {
            FunctionError::UnknownFunction { suggestion } => self.error(
                &call.name.name,
                "Call to unknown function",
                format!(
                    "There is no function named \"{name}\".{}",
                    suggestion
                        .map(|s| format!(" Did you mean \"{s}\"?"))
                        .unwrap_or_default()
                ),
            ),
            FunctionError::Arity { expected, got } => self.error(
                call,
                arity_summary(&expected, got),
                format!(
                    "Function \"{name}\" expects {expected} argument(s), but {got} were given."
                ),
            ),
            FunctionError::Argument { index, message } => Diagnostic::error(
                "Invalid function argument",
                format!(
                    "Invalid value for argument {} of function \"{name}\": {message}",
                    index + 1
                ),
            )
            .with_span(arg_span(index).or_else(|| self.span_of(call))),
            FunctionError::Failed { message } => self.error(
                call,
                "Error in function call",
                format!("Call to function \"{name}\" failed: {message}"),
            ),
        }
    }

    /// The name of a called function: `core::NAME` is the built-in `NAME`,
    /// as in Terraform; provider functions (`provider::P::NAME`) are not
    /// available, and any other namespace is an error.
    fn function_name<'c>(&self, call: &'c FuncCall) -> Result<&'c str, Diagnostic> {
        let name = call.name.name.as_str();
        let namespace: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
        let known = functions::names().contains(&name)
            || matches!(name, "try" | "can" | "templatestring" | "convert");
        let detail = match namespace.as_slice() {
            [] => return Ok(name),
            ["core"] if known => return Ok(name),
            ["provider", provider] => format!(
                "There is no function named \"provider::{provider}::{name}\". Ensure that provider name \"{provider}\" is declared in this module's required_providers block, and that this provider offers a function named \"{name}\"."
            ),
            [first, ..] => format!(
                "The function namespace \"{first}\" is not valid. Provider function calls must use the \"provider::\" namespace prefix."
            ),
        };
        Err(self.error(&call.name.name, "Unknown provider function", detail))
    }

    /// `templatestring(ref, vars)`: renders a string found elsewhere as a
    /// template. Like Terraform, the first argument must be a plain reference
    /// (`local.t`, `data.x.y.body`), not a literal or an expression.
    fn templatestring(&self, call: &FuncCall, args: &[&Expression]) -> EvalResult {
        let [template, vars] = args else {
            return Err(self.function_error(
                call,
                "templatestring",
                FunctionError::Arity {
                    expected: "2".to_string(),
                    got: args.len(),
                },
            ));
        };
        let arg_error = |index: usize, message: &str| {
            let param = if index == 0 { "template" } else { "vars" };
            self.function_error(
                call,
                "templatestring",
                FunctionError::Argument {
                    index,
                    message: format!("Invalid value for \"{param}\" parameter: {message}."),
                },
            )
        };
        if let Some(problem) = template_reference_problem(template) {
            return Err(arg_error(0, problem));
        }
        let (text, text_sensitive) = self.eval(template)?.unmark();
        let (vars, vars_sensitive) = self.eval(vars)?.unmark();
        let sensitive = text_sensitive || vars_sensitive;
        let text = match text {
            Value::Unknown => return Ok(Value::Unknown.mark_if(sensitive)),
            Value::String(s) => s,
            Value::Null => return Err(arg_error(0, "argument must not be null")),
            _ => return Err(arg_error(0, "invalid template value: a string is required")),
        };
        let vars = match vars {
            _ if !vars.is_wholly_known() => return Ok(Value::Unknown.mark_if(sensitive)),
            Value::Map(map) => map,
            Value::Null => return Err(arg_error(1, "argument must not be null")),
            _ => return Err(arg_error(1, "invalid vars value: must be a map")),
        };
        if let Some(bad) = vars.keys().find(|k| !crate::addrs::is_identifier(k)) {
            let name = crate::value::quote_string(bad);
            return Err(arg_error(
                1,
                &format!(
                    "invalid template variable name {name}: must start with a letter, followed by \
                     zero or more letters, digits, and underscores"
                ),
            ));
        }
        if let Err(e) = hcl_edit::parser::parse_template(&text) {
            return Err(arg_error(0, &format!("invalid template: {}", e.message())));
        }
        let rendered = render_template_file(&text, &vars, self).map_err(|message| {
            self.function_error(call, "templatestring", FunctionError::Failed { message })
        })?;
        Ok(rendered.mark_if(sensitive))
    }

    /// `convert(value, type)`: converts to a type constraint, written as in
    /// a variable's `type`.
    fn convert(&self, call: &FuncCall, args: &[&Expression]) -> EvalResult {
        let [value, ty] = args else {
            return Err(self.function_error(
                call,
                "convert",
                FunctionError::Arity {
                    expected: "2".to_string(),
                    got: args.len(),
                },
            ));
        };
        let ty = crate::types::parse_type(ty, &|e| constant(e)).map_err(|detail| {
            // Terraform's wording for what is no type expression at all.
            let detail = match ty {
                Expression::Variable(_) | Expression::FuncCall(_) => detail,
                _ => "A type specification is either a primitive type keyword (bool, number, \
                      string) or a complex type constructor call, like list(string)."
                    .to_string(),
            };
            self.error(*ty, "Invalid type specification", detail)
        })?;
        let value = self.eval(value)?;
        crate::types::convert(value, &ty).map_err(|e| {
            self.function_error(
                call,
                "convert",
                FunctionError::Argument {
                    index: 0,
                    message: format!(
                        "Invalid value for \"value\" parameter: {}.",
                        e.to_string().trim_end_matches('.')
                    ),
                },
            )
        })
    }

    fn lookup_binding(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    fn eval_traversal(&self, traversal: &Traversal) -> EvalResult {
        let operators: Vec<&TraversalOperator> =
            traversal.operators.iter().map(|op| op.value()).collect();
        match &traversal.expr {
            // The traversal itself is where errors point: it spans the whole
            // reference, and borrowing it avoids copying its syntax tree.
            Expression::Variable(root) => self.eval_root(root.as_str(), &operators, traversal),
            other => {
                let base = self.eval(other)?;
                self.apply_operators(base, &operators, traversal)
            }
        }
    }

    fn attr_name<'o>(&self, op: Option<&&'o TraversalOperator>) -> Option<&'o str> {
        match op {
            Some(TraversalOperator::GetAttr(ident)) => Some(ident.as_str()),
            _ => None,
        }
    }

    /// Resolves a reference: a root name (`var`, `local`, a resource type…)
    /// followed by operators.
    fn eval_root(
        &self,
        root: &str,
        operators: &[&TraversalOperator],
        whole: &impl hcl_edit::Span,
    ) -> EvalResult {
        if let Some(bound) = self.lookup_binding(root) {
            return self.apply_operators_to(bound, operators, whole);
        }
        let ns = self.namespace;
        let first = self.attr_name(operators.first());
        let rest = operators.get(1..).unwrap_or(&[]);
        let need_attr = |what: &str| {
            self.error(whole, "Invalid reference", format!("A reference to {what} must be followed by an attribute name, such as {what}.NAME."))
        };
        match root {
            "var" => {
                let name = first.ok_or_else(|| need_attr("var"))?;
                let value = ns.vars.get(name).ok_or_else(|| {
                    self.error(
                        whole,
                        "Reference to undeclared input variable",
                        format!(
                            "An input variable named \"{name}\" has not been declared. Declare it with a variable \"{name}\" block.{}",
                            did_you_mean(name, ns.vars.keys().map(String::as_str))
                        ),
                    )
                })?;
                self.apply_operators_to(value, rest, whole)
            }
            "local" => {
                let name = first.ok_or_else(|| need_attr("local"))?;
                let value = ns.locals.get(name).ok_or_else(|| {
                    self.error(
                        whole,
                        "Reference to undeclared local value",
                        format!(
                            "A local value named \"{name}\" has not been declared.{}",
                            did_you_mean(name, ns.locals.keys().map(String::as_str))
                        ),
                    )
                })?;
                self.apply_operators_to(value, rest, whole)
            }
            "module" => {
                let name = first.ok_or_else(|| need_attr("module"))?;
                let value = ns.modules.get(name).ok_or_else(|| {
                    self.error(
                        whole,
                        "Reference to undeclared module",
                        format!(
                            "No module call named \"{name}\" is declared.{}",
                            did_you_mean(name, ns.modules.keys().map(String::as_str))
                        ),
                    )
                })?;
                self.apply_operators_to(value, rest, whole)
            }
            "data" => {
                let type_name = first.ok_or_else(|| need_attr("data"))?;
                let name = self.attr_name(rest.first()).ok_or_else(|| need_attr("data.TYPE"))?;
                let value = ns.data.get(type_name).and_then(|m| m.get(name)).ok_or_else(|| {
                    self.error(
                        whole,
                        "Reference to undeclared resource",
                        format!("A data resource \"{type_name}\" \"{name}\" has not been declared."),
                    )
                })?;
                self.apply_operators_to(value, &rest[1..], whole)
            }
            "count" => match (first, self.count_index) {
                (Some("index"), Some(i)) => self.apply_operators(Value::number(i), rest, whole),
                (Some("index"), None) => Err(self.error(
                    whole,
                    "Reference to \"count\" in non-counted context",
                    "The \"count\" object can only be used in resource blocks that set the \"count\" argument.".to_string(),
                )),
                _ => Err(self.error(whole, "Invalid count attribute", "The \"count\" object has only the attribute \"index\".".to_string())),
            },
            "each" => match (&self.each, first) {
                (Some((key, _)), Some("key")) => self.apply_operators_to(key, rest, whole),
                (Some((_, value)), Some("value")) => self.apply_operators_to(value, rest, whole),
                (None, _) => Err(self.error(
                    whole,
                    "Reference to \"each\" in context without for_each",
                    "The \"each\" object can be used only in resource blocks that set the \"for_each\" argument.".to_string(),
                )),
                _ => Err(self.error(whole, "Invalid each attribute", "The \"each\" object has only the attributes \"key\" and \"value\".".to_string())),
            },
            "self" => match self.self_value {
                Some(value) => self.apply_operators_to(value, operators, whole),
                None => Err(self.error(
                    whole,
                    "Invalid \"self\" reference",
                    "The \"self\" object is available only in provisioner and connection blocks.".to_string(),
                )),
            },
            "path" => {
                let value = match first {
                    Some("module") => &ns.path_module,
                    Some("root") => &ns.path_root,
                    Some("cwd") => &ns.path_cwd,
                    _ => return Err(self.error(whole, "Invalid \"path\" attribute", "The \"path\" object has the attributes \"module\", \"root\" and \"cwd\".".to_string())),
                };
                self.apply_operators(Value::String(value.clone()), rest, whole)
            }
            "stack" | "terraform" => match first {
                Some("workspace") => self.apply_operators(Value::String(ns.workspace.clone()), rest, whole),
                // Terraform's summary names the object, as in `Invalid "terraform" attribute`.
                _ => Err(self.error(whole, &format!("Invalid {root:?} attribute"), format!("The \"{root}\" object has only the attribute \"workspace\"."))),
            },
            type_name => {
                let Some(name) = first else {
                    return Err(self.error(
                        whole,
                        "Invalid reference",
                        format!("A reference to a resource type must be followed by a resource name, such as {type_name}.NAME; or did you mean an input variable, var.{type_name}?"),
                    ));
                };
                let value = ns.resources.get(type_name).and_then(|m| m.get(name)).ok_or_else(|| {
                    self.error(
                        whole,
                        "Reference to undeclared resource",
                        format!("A managed resource \"{type_name}\" \"{name}\" has not been declared in this module."),
                    )
                })?;
                self.apply_operators_to(value, rest, whole)
            }
        }
    }

    /// Follows the leading attribute accesses and indexes of a reference by
    /// reference, so that `aws_instance.web.id` copies the id rather than
    /// the whole object, then applies the rest to a copy of what it reached.
    /// A marked value, or a step that fails, stops the borrowing walk there:
    /// the owned walk gives the mark and the error as before.
    fn apply_operators_to(
        &self,
        value: &Value,
        operators: &[&TraversalOperator],
        whole: &impl hcl_edit::Span,
    ) -> EvalResult {
        let mut current = value;
        let mut taken = 0;
        for op in operators {
            let next = match (op, current) {
                (TraversalOperator::GetAttr(name), Value::Map(map)) => map.get(name.as_str()),
                (TraversalOperator::LegacyIndex(index), Value::List(items)) => {
                    usize::try_from(*index.value())
                        .ok()
                        .and_then(|i| items.get(i))
                }
                _ => None,
            };
            match next {
                Some(next) => current = next,
                None => break,
            }
            taken += 1;
        }
        self.apply_operators(current.clone(), &operators[taken..], whole)
    }

    fn apply_operators(
        &self,
        mut value: Value,
        operators: &[&TraversalOperator],
        whole: &impl hcl_edit::Span,
    ) -> EvalResult {
        for (i, op) in operators.iter().enumerate() {
            let (inner, sensitive) = value.unmark();
            value = match op {
                TraversalOperator::GetAttr(name) => self.get_attr(inner, name.as_str(), whole)?,
                TraversalOperator::Index(index_expr) => {
                    let (index, index_sensitive) = self.eval(index_expr)?.unmark();
                    self.index(inner, index, whole)?.mark_if(index_sensitive)
                }
                TraversalOperator::LegacyIndex(index) => {
                    self.index(inner, Value::number(*index.value()), whole)?
                }
                TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_) => {
                    let rest = &operators[i + 1..];
                    let items = match inner {
                        Value::Unknown => return Ok(Value::Unknown.mark_if(sensitive)),
                        Value::Null => Vec::new(),
                        Value::List(items) | Value::Set(items) => items,
                        other => vec![other],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(self.apply_operators(item, rest, whole)?);
                    }
                    return Ok(Value::List(out).mark_if(sensitive));
                }
            }
            .mark_if(sensitive);
        }
        Ok(value)
    }

    fn get_attr(&self, value: Value, name: &str, at: &impl hcl_edit::Span) -> EvalResult {
        match value {
            Value::Unknown => Ok(Value::Unknown),
            Value::Map(mut map) => match map.remove(name) {
                Some(v) => Ok(v),
                None => Err(self.error(
                    at,
                    "Unsupported attribute",
                    format!(
                        "This object does not have an attribute named \"{name}\".{}",
                        did_you_mean(name, map.keys().map(String::as_str))
                    ),
                )),
            },
            Value::Null => Err(self.error(at, "Attempt to get attribute from null value", format!("This value is null, so it does not have an attribute named \"{name}\"."))),
            Value::List(_) | Value::Set(_) => Err(self.error(
                at,
                "Unsupported attribute",
                format!("This value is a list of objects (the resource uses count or for_each?), so it has no attribute \"{name}\". Use an index such as [0], or a splat such as [*].{name}."),
            )),
            other => Err(self.error(at, "Unsupported attribute", format!("Can't access attributes on a primitive-typed value ({}).", other.type_name()))),
        }
    }

    fn index(&self, value: Value, index: Value, at: &impl hcl_edit::Span) -> EvalResult {
        if index.is_unknown() {
            return Ok(Value::Unknown);
        }
        match value {
            Value::Unknown => Ok(Value::Unknown),
            Value::List(items) => {
                let i = match &index {
                    Value::Number(n) if n.to_i64().is_some_and(|i| i >= 0) => {
                        n.to_i64().and_then(|i| usize::try_from(i).ok()).unwrap_or(usize::MAX)
                    }
                    Value::String(s) => s.parse::<usize>().map_err(|_| {
                        self.error(at, "Invalid index", format!("A list index must be a whole number, not {s:?}."))
                    })?,
                    other => return Err(self.error(at, "Invalid index", format!("A list index must be a non-negative whole number, not {other}."))),
                };
                let len = items.len();
                items.into_iter().nth(i).ok_or_else(|| {
                    self.error(at, "Invalid index", format!("The given index {i} is out of range: the list has {len} element(s)."))
                })
            }
            Value::Map(mut map) => {
                let key = match &index {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => format_number(n),
                    other => return Err(self.error(at, "Invalid index", format!("A map key must be a string, not {}.", other.type_name()))),
                };
                map.remove(&key).ok_or_else(|| {
                    self.error(
                        at,
                        "Invalid index",
                        format!("The given key {key:?} does not identify an element in this collection.{}", did_you_mean(&key, map.keys().map(String::as_str))),
                    )
                })
            }
            Value::Set(_) => Err(self.error(at, "Invalid index", "Elements of a set are identified only by their value and cannot be indexed; convert it with tolist() first.".to_string())),
            Value::Null => Err(self.error(at, "Attempt to index null value", "This value is null, so it cannot be indexed.".to_string())),
            other => Err(self.error(at, "Invalid index", format!("This value does not have any indices ({}).", other.type_name()))),
        }
    }
}

/// A number literal's value, read from its source text so that no digit is
/// lost (hcl-edit's own value is an `f64`).
fn literal_number(n: &hcl_edit::Formatted<hcl_edit::Number>) -> Number {
    let text: Option<String> = n
        .as_repr()
        .map(|r| r.chars().filter(|c| !c.is_whitespace()).collect());
    text.as_deref()
        .and_then(Number::parse)
        .unwrap_or_else(|| Number::from_f64(n.value().as_f64().unwrap_or(0.0)))
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    matches!((a, b), (Value::Number(x), Value::Number(y)) if x == y)
}

fn trim_end_in_place(s: &mut String) {
    let trimmed = s.trim_end().len();
    s.truncate(trimmed);
}

/// Appends a directive's rendered body, honouring `~` strip markers on the
/// directive tags around it.
fn push_stripped(out: &mut String, inner: &str, trim_start: bool, trim_end: bool) {
    let inner = if trim_start {
        inner.trim_start()
    } else {
        inner
    };
    let inner = if trim_end { inner.trim_end() } else { inner };
    out.push_str(inner);
}

/// Renders a `templatefile()` template: only the given variables are visible, as in Terraform.
fn render_template_file(
    text: &str,
    vars: &BTreeMap<String, Value>,
    caller: &Scope,
) -> Result<Value, String> {
    let namespace = caller.namespace;
    let template = hcl_edit::parser::parse_template(text)
        .map_err(|e| format!("the template has a syntax error: {}", e.message()))?;
    let empty = Namespace {
        path_module: namespace.path_module.clone(),
        path_root: namespace.path_root.clone(),
        path_cwd: namespace.path_cwd.clone(),
        workspace: namespace.workspace.clone(),
        ..Namespace::default()
    };
    let mut scope = Scope::new(&empty, Arc::new(PathBuf::from("<templatefile>")));
    scope.applying = caller.applying;
    scope.plan_timestamp = caller.plan_timestamp.clone();
    scope.bindings = vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut out = String::new();
    let mut unknown = false;
    let mut sensitive = false;
    scope
        .render_into(&template, &mut out, &mut unknown, &mut sensitive)
        .map_err(|d| d.detail)?;
    Ok(if unknown {
        Value::Unknown
    } else {
        Value::String(out)
    }
    .mark_if(sensitive))
}

/// Why `templatestring`'s first argument is not a plain reference to a
/// string found elsewhere, in Terraform's words.
fn template_reference_problem(expr: &Expression) -> Option<&'static str> {
    let is_reference = |e: &Expression| match e {
        Expression::Variable(_) => true,
        Expression::Traversal(t) => matches!(t.expr, Expression::Variable(_)),
        _ => false,
    };
    let lone_reference = |t: &hcl_edit::template::StringTemplate| {
        t.len() == 1
            && matches!(t.iter().next(), Some(Element::Interpolation(i)) if is_reference(&i.expr))
    };
    Some(match expr {
        Expression::StringTemplate(t) if lone_reference(t) => {
            "invalid template expression: templatestring is only for rendering templates \
             retrieved dynamically from elsewhere; to treat the inner expression as template \
             syntax, write the reference expression directly without any template \
             interpolation syntax"
        }
        Expression::String(_) => {
            "invalid template expression: templatestring is only for rendering templates \
             retrieved dynamically from elsewhere, and so does not support providing a literal \
             template; consider using a template string expression instead"
        }
        Expression::StringTemplate(_) | Expression::HeredocTemplate(_) => {
            "invalid template expression: templatestring is only for rendering templates \
             retrieved dynamically from elsewhere; to render an inline template, consider using \
             a plain template string expression"
        }
        e if !is_reference(e) => {
            "invalid template expression: must be a direct reference to a single string from \
             elsewhere, containing valid Terraform template syntax"
        }
        _ => return None,
    })
}

/// Terraform's summary for a call with the wrong number of arguments:
/// `expected` reads "2", "1 or 2", "at least 1", so its first number is the least.
fn arity_summary(expected: &str, got: usize) -> &'static str {
    let least = expected
        .split(|c: char| !c.is_ascii_digit())
        .find_map(|part| part.parse::<usize>().ok())
        .unwrap_or(0);
    if got < least {
        "Not enough function arguments"
    } else {
        "Too many function arguments"
    }
}

/// Evaluates an expression that may not reference anything (a literal).
pub fn constant(expr: &Expression) -> Option<Value> {
    let namespace = Namespace::default();
    Scope::new(&namespace, Arc::new(PathBuf::new()))
        .eval(expr)
        .ok()
}

/// What an expression refers to, for building the dependency graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reference {
    Var(String),
    Local(String),
    /// A module call's output (`None` for the whole module object).
    ModuleOutput(String, Option<String>),
    Resource(crate::addrs::ResourceMode, String, String),
}

/// A reference and where it was written.
#[derive(Debug, Clone)]
pub struct SpannedReference {
    pub reference: Reference,
    pub range: Option<std::ops::Range<usize>>,
}

/// Collects the references of an expression, ignoring names bound by `for`.
pub fn references(expr: &Expression) -> Vec<SpannedReference> {
    let mut out = Vec::new();
    references_into(expr, &mut out);
    out
}

/// [`references`], appended to `out` (no list per expression when a whole
/// body's references are gathered).
pub fn references_into(expr: &Expression, out: &mut Vec<SpannedReference>) {
    collect_references(expr, &mut Vec::new(), out);
}

fn collect_references(expr: &Expression, bound: &mut Vec<String>, out: &mut Vec<SpannedReference>) {
    match expr {
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_) => {}
        Expression::Array(items) => items.iter().for_each(|e| collect_references(e, bound, out)),
        Expression::Object(object) => {
            for (key, value) in object.iter() {
                if let ObjectKey::Expression(k) = key {
                    collect_references(k, bound, out);
                }
                collect_references(value.expr(), bound, out);
            }
        }
        Expression::StringTemplate(t) => collect_template_references(t, bound, out),
        Expression::HeredocTemplate(h) => collect_template_references(&h.template, bound, out),
        Expression::Parenthesis(p) => collect_references(p.inner(), bound, out),
        Expression::Variable(v) => root_reference(v.as_str(), &[], expr.span(), bound, out),
        Expression::Conditional(c) => {
            collect_references(&c.cond_expr, bound, out);
            collect_references(&c.true_expr, bound, out);
            collect_references(&c.false_expr, bound, out);
        }
        Expression::FuncCall(call) => call
            .args
            .iter()
            .for_each(|e| collect_references(e, bound, out)),
        Expression::Traversal(t) => {
            let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
            for op in &ops {
                if let TraversalOperator::Index(index) = op {
                    collect_references(index, bound, out);
                }
            }
            match &t.expr {
                Expression::Variable(v) => root_reference(v.as_str(), &ops, t.span(), bound, out),
                other => collect_references(other, bound, out),
            }
        }
        Expression::UnaryOp(op) => collect_references(&op.expr, bound, out),
        Expression::BinaryOp(op) => {
            collect_references(&op.lhs_expr, bound, out);
            collect_references(&op.rhs_expr, bound, out);
        }
        Expression::ForExpr(f) => {
            collect_references(&f.intro.collection_expr, bound, out);
            let before = bound.len();
            if let Some(k) = &f.intro.key_var {
                bound.push(k.as_str().to_string());
            }
            bound.push(f.intro.value_var.as_str().to_string());
            if let Some(k) = &f.key_expr {
                collect_references(k, bound, out);
            }
            collect_references(&f.value_expr, bound, out);
            if let Some(c) = &f.cond {
                collect_references(&c.expr, bound, out);
            }
            bound.truncate(before);
        }
    }
}

fn collect_template_references(
    template: &Template,
    bound: &mut Vec<String>,
    out: &mut Vec<SpannedReference>,
) {
    for element in template.iter() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => collect_references(&i.expr, bound, out),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => {
                    collect_references(&d.if_expr.cond_expr, bound, out);
                    collect_template_references(&d.if_expr.template, bound, out);
                    if let Some(e) = &d.else_expr {
                        collect_template_references(&e.template, bound, out);
                    }
                }
                Directive::For(d) => {
                    collect_references(&d.for_expr.collection_expr, bound, out);
                    let before = bound.len();
                    if let Some(k) = &d.for_expr.key_var {
                        bound.push(k.as_str().to_string());
                    }
                    bound.push(d.for_expr.value_var.as_str().to_string());
                    collect_template_references(&d.for_expr.template, bound, out);
                    bound.truncate(before);
                }
            },
        }
    }
}

fn root_reference(
    root: &str,
    ops: &[&TraversalOperator],
    range: Option<std::ops::Range<usize>>,
    bound: &[String],
    out: &mut Vec<SpannedReference>,
) {
    if bound.iter().any(|b| b == root) {
        return;
    }
    let attr = |i: usize| match ops.get(i) {
        Some(TraversalOperator::GetAttr(name)) => Some(name.as_str().to_string()),
        _ => None,
    };
    let reference = match root {
        "var" => attr(0).map(Reference::Var),
        "local" => attr(0).map(Reference::Local),
        // `module.web.out`, or `module.web[0].out` for a module with count or for_each.
        "module" => attr(0).map(|m| {
            let output = match ops.get(1) {
                Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)) => attr(2),
                _ => attr(1),
            };
            Reference::ModuleOutput(m, output)
        }),
        "data" => match (attr(0), attr(1)) {
            (Some(t), Some(n)) => Some(Reference::Resource(crate::addrs::ResourceMode::Data, t, n)),
            _ => None,
        },
        "count" | "each" | "self" | "path" | "stack" | "terraform" => None,
        type_name => attr(0).map(|n| {
            Reference::Resource(
                crate::addrs::ResourceMode::Managed,
                type_name.to_string(),
                n,
            )
        }),
    };
    if let Some(reference) = reference {
        out.push(SpannedReference { reference, range });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_str(src: &str, ns: &Namespace) -> Value {
        let expr = hcl_edit::parser::parse_expr(src).expect("parses");
        Scope::new(ns, Arc::new(PathBuf::from("test.tf")))
            .eval(&expr)
            .expect("evaluates")
    }

    #[test]
    fn conditional_results_need_a_common_type() {
        let ns = Namespace::default();
        let scope = Scope::new(&ns, Arc::new(PathBuf::from("test.tf")));
        let eval = |src: &str| scope.eval(&hcl_edit::parser::parse_expr(src).unwrap());
        let err = eval("true ? \"a\" : {}").unwrap_err();
        assert_eq!(err.summary, "Inconsistent conditional result types");
        assert!(err.span.is_some());
        // An unknown condition does not skip the check.
        let unknown = ns_with_vars(&[("flag", Value::Unknown)]);
        let err = Scope::new(&unknown, Arc::new(PathBuf::from("test.tf")))
            .eval(&hcl_edit::parser::parse_expr("var.flag ? [1] : \"one\"").unwrap())
            .unwrap_err();
        assert_eq!(err.summary, "Inconsistent conditional result types");
        assert_eq!(eval("false ? 1 : \"x\"").unwrap(), Value::string("x"));
        // The result not chosen may fail: its error is dropped, as in Terraform.
        assert_eq!(
            eval("true ? 1 : tonumber(\"x\")").unwrap(),
            Value::number(1.0)
        );
        assert_eq!(
            eval("1 ? 2 : 3").unwrap_err().summary,
            "Incorrect condition type"
        );
    }

    fn ns_with_vars(vars: &[(&str, Value)]) -> Namespace {
        Namespace {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            ..Namespace::default()
        }
    }

    #[test]
    fn arithmetic_and_templates() {
        let ns = ns_with_vars(&[("n", Value::number(3.0))]);
        assert_eq!(eval_str("var.n * 2 + 1", &ns), Value::number(7.0));
        assert_eq!(eval_str("\"n=${var.n}\"", &ns), Value::string("n=3"));
        assert_eq!(
            eval_str("\"%{ if var.n > 2 }big%{ else }small%{ endif }\"", &ns),
            Value::string("big")
        );
        assert_eq!(
            eval_str("\"%{ for x in [1,2] }${x};%{ endfor }\"", &ns),
            Value::string("1;2;")
        );
        assert_eq!(
            eval_str("\"%{ for x in [1,2] ~}\n${x}\n%{~ endfor }\"", &ns),
            Value::string("12")
        );
        assert_eq!(
            eval_str("\"a %{~ if true ~} b %{~ endif ~} c\"", &ns),
            Value::string("abc")
        );
    }

    #[test]
    fn unknown_propagates_except_where_short_circuited() {
        let ns = ns_with_vars(&[("u", Value::Unknown)]);
        assert_eq!(eval_str("var.u + 1", &ns), Value::Unknown);
        assert_eq!(eval_str("\"x-${var.u}\"", &ns), Value::Unknown);
        assert_eq!(eval_str("false && var.u", &ns), Value::Bool(false));
        assert_eq!(eval_str("true || var.u", &ns), Value::Bool(true));
        assert_eq!(eval_str("true ? 1 : var.u", &ns), Value::number(1.0));
        assert_eq!(eval_str("var.u ? 1 : 2", &ns), Value::Unknown);
    }

    #[test]
    fn sensitive_marks_survive_expressions() {
        let ns = ns_with_vars(&[("s", Value::string("hunter2").mark_if(true))]);
        let out = eval_str("\"pw=${var.s}\"", &ns);
        assert!(out.is_sensitive());
        assert_eq!(out.peel(), &Value::string("pw=hunter2"));
    }

    #[test]
    fn for_expressions_filter_and_group() {
        let ns = Namespace::default();
        assert_eq!(
            eval_str("[for x in [1, 2, 3] : x * 10 if x != 2]", &ns),
            Value::List(vec![Value::number(10.0), Value::number(30.0)])
        );
        let grouped = eval_str(
            "{for s in [\"a1\", \"a2\", \"b1\"] : substr(s, 0, 1) => s...}",
            &ns,
        );
        assert_eq!(
            grouped
                .get_attr("a")
                .and_then(Value::as_list)
                .map(<[Value]>::len),
            Some(2)
        );
    }

    #[test]
    fn splat_maps_over_lists() {
        let item = |id: &str| Value::Map(BTreeMap::from([("id".to_string(), Value::string(id))]));
        let ns = ns_with_vars(&[("l", Value::List(vec![item("a"), item("b")]))]);
        assert_eq!(
            eval_str("var.l[*].id", &ns),
            Value::List(vec!["a".into(), "b".into()])
        );
        assert_eq!(eval_str("var.l[1].id", &ns), Value::string("b"));
    }

    #[test]
    fn references_skip_for_bound_names() {
        let expr = hcl_edit::parser::parse_expr("[for s in var.list : s.id if local.ok]").unwrap();
        let refs: Vec<Reference> = references(&expr).into_iter().map(|r| r.reference).collect();
        assert_eq!(
            refs,
            vec![Reference::Var("list".into()), Reference::Local("ok".into())]
        );
    }
}
