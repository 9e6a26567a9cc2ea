//! Assertions signed by a DSA (`DS`) user key, checked as Mozilla's verifier does.
//!
//! Mozilla's OAuth server (`packages/fxa-auth-server/lib/oauth/assertion.js`) posts a
//! bundle to its BrowserID verifier, which checks it with browserid-local-verify and
//! jwcrypto (`mozilla/browserid-crypto`, `lib/algs/ds.js`, `lib/jwcrypto.js`). The
//! clients that sign DSA assertions are jwcrypto and PyBrowserID (`browserid/jwt.py`,
//! `browserid/crypto/fallback.py`), which PyFxA 0.7.9's `Session.get_identity_assertion`
//! uses by default: `fxa/crypto.py`'s `generate_keypair` makes a 1024-bit key with
//! `cryptography` and signs with `DS128Key`. What they agree on:
//!
//! * **Key.** The certificate's `public-key` is `{"algorithm": "DS", "p", "q", "g", "y"}`,
//!   each a hex number (`int(v, 16)` in PyBrowserID, `new BigInteger(v, 16)` in jwcrypto):
//!   lower-case without leading zeros from both (so possibly an odd number of digits),
//!   upper-case with a leading `00` byte from Firefox. `/certificate/sign` takes only this
//!   form ([`crate::api::browserid`]).
//! * **Algorithms.** `DS128`: 1024-bit `p`, 160-bit `q`, SHA-1. `DS256`: 2048-bit `p`,
//!   256-bit `q`, SHA-256 (PyBrowserID's `DS128Key`/`DS256Key` `BITLENGTH` and `HASHMOD`;
//!   jwcrypto's `KEYSIZES`, whose 1024/160 group is named 128 "for backwards
//!   compatibility"). jwcrypto names a key's algorithm `DS` + its size, read from the
//!   key's bit length, and refuses a JWS whose header `alg` is another ("algorithms do
//!   not match"); so the header must be the one that fits the key.
//! * **Digest.** The hash of the ASCII signing input `header.payload`, taken whole as
//!   the integer `z` (the hash is exactly `q`'s size, so nothing is truncated).
//! * **Signature.** The JWS signature is base64url of `r ‖ s`, each big-endian and
//!   left-padded to `q`'s size: 20 + 20 bytes for `DS128`, 32 + 32 for `DS256`
//!   (PyBrowserID `int2bytes(r).rjust(bytelength)`, jwcrypto `hex_lpad`). Verifiers
//!   left-pad a shorter signature with zeros and refuse a longer one; `r` and `s` must
//!   be in `1..q` (PyBrowserID; jwcrypto's bounds are looser but such values never verify).
//!
//! foxden verifies with aws-lc's DSA ([`foxden_crypto::dsa`]) and is stricter about
//! keys no DSA implementation makes: `p` and `q` must have exactly the algorithm's bit
//! lengths (jwcrypto reads the size from `y`, within 30 bits), `g` and `y` must lie in
//! `2..p`, and aws-lc refuses an even `p` or `q`. The group itself (`q` prime and
//! dividing `p - 1`, `g` of order `q`) is not checked, as neither jwcrypto nor
//! PyBrowserID checks it.

use aws_lc_rs::digest;
use serde_json::Value;
use std::cmp::Ordering;

/// One BrowserID DSA algorithm: its `alg`, the key's bit lengths and the hash.
struct Algorithm {
    alg: &'static str,
    p_bits: usize,
    q_bits: usize,
    hash: &'static digest::Algorithm,
}

const ALGORITHMS: [Algorithm; 2] = [
    Algorithm {
        alg: "DS128",
        p_bits: 1024,
        q_bits: 160,
        hash: &digest::SHA1_FOR_LEGACY_USE_ONLY,
    },
    Algorithm {
        alg: "DS256",
        p_bits: 2048,
        q_bits: 256,
        hash: &digest::SHA256,
    },
];

/// A hex number (either case, any number of digits) as big-endian bytes without
/// leading zeros (zero is empty).
fn hex_number(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || hex.len() > 2048 {
        return None;
    }
    let even = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_string()
    };
    let bytes = hex::decode(even).ok()?;
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    Some(bytes[start..].to_vec())
}

/// The bit length of a big-endian number without leading zeros.
fn bits(n: &[u8]) -> usize {
    n.first()
        .map_or(0, |top| n.len() * 8 - top.leading_zeros() as usize)
}

/// `a` against `b`, both big-endian without leading zeros.
fn compare(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Whether `1 < x < p`.
fn in_group(x: &[u8], p: &[u8]) -> bool {
    compare(x, &[1]) == Ordering::Greater && compare(x, p) == Ordering::Less
}

/// Whether `signature` (the JWS's decoded third part) is `public_key`'s DSA
/// signature of `signed` under the header's `alg`.
pub(super) fn verifies(alg: &str, public_key: &Value, signed: &[u8], signature: &[u8]) -> bool {
    let Some(algorithm) = ALGORITHMS.iter().find(|a| a.alg == alg) else {
        return false;
    };
    let number = |name: &str| public_key[name].as_str().and_then(hex_number);
    let (Some(p), Some(q), Some(g), Some(y)) = (number("p"), number("q"), number("g"), number("y"))
    else {
        return false;
    };
    if bits(&p) != algorithm.p_bits
        || bits(&q) != algorithm.q_bits
        || !in_group(&g, &p)
        || !in_group(&y, &p)
    {
        return false;
    }
    let width = algorithm.q_bits / 8;
    if signature.len() > 2 * width {
        return false;
    }
    let mut rs = vec![0u8; 2 * width];
    rs[2 * width - signature.len()..].copy_from_slice(signature);
    let digest = digest::digest(algorithm.hash, signed);
    let key = foxden_crypto::dsa::PublicKey {
        p: &p,
        q: &q,
        g: &g,
        y: &y,
    };
    foxden_crypto::dsa::verify(&key, digest.as_ref(), &rs[..width], &rs[width..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use serde_json::json;

    /// DS128: PyFxA 0.7.9's default keypair (`fxa.crypto.generate_keypair`, 1024/160), in PyBrowserID's hex form.
    const DS128_KEY: [&str; 4] = [
        "a200cbb5d373a516022672064ad9a631cc8e312714f0ee3fedab20b646bb099c15edf589a900619e\
         8b3289621175b12065350e14dd769d0c0f52a3bfbe63d106ce2bb6009ce62ce635f4a508473aaa1c\
         38dfe04cb08141b29159fc54fe35558b984a7d299c0ffabd6f228e929138a142b05beb5b0165e563\
         1aa51bc107fcccbf",
        "9414c22e6b651575f841a46123082e3b61d953c3",
        "587e3dcc03c508b31137f3b15216d8160e86e37109fbfcebf6eeef457d5b5eb6a0e32f24c90f8cca\
         a9e4603d5c3cb4d4b2c3b2810078acd16bc6ffb6ecb4ee77d8c28c4afecd58d3cedc4f392c0b8e76\
         a42289ebe2834a2c9ae4ebfd80db88c5ad80faf2e82e9a4d41ae388dbd4a6d9932a3c6501717dc32\
         2aefecc39ab11670",
        "11af9835ac8eee2087a92081ba673aa88983e8e6a3af741b88d213978ed815fc717c738dbbd39e1a\
         1bc48181b9715b2c722a15d69d0ae97c6c13a25ac42618dccde07d7ee6237eb86be5bec20242474e\
         9d97476001e92771e353fe4aa5e8345d3f1d528b4fe6e9bbc7e2bbed77baba8b6a60d66dc16a976b\
         30e8eec27abdde16",
    ];
    /// DS256: a 2048/256 key from `cryptography`, as PyBrowserID's `DS256Key`, in PyBrowserID's hex form.
    const DS256_KEY: [&str; 4] = [
        "a6d5ffcd75165433b40046c87dafd5e6ffaea1b97cc26b0781487aa242d0c8a5fb0b9260347c377f\
         d36a4d9dd542227a5f0a17a8cb939f7c7408fdf677d5f7ea7d62e56607901120c9abc9df5f12d6cb\
         b9d3164353b1bf20a9f8026b58e119ad98455f7dd17af9f683ef474a9dd5ebf86d575db8bcfcb7ff\
         f75123496f30400068df5c8a92d5b9e9965aabe3192ecb9c7ee90a14ae04d39c6ba0727ff1d09648\
         7aa4e59bb4bafa0d3a9f19a1747f99996c06d8b7ef610c6331e86b792a4d7809e3e8a00999cc2c92\
         46c14597a6e8a3dfb4b58f7e78d988bbf1cd68101014815fe014f7df76a72e2854d473452b42ebe3\
         d1057c73284455f038440b9fb21c21fd",
        "c081c9d64d5d16abc4fc6850cb840103cf815d5914aa882ce4d1b79a2b9fb685",
        "7c5432a1617c6631cd40ec3c32cab20af42b47409171bad6d1ab3668dccb987a770121f601ef3af4\
         db88ef88f809a5aefd7cc5e9216716edc1c4d99fb3fc892edea0131ece4ccf918a51d060ef948c57\
         519c2406bfca821a1e40b4baf0ba8a5eb4d0899bebc690f0eded84fb5d8774042cb20ee6508049d6\
         225ad3e4770a8e8359b06905d1bd18f3ebba951c341b6f696579216429c0d62a3fb5c2212bbbe959\
         6640b816db53fd27f7cd473ce3a8be50032f10a9fa19b8aa12bd59dc967f51c8036d95a8966bb09c\
         a22bc121d2d011ecb2b0c2297b59db7dfc283892b4caa7ff9ba0da9d92bcc6b3fa4a1a3416a7d42d\
         8035788a2337a4fd8d28995ca94681a8",
        "26fe2002e3bea348d1e1470cbae0a30b2f099ab2d0831b1805e5614e5338593b870df1240a82b50c\
         2100cc85883ff2f58cb08aa2e699aa78b5cfb9d808000c85864adcca3f82762b822cac40b1e63c05\
         eec555eff13f2c107c8b0ad64280706a96448173884a36713f9738c5ad1d3ba15d022d63837f184e\
         e95da27d4a1f7b71f1fd12e25d7bd7c51025a8055c71b00d0eda40d2de649a2cbea019a00e249e1a\
         10a237d347bae2227734c9a98c46cb0afd8b9411b721ccdd8bf885ffd408abe38c52063fa9f3140e\
         af215c3b66000460b99c757b12ed0d38e394eb4a611768a4429028e59d231457445f802153607f96\
         3f387eb2d369b369e2f14ed7b5620c5",
    ];
    /// What PyBrowserID's `jwt.generate` signed: `{"alg": "DS128"}` / `{"alg": "DS256"}`
    /// and `{"exp": 4102444800000, "aud": "https://foxden.example"}`.
    const DS128_SIGNED: &str = "eyJhbGciOiAiRFMxMjgifQ.\
        eyJleHAiOiA0MTAyNDQ0ODAwMDAwLCAiYXVkIjogImh0dHBzOi8vZm94ZGVuLmV4YW1wbGUifQ";
    const DS256_SIGNED: &str = "eyJhbGciOiAiRFMyNTYifQ.\
        eyJleHAiOiA0MTAyNDQ0ODAwMDAwLCAiYXVkIjogImh0dHBzOi8vZm94ZGVuLmV4YW1wbGUifQ";
    /// PyBrowserID's signatures (`r` of the DS128 one starts with a zero byte).
    const DS128_SIGNATURE: &str = "AJui3bn4CqquSJkdHXgi1KrORUkaFJOPGHAtwv7CXFQlCCYr6z7OAg";
    const DS256_SIGNATURE: &str = "Q5d6fziLHoT4xndVknKdGcbLA77nCZ6NRkiPRwiFsMFQVzRCfqJWW-VN0lP2\
        vtUWuG8kMX4JWuqBjfyLIFU7pg";

    fn key([p, q, g, y]: [&str; 4]) -> Value {
        json!({"algorithm": "DS", "p": p, "q": q, "g": g, "y": y})
    }

    fn sig(b64: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(b64).unwrap()
    }

    #[test]
    fn pybrowserids_signatures_verify() {
        let ds128 = key(DS128_KEY);
        let ds256 = key(DS256_KEY);
        let (s128, s256) = (sig(DS128_SIGNATURE), sig(DS256_SIGNATURE));
        assert_eq!((s128.len(), s128[0], s256.len()), (40, 0, 64));
        assert!(verifies("DS128", &ds128, DS128_SIGNED.as_bytes(), &s128));
        assert!(verifies("DS256", &ds256, DS256_SIGNED.as_bytes(), &s256));
        // A signature without the leading zero byte is padded back, as jwcrypto does.
        assert!(verifies(
            "DS128",
            &ds128,
            DS128_SIGNED.as_bytes(),
            &s128[1..]
        ));
        // Firefox's form of the key: upper-case, a leading zero byte.
        let upper = |v: &str| format!("00{}", v.to_uppercase());
        let firefox = json!({"algorithm": "DS", "p": upper(DS128_KEY[0]),
            "q": upper(DS128_KEY[1]), "g": upper(DS128_KEY[2]), "y": upper(DS128_KEY[3])});
        assert!(verifies("DS128", &firefox, DS128_SIGNED.as_bytes(), &s128));
    }

    #[test]
    fn tampered_signatures_and_messages_are_refused() {
        let ds128 = key(DS128_KEY);
        let signed = DS128_SIGNED.as_bytes();
        let good = sig(DS128_SIGNATURE);
        for at in [1, 19, 20, 39] {
            let mut bad = good.clone();
            bad[at] ^= 0x01;
            assert!(!verifies("DS128", &ds128, signed, &bad), "byte {at}");
        }
        let mut message = signed.to_vec();
        let last = message.len() - 2;
        message[last] ^= 0x01;
        assert!(!verifies("DS128", &ds128, &message, &good));
        // One byte too long (even a leading zero), empty, s and r swapped.
        let longer = [&[0u8][..], &good].concat();
        assert!(!verifies("DS128", &ds128, signed, &longer));
        assert!(!verifies("DS128", &ds128, signed, &[]));
        let swapped = [&good[20..], &good[..20]].concat();
        assert!(!verifies("DS128", &ds128, signed, &swapped));
        // The DS256 signature over the DS128 message.
        let ds256 = key(DS256_KEY);
        assert!(!verifies("DS256", &ds256, signed, &sig(DS256_SIGNATURE)));
    }

    #[test]
    fn the_alg_must_fit_the_key() {
        let (ds128, ds256) = (key(DS128_KEY), key(DS256_KEY));
        let (s128, s256) = (sig(DS128_SIGNATURE), sig(DS256_SIGNATURE));
        let signed = DS128_SIGNED.as_bytes();
        assert!(!verifies("DS256", &ds128, signed, &s128));
        assert!(!verifies("DS128", &ds256, DS256_SIGNED.as_bytes(), &s256));
        for alg in ["DS160", "ds128", "DS", "RS256", ""] {
            assert!(!verifies(alg, &ds128, signed, &s128), "{alg}");
        }
    }

    /// Through the assertion check: the claims come out, and a `DS` key never pairs with
    /// `RS256` nor an `RS` key with `DS128`.
    #[test]
    fn certified_key_and_header_alg_pair_strictly() {
        let jws = format!("{DS128_SIGNED}.{DS128_SIGNATURE}");
        let claims = super::super::signed_by_certified_key(&key(DS128_KEY), &jws).unwrap();
        assert_eq!(
            (claims.aud.as_str(), claims.exp),
            ("https://foxden.example", 4102444800000)
        );
        let mut as_rs = key(DS128_KEY);
        as_rs["algorithm"] = json!("RS");
        as_rs["n"] = json!("65537");
        as_rs["e"] = json!("3");
        assert!(super::super::signed_by_certified_key(&as_rs, &jws).is_none());
        let rs256 = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let body = DS128_SIGNED.split('.').nth(1).unwrap();
        let relabelled = format!("{rs256}.{body}.{DS128_SIGNATURE}");
        assert!(super::super::signed_by_certified_key(&key(DS128_KEY), &relabelled).is_none());
        let mut unknown = key(DS128_KEY);
        unknown["algorithm"] = json!("DSA");
        assert!(super::super::signed_by_certified_key(&unknown, &jws).is_none());
    }

    #[test]
    fn odd_or_out_of_range_keys_are_refused() {
        let signed = DS128_SIGNED.as_bytes();
        let s128 = sig(DS128_SIGNATURE);
        let [p, q, g, _] = DS128_KEY;
        let with = |name: &str, value: &str| {
            let mut k = key(DS128_KEY);
            k[name] = json!(value);
            k
        };
        for bad in [
            with("y", "1"),
            with("y", "0"),
            with("y", p),
            with("g", "1"),
            with("g", p),
            with("p", &p[1..]),
            with("p", &format!("{p}0")),
            with("q", &q[1..]),
            with("q", p),
            with("q", ""),
            with("q", "xyz"),
            with("g", &format!("-{g}")),
        ] {
            assert!(!verifies("DS128", &bad, signed, &s128), "{bad}");
        }
        let mut missing = key(DS128_KEY);
        missing.as_object_mut().unwrap().remove("y");
        assert!(!verifies("DS128", &missing, signed, &s128));
    }

    #[test]
    fn hex_numbers() {
        assert_eq!(hex_number("0").unwrap(), Vec::<u8>::new());
        assert_eq!(hex_number("00ff").unwrap(), vec![0xff]);
        assert_eq!(hex_number("1ff").unwrap(), vec![1, 0xff]);
        assert_eq!(hex_number("ABcd").unwrap(), vec![0xab, 0xcd]);
        assert!(hex_number("").is_none());
        assert!(hex_number("0x1").is_none());
        assert_eq!(bits(&[1, 0]), 9);
        assert_eq!(bits(&[]), 0);
        assert_eq!(compare(&[2], &[1, 0]), Ordering::Less);
    }
}
