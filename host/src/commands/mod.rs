//! One file per subcommand, each a `run(args)` returning the run's [`crate::Outcome`]; `main`
//! dispatches here and maps the result to an exit code.

pub mod auth_token;
pub mod check;
pub mod component;
pub mod csv_rows;
pub mod demo;
pub mod diff;
pub mod init;
pub mod profiles;
pub mod scan;
pub mod spark_launcher;
pub mod summary;
pub mod top;
pub mod users;
pub mod worker;
