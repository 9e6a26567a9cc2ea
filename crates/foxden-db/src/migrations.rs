//! The schema, as one ordered list of numbered migrations shared by both backends.
//!
//! Each migration is written once, in PostgreSQL's type names (`BYTEA`, `BIGINT`,
//! `INTEGER`, `BOOLEAN`, `TEXT`); [`for_sqlite`] maps those to SQLite's storage
//! classes. So the two schemas have the same tables, columns, keys and indexes by
//! construction, and cannot drift apart. Backends apply the pending ones in one
//! transaction and record each in `schema_migrations(version, applied_at)`.
//!
//! Never edit a migration that has shipped: append a new one.

/// One schema step.
pub(crate) struct Migration {
    pub version: i64,
    pub name: &'static str,
    /// Statements separated by `;`, PostgreSQL type names.
    pub sql: &'static str,
}

/// The table that records applied migrations (same on both backends).
pub(crate) const CREATE_MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT NOT NULL PRIMARY KEY,
    applied_at BIGINT NOT NULL
)";

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts and tokens",
        sql: "
CREATE TABLE accounts (
    uid BYTEA NOT NULL PRIMARY KEY,
    email TEXT NOT NULL,
    normalized_email TEXT NOT NULL UNIQUE,
    email_code BYTEA NOT NULL,
    email_verified BOOLEAN NOT NULL,
    ka BYTEA NOT NULL,
    wrap_wrap_kb BYTEA NOT NULL,
    auth_salt BYTEA NOT NULL,
    verify_hash BYTEA NOT NULL,
    verifier_version INTEGER NOT NULL,
    verifier_set_at BIGINT NOT NULL,
    client_salt TEXT,
    verify_hash_v2 BYTEA,
    wrap_wrap_kb_v2 BYTEA,
    created_at BIGINT NOT NULL,
    locale TEXT,
    keys_changed_at BIGINT NOT NULL,
    profile_changed_at BIGINT NOT NULL,
    disabled_at BIGINT,
    locked_at BIGINT
);
CREATE TABLE session_tokens (
    id_hash BYTEA NOT NULL PRIMARY KEY,
    auth_key_sealed BYTEA NOT NULL,
    uid BYTEA NOT NULL REFERENCES accounts (uid) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    ua_browser TEXT,
    ua_browser_version TEXT,
    ua_os TEXT,
    ua_os_version TEXT,
    ua_device_type TEXT,
    ua_form_factor TEXT,
    last_access_time BIGINT NOT NULL,
    auth_at BIGINT NOT NULL,
    token_verification_id BYTEA,
    must_verify BOOLEAN NOT NULL,
    verification_method INTEGER,
    verified_at BIGINT
);
CREATE INDEX session_tokens_uid_tvid ON session_tokens (uid, token_verification_id);
CREATE TABLE key_fetch_tokens (
    id_hash BYTEA NOT NULL PRIMARY KEY,
    auth_key_sealed BYTEA NOT NULL,
    uid BYTEA NOT NULL REFERENCES accounts (uid) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    key_bundle BYTEA NOT NULL,
    token_verification_id BYTEA
);
CREATE INDEX key_fetch_tokens_uid_tvid ON key_fetch_tokens (uid, token_verification_id);
CREATE TABLE password_change_tokens (
    id_hash BYTEA NOT NULL PRIMARY KEY,
    auth_key_sealed BYTEA NOT NULL,
    uid BYTEA NOT NULL REFERENCES accounts (uid) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE INDEX password_change_tokens_uid ON password_change_tokens (uid);
CREATE TABLE account_reset_tokens (
    id_hash BYTEA NOT NULL PRIMARY KEY,
    auth_key_sealed BYTEA NOT NULL,
    uid BYTEA NOT NULL UNIQUE REFERENCES accounts (uid) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE TABLE password_forgot_tokens (
    id_hash BYTEA NOT NULL PRIMARY KEY,
    auth_key_sealed BYTEA NOT NULL,
    uid BYTEA NOT NULL UNIQUE REFERENCES accounts (uid) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    pass_code BYTEA NOT NULL,
    tries INTEGER NOT NULL
)
",
    },
    Migration {
        version: 2,
        name: "security events",
        sql: "
CREATE TABLE security_events (
    id BIGSERIAL NOT NULL PRIMARY KEY,
    uid BYTEA NOT NULL REFERENCES accounts (uid) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_id_hash BYTEA,
    verified BOOLEAN NOT NULL,
    ip_hmac BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX security_events_uid_created_at ON security_events (uid, created_at)
",
    },
    Migration {
        version: 3,
        name: "one-time codes and rate limits",
        sql: "
CREATE TABLE one_time_codes (
    uid BYTEA NOT NULL REFERENCES accounts (uid) ON DELETE CASCADE,
    kind INTEGER NOT NULL,
    code_hash BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (uid, kind, code_hash)
);
CREATE INDEX one_time_codes_created_at ON one_time_codes (created_at);
CREATE TABLE rate_limits (
    key BYTEA NOT NULL PRIMARY KEY,
    window_start BIGINT NOT NULL,
    count INTEGER NOT NULL,
    banned_until BIGINT
);
CREATE INDEX rate_limits_window_start ON rate_limits (window_start)
",
    },
    Migration {
        version: 4,
        name: "codes keyed by the server secret",
        // From here on the server stores one-time codes as an HMAC under a key
        // from its secret, and 16-byte codes sealed (ADR 0008). Pending one-time
        // codes (at most an hour old) were stored as unkeyed SHA-256, which an
        // offline search breaks: they go, and their owners ask for new ones.
        sql: "DELETE FROM one_time_codes",
    },
    Migration {
        version: 5,
        name: "mail queue",
        sql: "
CREATE TABLE mail_queue (
    id BIGSERIAL NOT NULL PRIMARY KEY,
    template TEXT NOT NULL,
    payload BYTEA NOT NULL,
    attempts INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL
);
CREATE INDEX mail_queue_next_attempt_at ON mail_queue (next_attempt_at)
",
    },
    Migration {
        version: 6,
        name: "oauth clients, codes and tokens",
        // Codes and tokens are found by SHA-256 of what the client holds; client
        // secrets are kept only as SHA-256 (current and previous).
        sql: "
CREATE TABLE oauth_clients (
    id BYTEA NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    image_uri TEXT NOT NULL,
    trusted BOOLEAN NOT NULL,
    public_client BOOLEAN NOT NULL,
    can_grant BOOLEAN NOT NULL,
    allowed_scopes TEXT NOT NULL,
    hashed_secret BYTEA,
    hashed_secret_previous BYTEA,
    jwt_access_tokens BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE oauth_codes (
    code_hash BYTEA NOT NULL PRIMARY KEY,
    client_id BYTEA NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    uid BYTEA NOT NULL REFERENCES accounts (uid) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    auth_at BIGINT NOT NULL,
    amr TEXT NOT NULL,
    aal INTEGER NOT NULL,
    code_challenge TEXT,
    keys_jwe TEXT,
    offline BOOLEAN NOT NULL,
    session_token_id_hash BYTEA,
    created_at BIGINT NOT NULL
);
CREATE INDEX oauth_codes_uid ON oauth_codes (uid);
CREATE INDEX oauth_codes_created_at ON oauth_codes (created_at);
CREATE TABLE oauth_tokens (
    token_hash BYTEA NOT NULL PRIMARY KEY,
    kind INTEGER NOT NULL,
    client_id BYTEA NOT NULL REFERENCES oauth_clients (id) ON DELETE CASCADE,
    uid BYTEA NOT NULL REFERENCES accounts (uid) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    profile_changed_at BIGINT
);
CREATE INDEX oauth_tokens_uid ON oauth_tokens (uid);
CREATE INDEX oauth_tokens_expires_at ON oauth_tokens (expires_at)
",
    },
    Migration {
        version: 7,
        name: "display names",
        // The profile server's one stored field: NULL until a client sets it.
        sql: "ALTER TABLE accounts ADD COLUMN display_name TEXT",
    },
    Migration {
        version: 8,
        name: "devices",
        // A device belongs to one session or one refresh token (row keys of
        // session_tokens / oauth_tokens) and goes with it in the same statement:
        // ON DELETE CASCADE, which both backends honour (SQLite runs with
        // `foreign_keys = ON`). `command_index` is the last index handed out to
        // the device's command queue, so indexes never repeat even after the
        // newest messages expired. Commands go with their device.
        sql: "
CREATE TABLE devices (
    uid BYTEA NOT NULL REFERENCES accounts (uid) ON DELETE CASCADE,
    id BYTEA NOT NULL,
    session_token_id_hash BYTEA UNIQUE REFERENCES session_tokens (id_hash) ON DELETE CASCADE,
    refresh_token_hash BYTEA UNIQUE REFERENCES oauth_tokens (token_hash) ON DELETE CASCADE,
    name TEXT,
    type TEXT,
    created_at BIGINT NOT NULL,
    push_callback TEXT,
    push_public_key TEXT,
    push_auth_key TEXT,
    push_endpoint_expired BOOLEAN NOT NULL,
    available_commands TEXT NOT NULL,
    command_index BIGINT NOT NULL,
    PRIMARY KEY (uid, id)
);
CREATE TABLE device_commands (
    uid BYTEA NOT NULL,
    device_id BYTEA NOT NULL,
    idx BIGINT NOT NULL,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (uid, device_id, idx),
    FOREIGN KEY (uid, device_id) REFERENCES devices (uid, id) ON DELETE CASCADE
);
CREATE INDEX device_commands_expires_at ON device_commands (expires_at)
",
    },
    // The push queue references neither accounts nor
    // devices: `fxaccounts:account_destroyed` and `device_disconnected` are delivered
    // after their account or device has gone. `payload` is sealed by the server
    // (NULL for an empty push); `p256dh`/`auth` are the device's, as `devices` holds them.
    Migration {
        version: 9,
        name: "push queue",
        sql: "
CREATE TABLE push_queue (
    id BIGSERIAL NOT NULL PRIMARY KEY,
    uid BYTEA NOT NULL,
    device_id BYTEA NOT NULL,
    endpoint TEXT NOT NULL,
    p256dh TEXT,
    auth TEXT,
    payload BYTEA,
    ttl_secs INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL
);
CREATE INDEX push_queue_next_attempt_at ON push_queue (next_attempt_at);
CREATE INDEX push_queue_uid_device_id ON push_queue (uid, device_id)
",
    },
    // An account's devices are listed in the order they were made: read in that
    // order, with no sort per list.
    Migration {
        version: 10,
        name: "devices in creation order",
        sql: "
CREATE INDEX devices_uid_created_at ON devices (uid, created_at, id)
",
    },
];

/// Rewrites PostgreSQL type names to SQLite's (`BYTEA` → `BLOB`, `BIGINT` and
/// `BOOLEAN` → `INTEGER`, `BIGSERIAL` → `INTEGER`, which with `PRIMARY KEY` makes the
/// column SQLite's auto-assigned rowid). Whole words only.
pub(crate) fn for_sqlite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(match word.as_str() {
            "BYTEA" => "BLOB",
            "BIGINT" | "BOOLEAN" | "BIGSERIAL" => "INTEGER",
            other => other,
        });
        word.clear();
    };
    for c in sql.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The statements of a migration, without empty ones.
pub(crate) fn statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(';').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_strictly_increasing() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].version < w[1].version));
        assert!(MIGRATIONS
            .iter()
            .all(|m| m.version > 0 && !m.name.is_empty()));
    }

    #[test]
    fn sqlite_types_are_mapped_by_whole_word() {
        let sql =
            for_sqlite("a BYTEA, b BIGINT, c BOOLEAN, d INTEGER, bytea_x BYTEA2, e BIGSERIAL");
        assert_eq!(
            sql,
            "a BLOB, b INTEGER, c INTEGER, d INTEGER, bytea_x BYTEA2, e INTEGER"
        );
    }
}
