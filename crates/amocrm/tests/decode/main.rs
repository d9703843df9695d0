//! Decoding what amoCRM really sends: its PHP shapes, and every body fuzzed.

mod fuzz;
mod php_shapes;
