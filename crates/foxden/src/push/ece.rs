//! Web Push message encryption: RFC 8291 (`aes128gcm` with the subscriber's
//! P-256 key and auth secret) in the RFC 8188 content coding, as one record.
//!
//! The body is `salt (16) ‖ rs (4, big-endian) ‖ idlen (1) ‖ keyid` (the keyid is
//! the sender's ephemeral public key, 65 bytes) followed by the single record:
//! AES-128-GCM of `plaintext ‖ 0x02` (the last-record delimiter, no padding).

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey, ECDH_P256};
use foxden_crypto::hkdf::hkdf_sha256;

/// The record size written in the header.
pub const RECORD_SIZE: u32 = 4096;
/// Header bytes: salt, record size, key id length, key id.
pub const HEADER_LEN: usize = 16 + 4 + 1 + 65;
/// The largest plaintext one record holds (RFC 8291 §4: push services accept
/// bodies of 4096 bytes: header, tag and delimiter included).
pub const MAX_PLAINTEXT: usize = 4096 - HEADER_LEN - 16 - 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EceError {
    /// The subscriber's public key is not a P-256 point (65 bytes, uncompressed).
    #[error("the push public key is not a P-256 point")]
    BadPublicKey,
    /// The auth secret is not 16 bytes.
    #[error("the push auth secret is not 16 bytes")]
    BadAuthSecret,
    #[error("the push payload is larger than one record")]
    TooLarge,
    /// Decryption only: a malformed body or a failed tag check.
    #[error("cannot decrypt the push body")]
    Undecryptable,
}

/// Encrypts `plaintext` for the subscriber (`ua_public`, `auth_secret`) with a
/// fresh ephemeral key and salt.
pub fn encrypt(
    ua_public: &[u8],
    auth_secret: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, EceError> {
    let ephemeral = PrivateKey::generate(&ECDH_P256).map_err(|_| EceError::BadPublicKey)?;
    let salt = foxden_crypto::random::bytes::<16>();
    encrypt_with(&ephemeral, &salt, ua_public, auth_secret, plaintext)
}

/// [`encrypt`] with a given ephemeral key and salt (the RFC's known-answer test).
pub fn encrypt_with(
    ephemeral: &PrivateKey,
    salt: &[u8; 16],
    ua_public: &[u8],
    auth_secret: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, EceError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(EceError::TooLarge);
    }
    if ua_public.len() != 65 || ua_public[0] != 4 {
        return Err(EceError::BadPublicKey);
    }
    let as_public = ephemeral
        .compute_public_key()
        .map_err(|_| EceError::BadPublicKey)?;
    let as_public = as_public.as_ref();
    let ecdh_secret = agreement::agree(
        ephemeral,
        UnparsedPublicKey::new(&ECDH_P256, ua_public),
        EceError::BadPublicKey,
        |secret| Ok(secret.to_vec()),
    )?;
    let (cek, nonce) = keys(&ecdh_secret, auth_secret, ua_public, as_public, salt)?;

    let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + 17);
    out.extend_from_slice(salt);
    out.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    out.push(as_public.len() as u8);
    out.extend_from_slice(as_public);
    let mut record = Vec::with_capacity(plaintext.len() + 17);
    record.extend_from_slice(plaintext);
    record.push(0x02);
    seal_key(&cek)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            &mut record,
        )
        .map_err(|_| EceError::TooLarge)?;
    out.extend_from_slice(&record);
    Ok(out)
}

/// Decrypts a one-record body with the subscriber's private key (for tests and
/// tools; foxden only sends).
pub fn decrypt(
    ua_private: &PrivateKey,
    auth_secret: &[u8],
    body: &[u8],
) -> Result<Vec<u8>, EceError> {
    let bad = EceError::Undecryptable;
    if body.len() < 21 {
        return Err(bad);
    }
    let salt: [u8; 16] = body[..16].try_into().map_err(|_| bad.clone())?;
    let idlen = usize::from(body[20]);
    let as_public = body.get(21..21 + idlen).ok_or(bad.clone())?;
    let record = body.get(21 + idlen..).ok_or(bad.clone())?;
    let ua_public = ua_private.compute_public_key().map_err(|_| bad.clone())?;
    let ecdh_secret = agreement::agree(
        ua_private,
        UnparsedPublicKey::new(&ECDH_P256, as_public),
        bad.clone(),
        |secret| Ok(secret.to_vec()),
    )?;
    let (cek, nonce) = keys(
        &ecdh_secret,
        auth_secret,
        ua_public.as_ref(),
        as_public,
        &salt,
    )?;
    let mut record = record.to_vec();
    let plain = seal_key(&cek)
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            &mut record,
        )
        .map_err(|_| bad.clone())?;
    // Strip the padding (zeros) and the last-record delimiter.
    let end = plain.iter().rposition(|b| *b != 0).ok_or(bad.clone())?;
    if plain[end] != 0x02 {
        return Err(bad);
    }
    Ok(plain[..end].to_vec())
}

/// The content-encryption key and nonce of RFC 8291 §3.4 / RFC 8188 §2.2.
fn keys(
    ecdh_secret: &[u8],
    auth_secret: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8; 16],
) -> Result<([u8; 16], [u8; 12]), EceError> {
    if auth_secret.len() != 16 {
        return Err(EceError::BadAuthSecret);
    }
    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    hkdf_sha256(ecdh_secret, Some(auth_secret), &key_info, &mut ikm);
    let mut cek = [0u8; 16];
    hkdf_sha256(&ikm, Some(salt), b"Content-Encoding: aes128gcm\0", &mut cek);
    let mut nonce = [0u8; 12];
    hkdf_sha256(&ikm, Some(salt), b"Content-Encoding: nonce\0", &mut nonce);
    Ok((cek, nonce))
}

fn seal_key(cek: &[u8; 16]) -> LessSafeKey {
    // A 16-byte key is always a valid AES-128 key.
    LessSafeKey::new(UnboundKey::new(&AES_128_GCM, cek).unwrap_or_else(|_| unreachable!()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn b64(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    // RFC 8291, Appendix A.
    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str =
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const BODY: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    #[test]
    fn rfc8291_appendix_a_known_answer() {
        let ephemeral = PrivateKey::from_private_key(&ECDH_P256, &b64(AS_PRIVATE)).unwrap();
        assert_eq!(
            ephemeral.compute_public_key().unwrap().as_ref(),
            b64(AS_PUBLIC)
        );
        let salt: [u8; 16] = b64(SALT).try_into().unwrap();
        let body = encrypt_with(&ephemeral, &salt, &b64(UA_PUBLIC), &b64(AUTH), PLAINTEXT).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(&body), BODY);

        let ua = PrivateKey::from_private_key(&ECDH_P256, &b64(UA_PRIVATE)).unwrap();
        assert_eq!(decrypt(&ua, &b64(AUTH), &b64(BODY)).unwrap(), PLAINTEXT);
    }

    #[test]
    fn fresh_encryptions_differ_and_decrypt() {
        let ua = PrivateKey::from_private_key(&ECDH_P256, &b64(UA_PRIVATE)).unwrap();
        let a = encrypt(&b64(UA_PUBLIC), &b64(AUTH), b"{}").unwrap();
        let b = encrypt(&b64(UA_PUBLIC), &b64(AUTH), b"{}").unwrap();
        assert_ne!(a, b, "fresh salt and ephemeral key");
        assert_eq!(decrypt(&ua, &b64(AUTH), &a).unwrap(), b"{}");
        assert_eq!(&a[16..20], &RECORD_SIZE.to_be_bytes());
        assert_eq!(a[20], 65);
        let mut wrong_auth = b64(AUTH);
        wrong_auth[0] ^= 1;
        assert_eq!(decrypt(&ua, &wrong_auth, &a), Err(EceError::Undecryptable));
    }

    #[test]
    fn bad_keys_and_sizes_are_errors_not_panics() {
        let auth = b64(AUTH);
        let ua = b64(UA_PUBLIC);
        let mut off_curve = ua.clone();
        off_curve[64] ^= 1;
        for key in [&b""[..], &ua[..33], &off_curve[..], &[0u8; 65][..]] {
            assert_eq!(
                encrypt(key, &auth, b"x"),
                Err(EceError::BadPublicKey),
                "{key:?}"
            );
        }
        assert_eq!(
            encrypt(&ua, &auth[..15], b"x"),
            Err(EceError::BadAuthSecret)
        );
        let max = vec![b'a'; MAX_PLAINTEXT];
        assert_eq!(encrypt(&ua, &auth, &max).unwrap().len(), 4096);
        assert_eq!(
            encrypt(&ua, &auth, &[max, vec![b'a']].concat()),
            Err(EceError::TooLarge)
        );
        let ua_private = PrivateKey::from_private_key(&ECDH_P256, &b64(UA_PRIVATE)).unwrap();
        for body in [&b""[..], &[0u8; 30][..], &b64(BODY)[..100]] {
            assert_eq!(
                decrypt(&ua_private, &auth, body),
                Err(EceError::Undecryptable)
            );
        }
    }
}
