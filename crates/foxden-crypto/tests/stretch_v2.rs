//! V2 client stretching (PBKDF2 650 000) and the PyFxA dummy vectors.

use foxden_crypto::onepw::{self, CLIENT_SALT_V2_PREFIX};

#[test]
fn v2_vector() {
    let salt = "identity.mozilla.com/picl/v1/quickStretchV2:c2dc400c9cc1a93dd3cd3af1b05ebd60";
    assert!(onepw::is_valid_client_salt(salt));
    let stretched = onepw::stretch_v2("pässwörd", salt);
    assert_eq!(
        hex::encode(stretched),
        "b38b6a81c851c34343899bb1c64bd179cdddea840260849444b0b91b413a80de"
    );
    assert_eq!(
        hex::encode(onepw::auth_pw(&stretched)),
        "28c81379c31905d16f9aa9c63fcf0950094e413e16a9c9be41f52dbb09af518e"
    );
    assert_eq!(
        hex::encode(onepw::unwrap_bkey(&stretched)),
        "e1c1f362437c8977e2ad8372cafcaf873df7dce30ae351bcd262af05e84caa92"
    );
}

#[test]
fn pyfxa_dummy_v1() {
    let stretched = onepw::quick_stretch_v1("l33tP@55W0rd", "PyFxATester@restmail.net");
    assert_eq!(
        hex::encode(stretched),
        "59eb52f6ee5ebe2b599161aaa9b171c3baa8bed594d4e2a8b4b539fb9eba8368"
    );
}

#[test]
fn pyfxa_dummy_v2() {
    let salt = format!("{CLIENT_SALT_V2_PREFIX}735e18bdc1e83d964930be1e89591263");
    let stretched = onepw::stretch_v2("l33tP@55W0rd", &salt);
    assert_eq!(
        hex::encode(stretched),
        "570b9e5d11640357648fc9dcda78b767fc3676393016391762a21133d291fd1d"
    );
}
