//! `amocrm account` end to end: its fields, and the optional parts asked for.

use crate::support::{amocrm, fake};

#[tokio::test]
async fn account_prints_its_fields_and_the_parts_asked_for() {
    let fake = fake(0).await;
    let run = amocrm(&fake, &["account"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.lines().contains(&"subdomain:          example"),
        "{run:#?}"
    );
    assert!(
        run.stdout.contains("customers mode:     segments"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("amojo id:           -"), "{run:#?}");

    let run = amocrm(
        &fake,
        &[
            "--json",
            "account",
            "--with",
            "amojo_id,users_groups",
            "--with",
            "version",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], 1_231_414);
    assert_eq!(lines[0]["version"], 11);
    assert!(lines[0]["amojo_id"].is_string());
    assert_eq!(lines[0]["_embedded"]["users_groups"][0]["id"], 0);
    let last = fake.requests().pop().unwrap();
    assert_eq!(
        last.query.as_deref(),
        Some("with=amojo_id%2Cusers_groups%2Cversion")
    );

    // An unknown part is a usage error: exit 2, nothing sent.
    let before = fake.requests().len();
    let run = amocrm(&fake, &["account", "--with", "everything"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("is not an account part"), "{run:#?}");
    assert_eq!(fake.requests().len(), before);
}
