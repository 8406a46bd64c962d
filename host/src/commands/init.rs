//! `dbx-inventory init`: write (or print) a commented profile template for `~/.databrickscfg`
//! (`DATABRICKS_CONFIG_FILE` honoured). The file rules live in `dbx_auth::write_init`: a new file
//! is created (0600), a new profile is appended, an existing profile is replaced only with
//! `--force` (old file kept as `<file>.bak`).

use crate::cli::InitArgs;
use crate::error::{Outcome, UsageError};

/// Runs `init`.
pub fn run(args: InitArgs) -> anyhow::Result<Outcome> {
    let env = dbx_auth::Env::from_process();
    if args.print {
        dbx_auth::check_profile_name(&args.profile).map_err(|e| UsageError(e.to_string()))?;
        if let Some(h) = &args.host {
            dbx_auth::normalize_host(h).map_err(|reason| UsageError(format!("invalid --host '{h}': {reason}")))?;
        }
        print!("{}", dbx_auth::init_template(&args.profile, args.host.as_deref()));
        return Ok(Outcome::Clean);
    }
    let path = dbx_auth::config_file_path(&env)?;
    let outcome =
        dbx_auth::write_init(&path, &args.profile, args.host.as_deref(), args.force).map_err(|e| match e {
            dbx_auth::AuthError::InvalidProfileName { .. } => anyhow::Error::new(UsageError(e.to_string())),
            dbx_auth::AuthError::InvalidHost { reason, .. } => anyhow::Error::new(UsageError(format!(
                "invalid --host '{}': {reason}",
                args.host.as_deref().unwrap_or_default()
            ))),
            other => anyhow::Error::new(other),
        })?;
    let p = path.display();
    let name = &args.profile;
    match outcome {
        dbx_auth::InitOutcome::Created => println!("✓ Created {p} with profile [{name}]."),
        dbx_auth::InitOutcome::Appended => println!("✓ Added profile [{name}] to {p} (nothing else changed)."),
        dbx_auth::InitOutcome::Replaced { backup } => {
            println!(
                "✓ Replaced profile [{name}] in {p}; the previous file is saved as {}.",
                backup.display()
            )
        }
    }
    // With --host the profile already has its host: only the credentials are left to set.
    let set = if args.host.is_some() { "set" } else { "set host, then" };
    println!("Next: edit {p}: {set} either token (a personal access token) or client_id and");
    println!("client_secret (a service principal). Check it with `dbx-inventory profiles`.");
    if name != "DEFAULT" {
        println!("Use it with --profile {name} or DATABRICKS_CONFIG_PROFILE={name}.");
    }
    Ok(Outcome::Clean)
}
