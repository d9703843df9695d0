//! `amocrm pipelines list|get ID` end to end: the table with the statuses, NDJSON in
//! amoCRM's field names, one pipeline with its statuses, a missing one.

use amocrm_fake::FakeServer;

use crate::support::amocrm;

async fn fake(pipelines: usize) -> FakeServer {
    let builder = FakeServer::builder().pipelines(pipelines);
    builder.start().await.expect("the fake server starts")
}

#[tokio::test]
async fn the_list_is_a_table_with_the_statuses_or_ndjson() {
    let fake = fake(2).await;
    let run = amocrm(&fake, &["pipelines", "list"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.lines();
    assert_eq!(lines.len(), 3, "{run:#?}");
    assert_eq!(lines[0], "     ID  NAME       MAIN  ARCHIVED  STATUSES");
    assert!(
        lines[1].starts_with("3177727  Воронка    yes   no        Неразобранное, Первичный"),
        "{run:#?}"
    );
    assert!(
        lines[2].starts_with("3177728  Воронка 2  no    no"),
        "{run:#?}"
    );
    // One request, without page or limit: amoCRM sends the list whole.
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.path_and_query, "/api/v4/leads/pipelines");

    let run = amocrm(&fake, &["--json", "pipelines", "list"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], 3_177_727);
    assert_eq!(lines[0]["is_main"], true);
    let statuses = &lines[0]["_embedded"]["statuses"];
    assert_eq!(statuses[0]["type"], 1);
    assert_eq!(statuses[4]["id"], 142);
    assert_eq!(statuses[5]["id"], 143);
    assert!(statuses[0]["_links"]["self"]["href"].is_string());
}

#[tokio::test]
async fn one_pipeline_shows_its_statuses_and_a_missing_one_exits_3() {
    let fake = fake(2).await;
    let run = amocrm(&fake, &["pipelines", "get", "3177728"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.lines();
    assert_eq!(
        lines[..4],
        [
            "id:        3177728",
            "name:      Воронка 2",
            "main:      no",
            "archived:  no"
        ]
    );
    assert_eq!(
        lines[5..7],
        ["statuses:", "      ID  NAME                      KIND"]
    );
    assert_eq!(lines[7], "31777281  Неразобранное             unsorted");
    assert_eq!(lines[8], "31777282  Первичный контакт         open");
    assert_eq!(lines[11], "     142  Успешно реализовано       won");
    assert_eq!(lines[12], "     143  Закрыто и не реализовано  lost");
    let run = amocrm(&fake, &["--json", "pipelines", "get", "3177728"]).await;
    assert_eq!(run.json_lines()[0]["name"], "Воронка 2");

    // amoCRM answers 204 for a pipeline the account does not have.
    let run = amocrm(&fake, &["pipelines", "get", "42"]).await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("the API answered 204 (not found)"),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("the account has no pipeline 42"),
        "{run:#?}"
    );

    // An ID amoCRM cannot have: exit 2, nothing sent.
    let before = fake.requests().len();
    let run = amocrm(&fake, &["pipelines", "get", "0"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains("pipeline \"0\" is not a valid identifier"),
        "{run:#?}"
    );
    let run = amocrm(&fake, &["pipelines", "get", "x"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(fake.requests().len(), before);
}
