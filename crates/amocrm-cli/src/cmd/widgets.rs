//! `amocrm widgets …`: list, show, install and uninstall widgets; the widget list's
//! columns and the view of one widget.

pub mod settings_hint;
pub mod settings_input;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::prelude::*;
use crate::output::Output;
use crate::output::table::{Align, write_pairs, write_table};
use crate::sdk::{self, Client, Rating, SettingValue, Widget};

/// What secrets are printed as.
const REDACTED: &str = sdk::MASK;

/// `amocrm widgets …`
#[derive(Debug, Subcommand)]
pub enum WidgetsCommand {
    /// List widgets: one page, or every page with --all (printed as they arrive)
    List(ListArgs<Widget>),
    /// Show one widget and its settings template
    Get(CodeArg),
    /// Install a widget, checking the settings against its settings_template first
    #[command(long_about = INSTALL_LONG_ABOUT)]
    Install(InstallArgs),
    /// Uninstall a widget
    Uninstall(CodeArg),
}

/// A widget code.
#[derive(Debug, Args)]
pub struct CodeArg {
    /// Widget code, e.g. amo_asterisk
    pub code: String,
}

/// `widgets install --help`: the settings table first, before the arguments.
const INSTALL_LONG_ABOUT: &str = "\
Install a widget, checking the settings against its settings_template first.

Each setting is given by the key of the widget's settings_template:
  text, pass   --set login=example --set password=s3cret
  users        --set-json phones='{\"504141\":\"1039\"}'
  users_lp     --set-json sip='{\"504141\":{\"login\":\"l\",\"password\":\"p\"}}'
  custom       --set key=text or --set-json key=JSON
The settings are checked against the template (required keys, value shapes, unknown
keys) before the install request is sent; on a problem nothing is installed and the
exit code is 2. Values are never repeated in error messages. amocrm widgets get
CODE shows a widget's settings_template: its keys, types and required ones.";

/// `amocrm widgets install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Widget code, e.g. amo_asterisk
    pub code: String,

    /// A text, pass or custom setting, as KEY=VALUE (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// A setting given as JSON, as KEY=JSON: users and users_lp fields (repeatable)
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub set_json: Vec<String>,
}

/// Runs `amocrm widgets …`.
pub async fn run(command: &WidgetsCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let out = &mut ctx.out;
    match command {
        WidgetsCommand::List(args) => section::list(client.widgets().list(), args, out).await,
        WidgetsCommand::Get(args) => {
            section::get(client.widgets().get(&args.code).send(), out).await
        }
        WidgetsCommand::Install(args) => install(&client, args, out).await,
        WidgetsCommand::Uninstall(args) => {
            client.widgets().uninstall(&args.code).send().await?;
            let uninstalled = Uninstalled {
                code: &args.code,
                uninstalled: true,
            };
            let text = || format!("uninstalled {}", clean(&args.code));
            Ok(out.done(&uninstalled, text)?)
        }
    }
}

/// `widgets install`: fetch the widget, build and check the settings against its
/// template, then install; nothing is installed when a setting does not fit.
async fn install(client: &Client, args: &InstallArgs, out: &mut Output) -> Result<(), Failure> {
    let widget = client.widgets().get(&args.code).send().await?;
    let settings = settings_input::build(&widget.settings_template, &args.set, &args.set_json)
        .map_err(Failure::Input)?;
    match settings.check(&widget.settings_template) {
        Ok(()) => {}
        Err(sdk::Invalid::Settings(problems)) => {
            let messages = settings_hint::explain(&widget.settings_template, &problems);
            return Err(Failure::Input(messages));
        }
        Err(other) => return Err(sdk::Error::from(other).into()),
    }
    let installed = client
        .widgets()
        .install(&args.code, &settings)
        .send()
        .await?;
    Ok(out.show(&installed)?)
}

/// What `widgets uninstall --json` prints.
#[derive(Serialize)]
struct Uninstalled<'a> {
    code: &'a str,
    uninstalled: bool,
}

impl Paged for Widget {
    const LIMIT_HELP: &'static str =
        "Widgets per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl View for Widget {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |w| w.id.to_string()),
        Column::left("CODE", |w| clean(&w.code)),
        Column::left("VERSION", |w| text(w.version.as_deref())),
        Column::right("RATING", |w| rating_text(&w.rating)),
        Column::left("ACTIVE", |w| yes_no(w.is_active_in_account).to_owned()),
        Column::right("REQUIRED", |w| {
            let required = w.settings_template.iter().filter(|f| f.is_required);
            required.count().to_string()
        }),
        Column::right("FIELDS", |w| w.settings_template.len().to_string()),
    ];

    /// A key-value view, the settings template and (when the server sent them) the
    /// settings with secrets redacted.
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        let widget = self;
        write_pairs(
            out,
            &[
                ("id", widget.id.to_string()),
                ("code", clean(&widget.code)),
                ("version", text(widget.version.as_deref())),
                ("rating", rating_text(&widget.rating)),
                (
                    "active in account",
                    yes_no(widget.is_active_in_account).to_owned(),
                ),
                ("lead source", yes_no(widget.is_lead_source).to_owned()),
                (
                    "digital pipeline",
                    yes_no(widget.is_work_with_dp).to_owned(),
                ),
                (
                    "industry solution",
                    yes_no(widget.is_crm_template).to_owned(),
                ),
                ("client uuid", text(widget.client_uuid.as_deref())),
                ("pipeline id", number(widget.pipeline_id)),
                ("link", text(widget.self_link.as_deref())),
            ],
        )?;

        writeln!(out)?;
        if widget.settings_template.is_empty() {
            writeln!(out, "settings template: none")?;
        } else {
            writeln!(out, "settings template:")?;
            let rows: Vec<Vec<String>> = widget
                .settings_template
                .iter()
                .map(|f| {
                    vec![
                        clean(&f.key),
                        clean(&f.name),
                        clean(f.kind.as_str()),
                        yes_no(Some(f.is_required)).to_owned(),
                    ]
                })
                .collect();
            write_table(
                out,
                &["KEY", "NAME", "TYPE", "REQUIRED"],
                &[Align::Left; 4],
                rows,
            )?;
        }

        if let Some(settings) = &widget.settings {
            writeln!(out)?;
            if settings.is_empty() {
                writeln!(out, "settings: none")?;
            } else {
                writeln!(out, "settings:")?;
                let rows: Vec<Vec<String>> = settings
                    .iter()
                    .map(|(key, value)| {
                        vec![clean(key), value.kind().to_owned(), setting_text(value)]
                    })
                    .collect();
                write_table(out, &["KEY", "TYPE", "VALUE"], &[Align::Left; 3], rows)?;
            }
        }
        Ok(())
    }
}

/// A rating for a table: the number in one notation (`2.8` whether the server sent `"2,8"`
/// or `2.8`), the text as sent when it is not a number, or `-` when amoCRM sent `null`.
fn rating_text(rating: &Option<Rating>) -> String {
    match rating {
        None => "-".to_owned(),
        Some(rating) => match rating.value() {
            Some(value) => value.to_string(),
            None => clean(rating.as_str()),
        },
    }
}

/// A setting's value for a table cell, secrets redacted.
fn setting_text(value: &SettingValue) -> String {
    match value {
        SettingValue::Text(text) => clean(text),
        SettingValue::Users(users) => users
            .iter()
            .map(|(id, ext)| format!("{id}={}", clean(ext)))
            .collect::<Vec<_>>()
            .join(", "),
        SettingValue::UsersLp(users) => users
            .iter()
            .map(|(id, c)| format!("{id}={}:{REDACTED}", clean(&c.login)))
            .collect::<Vec<_>>()
            .join(", "),
        SettingValue::Other(value) => clean(&value.to_string()),
        // `Pass`, and any kind of value added later: secret until shown otherwise.
        _ => REDACTED.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::{Credentials, Settings};

    #[test]
    fn secrets_are_redacted_in_json_and_tables() {
        let settings = Settings::new()
            .text("login", "example")
            .pass("password", "eXaMp1E")
            .users("phones", [(504141, "1039")])
            .users_lp("sip", [(504141, Credentials::new("operator", "s3cret"))]);
        let json = serde_json::to_string(&settings).unwrap_or_default();
        assert!(json.contains("example") && json.contains("operator") && json.contains("1039"));
        assert!(!json.contains("eXaMp1E") && !json.contains("s3cret"));
        for (_, value) in settings.iter() {
            let text = setting_text(value);
            assert!(!text.contains("eXaMp1E") && !text.contains("s3cret"));
        }
    }
}
