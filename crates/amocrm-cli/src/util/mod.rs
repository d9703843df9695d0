//! Small helpers without a home of their own.

pub mod duration;
pub mod path;
