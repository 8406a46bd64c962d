//! The `--generate users=N,seed=S` grammar.

/// Parses `users=N,seed=S` (either order; `seed` defaults to 0).
pub fn parse_generate_spec(spec: &str) -> anyhow::Result<(usize, u64)> {
    let mut users = None;
    let mut seed = 0u64;
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("generate spec {spec:?}: {part:?} is not KEY=VALUE"))?;
        match k.trim() {
            "users" => {
                users = Some(
                    v.trim()
                        .parse::<usize>()
                        .map_err(|_| anyhow::anyhow!("generate spec {spec:?}: users={v:?} is not a number"))?,
                )
            }
            "seed" => {
                seed = v
                    .trim()
                    .parse()
                    .map_err(|_| anyhow::anyhow!("generate spec {spec:?}: seed={v:?} is not a number"))?
            }
            other => anyhow::bail!("generate spec {spec:?}: unknown key {other:?} (expected users, seed)"),
        }
    }
    let users = users.ok_or_else(|| anyhow::anyhow!("generate spec {spec:?}: missing users=N"))?;
    if users > 1_000_000 {
        anyhow::bail!("generate spec {spec:?}: at most 1000000 users");
    }
    Ok((users, seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_and_rejects_garbage() {
        assert_eq!(parse_generate_spec("users=10,seed=3").unwrap(), (10, 3));
        assert_eq!(parse_generate_spec("seed=3, users=7").unwrap(), (7, 3));
        assert_eq!(parse_generate_spec("users=5").unwrap(), (5, 0));
        assert!(parse_generate_spec("seed=1").is_err());
        assert!(parse_generate_spec("users=x").is_err());
        assert!(parse_generate_spec("users=1,color=red").is_err());
    }
}
