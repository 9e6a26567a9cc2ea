//! PROTOCOL.md Appendix A, end to end.

use foxden_crypto::bundle::{self, BundleError, KEYS_INFO};
use foxden_crypto::hkdf::hkdf_sha256;
use foxden_crypto::kw::kw;
use foxden_crypto::onepw;
use foxden_crypto::token::{derive, TokenKind};
use foxden_crypto::verifier::{self, IkmMode};
use foxden_crypto::xor32;

const EMAIL: &str = "andré@example.org";
const PASSWORD: &str = "pässwörd";
const QUICK_STRETCHED: &str = "e4e8889bd8bd61ad6de6b95c059d56e7b50dacdaf62bd84644af7e2add84345d";
const AUTH_PW: &str = "247b675ffb4c46310bc87e26d712153abe5e1c90ef00a4784594f97ef54f2375";
const AUTH_SALT: &str = "00f0000000000000000000000000000000000000000000000000000000000000";
const BIG_STRETCHED: &str = "441509e25c92ee103d5a1a874e6f155df25a44d06e61c894616c9e85181dba97";
const KA: &str = "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
const WRAPWRAP_KB: &str = "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f";
const WRAP_KB: &str = "7effe354abecbcb234a8dfc2d7644b4ad339b525589738f2d27341bb8622ecd8";

fn h32(s: &str) -> [u8; 32] {
    hex::decode(s).unwrap().try_into().unwrap()
}

fn token_data(first: u8) -> [u8; 32] {
    std::array::from_fn(|i| first + i as u8)
}

#[test]
fn inputs_encode_as_documented() {
    assert_eq!(hex::encode(EMAIL), "616e6472c3a9406578616d706c652e6f7267");
    assert_eq!(hex::encode(PASSWORD), "70c3a4737377c3b67264");
}

#[test]
fn v1_client_stretch() {
    let stretched = onepw::quick_stretch_v1(PASSWORD, EMAIL);
    assert_eq!(hex::encode(stretched), QUICK_STRETCHED);
    assert_eq!(hex::encode(onepw::auth_pw(&stretched)), AUTH_PW);
    assert_eq!(
        hex::encode(onepw::unwrap_bkey(&stretched)),
        "de6a2648b78284fcb9ffa81ba95803309cfba7af583c01a8a1a63e567234dd28"
    );
}

#[test]
fn server_scrypt_and_verifier_both_ikm_modes() {
    let (auth_pw, salt) = (h32(AUTH_PW), h32(AUTH_SALT));
    let big = verifier::scrypt_stretch(&auth_pw, &salt);
    assert_eq!(hex::encode(big), BIG_STRETCHED);

    let raw = verifier::verifier_from_stretched(&big, IkmMode::RawBytes);
    assert_eq!(
        hex::encode(raw.verify_hash),
        "a4765bf103dc057f4cf4bc2c131ddb6716e8a4333cc55e1d3c449f31f0eec4f1"
    );
    assert_eq!(
        hex::encode(raw.wrapwrap_key),
        "3ebea117efa9faf57ce195899b2905058368e7760cc26ea58a2a1be0da7fb287"
    );

    let node = verifier::verifier_from_stretched(&big, IkmMode::AsciiHex);
    let node_vh = "35307c883460cf869144774461be1794914d9d9c35c0a82bca48733bec367e20";
    let node_wwk = "ae5226f7c3923afada2396df93d66b37def0131a3651975ec8f6c83808796418";
    assert_eq!(hex::encode(node.verify_hash), node_vh);
    assert_eq!(hex::encode(node.wrapwrap_key), node_wwk);

    // compute(v1) = scrypt + ASCII-hex IKM, as Mozilla's Node server.
    let v1 = verifier::compute(&auth_pw, &salt, 1);
    assert_eq!(hex::encode(v1.verify_hash), node_vh);
    assert_eq!(hex::encode(v1.wrapwrap_key), node_wwk);
}

#[test]
fn verifier_v0_is_xor_with_raw_ikm() {
    let (auth_pw, salt) = (h32(AUTH_PW), h32(AUTH_SALT));
    let v0 = verifier::compute(&auth_pw, &salt, 0);
    let expect = verifier::verifier_from_stretched(&xor32(&auth_pw, &salt), IkmMode::RawBytes);
    assert_eq!(v0.verify_hash, expect.verify_hash);
    assert_eq!(v0.wrapwrap_key, expect.wrapwrap_key);
    let ascii = verifier::verifier_from_stretched(&xor32(&auth_pw, &salt), IkmMode::AsciiHex);
    assert_ne!(v0.verify_hash, ascii.verify_hash);
}

#[test]
fn key_wrapping_chain() {
    let stretched = onepw::quick_stretch_v1(PASSWORD, EMAIL);
    let wrapwrap_key =
        verifier::verifier_from_stretched(&h32(BIG_STRETCHED), IkmMode::RawBytes).wrapwrap_key;
    let wrap_kb = xor32(&h32(WRAPWRAP_KB), &wrapwrap_key);
    assert_eq!(hex::encode(wrap_kb), WRAP_KB);
    let kb = xor32(&wrap_kb, &onepw::unwrap_bkey(&stretched));
    assert_eq!(
        hex::encode(kb),
        "a095c51c1c6e384e8d5777d97e3c487a4fc2128a00ab395a73d57fedf41631f0"
    );
}

fn check_token(kind: TokenKind, first: u8, id: &str, auth_key: &str) -> [u8; 32] {
    let t = derive(&token_data(first), kind);
    assert_eq!(hex::encode(t.id), id, "{kind:?} id");
    assert_eq!(hex::encode(t.auth_key), auth_key, "{kind:?} authKey");
    t.bundle_key
}

#[test]
fn token_derivation_all_kinds() {
    let bk = check_token(
        TokenKind::KeyFetch,
        0x80,
        "3d0a7c02a15a62a2882f76e39b6494b500c022a8816e048625a495718998ba60",
        "87b8937f61d38d0e29cd2d5600b3f4da0aa48ac41de36a0efe84bb4a9872ceb7",
    );
    assert_eq!(
        hex::encode(bk),
        "14f338a9e8c6324d9e102d4e6ee83b209796d5c74bb734a410e729e014a4a546"
    );
    let bk = check_token(
        TokenKind::Session,
        0xa0,
        "c0a29dcf46174973da1378696e4c82ae10f723cf4f4d9f75e39f4ae3851595ab",
        "9d8f22998ee7f5798b887042466b72d53e56ab0c094388bf65831f702d2febc0",
    );
    assert_eq!(
        hex::encode(bk),
        "37e3fceb754cb57362a8bd60a2f2344a7c285d17ddb2b57733640ce6d1b6a7a8"
    );
    check_token(
        TokenKind::AccountReset,
        0xc0,
        "46ec557e56e531a058620e9344ca9c75afac0d0bcbdd6f8c3c2f36055d9540cf",
        "716ebc28f5122ef48670a48209190a1605263c3188dfe45256265929d1c45e48",
    );
    check_token(
        TokenKind::PasswordChange,
        0x60,
        "8c0be83259172d3a8ded6798bc52f7924b198f3d50b4ca506a980291048112b3",
        "625c328088856a66626829634b67b3f153f484cbda93fffb5782d288f3ed70a8",
    );
    check_token(
        TokenKind::PasswordForgot,
        0xe0,
        "38dfd4b5538ba183804693ad49a25714a322fa007cce0c617dc90d1f509c555c",
        "6f273c9f0e9b452d21f42a7e4fff3bfa46faff4dd340163136dfc5c2c4d160c3",
    );
}

const BUNDLE_CT: &str = "ee5c58845c7c9412b11bbd20920c2fddd83c33c9cd2c2de2d66b222613364636\
                         fc7e59d854d599f10e212801de3a47c34333f3b838ee3471e0f285649c332bbb";
const BUNDLE_MAC: &str = "4c17f42a0b319bbba327d2b326ad23e937219b4de32e3ec7b3e3f740522ad6ef";

fn keys_plaintext() -> Vec<u8> {
    [h32(KA), h32(WRAP_KB)].concat()
}

#[test]
fn keys_bundle_response_keys() {
    let bundle_key = derive(&token_data(0x80), TokenKind::KeyFetch).bundle_key;
    let mut k = [0u8; 96];
    hkdf_sha256(&bundle_key, None, &kw(KEYS_INFO), &mut k);
    assert_eq!(
        hex::encode(&k[..32]),
        "f824d2953aab9faf51a1cb65ba9e7f9e5bf91c8d8fd1ac1c8c2d31853a8a1210"
    );
    assert_eq!(
        hex::encode(&k[32..]),
        "ce7d7aa77859b2359932970bbe2101f2e80d01faf9191bd5ee52181d2f0b7809\
         8281ba8cff3925433a89f7c3095e0c89900a469d60790c833281c4df1a11c763"
    );
}

#[test]
fn keys_bundle_seal_and_open() {
    let bundle_key = derive(&token_data(0x80), TokenKind::KeyFetch).bundle_key;
    let sealed = bundle::seal(&bundle_key, KEYS_INFO, &keys_plaintext());
    assert_eq!(sealed.len(), 96);
    assert_eq!(hex::encode(&sealed[..64]), BUNDLE_CT);
    assert_eq!(hex::encode(&sealed[64..]), BUNDLE_MAC);
    let wire = hex::decode(format!("{BUNDLE_CT}{BUNDLE_MAC}")).unwrap();
    assert_eq!(
        bundle::open(&bundle_key, KEYS_INFO, &wire).unwrap(),
        keys_plaintext()
    );
}

#[test]
fn keys_bundle_rejects_tampered_mac() {
    let bundle_key = derive(&token_data(0x80), TokenKind::KeyFetch).bundle_key;
    let mut wire = hex::decode(format!("{BUNDLE_CT}{BUNDLE_MAC}")).unwrap();
    wire[95] ^= 0x01;
    assert_eq!(
        bundle::open(&bundle_key, KEYS_INFO, &wire),
        Err(BundleError::BadMac)
    );
    wire[95] ^= 0x01;
    wire[0] ^= 0x01;
    assert_eq!(
        bundle::open(&bundle_key, KEYS_INFO, &wire),
        Err(BundleError::BadMac)
    );
}
