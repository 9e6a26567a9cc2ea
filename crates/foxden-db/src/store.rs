//! The storage contract. Every backend implements [`Db`]; the contract test
//! suite (`tests/contract.rs`) runs the same checks against each one.
//!
//! Methods that write several rows do so in one transaction: after an error
//! nothing of the call is left behind.

use async_trait::async_trait;

use crate::model::*;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique key is taken (e.g. an account with this normalized email exists).
    #[error("duplicate record")]
    Duplicate,
    /// The backend failed (connection, I/O, corrupt data). The message never holds secrets.
    #[error("storage backend failure: {0}")]
    Backend(String),
}

pub type DbResult<T> = Result<T, DbError>;

#[async_trait]
pub trait Db: Send + Sync + 'static {
    /// Cheap liveness check for `/__heartbeat__`.
    async fn ping(&self) -> DbResult<()>;

    /// Which backend this is ("sqlite" or "postgres"), for logs and health output.
    fn backend_name(&self) -> &'static str;

    /// Applies pending schema migrations (idempotent; safe to run from several
    /// processes at once). Call it once at start-up, before serving.
    async fn migrate(&self) -> DbResult<()>;

    // ---- accounts -------------------------------------------------------

    /// Inserts the account, its session and keyFetchTokens in one transaction.
    /// When `replace_uid` is set, that account (and all its tokens) is deleted first,
    /// in the same transaction. `Err(Duplicate)` when the normalized email is taken.
    async fn create_account(&self, new: &NewAccount) -> DbResult<()>;

    async fn account(&self, uid: &Uid) -> DbResult<Option<Account>>;

    /// Looks up by normalized (lower-cased) email.
    async fn account_by_email(&self, normalized_email: &str) -> DbResult<Option<Account>>;

    /// Deletes the account and every token it owns. Returns false if there was none.
    async fn delete_account(&self, uid: &Uid) -> DbResult<bool>;

    /// Marks the account's email verified (without touching sessions).
    /// Returns true if it was unverified before.
    async fn set_email_verified(&self, uid: &Uid) -> DbResult<bool>;

    /// Checks a 16-byte code (in the stored form the server seals codes to) against
    /// the account in one transaction:
    /// a session or keyFetchToken of `uid` whose tokenVerificationId equals `code`
    /// is confirmed with `method` at `now` (all tokens sharing that id), and if the
    /// code equals the account's emailCode the email is marked verified. Any match
    /// also verifies an unverified email. Security events whose `token_id_hash` is a
    /// session confirmed here are marked verified in the same transaction.
    async fn verify_email_code(
        &self,
        uid: &Uid,
        code: &[u8; 16],
        method: VerificationMethod,
        now: Millis,
    ) -> DbResult<CodeOutcome>;

    // ---- session tokens -------------------------------------------------

    /// Inserts a session and the keyFetchTokens issued with it, in one transaction.
    async fn create_session(
        &self,
        session: &SessionToken,
        key_fetch: &[KeyFetchToken],
    ) -> DbResult<()>;

    async fn session(&self, id_hash: &TokenIdHash) -> DbResult<Option<SessionToken>>;

    async fn sessions_for(&self, uid: &Uid) -> DbResult<Vec<SessionToken>>;

    /// Deletes one session (and keyFetchTokens that share its verification id). False if absent.
    async fn delete_session(&self, id_hash: &TokenIdHash) -> DbResult<bool>;

    /// Records use of a session. Callers throttle this; backends just write.
    async fn touch_session(&self, id_hash: &TokenIdHash, last_access_time: Millis) -> DbResult<()>;

    /// After a password re-check: sets `auth_at`, replaces the verification state,
    /// and inserts keyFetchTokens issued with it, in one transaction. False if the session is gone.
    /// With `Some(unverified)` the session's earlier `verification_method`/`verified_at` are
    /// cleared (it must be confirmed again); with `None` they are kept.
    async fn reauth_session(
        &self,
        id_hash: &TokenIdHash,
        auth_at: Millis,
        unverified: Option<&Unverified>,
        key_fetch: &[KeyFetchToken],
    ) -> DbResult<bool>;

    // ---- keyFetchTokens ------------------------------------------------

    async fn key_fetch_token(&self, id_hash: &TokenIdHash) -> DbResult<Option<KeyFetchToken>>;

    /// Consumes the token; true only for the one caller that deleted it.
    async fn delete_key_fetch_token(&self, id_hash: &TokenIdHash) -> DbResult<bool>;

    // ---- passwordChange and accountReset tokens -------------------------

    /// Inserts the token. An accountReset token replaces any earlier one of the account.
    async fn create_plain_token(&self, kind: PlainTokenKind, token: &TokenCore) -> DbResult<()>;

    async fn plain_token(
        &self,
        kind: PlainTokenKind,
        id_hash: &TokenIdHash,
    ) -> DbResult<Option<TokenCore>>;

    /// Consumes the token; true only for the one caller that deleted it.
    async fn delete_plain_token(
        &self,
        kind: PlainTokenKind,
        id_hash: &TokenIdHash,
    ) -> DbResult<bool>;

    // ---- password change ----------------------------------------------

    /// Inserts a passwordChangeToken and the confirmed keyFetchToken issued with it, in one transaction.
    async fn create_password_change(
        &self,
        change_token: &TokenCore,
        key_fetch: &KeyFetchToken,
    ) -> DbResult<()>;

    /// In one transaction: consumes `change_token_id_hash` (false and nothing written
    /// if it is gone or belongs to another account than `uid`), stores the new salt, verifiers and wraps (verifier_version 1,
    /// V2 columns set or cleared), deletes every token of the account (sessions,
    /// keyFetch, passwordChange, passwordForgot, accountReset), then inserts
    /// `new_session` and `key_fetch`.
    async fn change_password(&self, change: &PasswordChange) -> DbResult<bool>;

    /// In one transaction: consumes `reset.reset_token_id_hash` (false and nothing
    /// written if it is gone or belongs to another account than `uid`), stores the new
    /// salt, verifiers and wraps (verifier_version 1, V2 columns set or cleared),
    /// `verifier_set_at` and `keys_changed_at`, marks the email verified, deletes every
    /// token of the account (sessions, keyFetch, passwordChange, passwordForgot,
    /// accountReset), then inserts `new_session` and `key_fetch`.
    async fn reset_account(&self, reset: &AccountReset) -> DbResult<bool>;

    // ---- passwordForgot tokens -----------------------------------------

    /// Inserts the token, replacing any earlier one of the account (one per uid).
    async fn create_password_forgot_token(&self, token: &PasswordForgotToken) -> DbResult<()>;

    async fn password_forgot_token(
        &self,
        id_hash: &TokenIdHash,
    ) -> DbResult<Option<PasswordForgotToken>>;

    /// Deletes the token (e.g. when its mail could not be sent). False if it was gone.
    async fn delete_password_forgot_token(&self, id_hash: &TokenIdHash) -> DbResult<bool>;

    /// Uses up one try; at zero tries left the token is deleted.
    /// Returns the tries left, or None if the token is gone.
    async fn spend_password_forgot_try(&self, id_hash: &TokenIdHash) -> DbResult<Option<i32>>;

    /// Swaps the passwordForgot token for an accountReset token in one transaction.
    /// False (and nothing written) if the forgot token is already gone.
    async fn exchange_forgot_for_reset(
        &self,
        forgot_id_hash: &TokenIdHash,
        reset: &TokenCore,
    ) -> DbResult<bool>;

    // ---- security events ------------------------------------------------

    /// Appends an event (`Err` if the account does not exist).
    async fn record_security_event(&self, event: &SecurityEvent) -> DbResult<()>;

    /// The account's latest `limit` events, newest first.
    async fn security_events(&self, uid: &Uid, limit: u32) -> DbResult<Vec<SecurityEvent>>;

    /// Whether the account has a verified event with this `ip_hmac` created at or after `since`.
    async fn verified_event_from_ip_since(
        &self,
        uid: &Uid,
        ip_hmac: &[u8; 32],
        since: Millis,
    ) -> DbResult<bool>;

    // ---- one-time codes (unblock codes, password-forgot OTPs) -------------

    /// Stores a code. With `replace`, the account's other codes of the same kind are
    /// deleted in the same transaction. Storing an existing (uid, kind, code_hash) again
    /// just updates its created_at. `Err` if the account does not exist.
    async fn create_one_time_code(&self, code: &OneTimeCode, replace: bool) -> DbResult<()>;

    /// Deletes the matching code and returns its created_at; None if there is none.
    /// Of concurrent callers with the same code exactly one gets Some.
    async fn consume_one_time_code(
        &self,
        uid: &Uid,
        kind: OneTimeCodeKind,
        code_hash: &[u8; 32],
    ) -> DbResult<Option<Millis>>;

    /// Deletes every code of this kind for the account; returns how many went.
    async fn delete_one_time_codes(&self, uid: &Uid, kind: OneTimeCodeKind) -> DbResult<u64>;

    // ---- rate limiting ----------------------------------------------------

    /// Counts one event for `key` at `now` against `window`, atomically (one statement
    /// or one transaction; concurrent callers on any number of server processes never
    /// lose a count).
    /// - If the key is banned (banned_until > now): nothing is counted, returns
    ///   Some(banned_until).
    /// - Else if there is no row, or its window has ended (window_start + window_ms <= now),
    ///   or it carries an expired ban (banned_until <= now): the window restarts at now
    ///   with count 1 and no ban.
    /// - Else count += 1.
    /// - If the count is now greater than window.max: banned_until = now + ban_ms, returns
    ///   Some(banned_until). Otherwise returns None.
    async fn rate_limit_count(
        &self,
        key: &[u8; 32],
        window: &RateWindow,
        now: Millis,
    ) -> DbResult<Option<Millis>>;

    /// The ban in force on `key` at `now` (banned_until > now), without counting anything.
    async fn rate_limit_ban(&self, key: &[u8; 32], now: Millis) -> DbResult<Option<Millis>>;

    /// Takes back one count of `key` (an attempt counted ahead that turned out not
    /// to count, e.g. a password that matched): count − 1, never below 0. A banned
    /// key is left as it is: the ban stands.
    async fn rate_limit_release(&self, key: &[u8; 32]) -> DbResult<()>;

    /// Forgets these keys (counts and bans).
    async fn rate_limit_clear(&self, keys: &[[u8; 32]]) -> DbResult<()>;

    // ---- housekeeping ---------------------------------------------------

    /// Deletes tokens, one-time codes and rate-limit rows older than the given
    /// cut-offs; returns how many rows went.
    async fn prune_expired(&self, cutoffs: &PruneCutoffs) -> DbResult<u64>;
}

/// Times before which stored records are expired.
#[derive(Clone, Copy, Debug)]
pub struct PruneCutoffs {
    /// Sessions created before this go; `None` keeps every session.
    pub session: Option<Millis>,
    pub password_change: Millis,
    pub password_forgot: Millis,
    pub account_reset: Millis,
    /// One-time codes created before this go.
    pub one_time_code: Millis,
    /// Rate-limit rows whose window started before this and whose ban (if any)
    /// ended before this go.
    pub rate_limit: Millis,
}
