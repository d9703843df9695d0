//! Decoding what amoCRM really sends: its PHP shapes, and every body fuzzed.

mod bad_entries;
mod fuzz;
mod php_shapes;
