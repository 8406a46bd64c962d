//! dbx-auth (being built)
