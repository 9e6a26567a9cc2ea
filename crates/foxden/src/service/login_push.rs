//! Sign-in confirmation by push, as Mozilla's auth-server does it
//! (`/session/verify/send_push`, `/session/verify/verify_push`): the new,
//! unconfirmed session asks the account's other Firefox desktops to confirm it;
//! the push opens the content server's `signin_push_code_confirm` page, whose URL
//! carries the session's tokenVerificationId and the account's current 6-digit
//! code, and that device answers with both. While the content URL is foxden
//! itself, foxden serves that page (`pages/confirm.rs`): its form answers the same
//! way ([`answer`]), and [`shown_sign_in`] reads what it shows of the sign-in.

use foxden_db::ops::*;
use foxden_db::{Account, SessionToken, Uid, VerificationMethod};
use serde::Serialize;

use crate::clock::now_ms;
use crate::customs::{self, Action, Subject};
use crate::error::{ApiError, ApiResult};
use crate::extract::ClientIp;
use crate::mail::l10n;
use crate::mail::Locale;
use crate::push::Message;
use crate::service::link_code;
use crate::service::push_events::{self, To};
use crate::service::short_code;
use crate::service::verification::{self, LinkParams};
use crate::state::AppState;

/// The page of the content server the push opens.
pub const CONFIRM_PATH: &str = "/signin_push_code_confirm";

/// What the confirming device is shown of the sign-in (Mozilla's
/// `remoteMetaData`, fields in its order). Mozilla adds `city`, `region` and
/// `country` from its geo-IP lookup; foxden has none, so they are left out, as
/// `JSON.stringify` leaves out Mozilla's undefined ones.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RemoteMetaData<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    device_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_family: Option<&'a str>,
    #[serde(rename = "deviceOS", skip_serializing_if = "Option::is_none")]
    device_os: Option<&'a str>,
    ip_address: &'a str,
}

/// JavaScript's `encodeURIComponent`: all but `A-Za-z0-9-_.!~*'()` percent-encoded.
fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// JavaScript's `decodeURIComponent`: `None` for a `%` without two hex digits
/// after it, or for bytes that are not UTF-8.
fn decode_uri_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let mut byte = [0u8];
            hex::decode_to_slice(bytes.get(i + 1..i + 3)?, &mut byte).ok()?;
            out.push(byte[0]);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The longest `remoteMetaData` read: a 255-character device name in JSON
/// escapes, URI-encoded, with the other fields, fits well within it.
const MAX_META_LEN: usize = 16 * 1024;
/// The longest value shown (a device name's limit).
const MAX_SHOWN_CHARS: usize = 255;

/// What the page the push opens shows of the sign-in, from its URL.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ShownSignIn {
    pub device_name: Option<String>,
    pub device_family: Option<String>,
    pub device_os: Option<String>,
    pub ip_address: Option<String>,
}

/// Reads `remoteMetaData` as the page gets it (the query decoded once, so the
/// URI-encoded JSON [`queue_request`] wrote). A field that is missing, not a
/// string, empty, too long or holds control characters is left out; a value
/// that cannot be read shows nothing. The page escapes what it shows.
pub fn shown_sign_in(raw: &str) -> ShownSignIn {
    let json = (raw.len() <= MAX_META_LEN)
        .then(|| decode_uri_component(raw))
        .flatten();
    let parsed = json.and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok());
    let Some(serde_json::Value::Object(meta)) = parsed else {
        return ShownSignIn::default();
    };
    let field = |key: &str| {
        let value = meta.get(key)?.as_str()?.trim();
        let fits = !value.is_empty() && value.chars().count() <= MAX_SHOWN_CHARS;
        (fits && !value.chars().any(char::is_control)).then(|| value.to_string())
    };
    ShownSignIn {
        device_name: field("deviceName"),
        device_family: field("deviceFamily"),
        device_os: field("deviceOS"),
        ip_address: field("ipAddress"),
    }
}

/// The page's URL: the query as `URLSearchParams` writes it, `remoteMetaData`
/// URI-encoded once before that (so twice in all, as Mozilla's).
fn confirm_url(base: &url::Url, query: &[(&str, &str)]) -> String {
    let mut url = base.clone();
    url.set_path(&format!(
        "{}{CONFIRM_PATH}",
        base.path().trim_end_matches('/')
    ));
    url.query_pairs_mut().extend_pairs(query);
    url.to_string()
}

/// `send_push`: queues `verify_login` for the account's Firefox desktops but the
/// caller's, with the URL that confirms `session`; returns how many were queued.
/// Mozilla sends it for a confirmed session too (with `tokenVerificationId=null`,
/// which confirms nothing); foxden sends nothing then. A failure to queue is
/// logged, not answered, as Mozilla's.
pub async fn send_request(
    state: &AppState,
    account: &Account,
    session: &SessionToken,
    ip: &ClientIp,
    locale: Locale,
) -> usize {
    let Some(unverified) = &session.unverified else {
        return 0;
    };
    match queue_request(
        state,
        account,
        session,
        &unverified.token_verification_id,
        ip,
        locale,
    )
    .await
    {
        Ok(queued) => queued,
        Err(err) => {
            tracing::error!(uid = %foxden_crypto::to_hex(account.uid), %err, "session.send_push failed");
            0
        }
    }
}

async fn queue_request(
    state: &AppState,
    account: &Account,
    session: &SessionToken,
    token_verification_id: &[u8; 16],
    ip: &ClientIp,
    locale: Locale,
) -> foxden_db::DbResult<usize> {
    let device = state.db.device_of_session(&session.core.id_hash).await?;
    let agent = &session.user_agent;
    let meta = RemoteMetaData {
        device_name: device.as_ref().and_then(|d| d.name.as_deref()),
        device_family: agent.browser.as_deref(),
        device_os: agent.os.as_deref(),
        ip_address: ip.as_str(),
    };
    // Serializing a struct of strings cannot fail.
    let meta = serde_json::to_string(&meta).unwrap_or_default();
    let tvid = foxden_crypto::to_hex(state.codes.open(token_verification_id));
    let code = short_code::current(&state.codes.open(&account.email_code));
    let uid = foxden_crypto::to_hex(account.uid);
    let url = confirm_url(
        &state.settings.content_url,
        &[
            ("tokenVerificationId", tvid.as_str()),
            ("code", code.as_str()),
            ("uid", uid.as_str()),
            ("email", account.email.as_str()),
            ("remoteMetaData", encode_uri_component(&meta).as_str()),
        ],
    );
    let message = Message::VerifyLogin {
        title: l10n::text(locale, "session-verify-send-push-title-2"),
        body: l10n::text(locale, "session-verify-send-push-body-2"),
        url,
    };
    let to = To::FirefoxDesktopsBut(session.core.id_hash);
    push_events::send(state, &account.uid, to, &message).await
}

/// Whether a session of `uid` waiting on `sealed` (a tokenVerificationId in its
/// stored form) has a device: Mozilla's `deviceFromTokenVerificationId`.
async fn waiting_device(state: &AppState, uid: &Uid, sealed: &[u8; 16]) -> ApiResult<bool> {
    for session in state.db.sessions_for(uid).await? {
        let waits = session
            .unverified
            .as_ref()
            .is_some_and(|u| foxden_crypto::ct_eq(&u.token_verification_id, sealed));
        if waits
            && state
                .db
                .device_of_session(&session.core.id_hash)
                .await?
                .is_some()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An answer to the push, from `verify_push` (the answering device's session
/// names `account`) or from the page the push opens (its `uid`): the rule on
/// code checks (`verifySessionCode`, per account and IP), then [`confirm`].
pub async fn answer(
    state: &AppState,
    ip: &ClientIp,
    account: &Account,
    token_verification_id: &[u8; 16],
    code: &str,
    locale: Locale,
) -> ApiResult<()> {
    let subject = Subject::account(ip, account);
    customs::check(state, Action::VerifySessionCode, subject).await?;
    confirm(state, account, token_verification_id, code, locale).await
}

/// Confirms the sign-in of `account` waiting on
/// `token_verification_id` with the account's 6-digit `code`. Errno 123 when
/// no session of this account with a device waits on that id (already
/// confirmed, never registered a device, or another account's), as Mozilla's
/// database layer answers; 183 for a wrong code. The devices get
/// `accountConfirm`, and the `newDeviceLogin` notice goes out.
async fn confirm(
    state: &AppState,
    account: &Account,
    token_verification_id: &[u8; 16],
    code: &str,
    locale: Locale,
) -> ApiResult<()> {
    let sealed = state.codes.seal(token_verification_id);
    if !waiting_device(state, &account.uid, &sealed).await? {
        return Err(ApiError::UnknownDevice);
    }
    if !short_code::verify(&state.codes.open(&account.email_code), code) {
        return Err(ApiError::InvalidOrExpiredOtpCode);
    }
    let outcome = link_code::apply_code(
        &state.db,
        Some(state),
        &account.uid,
        &sealed,
        VerificationMethod::Email,
        now_ms(),
    )
    .await?;
    // A concurrent verify_push for the same sign-in may have confirmed it since
    // the check above: only the call that confirmed it sends the notice.
    if !outcome.session_verified {
        return Ok(());
    }
    tracing::info!(uid = %foxden_crypto::to_hex(account.uid), "sign-in confirmed by push");
    if account.email_verified {
        let links = LinkParams {
            locale,
            ..LinkParams::default()
        };
        verification::notify_new_sign_in(state, account, &links).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_meta_data_is_encoded_twice_as_mozillas() {
        let meta = RemoteMetaData {
            device_name: None,
            device_family: Some("Firefox"),
            device_os: None,
            ip_address: "63.245.221.32",
        };
        let json = serde_json::to_string(&meta).unwrap();
        let base = url::Url::parse("http://localhost:3030").unwrap();
        let url = confirm_url(
            &base,
            &[
                ("email", "foo@example.org"),
                ("remoteMetaData", &encode_uri_component(&json)),
            ],
        );
        // The value Mozilla's route test expects for the same data.
        assert_eq!(
            url,
            "http://localhost:3030/signin_push_code_confirm?email=foo%40example.org&remoteMetaData=\
             %257B%2522deviceFamily%2522%253A%2522Firefox%2522%252C%2522ipAddress%2522%253A\
             %252263.245.221.32%2522%257D"
        );
    }

    #[test]
    fn encode_uri_component_keeps_its_unreserved_set() {
        assert_eq!(encode_uri_component("aZ9-_.!~*'()"), "aZ9-_.!~*'()");
        assert_eq!(
            encode_uri_component("{\"a b\":\"é\"}"),
            "%7B%22a%20b%22%3A%22%C3%A9%22%7D"
        );
        assert_eq!(encode_uri_component("/?#&=+ "), "%2F%3F%23%26%3D%2B%20");
    }

    #[test]
    fn the_page_reads_back_what_the_push_carries() {
        let meta = RemoteMetaData {
            device_name: Some("Éva's <PC> & \"co\""),
            device_family: Some("Firefox"),
            device_os: Some("Windows"),
            ip_address: "2001:db8::1",
        };
        let json = serde_json::to_string(&meta).unwrap();
        let url = confirm_url(
            &url::Url::parse("http://localhost:3030").unwrap(),
            &[("remoteMetaData", &encode_uri_component(&json))],
        );
        let url = url::Url::parse(&url).unwrap();
        let (_, raw) = url.query_pairs().next().unwrap();
        assert_eq!(
            shown_sign_in(&raw),
            ShownSignIn {
                device_name: Some("Éva's <PC> & \"co\"".into()),
                device_family: Some("Firefox".into()),
                device_os: Some("Windows".into()),
                ip_address: Some("2001:db8::1".into()),
            }
        );
    }

    #[test]
    fn a_damaged_remote_meta_data_shows_less_or_nothing() {
        let shown = |json: &str| shown_sign_in(&encode_uri_component(json));
        let only_ip = ShownSignIn {
            ip_address: Some("10.0.0.1".into()),
            ..ShownSignIn::default()
        };
        let cases = [
            r#"{"ipAddress":"10.0.0.1"}"#,
            r#"{"ipAddress":"10.0.0.1","deviceName":7,"deviceOS":null}"#,
            r#"{"ipAddress":" 10.0.0.1 ","deviceName":"","deviceFamily":"a\u0000b"}"#,
        ];
        for json in cases {
            assert_eq!(shown(json), only_ip, "{json}");
        }
        let long = format!(
            r#"{{"ipAddress":"10.0.0.1","deviceName":"{}"}}"#,
            "x".repeat(256)
        );
        assert_eq!(shown(&long), only_ip);
        for raw in [
            "",
            "%7B",
            "%zz",
            "%",
            "%7B%22a%22%3A1%7D",
            "%FF%FE",
            "null",
            "[1]",
        ] {
            assert_eq!(shown_sign_in(raw), ShownSignIn::default(), "{raw}");
        }
        let huge = encode_uri_component(&format!(r#"{{"ipAddress":"{}"}}"#, "1".repeat(20_000)));
        assert_eq!(shown_sign_in(&huge), ShownSignIn::default());
    }

    #[test]
    fn the_page_url_keeps_a_base_path() {
        let base = url::Url::parse("https://fx.example/accounts/").unwrap();
        assert_eq!(
            confirm_url(&base, &[("code", "012345")]),
            "https://fx.example/accounts/signin_push_code_confirm?code=012345"
        );
    }
}
