//! Column lists shared by both backends, as macros so that queries can be
//! built with `concat!` at compile time. Row mappers read columns by these positions.

/// `accounts`: 20 columns.
macro_rules! account_cols {
    () => {
        "uid, email, normalized_email, email_code, email_verified, ka, wrap_wrap_kb, auth_salt, \
         verify_hash, verifier_version, verifier_set_at, client_salt, verify_hash_v2, \
         wrap_wrap_kb_v2, created_at, locale, keys_changed_at, profile_changed_at, disabled_at, \
         locked_at"
    };
}

/// `session_tokens`: 16 columns.
macro_rules! session_cols {
    () => {
        "id_hash, auth_key_sealed, uid, created_at, ua_browser, ua_browser_version, ua_os, \
         ua_os_version, ua_device_type, ua_form_factor, last_access_time, auth_at, \
         token_verification_id, must_verify, verification_method, verified_at"
    };
}

/// `key_fetch_tokens`: 6 columns.
macro_rules! key_fetch_cols {
    () => {
        "id_hash, auth_key_sealed, uid, created_at, key_bundle, token_verification_id"
    };
}

/// `password_change_tokens` and `account_reset_tokens`: 4 columns.
macro_rules! core_cols {
    () => {
        "id_hash, auth_key_sealed, uid, created_at"
    };
}

/// `password_forgot_tokens`: 6 columns.
macro_rules! forgot_cols {
    () => {
        "id_hash, auth_key_sealed, uid, created_at, pass_code, tries"
    };
}

pub(crate) use {account_cols, core_cols, forgot_cols, key_fetch_cols, session_cols};
