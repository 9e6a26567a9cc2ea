//! A queued mail at rest: the whole message (codes and links included) sealed
//! under a key from the server secret, so that a copy of the database alone
//! yields none of what the queue is about to send (README "Secrets at rest").

use std::borrow::Cow;

use foxden_crypto::sealed::SecretBox;
use serde::{Deserialize, Serialize};

use super::{Mail, MailError};

/// Binds every sealed payload to its purpose (and a format version).
const AAD: &[u8] = b"foxden mail queue v1";

/// The templates foxden mails, so that a decoded message gets its `'static`
/// template name back (an unknown name is a payload this build cannot send).
pub(crate) const TEMPLATES: &[&str] = &[
    "verify",
    "verifyLogin",
    "recovery",
    "verifyShortCode",
    "verifyLoginCode",
    "unblockCode",
    "passwordForgotOtp",
    "postVerify",
    "newDeviceLogin",
    "passwordChanged",
    "passwordReset",
];

/// The extra headers templates set (see [`super::templates`]).
pub(crate) const HEADERS: &[&str] = &[
    "Content-Language",
    "X-Link",
    "X-Password-Forgot-Otp",
    "X-Recovery-Code",
    "X-Report-SignIn-Link",
    "X-Signin-Verify-Code",
    "X-Uid",
    "X-Unblock-Code",
    "X-Verify-Code",
    "X-Verify-Short-Code",
];

#[derive(Serialize, Deserialize)]
struct Stored<'a> {
    to: Cow<'a, str>,
    subject: Cow<'a, str>,
    text: Cow<'a, str>,
    html: Cow<'a, str>,
    template: Cow<'a, str>,
    headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// Seals mail for the queue and opens it for delivery.
pub struct MailCodec {
    sealer: SecretBox,
}

impl std::fmt::Debug for MailCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailCodec(<redacted>)")
    }
}

impl MailCodec {
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        foxden_crypto::hkdf::hkdf_sha256(secret, None, b"foxden/v1/mail-queue-seal", &mut key);
        MailCodec {
            sealer: SecretBox::new(&key),
        }
    }

    pub fn seal(&self, mail: &Mail) -> Vec<u8> {
        let stored = Stored {
            to: Cow::Borrowed(&mail.to),
            subject: Cow::Borrowed(&mail.subject),
            text: Cow::Borrowed(&mail.text),
            html: Cow::Borrowed(&mail.html),
            template: Cow::Borrowed(mail.template),
            headers: mail
                .headers
                .iter()
                .map(|(n, v)| (Cow::Borrowed(*n), Cow::Borrowed(v.as_str())))
                .collect(),
        };
        let json = serde_json::to_vec(&stored).expect("a mail always serializes");
        self.sealer.seal(&json, AAD)
    }

    pub fn open(&self, payload: &[u8]) -> Result<Mail, MailError> {
        let json = self
            .sealer
            .open(payload, AAD)
            .map_err(|_| MailError::Build("queued mail does not open under this key".into()))?;
        let stored: Stored<'_> = serde_json::from_slice(&json)
            .map_err(|_| MailError::Build("queued mail is not a mail".into()))?;
        let template = known(TEMPLATES, &stored.template)
            .ok_or_else(|| MailError::Build("queued mail has an unknown template".into()))?;
        let headers = stored
            .headers
            .into_iter()
            .map(|(name, value)| {
                known(HEADERS, &name)
                    .map(|name| (name, value.into_owned()))
                    .ok_or_else(|| MailError::Build("queued mail has an unknown header".into()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Mail {
            to: stored.to.into_owned(),
            subject: stored.subject.into_owned(),
            text: stored.text.into_owned(),
            html: stored.html.into_owned(),
            template,
            headers,
        })
    }
}

fn known(names: &[&'static str], name: &str) -> Option<&'static str> {
    names.iter().copied().find(|n| *n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Mail {
        Mail {
            to: "andré@bücher.de".into(),
            subject: "Confirm".into(),
            text: "code 123456".into(),
            html: "<p>code 123456</p>".into(),
            template: "verifyShortCode",
            headers: vec![("X-Verify-Short-Code", "123456".into())],
        }
    }

    #[test]
    fn a_sealed_mail_opens_as_it_was_and_shows_nothing() {
        let codec = MailCodec::from_secret(b"secret");
        let sealed = codec.seal(&mail());
        let raw = String::from_utf8_lossy(&sealed);
        assert!(!raw.contains("123456") && !raw.contains("andr"));
        let back = codec.open(&sealed).unwrap();
        assert_eq!(back.to, "andré@bücher.de");
        assert_eq!(back.template, "verifyShortCode");
        assert_eq!(back.headers, vec![("X-Verify-Short-Code", "123456".into())]);
        assert_eq!(
            (back.text.as_str(), back.html.as_str()),
            ("code 123456", "<p>code 123456</p>")
        );
    }

    #[test]
    fn another_key_or_a_flipped_bit_does_not_open() {
        let sealed = MailCodec::from_secret(b"secret").seal(&mail());
        assert!(MailCodec::from_secret(b"other").open(&sealed).is_err());
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(MailCodec::from_secret(b"secret").open(&tampered).is_err());
    }

    #[test]
    fn unknown_templates_and_headers_are_refused() {
        let codec = MailCodec::from_secret(b"secret");
        let mut odd = mail();
        odd.template = "nonesuch";
        assert!(codec.open(&codec.seal(&odd)).is_err());
        let mut odd = mail();
        odd.headers = vec![("X-Nonesuch", "1".into())];
        assert!(codec.open(&codec.seal(&odd)).is_err());
    }
}
