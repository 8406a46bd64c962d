//! The SCIM filter language the simulator understands (RFC 7644 §3.4.2.2, the part clients use):
//! `eq ne co sw ew pr gt ge lt le`, `and`, `or`, `not` and parentheses, over attribute paths such
//! as `emails.value` (case-insensitive names; strings compare case-insensitively). Also the
//! attribute lookup and ordering `sortBy` shares with it.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// Looks up an attribute path (case-insensitive); multi-valued attributes yield every element's value.
pub(crate) fn values<'a>(user: &'a Map<String, Value>, path: &str) -> Vec<&'a Value> {
    let mut parts = path.split('.');
    let head = parts.next().unwrap_or("");
    let Some(v) = user.iter().find(|(k, _)| k.eq_ignore_ascii_case(head)).map(|(_, v)| v) else {
        return Vec::new();
    };
    let mut cur = vec![v];
    for part in parts {
        let mut next = Vec::new();
        for v in cur {
            let objs: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for o in objs {
                if let Some(m) = o.as_object() {
                    if let Some((_, x)) = m.iter().find(|(k, _)| k.eq_ignore_ascii_case(part)) {
                        next.push(x);
                    }
                }
            }
        }
        cur = next;
    }
    cur.into_iter()
        .flat_map(|v| match v {
            Value::Array(a) => a.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

pub(crate) fn first_value(user: &Map<String, Value>, path: &str) -> Option<Value> {
    values(user, path).into_iter().next().cloned()
}

/// Orders two attribute values for `sortBy`: numbers by value, anything else as lower-case text;
/// missing values last.
pub(crate) fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Greater,
        (_, None) => Ordering::Less,
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or(0.0)
            .partial_cmp(&y.as_f64().unwrap_or(0.0))
            .unwrap_or(Ordering::Equal),
        (Some(x), Some(y)) => text(x).to_lowercase().cmp(&text(y).to_lowercase()),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A parsed SCIM filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attr op value`.
    Cmp(String, Op, Value),
    /// `attr pr`.
    Present(String),
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (a)`.
    Not(Box<Filter>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal (strings compare case-insensitively).
    Eq,
    /// Not equal.
    Ne,
    /// Contains.
    Co,
    /// Starts with.
    Sw,
    /// Ends with.
    Ew,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Tok::Open);
            }
            ')' => {
                chars.next();
                out.push(Tok::Close);
            }
            '"' => {
                chars.next();
                let mut v = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".into()),
                        Some('\\') => match chars.next() {
                            Some(e) => v.push(e),
                            None => return Err("unterminated string".into()),
                        },
                        Some('"') => break,
                        Some(x) => v.push(x),
                    }
                }
                out.push(Tok::Str(v));
            }
            _ => {
                let mut w = String::new();
                while let Some(&x) = chars.peek() {
                    if x.is_whitespace() || x == '(' || x == ')' || x == '"' {
                        break;
                    }
                    w.push(x);
                    chars.next();
                }
                out.push(Tok::Word(w));
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.factor()?;
        while self.peek_word("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.factor()?));
        }
        Ok(left)
    }

    fn factor(&mut self) -> Result<Filter, String> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.factor()?)));
        }
        match self.toks.get(self.pos).cloned() {
            Some(Tok::Open) => {
                self.pos += 1;
                let f = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::Close) {
                    return Err("missing )".into());
                }
                self.pos += 1;
                Ok(f)
            }
            Some(Tok::Word(attr)) => {
                self.pos += 1;
                let op = match self.toks.get(self.pos) {
                    Some(Tok::Word(o)) => o.to_ascii_lowercase(),
                    _ => return Err(format!("expected an operator after {attr}")),
                };
                self.pos += 1;
                let op = match op.as_str() {
                    "pr" => return Ok(Filter::Present(attr)),
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "co" => Op::Co,
                    "sw" => Op::Sw,
                    "ew" => Op::Ew,
                    "gt" => Op::Gt,
                    "ge" => Op::Ge,
                    "lt" => Op::Lt,
                    "le" => Op::Le,
                    other => return Err(format!("unknown operator {other}")),
                };
                let value = match self.toks.get(self.pos) {
                    Some(Tok::Str(s)) => Value::String(s.clone()),
                    Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        "null" => Value::Null,
                        _ => serde_json::from_str::<serde_json::Number>(w)
                            .map(Value::Number)
                            .map_err(|_| format!("bad value {w}"))?,
                    },
                    _ => return Err(format!("expected a value after {attr}")),
                };
                self.pos += 1;
                Ok(Filter::Cmp(attr, op, value))
            }
            Some(t) => Err(format!("unexpected {t:?}")),
            None => Err("unexpected end of filter".into()),
        }
    }
}

impl Filter {
    /// Parses a SCIM filter.
    pub fn parse(s: &str) -> Result<Filter, String> {
        let mut p = Parser {
            toks: tokenize(s)?,
            pos: 0,
        };
        let f = p.or()?;
        if p.pos != p.toks.len() {
            return Err(format!("unexpected {:?}", p.toks[p.pos]));
        }
        Ok(f)
    }

    /// Whether a user matches.
    pub fn matches(&self, user: &Map<String, Value>) -> bool {
        match self {
            Filter::And(a, b) => a.matches(user) && b.matches(user),
            Filter::Or(a, b) => a.matches(user) || b.matches(user),
            Filter::Not(a) => !a.matches(user),
            Filter::Present(attr) => values(user, attr).iter().any(|v| !v.is_null()),
            Filter::Cmp(attr, op, want) => {
                let vals = values(user, attr);
                if *op == Op::Ne {
                    return !vals.iter().any(|v| compare(v, Op::Eq, want));
                }
                vals.iter().any(|v| compare(v, *op, want))
            }
        }
    }
}

fn compare(have: &Value, op: Op, want: &Value) -> bool {
    if let (Value::String(h), Value::String(w)) = (have, want) {
        let (h, w) = (h.to_lowercase(), w.to_lowercase());
        return match op {
            Op::Eq => h == w,
            Op::Ne => h != w,
            Op::Co => h.contains(&w),
            Op::Sw => h.starts_with(&w),
            Op::Ew => h.ends_with(&w),
            Op::Gt => h > w,
            Op::Ge => h >= w,
            Op::Lt => h < w,
            Op::Le => h <= w,
        };
    }
    let o = cmp_values(Some(have), Some(want));
    match op {
        Op::Eq => have == want,
        Op::Ne => have != want,
        Op::Gt => o == Ordering::Greater,
        Op::Ge => o != Ordering::Less,
        Op::Lt => o == Ordering::Less,
        Op::Le => o != Ordering::Greater,
        Op::Co | Op::Sw | Op::Ew => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A SCIM user as the store holds it (also used by the routes' tests).
    pub(crate) fn user(name: &str, active: bool) -> Map<String, Value> {
        json!({"id": "1", "userName": name, "active": active,
               "emails": [{"value": name, "primary": true}]})
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn filters_match_eq_co_sw_and_or_not() {
        let a = user("Alice@Example.com", true);
        let b = user("bob@corp.io", false);
        let f = Filter::parse(r#"userName eq "alice@example.com""#).unwrap();
        assert!(f.matches(&a) && !f.matches(&b));
        let f = Filter::parse(r#"userName co "corp" or userName sw "ali""#).unwrap();
        assert!(f.matches(&a) && f.matches(&b));
        let f = Filter::parse(r#"active eq true and (emails.value ew ".com")"#).unwrap();
        assert!(f.matches(&a) && !f.matches(&b));
        let f = Filter::parse(r#"not (userName ne "bob@corp.io")"#).unwrap();
        assert!(!f.matches(&a) && f.matches(&b));
        assert!(Filter::parse("userName pr").unwrap().matches(&a));
    }

    #[test]
    fn bad_filters_are_rejected() {
        for f in [
            r#"userName eq"#,
            r#"userName zz "x""#,
            r#"(userName eq "x""#,
            r#"userName eq "x"#,
        ] {
            assert!(Filter::parse(f).is_err(), "{f}");
        }
    }
}
