//! Which usernames may become a home path `/Users/<u>`.

/// Checks a username before any request is made. Anything that could leave `/Users/<u>` is
/// refused; everything else (`+ # ? % &`, spaces, non-ASCII) is passed on raw.
pub fn validate(u: &str) -> Result<(), &'static str> {
    if u.is_empty() {
        return Err("empty");
    }
    if u == "." || u == ".." {
        return Err("not a name ('.' or '..')");
    }
    if u.contains('/') {
        return Err("contains '/'");
    }
    if u.contains('\\') {
        return Err("contains '\\'");
    }
    if u.chars().any(char::is_control) {
        return Err("contains a control character");
    }
    Ok(())
}

/// The username for a message: control characters escaped (`\n`, `\u{0}`), the rest as is.
pub fn display(u: &str) -> String {
    let mut out = String::with_capacity(u.len());
    for c in u.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The full message for a refused username.
pub fn invalid_message(u: &str, why: &str) -> String {
    format!("invalid username '{}': {}", display(u), why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_leave_the_home_folder_are_refused() {
        for (u, why) in [
            ("", "empty"),
            (".", "not a name ('.' or '..')"),
            ("..", "not a name ('.' or '..')"),
            ("a/b", "contains '/'"),
            ("../etc", "contains '/'"),
            ("a\\b", "contains '\\'"),
            ("a\nb", "contains a control character"),
            ("a\0", "contains a control character"),
            ("a\u{7f}", "contains a control character"),
            ("a\u{85}", "contains a control character"),
        ] {
            assert_eq!(validate(u), Err(why), "{u:?}");
        }
    }

    #[test]
    fn every_other_name_is_accepted_raw() {
        for u in [
            "a@x.com",
            "a+b@x.com",
            "a#b?c%d&e",
            "with space",
            "ünï©ødé@例え.jp",
            "...",
            ".a",
            "a..b",
            "%2e%2e",
            "'",
        ] {
            assert_eq!(validate(u), Ok(()), "{u:?}");
        }
    }

    #[test]
    fn a_refusal_message_escapes_control_characters() {
        assert_eq!(invalid_message("a\nb", "x"), "invalid username 'a\\nb': x");
        assert_eq!(invalid_message("", "empty"), "invalid username '': empty");
    }
}
