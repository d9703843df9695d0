//! `amocrm account`: the account's parameters, with the optional parts asked for.

use clap::Args;
use serde_json::Value;

use super::prelude::*;
use crate::output::table::write_pairs;
use crate::sdk::{Account, AccountWith};

/// `amocrm account`.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// Optional parts to add (repeat or comma-separate): amojo_id, amojo_rights,
    /// users_groups, task_types, version, entity_names, datetime_settings
    #[arg(long = "with", value_name = "PART", value_delimiter = ',', value_parser = parse_account_with)]
    pub with: Vec<AccountWith>,
}

fn parse_account_with(value: &str) -> Result<AccountWith, String> {
    value.trim().parse().map_err(|_| {
        format!(
            "{value:?} is not an account part: use amojo_id, amojo_rights, users_groups, \
             task_types, version, entity_names or datetime_settings"
        )
    })
}

/// Runs `amocrm account`.
pub async fn run(args: &AccountArgs, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let get = (args.with.iter()).fold(client.account().get(), |get, part| get.with(*part));
    section::get(get.send(), &mut ctx.out).await
}

impl View for Account {
    /// The account's fields as `key: value` lines (every text cleaned of control
    /// characters), and the `_embedded` parts asked for as JSON.
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        let account = self;
        write_pairs(
            out,
            &[
                ("id", account.id.to_string()),
                ("name", text(account.name.as_deref())),
                ("subdomain", text(account.subdomain.as_deref())),
                ("current user id", number(account.current_user_id)),
                ("country", text(account.country.as_deref())),
                ("currency", text(account.currency.as_deref())),
                ("currency symbol", text(account.currency_symbol.as_deref())),
                (
                    "customers mode",
                    text(
                        account
                            .customers_mode
                            .as_ref()
                            .map(|m| m.to_string())
                            .as_deref(),
                    ),
                ),
                ("unsorted", yes_no(account.is_unsorted_on).to_owned()),
                (
                    "loss reasons",
                    yes_no(account.is_loss_reason_enabled).to_owned(),
                ),
                ("helpbot", yes_no(account.is_helpbot_enabled).to_owned()),
                (
                    "technical account",
                    yes_no(account.is_technical_account).to_owned(),
                ),
                ("amojo id", text(account.amojo_id.as_deref())),
                ("version", number(account.version)),
                ("created at", number(account.created_at)),
                ("updated at", number(account.updated_at)),
            ],
        )?;
        if let Some(embedded) = account.embedded.as_ref().and_then(|e| e.0.as_ref()) {
            let parts = serde_json::to_value(embedded).map_err(io::Error::other)?;
            if let Value::Object(parts) = parts {
                for (key, value) in parts {
                    writeln!(out, "{}:  {}", clean(&key), clean(&value.to_string()))?;
                }
            }
        }
        Ok(())
    }
}
