//! The body of `amocrm bot continue`: `--data`/`--data-json` and the handlers, in the order
//! they were given on the command line (from clap's argument indices). Each `--button`
//! belongs to the closest `--show-buttons` before it, each `--button-url` to the closest
//! `--show-buttons-url` before it.

use clap::{ArgMatches, Args};

use crate::sdk::{ContinueRequest, GotoTarget, Handler};
use crate::util::key_value::{parse_json, split_pair};

/// The flags of `bot continue` that make its body.
#[derive(Debug, Args)]
pub struct BodyArgs {
    /// A data value for the bot ({{json.KEY}}), as KEY=VALUE (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub data: Vec<String>,

    /// A data value given as JSON, as KEY=JSON (repeatable)
    #[arg(long, value_name = "KEY=JSON")]
    pub data_json: Vec<String>,

    /// Handler: show a text
    #[arg(long, value_name = "TEXT", help_heading = "Handlers")]
    pub show_text: Vec<String>,

    /// Handler: show a text with buttons (add them with --button)
    #[arg(long, value_name = "TEXT", help_heading = "Handlers")]
    pub show_buttons: Vec<String>,

    /// A button of the preceding --show-buttons
    #[arg(
        long,
        value_name = "CAPTION",
        requires = "show_buttons",
        help_heading = "Handlers"
    )]
    pub button: Vec<String>,

    /// Handler: show a text with link buttons (add them with --button-url)
    #[arg(long, value_name = "TEXT", help_heading = "Handlers")]
    pub show_buttons_url: Vec<String>,

    /// A link button (an absolute URL) of the preceding --show-buttons-url
    #[arg(
        long,
        value_name = "URL",
        requires = "show_buttons_url",
        help_heading = "Handlers"
    )]
    pub button_url: Vec<String>,

    /// Handler: go to a step, as question:STEP, answer:STEP or finish:STEP
    #[arg(long, value_name = "TYPE:STEP", value_parser = parse_goto, help_heading = "Handlers")]
    pub goto: Vec<Goto>,
}

/// A `--goto TYPE:STEP` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Goto {
    /// The kind of step.
    pub target: GotoTarget,
    /// The step number.
    pub step: u64,
}

fn parse_goto(value: &str) -> Result<Goto, String> {
    let (target, step) = value
        .split_once(':')
        .ok_or_else(|| "expected TYPE:STEP, e.g. question:5".to_owned())?;
    let target = target
        .trim()
        .parse::<GotoTarget>()
        .map_err(|_| format!("{target:?} is not a goto type: use question, answer or finish"))?;
    let step = step
        .trim()
        .parse::<u64>()
        .map_err(|_| "STEP must be a non-negative integer".to_owned())?;
    Ok(Goto { target, step })
}

/// One handler flag (or button) and its place on the command line.
#[derive(Debug)]
enum Item<'a> {
    Text(&'a str),
    Buttons(&'a str),
    Button(&'a str),
    Urls(&'a str),
    Url(&'a str),
    Goto(Goto),
}

/// A handler being assembled.
#[derive(Debug)]
enum Draft<'a> {
    Text(&'a str),
    Buttons(&'a str, Vec<&'a str>),
    Urls(&'a str, Vec<&'a str>),
    Goto(Goto),
}

/// The handler flags with their command-line indices; when clap has no indices for a
/// flag (it always has), its values come after the others in the order text, buttons,
/// link buttons, goto.
fn items<'a>(args: &'a BodyArgs, matches: Option<&ArgMatches>) -> Vec<(usize, Item<'a>)> {
    let mut items = Vec::new();
    let mut fallback = usize::MAX / 2;
    let mut add = |id: &str, values: Vec<Item<'a>>| {
        let indices: Vec<usize> = matches
            .and_then(|m| m.indices_of(id))
            .map(Iterator::collect)
            .unwrap_or_default();
        let known = indices.len() == values.len();
        for (i, item) in values.into_iter().enumerate() {
            let index = if known {
                indices.get(i).copied().unwrap_or(fallback)
            } else {
                fallback += 1;
                fallback
            };
            items.push((index, item));
        }
    };
    add(
        "show_text",
        args.show_text.iter().map(|v| Item::Text(v)).collect(),
    );
    add(
        "show_buttons",
        args.show_buttons.iter().map(|v| Item::Buttons(v)).collect(),
    );
    add(
        "button",
        args.button.iter().map(|v| Item::Button(v)).collect(),
    );
    add(
        "show_buttons_url",
        args.show_buttons_url
            .iter()
            .map(|v| Item::Urls(v))
            .collect(),
    );
    add(
        "button_url",
        args.button_url.iter().map(|v| Item::Url(v)).collect(),
    );
    add("goto", args.goto.iter().map(|g| Item::Goto(*g)).collect());
    items.sort_by_key(|(index, _)| *index);
    items
}

/// The handlers in command-line order; buttons without their `--show-…` are reported.
fn handlers(args: &BodyArgs, matches: Option<&ArgMatches>) -> Result<Vec<Handler>, Vec<String>> {
    let mut drafts: Vec<Draft<'_>> = Vec::new();
    let mut problems = Vec::new();
    let mut last_buttons: Option<usize> = None;
    let mut last_urls: Option<usize> = None;
    for (_, item) in items(args, matches) {
        match item {
            Item::Text(text) => drafts.push(Draft::Text(text)),
            Item::Goto(goto) => drafts.push(Draft::Goto(goto)),
            Item::Buttons(text) => {
                last_buttons = Some(drafts.len());
                drafts.push(Draft::Buttons(text, Vec::new()));
            }
            Item::Urls(text) => {
                last_urls = Some(drafts.len());
                drafts.push(Draft::Urls(text, Vec::new()));
            }
            Item::Button(caption) => match last_buttons.and_then(|i| drafts.get_mut(i)) {
                Some(Draft::Buttons(_, buttons)) => buttons.push(caption),
                _ => problems.push("--button comes before any --show-buttons".to_owned()),
            },
            Item::Url(url) => match last_urls.and_then(|i| drafts.get_mut(i)) {
                Some(Draft::Urls(_, urls)) => urls.push(url),
                _ => problems.push("--button-url comes before any --show-buttons-url".to_owned()),
            },
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(drafts
        .into_iter()
        .map(|draft| match draft {
            Draft::Text(text) => Handler::show_text(text),
            Draft::Buttons(text, buttons) => Handler::show_buttons(text, buttons),
            Draft::Urls(text, urls) => Handler::show_buttons_url(text, urls),
            Draft::Goto(goto) => Handler::goto(goto.target, goto.step),
        })
        .collect())
}

/// The data of `--data KEY=VALUE` (strings) and `--data-json KEY=JSON`.
fn data(args: &BodyArgs) -> Result<serde_json::Map<String, serde_json::Value>, Vec<String>> {
    let mut data = serde_json::Map::new();
    let mut problems = Vec::new();
    let mut insert = |key: &str, value: serde_json::Value, problems: &mut Vec<String>| {
        if data.insert(key.to_owned(), value).is_some() {
            problems.push(format!("data {key:?} is given more than once"));
        }
    };
    for arg in &args.data {
        match split_pair("--data", arg) {
            Ok((key, value)) => insert(
                key,
                serde_json::Value::String(value.to_owned()),
                &mut problems,
            ),
            Err(problem) => problems.push(problem),
        }
    }
    for arg in &args.data_json {
        match split_pair("--data-json", arg)
            .and_then(|(key, text)| parse_json("--data-json", key, text).map(|value| (key, value)))
        {
            Ok((key, value)) => insert(key, value, &mut problems),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(data)
    } else {
        Err(problems)
    }
}

/// The continue request of the flags, not yet validated against the API's limits.
pub fn request(
    args: &BodyArgs,
    matches: Option<&ArgMatches>,
) -> Result<ContinueRequest, Vec<String>> {
    let data = data(args);
    let handlers = handlers(args, matches);
    match (data, handlers) {
        (Ok(data), Ok(handlers)) => Ok(ContinueRequest::new().data_map(data).handlers(handlers)),
        (data, handlers) => Err(data
            .err()
            .into_iter()
            .chain(handlers.err())
            .flatten()
            .collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use crate::cmd::Command;
    use crate::cmd::bots::BotCommand;
    use clap::{CommandFactory, FromArgMatches};

    fn parse(extra: &[&str]) -> Result<ContinueRequest, Vec<String>> {
        let mut argv = vec!["amocrm", "bot", "continue", "salesbot", "1", "c"];
        argv.extend_from_slice(extra);
        let matches = Cli::command()
            .try_get_matches_from(argv)
            .map_err(|e| vec![e.to_string()])?;
        let cli = Cli::from_arg_matches(&matches).map_err(|e| vec![e.to_string()])?;
        let Command::Bot(BotCommand::Continue(args)) = cli.command else {
            return Err(vec!["not bot continue".into()]);
        };
        let sub = matches
            .subcommand_matches("bot")
            .and_then(|m| m.subcommand_matches("continue"));
        request(&args.body, sub)
    }

    #[test]
    fn handlers_keep_the_command_line_order() {
        let request = parse(&[
            "--goto",
            "answer:2",
            "--show-buttons",
            "Pick",
            "--button",
            "A",
            "--show-text",
            "hi",
            "--button",
            "B",
            "--show-buttons-url",
            "Links",
            "--button-url",
            "https://amocrm.ru",
            "--show-buttons",
            "Again",
            "--button",
            "C",
            "--data",
            "status=ok",
        ]);
        let Ok(request) = request else {
            panic!("{request:?}")
        };
        assert_eq!(
            request.handler_list(),
            [
                Handler::goto(GotoTarget::Answer, 2),
                Handler::show_buttons("Pick", ["A", "B"]),
                Handler::show_text("hi"),
                Handler::show_buttons_url("Links", ["https://amocrm.ru"]),
                Handler::show_buttons("Again", ["C"]),
            ]
        );
        assert_eq!(
            request.data_values().get("status"),
            Some(&serde_json::json!("ok"))
        );
    }

    #[test]
    fn a_button_before_its_handler_is_an_error() {
        let problems = parse(&["--button", "A", "--show-buttons", "Pick"])
            .err()
            .unwrap_or_default();
        assert_eq!(problems, ["--button comes before any --show-buttons"]);
    }

    #[test]
    fn data_keys_are_unique_and_json_is_checked() {
        let problems = parse(&["--data", "a=1", "--data-json", "a=2", "--data-json", "b={"])
            .err()
            .unwrap_or_default();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn goto_parses_type_and_step() {
        assert_eq!(
            parse_goto("finish:3"),
            Ok(Goto {
                target: GotoTarget::Finish,
                step: 3
            })
        );
        assert!(parse_goto("finish").is_err());
        assert!(parse_goto("jump:3").is_err());
        assert!(parse_goto("answer:-1").is_err());
    }
}
