//! `amocrm users list|get ID`: the account's users and their rights.

use clap::{Args, Subcommand};

use super::prelude::*;
use super::query::{self, QueryHelp, WithArg};
use super::section::IdArg;
use crate::sdk::{User, UserRights};

/// `amocrm users …`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List users: one page, or every page with --all (printed as they arrive)
    List(UsersList),
    /// Show one user by its ID
    Get(UsersGet),
}

/// The flags of `users list`.
#[derive(Debug, Args)]
pub struct UsersList {
    #[command(flatten)]
    pub pages: ListArgs<User>,
    #[command(flatten)]
    pub with: WithArg<User>,
}

/// The flags of `users get`.
#[derive(Debug, Args)]
pub struct UsersGet {
    #[command(flatten)]
    pub id: IdArg,
    #[command(flatten)]
    pub with: WithArg<User>,
}

/// Runs `amocrm users …`.
pub async fn run(command: &UsersCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let with = match command {
        UsersCommand::List(args) => &args.with,
        UsersCommand::Get(args) => &args.with,
    };
    query::check([with.problems()])?;
    let client = ctx.client().await?;
    let out = &mut ctx.out;
    match command {
        UsersCommand::List(args) => {
            let call = args.with.apply(client.users().list())?;
            section::list(call, &args.pages, out).await
        }
        UsersCommand::Get(args) => {
            let call = args.with.apply(client.users().get(args.id.id))?;
            section::get(call.send(), out).await
        }
    }
}

impl Paged for User {
    const LIMIT_HELP: &'static str =
        "Users per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl QueryHelp for User {
    const WITH_HELP: &'static str = "Optional parts, comma-separated: 'role,group' sends \
        with=role,group (role, group, uuid, amojo_id, user_rank, phone_number)";
}

impl View for User {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |u| u.id.to_string()),
        Column::left("NAME", |u| text(u.name.as_deref())),
        Column::left("E-MAIL", |u| text(u.email.as_deref())),
        Column::left("ADMIN", |u| {
            yes_no(rights(u).and_then(|r| r.is_admin)).to_owned()
        }),
        Column::left("ACTIVE", |u| {
            yes_no(rights(u).and_then(|r| r.is_active)).to_owned()
        }),
        Column::right("ROLE", |u| number(rights(u).and_then(|r| r.role_id))),
        Column::right("GROUP", |u| number(rights(u).and_then(|r| r.group_id))),
        Column::left("RANK", |u| {
            u.user_rank
                .as_ref()
                .map_or_else(|| "-".to_owned(), |r| clean(r.as_str()))
        }),
    ];
}

/// A user's rights (PHP's `[]` for none).
fn rights(user: &User) -> Option<&UserRights> {
    user.rights.as_ref().and_then(|r| r.0.as_ref())
}
