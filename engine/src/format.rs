//! The canonical formatter behind `stack fmt`: the style `terraform fmt`
//! produces, comments kept.
//!
//! # Why tokens rather than hcl-edit's decor
//!
//! `terraform fmt` is HCL's `hclwrite` formatter plus a few rewrites. The
//! formatter works on the token stream, one line at a time: it indents each
//! line by counting the brackets opened and closed on the lines before it,
//! sets the spaces between neighbouring tokens from a table of rules, and
//! aligns the `=` of consecutive attribute lines. Rewriting hcl-edit's decor
//! could express the block and attribute rules, but not the same result for
//! expressions spanning lines (function calls, conditionals, binary operators
//! broken over lines, comments inside arrays), where Terraform's output is
//! defined by that line-and-bracket algorithm and not by the syntax tree.
//! Porting the algorithm onto tokens gives the same output as Terraform in
//! those cases too, and it can only ever change whitespace.
//!
//! So `format_source` first parses with hcl-edit, which reports syntax
//! errors with a position and guarantees the lexer below sees valid HCL; then
//! it lexes the text into tokens the way HCL's own scanner does (string and
//! heredoc contents are opaque tokens and are never changed), applies
//! Terraform's rewrites, and recomputes every space between tokens.
//!
//! # Differences from `terraform fmt`, on purpose
//!
//! Our canonical style is slightly stricter than Terraform's, and each extra
//! rule leaves text that `terraform fmt` would not change again:
//! - runs of blank lines are collapsed to one, and blank lines at the start
//!   and end of the file are removed (Terraform keeps them);
//! - trailing whitespace inside comments and after a heredoc's closing
//!   marker is removed (Terraform keeps it); heredoc contents keep theirs,
//!   because there it is part of the string;
//! - the file ends with exactly one newline (Terraform keeps what it finds);
//! - nested `"${"${x}"}"` interpolations are unwrapped until none is left,
//!   so that formatting is idempotent (Terraform unwraps one level per run).

use hcl_edit::parser::{parse_body, Error};

/// Rewrites a template in canonical style. Fails only when the text is not
/// valid HCL; the error carries the position of the problem.
pub fn format_source(text: &str) -> Result<String, Error> {
    parse_body(text)?;
    let mut tokens = lex(text);
    trim_comment_whitespace(&mut tokens);
    let tokens = rewrite_body_structure(tokens);
    let mut tokens = collapse_blank_lines(tokens);
    format_tokens(&mut tokens);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for token in &tokens {
        for _ in 0..token.spaces_before {
            out.push(' ');
        }
        out.push_str(&token.text);
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Token kinds, named after HCL's own scanner (`hclsyntax.TokenType`) so that
/// the rules below read like Terraform's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Comma,
    Dot,
    Ellipsis,
    Colon,
    DoubleColon,
    Question,
    Equal,
    EqualOp,
    NotEqual,
    Less,
    Greater,
    LessEq,
    GreaterEq,
    And,
    Or,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    FatArrow,
    OQuote,
    CQuote,
    QuotedLit,
    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,
    OHeredoc,
    CHeredoc,
    StringLit,
    Comment,
    Newline,
    /// A character the scanner does not know; only reachable for input that
    /// hcl-edit accepts and HCL's scanner would not, and kept verbatim.
    Invalid,
    /// Stands for "no token" before the first or after the last of a cell.
    Nil,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    text: String,
    spaces_before: usize,
}

impl Token {
    fn new(kind: Kind, text: impl Into<String>) -> Token {
        Token {
            kind,
            text: text.into(),
            spaces_before: 0,
        }
    }

    /// Line comments carry their terminating newline, as in HCL's scanner,
    /// so they end a line just like a newline token does.
    fn ends_line(&self) -> bool {
        self.kind == Kind::Newline || (self.kind == Kind::Comment && self.text.ends_with('\n'))
    }
}

const NIL: Token = Token {
    kind: Kind::Nil,
    text: String::new(),
    spaces_before: 0,
};

fn bracket_change(kind: Kind) -> i32 {
    match kind {
        Kind::OBrace
        | Kind::OBrack
        | Kind::OParen
        | Kind::TemplateControl
        | Kind::TemplateInterp => 1,
        Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------
// Lexing
// ---------------------------------------------------------------------------

/// What the scanner is inside of.
enum Mode {
    /// Expressions and structure. `interpolation` is false only for the file
    /// itself; inside `${ … }` a `}` at brace depth zero ends the sequence.
    Main {
        braces: usize,
        interpolation: bool,
    },
    Quoted,
    Heredoc {
        marker: String,
        start_of_line: bool,
    },
}

/// Splits HCL text into tokens without whitespace (spaces are recomputed
/// later). Total: every character ends up in some token, so no input makes
/// it fail.
fn lex(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut modes = vec![Mode::Main {
        braces: 0,
        interpolation: false,
    }];
    let mut pos = 0;
    while pos < text.len() {
        let rest = &text[pos..];
        let consumed = match modes.last_mut() {
            Some(Mode::Quoted) => lex_quoted(rest, &mut tokens, &mut modes),
            Some(Mode::Heredoc { .. }) => lex_heredoc(rest, &mut tokens, &mut modes),
            _ => lex_main(rest, &mut tokens, &mut modes),
        };
        // Every step consumes at least one character; the guard only keeps a
        // future mistake from looping forever.
        pos += consumed.max(rest.chars().next().map_or(1, char::len_utf8));
    }
    tokens
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c == '-' || c.is_alphanumeric()
}

/// The length of the line at the start of `rest`, newline included.
fn line_len(rest: &str) -> usize {
    rest.find('\n').map_or(rest.len(), |i| i + 1)
}

fn lex_main(rest: &str, tokens: &mut Vec<Token>, modes: &mut Vec<Mode>) -> usize {
    let Some(c) = rest.chars().next() else {
        return 0;
    };
    let (braces, interpolation) = match modes.last() {
        Some(Mode::Main {
            braces,
            interpolation,
        }) => (*braces, *interpolation),
        _ => (0, false),
    };
    let mut push = |kind: Kind, len: usize| {
        tokens.push(Token::new(kind, &rest[..len]));
        len
    };
    match c {
        ' ' | '\t' | '\r' if !rest.starts_with("\r\n") => c.len_utf8(),
        '\n' => push(Kind::Newline, 1),
        '\r' => push(Kind::Newline, 2),
        '#' => push(Kind::Comment, line_len(rest)),
        '/' if rest.starts_with("//") => push(Kind::Comment, line_len(rest)),
        '/' if rest.starts_with("/*") => {
            let len = rest[2..].find("*/").map_or(rest.len(), |i| i + 4);
            push(Kind::Comment, len)
        }
        '"' => {
            modes.push(Mode::Quoted);
            push(Kind::OQuote, 1)
        }
        '{' => {
            if let Some(Mode::Main { braces, .. }) = modes.last_mut() {
                *braces += 1;
            }
            push(Kind::OBrace, 1)
        }
        '}' | '~' if interpolation && braces == 0 && (c == '}' || rest.starts_with("~}")) => {
            modes.pop();
            push(Kind::TemplateSeqEnd, if c == '~' { 2 } else { 1 })
        }
        '}' => {
            if let Some(Mode::Main { braces, .. }) = modes.last_mut() {
                *braces = braces.saturating_sub(1);
            }
            push(Kind::CBrace, 1)
        }
        '<' if rest.starts_with("<<") => match heredoc_header(rest) {
            Some((len, marker)) => {
                modes.push(Mode::Heredoc {
                    marker,
                    start_of_line: true,
                });
                push(Kind::OHeredoc, len)
            }
            None => push(Kind::Less, 1),
        },
        '0'..='9' => push(Kind::Number, number_len(rest)),
        c if is_ident_start(c) => {
            let len = rest
                .char_indices()
                .find(|(_, c)| !is_ident_continue(*c))
                .map_or(rest.len(), |(i, _)| i);
            push(Kind::Ident, len)
        }
        _ => {
            const OPERATORS: &[(&str, Kind)] = &[
                ("...", Kind::Ellipsis),
                ("::", Kind::DoubleColon),
                ("==", Kind::EqualOp),
                ("!=", Kind::NotEqual),
                ("<=", Kind::LessEq),
                (">=", Kind::GreaterEq),
                ("&&", Kind::And),
                ("||", Kind::Or),
                ("=>", Kind::FatArrow),
                ("[", Kind::OBrack),
                ("]", Kind::CBrack),
                ("(", Kind::OParen),
                (")", Kind::CParen),
                (",", Kind::Comma),
                (".", Kind::Dot),
                (":", Kind::Colon),
                ("?", Kind::Question),
                ("=", Kind::Equal),
                ("<", Kind::Less),
                (">", Kind::Greater),
                ("!", Kind::Bang),
                ("+", Kind::Plus),
                ("-", Kind::Minus),
                ("*", Kind::Star),
                ("/", Kind::Slash),
                ("%", Kind::Percent),
            ];
            match OPERATORS.iter().find(|(op, _)| rest.starts_with(op)) {
                Some((op, kind)) => push(*kind, op.len()),
                None => push(Kind::Invalid, c.len_utf8()),
            }
        }
    }
}

/// `<<EOF\n` or `<<-EOF\n`: the header's length (newline included) and the
/// marker.
fn heredoc_header(rest: &str) -> Option<(usize, String)> {
    let after = rest.strip_prefix("<<")?;
    let after = after.strip_prefix('-').unwrap_or(after);
    if !after.chars().next().is_some_and(is_ident_start) {
        return None;
    }
    let ident_len = after
        .char_indices()
        .find(|(_, c)| !is_ident_continue(*c))
        .map_or(after.len(), |(i, _)| i);
    let marker = &after[..ident_len];
    let tail = &after[ident_len..];
    let newline = if tail.starts_with("\r\n") {
        2
    } else if tail.starts_with('\n') {
        1
    } else {
        return None;
    };
    Some((rest.len() - tail.len() + newline, marker.to_string()))
}

fn number_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |i| from + i)
    };
    let mut end = digits(0);
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end = digits(end + 1);
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut exponent = end + 1;
        if matches!(bytes.get(exponent), Some(b'+' | b'-')) {
            exponent += 1;
        }
        if bytes.get(exponent).is_some_and(u8::is_ascii_digit) {
            end = digits(exponent);
        }
    }
    end
}

/// The length of a template opener (`${`, `${~`, `%{`, `%{~`) at the start
/// of `rest`, with its kind.
fn template_opener(rest: &str) -> Option<(Kind, usize)> {
    let kind = if rest.starts_with("${") {
        Kind::TemplateInterp
    } else if rest.starts_with("%{") {
        Kind::TemplateControl
    } else {
        return None;
    };
    Some((kind, if rest[2..].starts_with('~') { 3 } else { 2 }))
}

fn push_interpolation(
    kind: Kind,
    len: usize,
    rest: &str,
    tokens: &mut Vec<Token>,
    modes: &mut Vec<Mode>,
) {
    tokens.push(Token::new(kind, &rest[..len]));
    modes.push(Mode::Main {
        braces: 0,
        interpolation: true,
    });
}

fn lex_quoted(rest: &str, tokens: &mut Vec<Token>, modes: &mut Vec<Mode>) -> usize {
    if rest.starts_with('"') {
        modes.pop();
        tokens.push(Token::new(Kind::CQuote, "\""));
        return 1;
    }
    if let Some((kind, len)) = template_opener(rest) {
        push_interpolation(kind, len, rest, tokens, modes);
        return len;
    }
    if rest.starts_with('\n') || rest.starts_with("\r\n") {
        // A quoted string cannot span lines; hcl-edit rejects this before we
        // get here, and ending the string keeps the scanner in step anyway.
        modes.pop();
        let len = if rest.starts_with('\r') { 2 } else { 1 };
        tokens.push(Token::new(Kind::Newline, &rest[..len]));
        return len;
    }
    let mut end = 0;
    while end < rest.len() {
        let here = &rest[end..];
        if here.starts_with('"') || here.starts_with('\n') || here.starts_with("\r\n") {
            break;
        }
        if here.starts_with("$${") || here.starts_with("%%{") {
            // An escaped template opener is literal text.
            end += 3;
            continue;
        }
        if template_opener(here).is_some() {
            break;
        }
        let mut chars = here.chars();
        let c = chars.next().map_or(1, char::len_utf8);
        // A backslash escapes the next character, even a quote.
        let escaped = if here.starts_with('\\') {
            chars.next().map_or(0, char::len_utf8)
        } else {
            0
        };
        end += c + escaped;
    }
    tokens.push(Token::new(Kind::QuotedLit, &rest[..end]));
    end
}

fn lex_heredoc(rest: &str, tokens: &mut Vec<Token>, modes: &mut Vec<Mode>) -> usize {
    let Some(Mode::Heredoc {
        marker,
        start_of_line,
    }) = modes.last_mut()
    else {
        return 0;
    };
    let line = &rest[..line_len(rest)];
    if *start_of_line && line.trim() == marker.as_str() {
        // The closing marker, with its indentation; the newline after it is
        // an ordinary newline token that ends the attribute.
        let len = line.trim_end_matches(['\n', '\r']).len();
        modes.pop();
        tokens.push(Token::new(Kind::CHeredoc, &rest[..len]));
        return len;
    }
    let mut end = 0;
    while end < rest.len() {
        let here = &rest[end..];
        if here.starts_with("$${") || here.starts_with("%%{") {
            // An escaped template opener is literal text.
            end += 3;
            continue;
        }
        if template_opener(here).is_some() {
            break;
        }
        let c = here.chars().next().unwrap_or('\n');
        end += c.len_utf8();
        if c == '\n' {
            break;
        }
    }
    if end > 0 {
        tokens.push(Token::new(Kind::StringLit, &rest[..end]));
    }
    let at_line_end = rest[..end].ends_with('\n');
    if let Some(Mode::Heredoc { start_of_line, .. }) = modes.last_mut() {
        *start_of_line = at_line_end;
    }
    if !at_line_end {
        if let Some((kind, len)) = template_opener(&rest[end..]) {
            push_interpolation(kind, len, &rest[end..], tokens, modes);
            return end + len;
        }
    }
    end
}

// ---------------------------------------------------------------------------
// Normalising token text
// ---------------------------------------------------------------------------

/// Removes trailing whitespace from comment lines and heredoc closing
/// markers; neither is part of any value.
fn trim_comment_whitespace(tokens: &mut [Token]) {
    for token in tokens.iter_mut() {
        match token.kind {
            Kind::Comment => {
                let newline = token.text.ends_with('\n');
                let trimmed: Vec<&str> = token
                    .text
                    .trim_end_matches('\n')
                    .split('\n')
                    .map(|line| line.trim_end_matches([' ', '\t', '\r']))
                    .collect();
                let mut text = trimmed.join("\n");
                if newline {
                    text.push('\n');
                }
                token.text = text;
            }
            Kind::CHeredoc => {
                let len = token.text.trim_end_matches([' ', '\t']).len();
                token.text.truncate(len);
            }
            _ => {}
        }
    }
}

/// Drops blank lines at the start and end of the file and all but the first
/// of consecutive blank lines. Heredoc contents are single tokens, so their
/// blank lines are untouched.
fn collapse_blank_lines(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut at_line_start = true;
    // True at the start of the file, so leading blank lines go too.
    let mut previous_blank = true;
    for token in tokens {
        if at_line_start && token.kind == Kind::Newline {
            if !previous_blank {
                out.push(token);
            }
            previous_blank = true;
            continue;
        }
        at_line_start = token.ends_line();
        if at_line_start {
            previous_blank = false;
        }
        out.push(token);
    }
    // A trailing blank line is a newline token right after another line end.
    while out.len() >= 2
        && out[out.len() - 1].kind == Kind::Newline
        && out[out.len() - 2].ends_line()
    {
        out.pop();
    }
    if out.len() == 1 && out[0].kind == Kind::Newline {
        out.clear();
    }
    out
}

// ---------------------------------------------------------------------------
// Terraform's rewrites of attributes and block labels
// ---------------------------------------------------------------------------

/// Walks the body structure (blocks and attributes, not object constructors)
/// and applies `terraform fmt`'s rewrites: `"${expr}"` becomes `expr`, a
/// variable's legacy `type = "string"` becomes `type = string`, and block
/// labels are quoted. Anything unexpected is copied through unchanged.
fn rewrite_body_structure(tokens: Vec<Token>) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut cursor = 0;
    let mut blocks = Vec::new();
    rewrite_body(&tokens, &mut cursor, &mut blocks, &mut out);
    // Whatever a closing brace without an opener left behind.
    out.extend(tokens[cursor.min(tokens.len())..].iter().cloned());
    out
}

fn rewrite_body(
    tokens: &[Token],
    cursor: &mut usize,
    blocks: &mut Vec<String>,
    out: &mut Vec<Token>,
) {
    while let Some(token) = tokens.get(*cursor) {
        match token.kind {
            Kind::CBrace => return,
            Kind::Ident if tokens.get(*cursor + 1).map(|t| t.kind) == Some(Kind::Equal) => {
                let name = token.text.clone();
                out.push(token.clone());
                out.push(tokens[*cursor + 1].clone());
                *cursor += 2;
                let expr = take_expression(tokens, cursor);
                if blocks.len() == 1 && blocks[0] == "variable" && name == "type" {
                    out.extend(format_type_expr(expr));
                } else {
                    out.extend(unwrap_interpolations(expr));
                }
            }
            Kind::Ident => {
                out.push(token.clone());
                *cursor += 1;
                rewrite_block(tokens, cursor, token.text.clone(), blocks, out);
            }
            _ => {
                out.push(token.clone());
                *cursor += 1;
            }
        }
    }
}

/// The rest of a block after its type: labels, then the body in braces.
fn rewrite_block(
    tokens: &[Token],
    cursor: &mut usize,
    block_type: String,
    blocks: &mut Vec<String>,
    out: &mut Vec<Token>,
) {
    while let Some(token) = tokens.get(*cursor) {
        match token.kind {
            Kind::Ident => {
                out.push(Token::new(Kind::OQuote, "\""));
                out.push(Token::new(Kind::QuotedLit, token.text.clone()));
                out.push(Token::new(Kind::CQuote, "\""));
                *cursor += 1;
            }
            Kind::OQuote | Kind::QuotedLit | Kind::CQuote => {
                out.push(token.clone());
                *cursor += 1;
            }
            // Terraform drops comments between labels when it rewrites them.
            Kind::Comment if !token.ends_line() => *cursor += 1,
            Kind::OBrace => {
                out.push(token.clone());
                *cursor += 1;
                blocks.push(block_type);
                rewrite_body(tokens, cursor, blocks, out);
                blocks.pop();
                if let Some(close) = tokens.get(*cursor) {
                    out.push(close.clone());
                    *cursor += 1;
                }
                return;
            }
            _ => return,
        }
    }
}

/// The tokens of an attribute's expression: up to the newline, line comment
/// or closing brace (of a one-line block) outside any bracket or string.
fn take_expression<'a>(tokens: &'a [Token], cursor: &mut usize) -> &'a [Token] {
    let start = *cursor;
    let mut depth = 0i32;
    while let Some(token) = tokens.get(*cursor) {
        if depth <= 0
            && (token.kind == Kind::Newline || token.kind == Kind::CBrace || token.ends_line())
        {
            break;
        }
        depth += match token.kind {
            Kind::OQuote | Kind::OHeredoc => 1,
            Kind::CQuote | Kind::CHeredoc => -1,
            kind => bracket_change(kind),
        };
        *cursor += 1;
    }
    let mut end = *cursor;
    // A trailing `/* … */` comment is not part of the expression.
    while end > start && tokens[end - 1].kind == Kind::Comment {
        end -= 1;
    }
    *cursor = end;
    &tokens[start..end]
}

/// Applies Terraform's `"${expr}"` → `expr` rewrite until it no longer
/// applies, so that a second run of the formatter has nothing left to do.
fn unwrap_interpolations(expr: &[Token]) -> Vec<Token> {
    let mut current = expr.to_vec();
    while let Some(next) = unwrap_interpolation(&current) {
        current = next;
    }
    current
}

/// `"${expr}"` → `expr` when the string is exactly one interpolation; a
/// multi-line `expr` is wrapped in parentheses so that it still parses.
fn unwrap_interpolation(tokens: &[Token]) -> Option<Vec<Token>> {
    let [first, second, inside @ .., second_last, last] = tokens else {
        return None;
    };
    if inside.is_empty()
        || first.kind != Kind::OQuote
        || second.kind != Kind::TemplateInterp
        || second_last.kind != Kind::TemplateSeqEnd
        || last.kind != Kind::CQuote
    {
        return None;
    }
    let mut quotes = 0;
    for token in inside {
        match token.kind {
            Kind::OQuote => quotes += 1,
            Kind::CQuote => quotes -= 1,
            // Interpolations inside nested strings belong to the expression.
            _ if quotes > 0 => {}
            Kind::TemplateInterp | Kind::TemplateSeqEnd | Kind::QuotedLit => return None,
            _ => {}
        }
    }
    let leading = inside
        .iter()
        .take_while(|t| t.kind == Kind::Newline)
        .count();
    let trailing = inside[leading..]
        .iter()
        .rev()
        .take_while(|t| t.kind == Kind::Newline)
        .count();
    let trimmed = &inside[leading..inside.len() - trailing];
    if trimmed.is_empty() {
        return None;
    }
    let multi_line = trimmed.iter().any(|t| t.kind == Kind::Newline);
    let parenthesised =
        trimmed[0].kind == Kind::OParen && trimmed[trimmed.len() - 1].kind == Kind::CParen;
    if multi_line && !parenthesised {
        let mut wrapped = Vec::with_capacity(trimmed.len() + 2);
        wrapped.push(Token::new(Kind::OParen, "("));
        wrapped.extend(trimmed.iter().cloned());
        wrapped.push(Token::new(Kind::CParen, ")"));
        return Some(wrapped);
    }
    Some(trimmed.to_vec())
}

/// A variable's `type`: bare `list`, `map` and `set` mean `…(any)`, and the
/// Terraform 0.11 quoted forms become type expressions.
fn format_type_expr(tokens: &[Token]) -> Vec<Token> {
    let call = |name: &str, element: &str| {
        vec![
            Token::new(Kind::Ident, name),
            Token::new(Kind::OParen, "("),
            Token::new(Kind::Ident, element),
            Token::new(Kind::CParen, ")"),
        ]
    };
    match tokens {
        [keyword] if keyword.kind == Kind::Ident => match keyword.text.as_str() {
            "list" | "map" | "set" => call(&keyword.text, "any"),
            _ => tokens.to_vec(),
        },
        [open, literal, close]
            if open.kind == Kind::OQuote
                && literal.kind == Kind::QuotedLit
                && close.kind == Kind::CQuote =>
        {
            match literal.text.as_str() {
                "string" => vec![Token::new(Kind::Ident, "string")],
                "list" | "map" => call(&literal.text, "string"),
                _ => tokens.to_vec(),
            }
        }
        _ => tokens.to_vec(),
    }
}

// ---------------------------------------------------------------------------
// hclwrite's formatting passes
// ---------------------------------------------------------------------------

/// A line split into cells, as token index ranges: `lead` up to the `=` of
/// an attribute, `assign` from the `=` on, and a trailing line `comment`.
/// The first token of each cell is what alignment moves.
struct Line {
    lead: std::ops::Range<usize>,
    assign: Option<std::ops::Range<usize>>,
    comment: Option<usize>,
}

fn split_lines(tokens: &[Token]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        if token.ends_line() {
            lines.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < tokens.len() {
        lines.push(start..tokens.len());
    }
    lines
        .into_iter()
        .map(|range| {
            let mut lead = range.clone();
            let mut comment = None;
            if lead.len() > 1 && tokens[lead.end - 1].kind == Kind::Comment {
                comment = Some(lead.end - 1);
                lead.end -= 1;
            }
            let mut assign = None;
            if let Some(equals) =
                (lead.start + 1..lead.end).find(|&i| tokens[i].kind == Kind::Equal)
            {
                // Only a whole expression on this line is aligned; an opening
                // bracket left unclosed starts a multi-line value instead.
                let net: i32 = (equals..lead.end)
                    .map(|i| bracket_change(tokens[i].kind))
                    .sum();
                if net == 0 {
                    assign = Some(equals..lead.end);
                    lead.end = equals;
                }
            }
            Line {
                lead,
                assign,
                comment,
            }
        })
        .collect()
}

fn format_tokens(tokens: &mut [Token]) {
    let lines = split_lines(tokens);
    format_indent(tokens, &lines);
    format_spaces(tokens, &lines);
    format_cells(tokens, &lines);
}

/// Indents each line by two spaces per level, where a line that opens more
/// brackets than it closes starts a level and the line that closes them
/// ends it.
fn format_indent(tokens: &mut [Token], lines: &[Line]) {
    let mut indents: Vec<i32> = Vec::new();
    for line in lines {
        let Some(first) = tokens.get(line.lead.start).map(|t| t.kind) else {
            continue;
        };
        if line.lead.is_empty() {
            continue;
        }
        if first == Kind::Newline {
            tokens[line.lead.start].spaces_before = 0;
            continue;
        }
        let mut net = 0;
        for token in &tokens[line.lead.clone()] {
            net += bracket_change(token.kind);
            // Brackets inside a heredoc's interpolations do not indent.
            if token.kind == Kind::OHeredoc {
                break;
            }
        }
        if let Some(assign) = &line.assign {
            net += tokens[assign.clone()]
                .iter()
                .map(|t| bracket_change(t.kind))
                .sum::<i32>();
        }
        if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = indents.last_mut() else {
                    break;
                };
                if closed >= *top {
                    closed -= *top;
                    indents.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        tokens[line.lead.start].spaces_before = 2 * indents.len();
        if net > 0 {
            indents.push(net);
        }
    }
}

fn format_spaces(tokens: &mut [Token], lines: &[Line]) {
    for line in lines {
        space_cell(tokens, line.lead.clone());
        if let Some(assign) = &line.assign {
            // One space separates the `=` from what it is assigned to.
            tokens[assign.start].spaces_before = 1;
            space_cell(tokens, assign.clone());
        }
    }
}

fn space_cell(tokens: &mut [Token], cell: std::ops::Range<usize>) {
    for i in cell.start..cell.end.saturating_sub(1) {
        let before = if i > cell.start { &tokens[i - 1] } else { &NIL };
        let space = space_after(&tokens[i], before, &tokens[i + 1]);
        tokens[i + 1].spaces_before = usize::from(space);
    }
}

/// Whether `subject` is followed by a space, given its neighbours: hclwrite's
/// rules, in its order, since earlier rules win.
fn space_after(subject: &Token, before: &Token, after: &Token) -> bool {
    use Kind::*;
    let (s, a) = (subject.kind, after.kind);
    match () {
        _ if a == Newline || a == Nil => false,
        _ if s == Ident && a == OParen => false,
        _ if (s == Ident && a == DoubleColon) || (s == DoubleColon && a == Ident) => false,
        _ if s == Dot || a == Dot => false,
        _ if a == Comma || a == Ellipsis => false,
        _ if s == Comma => true,
        _ if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
            || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc) =>
        {
            false
        }
        // `for x in [a, b]`: `in` is the keyword here, not a reference.
        _ if s == Ident && subject.text == "in" && before.kind == Ident => true,
        _ if a == OBrack && (s == Ident || s == Number || bracket_change(s) < 0) => false,
        _ if s == Bang => false,
        _ if s == Minus => !matches!(
            before.kind,
            Nil | OParen
                | OBrace
                | OBrack
                | Equal
                | Colon
                | Comma
                | Question
                | Plus
                | Star
                | Slash
                | Percent
                | Minus
                | EqualOp
                | NotEqual
                | Greater
                | GreaterEq
                | Less
                | LessEq
                | And
                | Or
                | Bang
        ),
        _ if s == OBrace || a == CBrace => !(s == OBrace && a == CBrace),
        _ if matches!(s, TemplateInterp | TemplateControl) && a == OBrace => true,
        _ if s == CBrace && a == TemplateSeqEnd => true,
        _ if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) => false,
        _ if bracket_change(s) > 0 => false,
        _ if bracket_change(a) < 0 => false,
        _ => true,
    }
}

/// The width of a cell in columns, counting characters.
fn columns(tokens: &[Token]) -> usize {
    tokens
        .iter()
        .map(|t| t.spaces_before + t.text.chars().count())
        .sum()
}

/// Aligns the `=` of consecutive attribute lines, then the trailing comments
/// of consecutive commented lines.
fn format_cells(tokens: &mut [Token], lines: &[Line]) {
    let mut chain_start: Option<usize> = None;
    for i in 0..=lines.len() {
        let has_assign = lines.get(i).is_some_and(|l| l.assign.is_some());
        match (has_assign, chain_start) {
            (true, None) => chain_start = Some(i),
            (false, Some(start)) => {
                let width = lines[start..i]
                    .iter()
                    .map(|l| columns(&tokens[l.lead.clone()]))
                    .max()
                    .unwrap_or(0);
                for line in &lines[start..i] {
                    let lead = columns(&tokens[line.lead.clone()]);
                    if let Some(assign) = &line.assign {
                        tokens[assign.start].spaces_before = width - lead + 1;
                    }
                }
                chain_start = None;
            }
            _ => {}
        }
    }
    let width_before_comment = |tokens: &[Token], line: &Line| {
        columns(&tokens[line.lead.clone()])
            + line
                .assign
                .as_ref()
                .map_or(0, |a| columns(&tokens[a.clone()]))
    };
    for i in 0..=lines.len() {
        let has_comment = lines.get(i).is_some_and(|l| l.comment.is_some());
        match (has_comment, chain_start) {
            (true, None) => chain_start = Some(i),
            (false, Some(start)) => {
                let width = lines[start..i]
                    .iter()
                    .map(|l| width_before_comment(tokens, l))
                    .max()
                    .unwrap_or(0);
                for line in &lines[start..i] {
                    let before = width_before_comment(tokens, line);
                    if let Some(comment) = line.comment {
                        tokens[comment].spaces_before = width - before + 1;
                    }
                }
                chain_start = None;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Formats, checks idempotence and that Terraform would agree, and
    /// returns the result.
    fn fmt(input: &str) -> String {
        let once = format_source(input).expect("valid HCL");
        let twice = format_source(&once).expect("formatted output parses");
        assert_eq!(once, twice, "formatting is not idempotent for:\n{input}");
        once
    }

    /// (name, input, expected). Every expected text was produced by
    /// `terraform fmt` 1.15.5, except where a case's name says it shows one
    /// of our deliberate differences (see the module documentation); those
    /// expected texts are Terraform's output with only that difference.
    const CASES: &[(&str, &str, &str)] = &[
    (
        "resource_blocks_attributes_and_trailing_comments",
        r#"resource   "aws_instance"    "web"{
ami="ami-123"
    instance_type =    "t2.micro"
  # a comment
 tags={
Name="web"
  Environment   = "prod"
  }
  count=var.n+1
  ebs_block_device {
  device_name="/dev/sda"
   volume_size=10 # size
   encrypted = true   // yes
  }
}
"#,
        r#"resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t2.micro"
  # a comment
  tags = {
    Name        = "web"
    Environment = "prod"
  }
  count = var.n + 1
  ebs_block_device {
    device_name = "/dev/sda"
    volume_size = 10   # size
    encrypted   = true // yes
  }
}
"#,
    ),
    (
        "expressions_operators_and_templates",
        r#"locals {
  list = [
  1,
  2,
  3,
  ]
  f = format("%s-%s",
    var.a,
  var.b)
  cond = var.x ? var.y : -1
  neg = -var.x
  sub = var.a - 1
  math = (var.a*2+3)/4%5
  bool = !var.a && var.b || !(var.c)
  cmp = var.a==1 && var.b!=2 && var.c>=3 && var.d<=4 && var.e<5 && var.f>6
  forl = [for x in var.list: upper(x) if x != ""]
  form = {for k,v in var.map: k=>v...}
  splat = var.list[*].id
  idx = var.list[0].name
  attr = aws_instance.web.*.id
  lit = [for x in [1,2]: x]
  tuple = [ ]
  obj = { }
  objline = {a=1,b=2}
  call = provider::aws::arn_parse("x")
  exp = 1.5e3
  neg2 = [-1, - 2]
  tmpl = "a ${var.x} b %{ if var.y }yes%{ else }no%{ endif } ${~ var.z ~}"
  esc = "a $${b} \"c\" \\ d"
}
"#,
        r#"locals {
  list = [
    1,
    2,
    3,
  ]
  f = format("%s-%s",
    var.a,
  var.b)
  cond    = var.x ? var.y : -1
  neg     = -var.x
  sub     = var.a - 1
  math    = (var.a * 2 + 3) / 4 % 5
  bool    = !var.a && var.b || !(var.c)
  cmp     = var.a == 1 && var.b != 2 && var.c >= 3 && var.d <= 4 && var.e < 5 && var.f > 6
  forl    = [for x in var.list : upper(x) if x != ""]
  form    = { for k, v in var.map : k => v... }
  splat   = var.list[*].id
  idx     = var.list[0].name
  attr    = aws_instance.web.*.id
  lit     = [for x in [1, 2] : x]
  tuple   = []
  obj     = {}
  objline = { a = 1, b = 2 }
  call    = provider::aws::arn_parse("x")
  exp     = 1.5e3
  neg2    = [-1, -2]
  tmpl    = "a ${var.x} b %{if var.y}yes%{else}no%{endif} ${~var.z~}"
  esc     = "a $${b} \"c\" \\ d"
}
"#,
    ),
    (
        "alignment_groups_broken_by_blank_lines_comments_and_blocks",
        r#"/* block
   comment */
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

module "m" {
  source = "./m"
  a = 1
  bbb = 2

  cc = 3
  # comment breaks
  dddd = 4
  e = { x = 1 }
  f = [
    1
  ]
  g = 5
  nested {
    x = 1
  }
  h = 6
}
output "o" { value = 1 }
output p {
  value = aws_instance.web.id
}
"#,
        r#"/* block
   comment */
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

module "m" {
  source = "./m"
  a      = 1
  bbb    = 2

  cc = 3
  # comment breaks
  dddd = 4
  e    = { x = 1 }
  f = [
    1
  ]
  g = 5
  nested {
    x = 1
  }
  h = 6
}
output "o" { value = 1 }
output "p" {
  value = aws_instance.web.id
}
"#,
    ),
    (
        "object_items_and_multi_line_calls",
        r#"locals {
  a = 1 # one
  bbbbbb = 2 # two
  c = 3   /* three */
  obj = {
    a = 1,
    bbb = 2
    "quoted key" = 3
    (var.k) = 4
    k: 5
  }
  x = foo(
    a,
    b
  )[0]
  y = [
    for x in var.l :
    x
  ]
  z = var.a ? (
    1
  ) : 2
}
"#,
        r#"locals {
  a      = 1 # one
  bbbbbb = 2 # two
  c      = 3 /* three */
  obj = {
    a            = 1,
    bbb          = 2
    "quoted key" = 3
    (var.k)      = 4
    k : 5
  }
  x = foo(
    a,
    b
  )[0]
  y = [
    for x in var.l :
    x
  ]
  z = var.a ? (
    1
  ) : 2
}
"#,
    ),
    (
        "lists_and_dynamic_blocks",
        r#"resource "a" "b" {
  lifecycle {
    ignore_changes = [tags,]
  }
  depends_on = [aws_instance.a, aws_instance.b,
    aws_instance.c]
  dynamic "x" {
    for_each = var.xs
    content {
      y = x.value
    }
  }
}
"#,
        r#"resource "a" "b" {
  lifecycle {
    ignore_changes = [tags, ]
  }
  depends_on = [aws_instance.a, aws_instance.b,
  aws_instance.c]
  dynamic "x" {
    for_each = var.xs
    content {
      y = x.value
    }
  }
}
"#,
    ),
    (
        "empty_and_one_line_blocks",
        r#"x {
}
y "a" {}
z   "a"   "b"   {   }
"#,
        r#"x {
}
y "a" {}
z "a" "b" {}
"#,
    ),
    (
        "crlf_line_endings_and_tabs",
        "resource \"a\" \"b\" {\r\n  x=1\r\n\tyy = 2\r\n}\r\n",
        "resource \"a\" \"b\" {\r\n  x  = 1\r\n  yy = 2\r\n}\r\n",
    ),
    (
        "comments_between_labels_and_nested_brackets",
        r#"resource /* c */ "a" /* d */ b {
  x = [
    <<EOF
in list
EOF
    , "y"
  ]
  z = join(",", [
    "a",
    "b",
  ])
  policy = jsonencode({
    Version = "2012"
    Statement = [{
      Action = "s3:*"
      Effect   = "Allow"
    }]
  })
}
"#,
        r#"resource "a" "b" {
  x = [
    <<EOF
in list
EOF
    , "y"
  ]
  z = join(",", [
    "a",
    "b",
  ])
  policy = jsonencode({
    Version = "2012"
    Statement = [{
      Action = "s3:*"
      Effect = "Allow"
    }]
  })
}
"#,
    ),
    (
        "variable_types_and_validation",
        r#"variable "x" {
  type = object({
    a = string
    bb = optional(number, 1)
  })
  default = null
  validation {
    condition = length(var.x) > 0
    error_message = "Must be set."
  }
}
variable "y" { type = set }
variable "z" {
  type    = "list"
  default = []
}
"#,
        r#"variable "x" {
  type = object({
    a  = string
    bb = optional(number, 1)
  })
  default = null
  validation {
    condition     = length(var.x) > 0
    error_message = "Must be set."
  }
}
variable "y" { type = set(any) }
variable "z" {
  type    = list(string)
  default = []
}
"#,
    ),
    (
        "comment_indentation_and_alignment",
        r#"a = 1
  # indented comment
b = {
    # inside
  c = 1 # tail
  dd = 2

  # lone
  e = [1, # one
    2]  # two
}
"#,
        r#"a = 1
# indented comment
b = {
  # inside
  c  = 1 # tail
  dd = 2

  # lone
  e = [1, # one
  2]      # two
}
"#,
    ),
    (
        "newer_top_level_blocks",
        r#"check "c" {
  assert {
    condition = true
    error_message = "x"
  }
}
import {
  to = aws_instance.a
  id = "i-1"
}
moved {
  from = a.b
  to = a.c
}
"#,
        r#"check "c" {
  assert {
    condition     = true
    error_message = "x"
  }
}
import {
  to = aws_instance.a
  id = "i-1"
}
moved {
  from = a.b
  to   = a.c
}
"#,
    ),
    (
        "interpolation_unwrapping_and_unicode",
        r#"locals {
  s = "${var.a}${var.b}"
  t = "${var.a} "
  u = "${func("${x}")}"
  v = "${ {a=1} }"
  heredoc_in_interp = "${<<EOF
hi
EOF
}"
  unicode = "héllo ${var.ü}"
  ünï = 1
  ab = 2
}
"#,
        r#"locals {
  s                 = "${var.a}${var.b}"
  t                 = "${var.a} "
  u                 = func("${x}")
  v                 = { a = 1 }
  heredoc_in_interp = <<EOF
hi
EOF
  unicode           = "héllo ${var.ü}"
  ünï               = 1
  ab                = 2
}
"#,
    ),
    (
        "legacy_types_and_interpolation_only_strings",
        r#"variable "a" {
  type = "string"
}
variable "b" {
type = list
default = ["a","b" , "c"]
}
variable "c" { type = "map" }
locals {
  x = "${var.a}"
  y = "${var.a}-suffix"
  z = "${upper("${var.a}")}"
  w = "${ var.a }"
  q = "${"${var.a}"}"
  m = { a = "${var.a}" }
  nested = "${
    var.a ? 1 : 2
  }"
  multi = "${var.a ?
    1 : 2}"
}
"#,
        r#"variable "a" {
  type = string
}
variable "b" {
  type    = list(any)
  default = ["a", "b", "c"]
}
variable "c" { type = map(string) }
locals {
  x      = var.a
  y      = "${var.a}-suffix"
  z      = upper("${var.a}")
  w      = var.a
  q      = var.a
  m      = { a = "${var.a}" }
  nested = var.a ? 1 : 2
  multi = (var.a ?
  1 : 2)
}
"#,
    ),
    (
        "heredocs_are_kept_verbatim",
        "resource \"x\" \"y\" {\n  user_data = <<EOF\n  #!/bin/bash   \necho ${var.x}   \n\n    indented\nEOF\n  other = <<-EOT\n    stripped ${ var.y }\n      more\n    EOT   \n  after = 1\n  a_long_name = 2\n}\n",
        "resource \"x\" \"y\" {\n  user_data   = <<EOF\n  #!/bin/bash   \necho ${var.x}   \n\n    indented\nEOF\n  other       = <<-EOT\n    stripped ${var.y}\n      more\n    EOT\n  after       = 1\n  a_long_name = 2\n}\n",
    ),
    (
        "blank_lines_are_collapsed",
        "\n\n# leading blank lines\n\n\na = 1\n\n\n\nb = 2\nc = \"x\"  \nd = <<EOF\ntext\n\n\nmore\nEOF\n\n\n",
        r#"# leading blank lines

a = 1

b = 2
c = "x"
d = <<EOF
text


more
EOF
"#,
    ),
    (
        "a_missing_final_newline_is_added",
        r#"a=1"#,
        r#"a = 1
"#,
    ),
    (
        "a_comment_without_newline",
        r#"# only a comment"#,
        r#"# only a comment
"#,
    ),
    ];

    #[test]
    fn matches_terraform_fmt() {
        for (name, input, expected) in CASES {
            assert_eq!(&fmt(input), expected, "case {name}");
        }
    }

    #[test]
    fn deliberate_differences_from_terraform() {
        // Terraform unwraps one level of `"${"${x}"}"` per run; we unwrap
        // until none is left, so that a second run changes nothing.
        assert_eq!(fmt("q = \"${\"${var.a}\"}\"\n"), "q = var.a\n");
        // Terraform keeps trailing spaces after a heredoc marker and in
        // comments; heredoc contents keep theirs, being part of the string.
        assert_eq!(
            fmt("a = <<EOT\nx  \n  EOT  \n# c  \n"),
            "a = <<EOT\nx  \n  EOT\n# c\n"
        );
        // Terraform keeps runs of blank lines, and the file's final newlines.
        assert_eq!(fmt("\n\na = 1\n\n\n\nb = 2\n\n\n"), "a = 1\n\nb = 2\n");
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n \n\t\n"), "");
    }

    #[test]
    fn string_and_heredoc_contents_are_untouched() {
        let input = "a = \"  x  =  ${ y }  \\\"  \"\nb = <<-EOT\n    keep   =   this  \n\n\n  and $${this}\n  EOT\n";
        let out = fmt(input);
        assert!(out.contains("\"  x  =  ${y}  \\\"  \""), "{out}");
        assert!(
            out.contains("    keep   =   this  \n\n\n  and $${this}\n  EOT\n"),
            "{out}"
        );
    }

    #[test]
    fn only_whitespace_changes_without_rewrites() {
        // Quotes are dropped too, since block labels gain them.
        let strip = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace() && *c != '"')
                .collect::<String>()
        };
        for (name, input, _) in CASES {
            let out = fmt(input);
            // Cases with Terraform's rewrites change more than whitespace.
            if input.contains("${") || name.contains("labels") || name.contains("types") {
                continue;
            }
            assert_eq!(strip(input), strip(&out), "case {name}");
        }
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(format_source("resource \"a\" {").is_err());
        assert!(format_source("a = = 1").is_err());
        assert!(format_source("a = \"unterminated\n").is_err());
    }

    #[test]
    fn no_input_prefix_panics() {
        // Every prefix of every case: most are syntax errors, some parse,
        // none may panic, and whatever formats must format idempotently.
        for (_, input, _) in CASES {
            for (end, _) in input.char_indices() {
                if let Ok(once) = format_source(&input[..end]) {
                    assert_eq!(format_source(&once).ok(), Some(once));
                }
            }
        }
    }
}
