//! dbx-auth: the credentials side of dbx-inventory, following the Databricks SDKs' "unified
//! auth" rules. The native host calls it; the scanning guest never sees a credential.
//!
//! * [`resolve`] turns flags, environment ([`Env`]) and `~/.databrickscfg` into a
//!   [`ResolvedAuth`]: normalised host, [`Method`] (PAT or OAuth M2M), [`Source`];
//! * [`Credentials`] produces the `Authorization` header, caching and refreshing OAuth tokens;
//! * [`list_profiles`], [`init_template`] and [`write_init`] serve `--list-profiles` and `init`.
//!
//! Secrets are [`Secret`]s: they print as `****`, and no error or log line contains one. A
//! [`Redactor`] knows every secret a [`Credentials`] holds (in every form it is sent) and masks
//! them in whatever a server sends back.
#![deny(missing_docs)]

mod config_file;
mod credentials;
mod env;
mod error;
mod host_url;
mod init;
mod oauth;
mod redact;
mod resolve;
mod secret;
mod token_file;

pub use config_file::{config_file_path, list_profiles, ProfileInfo, ProfileSelection};
pub use credentials::{Credentials, CredentialsOptions};
pub use env::Env;
pub use error::AuthError;
pub use host_url::normalize_host;
pub use init::{check_profile_name, init_template, write_init, InitOutcome};
pub use oauth::RetryPolicy;
pub use redact::{Redactor, MASK};
pub use resolve::{resolve, AuthFlags, Method, Origin, ProfileRef, ResolvedAuth, Source};
pub use secret::Secret;
pub use token_file::read_token_file;
