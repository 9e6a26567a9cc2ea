//! BrowserID assertions as the OAuth-server routes take them (`assertion` of
//! `/v1/authorization`, `/v1/token`'s `fxa-credentials`, `/v1/key-data`), checked
//! as Mozilla's `lib/oauth/assertion.js` does: a bundle `cert~assertion` with one
//! certificate signed by foxden's BrowserID key (current or previous), issued for
//! this server's domain, for `<uid>@<domain>`, not expired; an assertion signed by
//! the certificate's public key, for this OAuth server (`aud`), not expired. Its
//! claims then feed the same grant checks as a session's ([`grant::Claims`]).
//!
//! The certified user key is RSA (`RS`, `n` and `e` in decimal), which signs `RS256`
//! (PKCS #1 v1.5, SHA-256), or DSA (`DS`, hex `p`, `q`, `g`, `y`), which signs `DS128`
//! (1024/160, SHA-1) or `DS256` (2048/256, SHA-256) as fits the key's size; see [`dsa`]
//! for what Mozilla's verifier and PyBrowserID do there, and its sources. Any other
//! pairing of header `alg` and key is refused. Every failure is errno 104.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use foxden_db::ops::Accounts;

mod dsa;

use super::grant::Claims;
use crate::error::OAuthServerError;
use crate::signing_keys::KeySet;
use crate::state::AppState;

/// Longest bundle looked at (the routes accept 10240 characters).
const MAX_BUNDLE_LEN: usize = 10 * 1024;

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

#[derive(Deserialize)]
struct Principal {
    email: String,
}

/// The claims of a certificate foxden's `/certificate/sign` issues.
#[derive(Deserialize)]
struct Certificate {
    #[serde(rename = "public-key")]
    public_key: Value,
    principal: Principal,
    exp: i64,
    iss: String,
    #[serde(rename = "fxa-generation")]
    generation: i64,
    #[serde(rename = "fxa-lastAuthAt")]
    last_auth_at: i64,
    #[serde(rename = "fxa-verifiedEmail")]
    verified_email: Option<String>,
    #[serde(rename = "fxa-tokenVerified", default)]
    token_verified: bool,
    #[serde(rename = "fxa-amr", default)]
    amr: Vec<String>,
    #[serde(rename = "fxa-aal", default)]
    aal: Option<i32>,
}

#[derive(Deserialize)]
struct Assertion {
    aud: String,
    exp: i64,
}

/// The three parts of a compact JWS, its header and the signed bytes.
fn split(jws: &str) -> Option<(Header, &str, Vec<u8>, &str)> {
    let mut parts = jws.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    let signature = URL_SAFE_NO_PAD.decode(s).ok()?;
    Some((header, p, signature, &jws[..h.len() + 1 + p.len()]))
}

fn payload<T: serde::de::DeserializeOwned>(b64: &str) -> Option<T> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(b64).ok()?).ok()
}

/// A certificate's payload when one of `keys` signed it (RS256).
fn verified_certificate(keys: &KeySet, cert: &str) -> Option<Certificate> {
    let (header, body, signature, signed) = split(cert)?;
    if header.alg != "RS256" {
        return None;
    }
    let signed_by =
        |key: &crate::signing_keys::SigningKey| key.verifies(signed.as_bytes(), &signature);
    let ok = match header.kid.as_deref() {
        Some(kid) => keys.by_kid(kid).is_some_and(signed_by),
        None => keys.keys().any(signed_by),
    };
    ok.then(|| payload(body)).flatten()
}

/// A decimal number as big-endian bytes (BrowserID writes RSA's `n` and `e` in decimal).
pub fn decimal_to_bytes(decimal: &str) -> Option<Vec<u8>> {
    if decimal.is_empty() || decimal.len() > 1300 || !decimal.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Little-endian base-256 digits, multiplied by 10 and added to for each decimal digit.
    let mut out: Vec<u8> = Vec::new();
    for digit in decimal.bytes().map(|b| u32::from(b - b'0')) {
        let mut carry = digit;
        for byte in out.iter_mut() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.push((carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    out.reverse();
    Some(out)
}

/// The assertion's claims when the certificate's public key signed it: `RS256` by an
/// `RS` key, `DS128` or `DS256` by a `DS` key of that size.
fn signed_by_certified_key(public_key: &Value, assertion: &str) -> Option<Assertion> {
    let (header, body, signature, signed) = split(assertion)?;
    let verified = match public_key["algorithm"].as_str()? {
        "RS" => header.alg == "RS256" && rsa_verifies(public_key, signed, &signature)?,
        "DS" => dsa::verifies(&header.alg, public_key, signed.as_bytes(), &signature),
        _ => false,
    };
    verified.then(|| payload(body)).flatten()
}

/// Whether `signature` is the RSA key's PKCS #1 v1.5 SHA-256 signature of `signed`
/// (`None`: the key's numbers are not decimal).
fn rsa_verifies(public_key: &Value, signed: &str, signature: &[u8]) -> Option<bool> {
    let n = decimal_to_bytes(public_key["n"].as_str()?)?;
    let e = decimal_to_bytes(public_key["e"].as_str()?)?;
    let key = aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e };
    let algorithm = &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256;
    Some(key.verify(algorithm, signed.as_bytes(), signature).is_ok())
}

/// Whether `aud` names this OAuth server: its URL or the public URL, with or
/// without the `/v1` prefix.
fn is_our_audience(state: &AppState, aud: &str) -> bool {
    let aud = aud.trim_end_matches('/');
    let aud = aud.strip_suffix("/v1").unwrap_or(aud);
    let base = |url: &str| {
        let url = url.trim_end_matches('/');
        url.strip_suffix("/v1").unwrap_or(url).to_string()
    };
    aud == base(&state.settings.discovery.oauth_server_url)
        || aud == base(state.settings.public_url.as_str())
}

/// The grant claims of a BrowserID bundle, or errno 104: the checks above, then
/// the account must exist with a verified email (`fxa-verifiedEmail`) and a
/// password no newer than the certificate (`fxa-generation`).
pub async fn claims(
    state: &AppState,
    bundle: &str,
    now_ms: i64,
) -> Result<Claims, OAuthServerError> {
    let invalid = || OAuthServerError::InvalidAssertion;
    if bundle.len() > MAX_BUNDLE_LEN {
        return Err(invalid());
    }
    let (cert, assertion) = bundle.split_once('~').ok_or_else(invalid)?;
    if assertion.contains('~') {
        return Err(invalid());
    }
    let cert = verified_certificate(&state.browserid, cert).ok_or_else(invalid)?;
    let domain = crate::api::browserid::domain(&state.settings.public_url);
    let (local, issuer) = cert.principal.email.split_once('@').ok_or_else(invalid)?;
    if cert.iss != domain || issuer != domain || cert.exp < now_ms {
        return Err(invalid());
    }
    let uid: [u8; 16] = hex::decode(local)
        .ok()
        .and_then(|u| u.try_into().ok())
        .ok_or_else(invalid)?;
    let signed = signed_by_certified_key(&cert.public_key, assertion).ok_or_else(invalid)?;
    if signed.exp < now_ms || !is_our_audience(state, &signed.aud) {
        return Err(invalid());
    }
    let account = state.db.account(&uid).await;
    let account = account
        .map_err(crate::error::ApiError::from)?
        .ok_or_else(invalid)?;
    if !account.email_verified
        || cert.verified_email.is_none()
        || account.verifier_set_at > cert.generation
    {
        return Err(invalid());
    }
    let keys_changed_at = if account.keys_changed_at > 0 {
        account.keys_changed_at
    } else {
        account.verifier_set_at
    };
    Ok(Claims {
        uid,
        token_verified: cert.token_verified,
        auth_at: cert.last_auth_at * 1000,
        amr: cert.amr,
        aal: cert.aal.unwrap_or(1),
        profile_changed_at: account.profile_changed_at,
        keys_changed_at,
        generation: account.verifier_set_at,
        session_token_id_hash: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_round_trips_with_browserids_form() {
        for bytes in [
            vec![1u8, 0, 1],
            vec![0xff; 256],
            vec![0x3b, 0x9a, 0xca, 0x00],
        ] {
            let dec = crate::browserid::decimal(&bytes);
            assert_eq!(decimal_to_bytes(&dec).unwrap(), bytes);
        }
        assert_eq!(decimal_to_bytes("65537").unwrap(), vec![1, 0, 1]);
        assert!(decimal_to_bytes("12a").is_none());
        assert!(decimal_to_bytes("").is_none());
    }
}
