//! What the file of a section needs, in one import (`use super::prelude::*;`): the context
//! it runs with, the shared list and get, the view and its table columns.

pub(super) use super::context::Ctx;
pub(super) use super::section::{self, ListArgs, Paged};
pub(super) use crate::failure::Failure;
pub(super) use crate::output::table::{Column, number, text, yes_no};
pub(super) use crate::output::{View, clean};
