//! `amocrm completions SHELL`: a script for each shell, and the repairs of the fish script.

use crate::support::{self, run_env};

#[tokio::test]
async fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        // No account and no token: completions need neither.
        let run = run_env(&[], &["completions", shell], "-no-token-").await;
        assert_eq!(run.code, 0, "{shell}: {run:#?}");
        assert!(run.stderr.is_empty(), "{shell}: {run:#?}");
        assert!(run.stdout.len() > 500, "{shell}: {run:#?}");
        assert!(run.stdout.contains("amocrm"), "{shell}");
        // The new options complete too.
        for flag in ["token-file", "token-stdin", "profile", "timeout"] {
            assert!(run.stdout.contains(flag), "{shell}: no {flag}");
        }
    }
    let run = run_env(&[], &["completions", "tcsh"], "-no-token-").await;
    assert_eq!(run.code, 2, "{run:#?}");
    let run = run_env(&[], &["completions", "--help"], "-no-token-").await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("amocrm completions bash >"), "{run:#?}");
}

/// The fish script offers the shells after `completions`, the bot kinds after `bot
/// continue`, and the domains after a top-level `--domain`: clap_complete's own script
/// offered files there. Checked in a real fish when there is one.
#[tokio::test]
async fn fish_completes_positional_values_and_top_level_option_values() {
    let run = run_env(&[], &["completions", "fish"], "-no-token-").await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout
            .contains("-f -a \"bash elvish fish powershell zsh\""),
        "{}",
        run.stdout
    );
    let dir = support::TempDir::new();
    let script = dir.file("amocrm.fish", &run.stdout, 0o600);
    for (line, expected) in [
        ("amocrm completions ", &["bash", "fish", "zsh"][..]),
        ("amocrm bot continue ", &["salesbot", "marketingbot"]),
        ("amocrm --domain ", &["kommo.com", "amocrm.ru"]),
        ("amocrm --timeout 5s wid", &["widgets"]),
    ] {
        let output = tokio::process::Command::new("fish")
            .args(["--no-config", "-c"])
            .arg(format!("source '{script}'; complete -C '{line}'"))
            .output()
            .await;
        let Ok(output) = output else {
            eprintln!(
                "fish_completes_positional_values_and_top_level_option_values did not run \
                 fish: none installed; install fish and rerun"
            );
            return;
        };
        let offered: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
            .collect();
        for value in expected {
            assert!(offered.iter().any(|o| o == value), "{line:?}: {offered:?}");
        }
    }
}
