//! What the file of a section needs, in one import (`use super::prelude::*;`): the context
//! it runs with, the shared list and get, the view and its table columns, and what a view
//! writes with.

pub(super) use std::io::{self, Write};

pub(super) use super::context::Ctx;
pub(super) use super::section::{self, ListArgs, Paged};
pub(super) use crate::failure::Failure;
pub(super) use crate::output::table::{Column, joined, number, text, write_columns, yes_no};
pub(super) use crate::output::{View, clean, write_part};
pub(super) use crate::sdk::Client;
