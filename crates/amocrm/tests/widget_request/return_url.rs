//! The return_url and the token's account: a continue URL of that very account over https,
//! on a domain the verifier accepts, with the issuer it names; never shown with user info.

use super::*;

#[test]
fn the_return_url_must_be_on_the_tokens_account_over_https() {
    let token = sign(&claims());
    let check = |url: &str| verifier().verify(&request(&token, url));

    for ok in [
        RETURN_URL,
        "https://EXAMPLE.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru:443/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        assert!(check(ok).is_ok(), "{ok}: {:?}", check(ok));
    }

    for foreign in [
        // The token's issuer is example.amocrm.ru: not the same account elsewhere.
        "https://example.kommo.com/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.com:443/api/v4/salesbot/42/continue/a1b2c3",
        "https://evil.example.com/api/v4/salesbot/42/continue/a1b2c3",
        "https://other.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru.evil.com/api/v4/salesbot/42/continue/a1b2c3",
        "https://evil-example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru:8443/api/v4/salesbot/42/continue/a1b2c3",
        "https://93.184.216.34/api/v4/salesbot/42/continue/a1b2c3",
        "http://127.0.0.1:8080/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        assert!(
            matches!(check(foreign), Err(WidgetRequestError::ForeignHost { .. })),
            "{foreign}: {:?}",
            check(foreign)
        );
    }

    assert_eq!(
        check("http://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3").unwrap_err(),
        WidgetRequestError::InsecureReturnUrl {
            url: "http://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3".into()
        }
    );
}

#[test]
fn anything_but_a_continue_url_is_rejected() {
    let token = sign(&claims());
    for bad in [
        "",
        "/api/v4/salesbot/42/continue/a1b2c3",
        "ftp://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/widgets/amo_dropbox",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3/",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3/extra",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a/../b",
        "https://example.amocrm.ru/api/v4/salesbot/42/x/../continue/b",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/%2e%2e/b",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/./b",
        "https://example.amocrm.ru\\api\\v4\\salesbot\\42\\continue\\b",
        "https://example.amocrm.ru/api/v4/salesbot/42/con\ttinue/b",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/b ",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a%2Fb",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a b",
        "https://example.amocrm.ru/api/v3/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/chatbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/Salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/0/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/042/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/-1/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/abc/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/99999999999999999999/continue/a",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3?x=1",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3#x",
        "https://user:pass@example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/prefix/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        let error = verifier().verify(&request(&token, bad)).unwrap_err();
        assert!(
            matches!(error, WidgetRequestError::NotContinueUrl { .. }),
            "{bad:?}: {error:?}"
        );
        assert!(ContinueUrl::parse(bad).is_err());
    }
}

#[test]
fn a_token_is_bound_to_its_accounts_domain() {
    let all = [Domain::AmocrmRu, Domain::AmocrmCom, Domain::KommoCom];
    let foreign = |result: Result<
        amocrm::widget_request::VerifiedWidgetRequest,
        WidgetRequestError,
    >| { matches!(result, Err(WidgetRequestError::ForeignHost { .. })) };
    // The issuer binds the token to its domain, whatever else the verifier accepts.
    let token = sign(&claims());
    let every = verifier().domains(all);
    assert!(every.verify(&request(&token, RETURN_URL)).is_ok());
    for host in ["example.kommo.com", "example.amocrm.com"] {
        assert!(foreign(every.verify(&request(&token, &on(host)))), "{host}");
    }
    // Without an issuer: the verifier's domains, amocrm.ru alone by default.
    let token = without_issuer();
    assert!(verifier().verify(&request(&token, RETURN_URL)).is_ok());
    assert!(foreign(
        verifier().verify(&request(&token, &on("example.kommo.com")))
    ));
    let kommo = verifier().domain(Domain::KommoCom);
    assert!(
        kommo
            .verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    assert!(foreign(kommo.verify(&request(&token, RETURN_URL))));
    let two = verifier().domains([Domain::AmocrmRu, Domain::KommoCom, Domain::KommoCom]);
    assert!(two.verify(&request(&token, RETURN_URL)).is_ok());
    assert!(
        two.verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    assert!(foreign(
        two.verify(&request(&token, &on("example.amocrm.com")))
    ));
    // An empty list keeps what was set.
    let kept = verifier().domain(Domain::KommoCom).domains([]);
    assert!(
        kept.verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    assert!(foreign(kept.verify(&request(&token, RETURN_URL))));
    // A Kommo token continues on Kommo once the verifier accepts it.
    let token = sign(&with(claims(), "iss", json!("https://example.kommo.com")));
    assert_eq!(
        verifier().verify(&request(&token, &on("example.kommo.com"))),
        Err(WidgetRequestError::WrongIssuer)
    );
    assert!(
        kommo
            .verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    assert!(foreign(every.verify(&request(&token, RETURN_URL))));
}

#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[test]
fn the_issuer_must_be_the_tokens_account() {
    for good in [
        "https://example.amocrm.ru",
        "https://example.amocrm.ru/",
        "https://EXAMPLE.amocrm.ru",
    ] {
        let token = sign(&with(claims(), "iss", json!(good)));
        assert!(verify_token(&token).is_ok(), "{good}");
    }
    for bad in [
        "https://other.amocrm.ru",
        "http://example.amocrm.ru",
        "https://example.amocrm.ru:8443",
        "https://example.amocrm.ru/path",
        "https://example.amocrm.ru/?x=1",
        "https://example.amocrm.ru/#x",
        "https://user@example.amocrm.ru",
        "https://user:pw@example.amocrm.ru",
        "https://example.amocrm.ru.evil.com",
        "https://evil.com",
        "https://example.kommo.com",
        "example",
        "",
    ] {
        let token = sign(&with(claims(), "iss", json!(bad)));
        assert_eq!(
            verify_token(&token).unwrap_err(),
            WidgetRequestError::WrongIssuer,
            "{bad}"
        );
    }
    // The OAuth verifier takes the account's domain.
    let oauth = oauth_on("example", Domain::KommoCom);
    let token = sign(&with(claims(), "iss", json!("https://example.kommo.com")));
    let verifier = oauth.widget_request_verifier();
    assert!(
        verifier
            .verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    let token = sign(&claims());
    assert_eq!(
        verifier.verify(&request(&token, RETURN_URL)),
        Err(WidgetRequestError::WrongIssuer)
    );
}

/// A return_url refused for its user info does not print it, nor does one that does not
/// parse and may hold some (as base URLs are never echoed with user info).
#[test]
fn a_return_url_is_never_shown_with_its_user_info() {
    for url in [
        "https://user:pa55w0rd@example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://pa55w0rd@example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://user:pa55w0rd@example.amocrm.ru/api/v4/widgets/x",
        "https://user:pa55w0rd@exa mple.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        let error = amocrm::widget_request::ContinueUrl::parse(url).unwrap_err();
        assert!(
            matches!(error, WidgetRequestError::NotContinueUrl { .. }),
            "{error:?}"
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("pa55w0rd"), "{shown}");
        let verified = verifier().verify(&request(&sign(&claims()), url));
        let shown = format!("{:?}", verified.unwrap_err());
        assert!(!shown.contains("pa55w0rd"), "{shown}");
    }
    // The URL is still shown as received when it has none, or does not parse without any.
    for url in [
        "https://example.amocrm.ru/api/v4/widgets/x",
        "example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        match amocrm::widget_request::ContinueUrl::parse(url) {
            Err(WidgetRequestError::NotContinueUrl { url: shown, .. }) => assert_eq!(shown, url),
            other => panic!("{other:?}"),
        }
    }
}
