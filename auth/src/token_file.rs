//! `--token-file FILE`: a personal access token read from a file or standard input (`-`), so it
//! never appears in the process list as `--token` does. The token is the same as `--token`'s
//! (same place in the precedence); its value is never shown in a message.

use std::io::Read;
use std::path::Path;

use crate::error::AuthError;

/// Largest token file read (a token is ~40 bytes; anything this big is the wrong file).
const MAX_BYTES: u64 = 64 * 1024;

/// Reads the token of `--token-file` (`-` reads standard input): one trailing newline (`\n` or
/// `\r\n`) is stripped; an empty file, more than one line, or whitespace or a control character
/// in the token is refused, naming the file but never its content.
pub fn read_token_file(path: &Path) -> Result<String, AuthError> {
    let shown = if path.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let err = |reason: String| AuthError::TokenFile {
        file: shown.clone(),
        reason,
    };
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().lock().take(MAX_BYTES + 1).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| err(format!("cannot read it ({e})")))?;
    parse_token(&bytes).map_err(|why| err(why.to_string()))
}

/// The token in a token file's bytes, or why there is none (never quoting the bytes).
fn parse_token(bytes: &[u8]) -> Result<String, &'static str> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err("it is larger than 64 KiB, which no token is");
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not UTF-8 text")?;
    let token = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(text);
    if token.is_empty() {
        return Err("it is empty");
    }
    if token.contains('\n') {
        return Err("it holds more than one line (it should hold the token alone)");
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the token holds whitespace or a control character (the file should hold the token alone)");
    }
    Ok(token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_stripped() {
        assert_eq!(parse_token(b"dapi123").unwrap(), "dapi123");
        assert_eq!(parse_token(b"dapi123\n").unwrap(), "dapi123");
        assert_eq!(parse_token(b"dapi123\r\n").unwrap(), "dapi123");
    }

    #[test]
    fn anything_but_the_token_alone_is_refused() {
        assert_eq!(parse_token(b""), Err("it is empty"));
        assert_eq!(parse_token(b"\n"), Err("it is empty"));
        assert!(parse_token(b"dapi123\n\n").unwrap_err().contains("more than one line"));
        assert!(parse_token(b"[DEFAULT]\ntoken = x\n")
            .unwrap_err()
            .contains("more than one line"));
        assert!(parse_token(b" dapi123").unwrap_err().contains("whitespace"));
        assert!(parse_token(b"dapi\t123").unwrap_err().contains("whitespace"));
        assert_eq!(parse_token(b"\xff\xfe"), Err("it is not UTF-8 text"));
        assert!(parse_token(&vec![b'a'; 70_000]).unwrap_err().contains("64 KiB"));
    }

    #[test]
    fn errors_name_the_file_and_never_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tok");
        std::fs::write(&p, "dapi-secret-value extra\n").unwrap();
        let e = read_token_file(&p).unwrap_err().to_string();
        assert!(e.contains(&p.display().to_string()) && e.contains("whitespace"), "{e}");
        assert!(!e.contains("dapi-secret-value"), "{e}");
        std::fs::write(&p, "dapi-secret-value\n").unwrap();
        assert_eq!(read_token_file(&p).unwrap(), "dapi-secret-value");
        let e = read_token_file(&dir.path().join("missing")).unwrap_err().to_string();
        assert!(e.contains("cannot read it"), "{e}");
    }
}
