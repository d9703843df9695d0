//! Prints a widget_request body as amoCRM POSTs it to a widget's backend: a fresh token
//! signed the way amoCRM signs it (HS512 with the integration's secret key), the step's
//! data and the URL to continue the bot at. For trying a backend against the fake amoCRM
//! by hand (`examples/README.md`); in Rust tests, use `amocrm_fake::WidgetRequestSigner`
//! directly.
//!
//! ```text
//! cargo run -p amocrm-examples --bin sign_widget_request -- \
//!     --return-url http://127.0.0.1:8080/api/v4/salesbot/42/continue/c-1 \
//!     --data '{"lead_id": "10000001"}'
//! ```

use amocrm_fake::WidgetRequestSigner;
use clap::Parser;
use serde_json::Value;

/// Prints a signed widget_request body (JSON) on stdout.
#[derive(Debug, Parser)]
#[command(name = "sign_widget_request")]
struct Args {
    /// The integration's secret key [default: the fake's, fake-client-secret]
    #[arg(
        long,
        env = "AMOCRM_CLIENT_SECRET",
        hide_env_values = true,
        default_value = amocrm_fake::DEFAULT_CLIENT_SECRET
    )]
    secret: String,

    /// The account's subdomain (claims subdomain and iss)
    #[arg(long, default_value = "example")]
    subdomain: String,

    /// The account's ID (claim account_id)
    #[arg(long, default_value_t = 1)]
    account_id: u64,

    /// Where the backend continues the bot: {account}/api/v4/{salesbot|marketingbot}/{bot
    /// id}/continue/{continue id}
    #[arg(long)]
    return_url: String,

    /// The step's data, a JSON object (e.g. {"lead_id": "{{lead.id}}"} in the bot, filled in)
    #[arg(long, default_value = "{}", value_parser = json_object)]
    data: Value,
}

fn json_object(text: &str) -> Result<Value, String> {
    match serde_json::from_str(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err("expected a JSON object".to_owned()),
        Err(error) => Err(format!("not JSON: {error}")),
    }
}

fn main() {
    let args = Args::parse();
    let signer = WidgetRequestSigner::new(args.secret).account(&args.subdomain, args.account_id);
    println!("{}", signer.body(args.data, &args.return_url));
}
