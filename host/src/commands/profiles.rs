//! `dbx-inventory profiles` (also `--list-profiles`): the profiles in `~/.databrickscfg`, never
//! a secret.

use anyhow::Context as _;

use crate::error::Outcome;

/// `--list-profiles` / `dbx-inventory profiles`.
pub fn run() -> anyhow::Result<Outcome> {
    let env = dbx_auth::Env::from_process();
    let path = dbx_auth::config_file_path(&env)?;
    let profiles = dbx_auth::list_profiles(&env).context("reading the Databricks config file")?;
    if profiles.is_empty() {
        let why = if path.exists() {
            "has no profiles"
        } else {
            "does not exist"
        };
        println!(
            "No profiles: {} {why}. Create one with `dbx-inventory init --profile NAME --host URL` \
             (or `databricks configure`), or point DATABRICKS_CONFIG_FILE at your config file.",
            path.display()
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "Profiles in {} (* = used when no profile is asked for):",
        path.display()
    );
    for p in profiles {
        println!(
            "{} {:<20} {:<45} {}",
            if p.is_default { "*" } else { " " },
            p.name,
            p.host.as_deref().unwrap_or("(no host)"),
            p.auth_type
        );
    }
    Ok(Outcome::Clean)
}
