//! guest (being built)
