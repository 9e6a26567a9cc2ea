//! Mailed one-time codes (sign-in unblock codes, password-forgot OTPs): random
//! codes over a small alphabet, of which the database keeps only an HMAC of
//! (uid, kind, code) under a key derived from the server secret
//! ([`super::code_keys`]); FxA keeps an unkeyed SHA-256, which a copy of the
//! database alone would give up to an offline search.

use foxden_db::ops::*;
use foxden_db::{Account, OneTimeCode, OneTimeCodeKind};

use super::outbox::Outgoing;
use crate::clock::now_ms;
use crate::error::ApiResult;
use crate::mail::Mail;
use crate::state::AppState;

/// FxA's `random.base32`: digits and capitals without I, L, O and U.
pub const BASE32: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const DIGITS: &[u8; 10] = b"0123456789";

/// `len` characters drawn uniformly from `alphabet` (rejection sampling, so no
/// character is likelier than another).
pub fn random_code(alphabet: &[u8], len: usize) -> String {
    assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let n = alphabet.len();
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in foxden_crypto::random::bytes::<32>() {
            if (byte as usize) < limit && out.len() < len {
                out.push(alphabet[byte as usize % n] as char);
            }
        }
    }
    out
}

/// What kind of code to mail, and how.
pub struct CodeSpec {
    pub kind: OneTimeCodeKind,
    pub alphabet: &'static [u8],
    pub len: usize,
    /// Whether a new code replaces the account's earlier ones of this kind.
    pub replace: bool,
}

/// Draws a code and, in one transaction, stores its hash for the account and
/// queues its mail (`write` turns the code into the mail). An address with no
/// SMTP form is errno 151, and nothing is stored.
pub async fn store_and_mail(
    state: &AppState,
    account: &Account,
    spec: CodeSpec,
    write: impl FnOnce(&str) -> Mail,
) -> ApiResult<()> {
    let code = random_code(spec.alphabet, spec.len);
    let record = OneTimeCode {
        uid: account.uid,
        kind: spec.kind,
        code_hash: state.codes.one_time_hash(&account.uid, spec.kind, &code),
        created_at: now_ms(),
    };
    let mail = Outgoing::seal(state, &write(&code))?;
    let tx = state.db.begin().await?;
    tx.create_one_time_code(&record, spec.replace).await?;
    mail.queue_in(&tx).await?;
    tx.commit().await?;
    state.mail_waker.wake();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_only_their_alphabet_and_length() {
        for _ in 0..200 {
            let code = random_code(BASE32, 8);
            assert_eq!(code.len(), 8);
            assert!(code.bytes().all(|c| BASE32.contains(&c)), "{code}");
            assert!(!code.contains(['I', 'L', 'O', 'U']));
            let digits = random_code(DIGITS, 8);
            assert!(digits.bytes().all(|c| c.is_ascii_digit()), "{digits}");
        }
    }

    #[test]
    fn every_character_turns_up() {
        let many: String = (0..400).map(|_| random_code(DIGITS, 8)).collect();
        assert!(DIGITS.iter().all(|d| many.as_bytes().contains(d)));
    }
}
