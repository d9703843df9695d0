//! The HS512 token: signature, algorithm, time claims, audience, the account claims, a
//! foreign signer, the body around it; nothing of it ever printed.

use super::*;

#[test]
fn a_valid_request_exposes_typed_claims_data_and_the_continue_url() {
    let verified = verifier()
        .audience("https://widget.example.com")
        .verify(&request(&sign(&claims()), RETURN_URL))
        .unwrap();

    let claims = verified.claims();
    assert_eq!(claims.account_id, 123);
    assert_eq!(claims.subdomain, "example");
    assert_eq!(claims.entity_id, Some(456), "an ID sent as a string");
    assert_eq!(claims.entity_type.as_deref(), Some("leads"));
    assert_eq!(claims.bot_type, Some(BotKind::Salesbot));
    assert_eq!(claims.issuer.as_deref(), Some("https://example.amocrm.ru"));
    assert_eq!(claims.audience, ["https://widget.example.com"]);
    assert!(claims.expires_at > now());
    assert_eq!(claims.all["jti"], "1c7d9a3e-0000-4000-8000-000000000001");
    assert_eq!(verified.data()["phone"], "+79990000000");

    let url = verified.continue_url();
    assert_eq!(url.kind(), BotKind::Salesbot);
    assert_eq!(url.bot_id(), 42);
    assert_eq!(url.continue_id(), "a1b2c3");
    assert_eq!(url.as_str(), RETURN_URL);
}

#[test]
fn bot_type_is_an_open_enum() {
    let marketing = "https://example.amocrm.ru/api/v4/marketingbot/7/continue/z";
    let token = sign(&with(claims(), "bot_type", json!("marketingbot")));
    let verified = verifier().verify(&request(&token, marketing)).unwrap();
    assert_eq!(verified.claims().bot_type, Some(BotKind::Marketingbot));

    let token = sign(&with(claims(), "bot_type", json!("futurebot")));
    let verified = verifier().verify(&request(&token, marketing)).unwrap();
    let bot_type = verified.claims().bot_type.clone().unwrap();
    assert_eq!(bot_type, BotKind::Unknown("futurebot".into()));
    assert!(!bot_type.is_known());

    let token = sign(&without(claims(), "bot_type"));
    assert_eq!(verify_token(&token).unwrap().claims().bot_type, None);

    // A salesbot token cannot continue a marketingbot.
    let token = sign(&claims());
    assert_eq!(
        verifier().verify(&request(&token, marketing)).unwrap_err(),
        WidgetRequestError::BotKindMismatch {
            url: BotKind::Marketingbot,
            token: BotKind::Salesbot
        }
    );
}

#[test]
fn a_tampered_token_is_rejected() {
    let token = sign(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = b64(with(claims(), "account_id", json!(999))
        .to_string()
        .as_bytes());
    let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
    assert_eq!(
        verify_token(&tampered).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );

    let mut signature = parts[2].to_owned();
    let flipped = if signature.as_bytes()[10] == b'A' {
        "B"
    } else {
        "A"
    };
    signature.replace_range(10..11, flipped);
    let bad_signature = format!("{}.{}.{}", parts[0], parts[1], signature);
    assert_eq!(
        verify_token(&bad_signature).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );

    assert!(matches!(
        verify_token("not-a-jwt").unwrap_err(),
        WidgetRequestError::MalformedToken(_)
    ));
    assert!(matches!(
        verify_token(&format!("{}.%%%.{}", parts[0], parts[2])).unwrap_err(),
        WidgetRequestError::MalformedToken(_) | WidgetRequestError::InvalidSignature
    ));
}

#[test]
fn a_token_signed_with_another_secret_is_rejected() {
    let token = sign_with(&claims(), Algorithm::Hs512, "another-integration");
    assert_eq!(
        verify_token(&token).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
    let empty = WidgetRequestVerifier::new("");
    assert_eq!(
        empty
            .verify(&request(&sign(&claims()), RETURN_URL))
            .unwrap_err(),
        WidgetRequestError::EmptySecret
    );
}

#[test]
fn other_algorithms_are_rejected() {
    let hs256 = sign_with(&claims(), Algorithm::Hs256, SECRET);
    assert_eq!(
        verify_token(&hs256).unwrap_err(),
        WidgetRequestError::WrongAlgorithm {
            found: "HS256".into()
        }
    );

    let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(claims().to_string().as_bytes());
    for none in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}.c2ln"),
    ] {
        assert_eq!(
            verify_token(&none).unwrap_err(),
            WidgetRequestError::WrongAlgorithm {
                found: "none".into()
            }
        );
    }
    let no_alg = format!("{}.{payload}.c2ln", b64(br#"{"typ":"JWT"}"#));
    assert!(matches!(
        verify_token(&no_alg).unwrap_err(),
        WidgetRequestError::MalformedToken(_)
    ));
}

#[test]
fn expiry_and_not_before_are_checked() {
    let expired = sign(&with(claims(), "exp", json!(now() - 3600)));
    assert_eq!(
        verify_token(&expired).unwrap_err(),
        WidgetRequestError::Expired
    );

    // Within the default leeway of 60 s, unless the leeway is 0.
    let just = sign(&with(claims(), "exp", json!(now() - 10)));
    assert!(verify_token(&just).is_ok());
    assert_eq!(
        verifier()
            .leeway(std::time::Duration::ZERO)
            .verify(&request(&just, RETURN_URL))
            .unwrap_err(),
        WidgetRequestError::Expired
    );

    let immature = sign(&with(claims(), "nbf", json!(now() + 3600)));
    assert_eq!(
        verify_token(&immature).unwrap_err(),
        WidgetRequestError::NotYetValid
    );

    let no_exp = sign(&without(claims(), "exp"));
    assert_eq!(
        verify_token(&no_exp).unwrap_err(),
        WidgetRequestError::MissingClaim("exp".into())
    );
}

#[test]
fn the_audience_is_checked_when_set() {
    let token = sign(&claims());
    assert!(verify_token(&token).is_ok(), "not checked by default");
    let other = verifier().audience("https://other.example.com");
    assert_eq!(
        other.verify(&request(&token, RETURN_URL)).unwrap_err(),
        WidgetRequestError::WrongAudience
    );
    let either = other.clone().audience("https://widget.example.com");
    assert!(either.verify(&request(&token, RETURN_URL)).is_ok());

    let no_aud = sign(&without(claims(), "aud"));
    assert_eq!(
        either.verify(&request(&no_aud, RETURN_URL)).unwrap_err(),
        WidgetRequestError::MissingClaim("aud".into())
    );
}

#[test]
fn the_account_claims_are_required_and_typed() {
    for name in ["account_id", "subdomain"] {
        let token = sign(&without(claims(), name));
        assert_eq!(
            verify_token(&token).unwrap_err(),
            WidgetRequestError::MissingClaim(name.into())
        );
    }
    let token = sign(&with(claims(), "account_id", json!("12x")));
    assert!(matches!(
        verify_token(&token).unwrap_err(),
        WidgetRequestError::MalformedToken(_)
    ));
}

#[test]
fn the_body_is_parsed_strictly() {
    let body = json!({"token": "t.t.t", "return_url": RETURN_URL, "data": []});
    let parsed: WidgetRequest = serde_json::from_value(body).unwrap();
    assert!(parsed.data().is_empty(), "an empty PHP array is no data");
    assert_eq!(parsed.token().expose_secret(), "t.t.t");

    let parsed = WidgetRequest::from_slice(
        format!(r#"{{"token":"t.t.t","return_url":"{RETURN_URL}"}}"#).as_bytes(),
    )
    .unwrap();
    assert!(parsed.data().is_empty());

    for bad in [
        &b"not json"[..],
        br#"[]"#,
        br#"{"return_url": "https://example.amocrm.ru/"}"#,
        br#"{"token": 5, "return_url": "https://example.amocrm.ru/"}"#,
        br#"{"token": "", "return_url": "https://example.amocrm.ru/"}"#,
        br#"{"token": "t.t.t"}"#,
        br#"{"token": "t.t.t", "return_url": "x", "data": "text"}"#,
    ] {
        assert!(
            matches!(
                WidgetRequest::from_slice(bad),
                Err(WidgetRequestError::Body(_))
            ),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    let secret_token = "eyJsecret.eyJsecret.sig";
    let error = WidgetRequest::from_slice(
        format!(r#"{{"token":"{secret_token}","return_url":5}}"#).as_bytes(),
    )
    .unwrap_err();
    assert!(!error.to_string().contains(secret_token));
}

#[test]
fn the_token_and_the_secret_never_print() {
    let token = sign(&claims());
    let request = request(&token, RETURN_URL);
    let verifier = verifier();
    let expired = sign(&with(claims(), "exp", json!(now() - 3600)));
    let errors = [
        verify_token(&expired).unwrap_err(),
        verify_token(&sign_with(&claims(), Algorithm::Hs512, "x")).unwrap_err(),
        verifier
            .verify(&WidgetRequest::new(
                &token,
                Default::default(),
                "https://evil.example.com/api/v4/salesbot/42/continue/a1b2c3",
            ))
            .unwrap_err(),
    ];
    let mut printed = vec![format!("{request:?}"), format!("{verifier:?}")];
    for error in &errors {
        printed.push(format!("{error:?}"));
        printed.push(error.to_string());
        printed.push(Error::from(error.clone()).to_string());
    }
    let signature = token.rsplit('.').next().unwrap();
    for text in &printed {
        assert!(!text.contains(&token), "{text}");
        assert!(!text.contains(signature), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }
}

#[test]
fn a_token_signed_by_another_implementation_verifies() {
    let claims = verifier().verify_token(FOREIGN_TOKEN).unwrap();
    assert_eq!(claims.account_id, 123);
    assert_eq!(claims.subdomain, "example");
    assert_eq!(claims.expires_at, 4_102_444_800);
    assert_eq!(claims.not_before, Some(1_700_000_000));

    assert_eq!(
        WidgetRequestVerifier::new("integration-secret-kez")
            .verify_token(FOREIGN_TOKEN)
            .unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
    // The signature one byte short, or one byte longer, is not the signature.
    let (signed, signature) = FOREIGN_TOKEN.rsplit_once('.').unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap();
    assert_eq!(bytes.len(), 64);
    let short = format!("{signed}.{}", b64(&bytes[..63]));
    assert_eq!(
        verifier().verify_token(&short).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
    let long = format!("{signed}.{}", b64(&[&bytes[..], &[0]].concat()));
    assert_eq!(
        verifier().verify_token(&long).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
    let empty = format!("{signed}.");
    assert_eq!(
        verifier().verify_token(&empty).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
}

#[test]
fn a_well_signed_token_that_is_not_a_jwt_is_malformed() {
    let header = b64(br#"{"alg":"HS512","typ":"JWT"}"#);
    for payload in [
        "%%%".to_owned(),                           // not base64url
        b64(b"[1,2]"),                              // not an object
        b64(b"not json"),                           // not JSON
        b64(claims().to_string().as_bytes()) + "=", // padded
    ] {
        let token = sign_raw(&header, &payload);
        assert!(
            matches!(
                verifier().verify_token(&token),
                Err(WidgetRequestError::MalformedToken(_))
            ),
            "{payload}: {:?}",
            verifier().verify_token(&token)
        );
    }
    let token = sign(&claims());
    let (signed, _) = token.rsplit_once('.').unwrap();
    assert!(matches!(
        verifier().verify_token(&format!("{signed}.not*base64")),
        Err(WidgetRequestError::MalformedToken(_))
    ));
    assert!(matches!(
        verifier().verify_token(signed),
        Err(WidgetRequestError::MalformedToken(_))
    ));
}

#[test]
fn time_claims_must_be_integers_and_are_checked_against_the_leeway() {
    for (name, value) in [
        ("exp", json!("4102444800")),
        ("exp", json!(1.5e9)),
        ("exp", json!(-1)),
        ("nbf", json!("1700000000")),
        ("nbf", json!(true)),
    ] {
        let token = sign(&with(claims(), name, value.clone()));
        assert!(
            matches!(
                verify_token(&token).unwrap_err(),
                WidgetRequestError::MalformedToken(_)
            ),
            "{name}: {value}"
        );
    }
    assert_eq!(
        verify_token(&sign(&with(claims(), "exp", Value::Null))).unwrap_err(),
        WidgetRequestError::MissingClaim("exp".into())
    );
    assert!(verify_token(&sign(&with(claims(), "nbf", Value::Null))).is_ok());
    assert!(verify_token(&sign(&without(claims(), "nbf"))).is_ok());

    // A leeway of 100 s: 90 s either side passes, 110 s does not (20 s of margin for a
    // slow test machine).
    let lenient = verifier().leeway(std::time::Duration::from_secs(100));
    let check = |claims: Value| lenient.verify(&request(&sign(&claims), RETURN_URL));
    assert!(check(with(claims(), "exp", json!(now() - 90))).is_ok());
    assert_eq!(
        check(with(claims(), "exp", json!(now() - 110))).unwrap_err(),
        WidgetRequestError::Expired
    );
    assert!(check(with(claims(), "nbf", json!(now() + 90))).is_ok());
    assert_eq!(
        check(with(claims(), "nbf", json!(now() + 110))).unwrap_err(),
        WidgetRequestError::NotYetValid
    );
    // The leeway is capped at a day: a token expired two days ago stays expired.
    let huge = verifier().leeway(std::time::Duration::from_secs(365 * 24 * 3600));
    let old = sign(&with(claims(), "exp", json!(now() - 2 * 24 * 3600)));
    assert_eq!(
        huge.verify(&request(&old, RETURN_URL)).unwrap_err(),
        WidgetRequestError::Expired
    );
    let recent = sign(&with(claims(), "exp", json!(now() - 23 * 3600)));
    assert!(huge.verify(&request(&recent, RETURN_URL)).is_ok());
}

#[test]
fn an_audience_list_needs_one_accepted_audience() {
    let accepting = verifier().audience("https://widget.example.com");
    let check =
        |aud: Value| accepting.verify(&request(&sign(&with(claims(), "aud", aud)), RETURN_URL));
    assert!(
        check(json!([
            "https://other.example.com",
            "https://widget.example.com"
        ]))
        .is_ok()
    );
    assert_eq!(
        check(json!(["https://other.example.com"])).unwrap_err(),
        WidgetRequestError::WrongAudience
    );
    assert_eq!(
        check(json!([])).unwrap_err(),
        WidgetRequestError::WrongAudience
    );
    assert_eq!(
        check(Value::Null).unwrap_err(),
        WidgetRequestError::MissingClaim("aud".into())
    );
    for wrong in [json!(7), json!(["https://widget.example.com", 7])] {
        assert!(
            matches!(
                check(wrong.clone()).unwrap_err(),
                WidgetRequestError::MalformedToken(_)
            ),
            "{wrong}"
        );
    }
    // Missing claims are reported before a bad value: no aud and expired is MissingClaim.
    let token = sign(&with(without(claims(), "aud"), "exp", json!(now() - 3600)));
    assert_eq!(
        accepting.verify(&request(&token, RETURN_URL)).unwrap_err(),
        WidgetRequestError::MissingClaim("aud".into())
    );
}

/// A header naming critical extensions (`crit`, RFC 7515 §4.1.11) must be refused by a
/// verifier that understands none of them, however well the token is signed.
#[test]
fn a_token_with_critical_extensions_is_refused() {
    let payload = b64(claims().to_string().as_bytes());
    for header in [
        br#"{"alg":"HS512","typ":"JWT","crit":["exp"]}"#.as_slice(),
        br#"{"alg":"HS512","crit":["b64"],"b64":false}"#,
        br#"{"alg":"HS512","crit":[]}"#,
        br#"{"alg":"HS512","crit":"x"}"#,
    ] {
        let token = sign_raw(&b64(header), &payload);
        let error = verifier().verify_token(&token).unwrap_err();
        assert!(
            matches!(&error, WidgetRequestError::MalformedToken(why) if why.contains("crit")),
            "{}: {error:?}",
            String::from_utf8_lossy(header)
        );
    }
}
