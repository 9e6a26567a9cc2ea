//! The records foxden stores. Storage returns these types, never driver rows.
//!
//! Token rows never hold a usable credential: tokens are found by `id_hash`
//! (SHA-256 of the 32-byte tokenId, which is also what a Bearer header carries),
//! and the Hawk key (`authKey`) is kept only as `auth_key_sealed`, encrypted by
//! the server under a secret that lives in the data folder, not in the database.

/// An account's uid: 16 random bytes, 32 hex characters on the wire.
pub type Uid = [u8; 16];
/// SHA-256 of a token's tokenId; the primary key of every token table.
pub type TokenIdHash = [u8; 32];

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub uid: Uid,
    /// The email as the user typed it at sign-up (it salts V1 stretching).
    pub email: String,
    /// `email` lower-cased; unique.
    pub normalized_email: String,
    /// The account verification code mailed at sign-up (16 random bytes), in the
    /// stored form the server seals it to (one AES block under a key the database
    /// never sees); the 6-digit confirmation codes are derived from the opened code.
    pub email_code: [u8; 16],
    pub email_verified: bool,
    pub ka: [u8; 32],
    pub wrap_wrap_kb: [u8; 32],
    pub auth_salt: [u8; 32],
    pub verify_hash: [u8; 32],
    pub verifier_version: i32,
    /// When the password was last set (ms); the `fxa-generation` clients read.
    pub verifier_set_at: Millis,
    /// Present for V2 (client salt) accounts.
    pub v2: Option<PasswordV2>,
    pub created_at: Millis,
    pub locale: Option<String>,
    pub keys_changed_at: Millis,
    pub profile_changed_at: Millis,
    pub disabled_at: Option<Millis>,
    pub locked_at: Option<Millis>,
}

/// The V2 key-stretching credentials of an account (all or nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordV2 {
    /// `identity.mozilla.com/picl/v1/quickStretchV2:<32 hex>`, stored verbatim.
    pub client_salt: String,
    pub verify_hash: [u8; 32],
    pub wrap_wrap_kb: [u8; 32],
}

/// What every stored token has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenCore {
    pub id_hash: TokenIdHash,
    /// The Hawk key, sealed by the server (nonce ‖ ciphertext ‖ tag); opaque here.
    pub auth_key_sealed: Vec<u8>,
    pub uid: Uid,
    pub created_at: Millis,
}

/// How a session was (or must be) confirmed; FxA's numeric codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerificationMethod {
    Email = 0,
    Email2fa = 1,
    Totp2fa = 2,
    RecoveryCode = 3,
    Sms2fa = 4,
}

impl VerificationMethod {
    pub fn code(self) -> i32 {
        self as i32
    }

    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            0 => Self::Email,
            1 => Self::Email2fa,
            2 => Self::Totp2fa,
            3 => Self::RecoveryCode,
            4 => Self::Sms2fa,
            _ => return None,
        })
    }
}

/// Verification state shared by a session and the keyFetchTokens issued with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unverified {
    /// The code in the `verifyLogin` link (or the account's emailCode at sign-up),
    /// sealed by the server like `Account::email_code`.
    pub token_verification_id: [u8; 16],
    pub must_verify: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UserAgentInfo {
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub os_version: Option<String>,
    pub device_type: Option<String>,
    pub form_factor: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionToken {
    pub core: TokenCore,
    pub user_agent: UserAgentInfo,
    pub last_access_time: Millis,
    /// When the password was last checked on this session (ms).
    pub auth_at: Millis,
    /// `None` once confirmed.
    pub unverified: Option<Unverified>,
    /// How the session was confirmed, once it is.
    pub verification_method: Option<VerificationMethod>,
    pub verified_at: Option<Millis>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFetchToken {
    pub core: TokenCore,
    /// `kA ‖ wrapKb` already bundled under the token's bundleKey (96 bytes).
    pub key_bundle: Vec<u8>,
    /// `None` when the token is usable (its session confirmed).
    pub token_verification_id: Option<[u8; 16]>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordForgotToken {
    pub core: TokenCore,
    /// 16 random bytes, mailed as 32 hex characters; sealed by the server like
    /// `Account::email_code`.
    pub pass_code: [u8; 16],
    pub tries: i32,
}

/// The token kinds that carry nothing beyond the core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlainTokenKind {
    PasswordChange,
    AccountReset,
}

/// What a verification code matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeOutcome {
    /// The code was a session's tokenVerificationId; that session and its keyFetchTokens are confirmed.
    pub session_verified: bool,
    /// The code was the account's emailCode.
    pub matched_email_code: bool,
    /// The account's email went from unverified to verified.
    pub account_newly_verified: bool,
}

impl CodeOutcome {
    pub fn matched(&self) -> bool {
        self.session_verified || self.matched_email_code
    }
}

/// New password credentials, stored by [`crate::ops::Accounts::store_credentials`]
/// (a password change or an account reset).
#[derive(Clone, Debug)]
pub struct Credentials {
    pub auth_salt: [u8; 32],
    pub verify_hash: [u8; 32],
    pub wrap_wrap_kb: [u8; 32],
    /// The new V2 credentials; `None` removes any old ones.
    pub v2: Option<PasswordV2>,
    pub verifier_set_at: Millis,
    /// A reset: kB may have changed (this time), and the email is proven.
    pub reset_keys_changed_at: Option<Millis>,
}

/// Something that happened to an account (sign-in, password change, …), for the
/// account's security-event list and the known-IP sign-in rule. Never holds the IP
/// itself: `ip_hmac` is an HMAC keyed by a server secret over uid and IP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecurityEvent {
    pub uid: Uid,
    /// FxA's event name, e.g. `account.login`.
    pub name: String,
    /// The session the event belongs to, if any; confirming that session
    /// marks the event verified.
    pub token_id_hash: Option<TokenIdHash>,
    pub verified: bool,
    pub ip_hmac: [u8; 32],
    pub created_at: Millis,
}

/// What a one-time code unlocks (stored as INTEGER `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OneTimeCodeKind {
    Unblock = 1,
    PasswordForgotOtp = 2,
}

impl OneTimeCodeKind {
    pub fn code(self) -> i32 {
        self as i32
    }

    pub fn from_code(code: i32) -> Option<Self> {
        Some(match code {
            1 => Self::Unblock,
            2 => Self::PasswordForgotOtp,
            _ => return None,
        })
    }
}

/// A mailed one-time code; only a keyed hash of it is stored (the server's HMAC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneTimeCode {
    pub uid: Uid,
    pub kind: OneTimeCodeKind,
    pub code_hash: [u8; 32],
    pub created_at: Millis,
}

/// A fixed-window rate limit: at most `max` events per `window_ms`; going over bans the key for `ban_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateWindow {
    pub window_ms: i64,
    pub max: u32,
    pub ban_ms: i64,
}

impl RateWindow {
    /// `max` as the backends compare it. Counts are stored as INTEGER and never exceed
    /// `max + 1`, so a limit above `i32::MAX - 1` acts as `i32::MAX - 1`.
    pub(crate) fn stored_max(&self) -> i64 {
        i64::from(self.max.min(i32::MAX as u32 - 1))
    }
}
