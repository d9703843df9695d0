//! What every command runs with: the connection flags, the parsed command line, standard
//! output.

use clap::ArgMatches;

use crate::connect::{self, ConnectionArgs};
use crate::failure::Failure;
use crate::output::{Output, OutputArgs};
use crate::sdk::Client;

/// What every command runs with.
pub struct Ctx<'a> {
    /// The connection flags.
    pub connection: &'a ConnectionArgs,
    /// The parsed command line, for where a value came from and the order of flags.
    pub matches: &'a ArgMatches,
    /// Standard output.
    pub out: Output,
    /// The whole command line as clap builds it (completion scripts describe it).
    pub command_line: fn() -> clap::Command,
}

impl<'a> Ctx<'a> {
    /// The context of a run with these flags; locks stdout.
    pub fn new(
        connection: &'a ConnectionArgs,
        matches: &'a ArgMatches,
        output: &OutputArgs,
        command_line: fn() -> clap::Command,
    ) -> Self {
        Ctx {
            connection,
            matches,
            out: Output::new(output),
            command_line,
        }
    }

    /// The client of the connection flags and the profile.
    pub async fn client(&self) -> Result<Client, Failure> {
        connect::client(self.connection, self.matches).await
    }
}
