//! Signing and verifying foxden's JWTs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;

use super::*;

const NOW_MS: i64 = 1_700_000_000_123;
const NOW: i64 = 1_700_000_000;

fn discovery(tokenserver: Option<&str>) -> Discovery {
    Discovery {
        openid_issuer: "https://accounts.example.com".into(),
        auth_server_url: "https://accounts.example.com".into(),
        oauth_server_url: "https://accounts.example.com".into(),
        profile_server_url: "https://accounts.example.com/profile".into(),
        pairing_server_url: None,
        sync_tokenserver_url: tokenserver.map(String::from),
    }
}

fn access_claims() -> AccessTokenClaims {
    AccessTokenClaims {
        aud: Audience::One("https://token.example.com".into()),
        client_id: "5882386c6d801776".into(),
        exp: NOW + 3600,
        iat: NOW,
        jti: "ab".repeat(32),
        scope: OLDSYNC_SCOPE.into(),
        sub: "cd".repeat(16),
        fxa_generation: Some(1_699_999_999_000),
        fxa_profile_changed_at: None,
    }
}

fn part(token: &str, index: usize) -> Value {
    let text = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).unwrap()).unwrap()
}

#[test]
fn access_tokens_carry_mozillas_header_and_claim_names() {
    let dir = tempfile::tempdir().unwrap();
    let keys = OpenIdKeys::load_or_create(dir.path(), &discovery(None)).unwrap();
    assert!(dir.path().join(CURRENT_FILE).exists());
    let token = keys.sign_access_token(&access_claims()).unwrap();
    let header = part(&token, 0);
    assert_eq!(
        header,
        serde_json::json!({"alg": "RS256", "typ": "at+JWT", "kid": keys.keys().current.kid})
    );
    let payload = part(&token, 1);
    let names: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "aud",
            "client_id",
            "exp",
            "fxa-generation",
            "iat",
            "iss",
            "jti",
            "scope",
            "sub"
        ]
    );
    assert_eq!(payload["iss"], "https://accounts.example.com");
    assert_eq!(payload["fxa-generation"], 1_699_999_999_000i64);
    assert_eq!(
        keys.verify_access_token(&token, NOW_MS),
        Some(access_claims())
    );
}

#[test]
fn access_tokens_are_refused_when_expired_retyped_reissued_or_altered() {
    let dir = tempfile::tempdir().unwrap();
    let keys = OpenIdKeys::load_or_create(dir.path(), &discovery(None)).unwrap();
    let claims = access_claims();
    let token = keys.sign_access_token(&claims).unwrap();
    assert!(keys
        .verify_access_token(&token, (claims.exp - 1) * 1000)
        .is_some());
    assert!(keys
        .verify_access_token(&token, claims.exp * 1000)
        .is_none());
    // An id_token is not an access token, and the other way round.
    let id = keys
        .sign_id_token(&IdTokenClaims::new(
            &claims.sub,
            Audience::One("c".into()),
            NOW,
            "t",
            None,
            None,
            None,
        ))
        .unwrap();
    assert!(keys.verify_access_token(&id, NOW_MS).is_none());
    assert!(keys.verify_id_token(&token, "c", 0, NOW_MS).is_none());
    // Another issuer's token under the same key.
    let other = OpenIdKeys {
        keys: FILES.load_or_create(dir.path()).unwrap(),
        issuer: "https://elsewhere.example".into(),
        sync_tokenserver_url: None,
    };
    let foreign = other.sign_access_token(&claims).unwrap();
    assert!(keys.verify_access_token(&foreign, NOW_MS).is_none());
    // A changed payload, a changed signature, extra parts.
    let (head, rest) = token.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let mut altered = claims.clone();
    altered.sub = "ef".repeat(16);
    let payload = URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&serde_json::json!({"iss": keys.issuer(), "sub": altered.sub})).unwrap(),
    );
    assert!(keys
        .verify_access_token(&format!("{head}.{payload}.{sig}"), NOW_MS)
        .is_none());
    let mut bad_sig = token.clone();
    let last = bad_sig.pop().unwrap();
    bad_sig.push(if last == 'A' { 'B' } else { 'A' });
    assert!(keys.verify_access_token(&bad_sig, NOW_MS).is_none());
    assert!(keys
        .verify_access_token(&format!("{token}.x"), NOW_MS)
        .is_none());
    assert!(keys.verify_access_token("not a jwt", NOW_MS).is_none());
}

#[test]
fn tokens_of_the_previous_key_verify_after_a_rotation_and_not_after_two() {
    let dir = tempfile::tempdir().unwrap();
    let first = OpenIdKeys::load_or_create(dir.path(), &discovery(None)).unwrap();
    let token = first.sign_access_token(&access_claims()).unwrap();
    OpenIdKeys::rotate(dir.path()).unwrap();
    let second = OpenIdKeys::load_or_create(dir.path(), &discovery(None)).unwrap();
    assert_ne!(second.keys().current.kid, first.keys().current.kid);
    assert_eq!(second.jwks().len(), 2);
    assert_eq!(second.jwks()[1], first.jwks()[0]);
    assert!(second.verify_access_token(&token, NOW_MS).is_some());
    let newer = second.sign_access_token(&access_claims()).unwrap();
    assert_eq!(part(&newer, 0)["kid"], second.keys().current.kid.as_str());
    OpenIdKeys::rotate(dir.path()).unwrap();
    let third = OpenIdKeys::load_or_create(dir.path(), &discovery(None)).unwrap();
    assert!(third.verify_access_token(&token, NOW_MS).is_none());
    assert!(third.verify_access_token(&newer, NOW_MS).is_some());
}

#[test]
fn id_tokens_have_at_hash_acr_and_a_five_minute_life() {
    let dir = tempfile::tempdir().unwrap();
    let keys = OpenIdKeys::load_or_create(dir.path(), &discovery(None)).unwrap();
    let access = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
    // OpenID Connect Core 1.0, appendix A.4's at_hash.
    assert_eq!(at_hash(access), "77QmUPtjPfzWtF2AnpK9RQ");
    let amr = Some(vec!["pwd".to_string(), "email".to_string()]);
    let claims = IdTokenClaims::new(
        &"cd".repeat(16),
        Audience::One("dcdb5ae7add825d2".into()),
        NOW,
        access,
        amr,
        Some(1),
        Some(NOW - 60),
    );
    assert_eq!(claims.exp, NOW + 300);
    assert_eq!(claims.acr.as_deref(), Some("AAL1"));
    let token = keys.sign_id_token(&claims).unwrap();
    assert_eq!(part(&token, 0)["typ"], "JWT");
    let payload = part(&token, 1);
    assert_eq!(payload["fxa-aal"], 1);
    assert_eq!(payload["amr"], serde_json::json!(["pwd", "email"]));
    let verify = |client: &str, grace: i64, now_secs: i64| {
        keys.verify_id_token(&token, client, grace, now_secs * 1000)
    };
    assert_eq!(verify("dcdb5ae7add825d2", 0, NOW), Some(claims.clone()));
    assert!(verify("0000000000000000", 0, NOW).is_none());
    assert!(verify("dcdb5ae7add825d2", 0, NOW + 300).is_some());
    assert!(verify("dcdb5ae7add825d2", 0, NOW + 301).is_none());
    assert!(verify("dcdb5ae7add825d2", 60, NOW + 360).is_some());
    assert!(verify("dcdb5ae7add825d2", 60, NOW + 361).is_none());
    // A token whose exp is further ahead than an id_token's life is refused.
    assert!(verify("dcdb5ae7add825d2", 0, NOW - 1).is_none());
    // Several audiences: the client must be one of them.
    let many = IdTokenClaims::new(
        "u",
        Audience::Many(vec!["a".into(), "b".into()]),
        NOW,
        "t",
        None,
        Some(0),
        None,
    );
    assert!(many.acr.is_none() && many.fxa_aal.is_none());
    let token = keys.sign_id_token(&many).unwrap();
    assert!(keys.verify_id_token(&token, "b", 0, NOW_MS).is_some());
    assert!(keys.verify_id_token(&token, "c", 0, NOW_MS).is_none());
}

#[test]
fn the_oldsync_audience_is_the_tokenserver_when_one_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let with =
        OpenIdKeys::load_or_create(dir.path(), &discovery(Some("https://token.example.com")))
            .unwrap();
    let without = OpenIdKeys::load_or_create(dir.path(), &discovery(None)).unwrap();
    let client = "5882386c6d801776";
    let one = |s: &str| Audience::One(s.into());
    assert_eq!(
        with.access_token_audience(client, [OLDSYNC_SCOPE].into_iter(), None),
        one("https://token.example.com")
    );
    assert_eq!(
        with.access_token_audience(client, ["profile"].into_iter(), None),
        one(client)
    );
    assert_eq!(
        without.access_token_audience(client, [OLDSYNC_SCOPE].into_iter(), None),
        one(client)
    );
    assert_eq!(
        with.access_token_audience(
            client,
            [OLDSYNC_SCOPE].into_iter(),
            Some("https://rp.example")
        ),
        Audience::Many(vec![client.into(), "https://rp.example".into()])
    );
    assert_eq!(
        with.sync_tokenserver_url(),
        Some("https://token.example.com")
    );
    assert!(without.sync_tokenserver_url().is_none());
}
