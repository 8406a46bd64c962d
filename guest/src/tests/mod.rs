//! The guest's scenario tests: the whole logic against an in-memory workspace ([`fake`]), one
//! file per behaviour. Unit tests of one file's helpers stay in that file.

mod fake;
mod fixtures;
mod sink;

mod fuzz;
mod hostile_bodies;
mod list_homes;
mod scim_service_principals;
mod scim_users;
mod usernames;
mod walk_ages;
mod walk_batches;
mod walk_counting;
mod walk_failures;
mod walk_notebooks;
