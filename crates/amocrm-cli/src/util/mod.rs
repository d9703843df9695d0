//! Small helpers without a home of their own.

pub mod duration;
pub mod key_value;
pub mod path;
pub mod time;
