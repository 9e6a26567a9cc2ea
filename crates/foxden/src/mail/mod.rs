//! Outgoing mail: a [`Mailer`] trait with an SMTP implementation (lettre) and an
//! outbox one that writes `.eml` files for self-hosters without mail. Every
//! message carries FxA's `X-*` headers so test tooling can read codes from any sink.

mod codec;
pub mod l10n;
mod outbox;
pub mod queue;
mod smtp;
pub mod templates;

use std::path::Path;
use std::sync::Arc;

use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

pub use codec::MailCodec;
pub use l10n::Locale;
pub use outbox::OutboxMailer;
pub use smtp::SmtpMailer;

/// One message ready to send.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// FxA's template name (`verify`, `verifyLogin`, …); also `X-Template-Name`.
    pub template: &'static str,
    /// Extra headers (`X-Uid`, `X-Link`, `X-Verify-Code`, …, `Content-Language`).
    pub headers: Vec<(&'static str, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail could not be built: {0}")]
    Build(String),
    /// The hand-off failed; `permanent` when the mail server refused the message
    /// for good (an SMTP 5xx), so that trying again is pointless.
    #[error("mail could not be delivered: {detail}")]
    Transport { permanent: bool, detail: String },
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: Mail) -> Result<(), MailError>;
}

/// SMTP when a URL is configured, the outbox folder otherwise.
pub fn from_settings(
    smtp_url: Option<&str>,
    from: &str,
    data_dir: &Path,
) -> Result<Arc<dyn Mailer>, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|_| format!("FOXDEN_MAIL_FROM is not a mail address: {from}"))?;
    Ok(match smtp_url {
        Some(url) => Arc::new(SmtpMailer::new(url, from)?),
        None => Arc::new(OutboxMailer::new(data_dir.join("outbox"), from)?),
    })
}

/// The recipient as it can travel: a non-ASCII domain in its IDNA (`xn--`) form
/// (UTS 46, so `ｂ.com` is `b.com` and `Bücher.de` is `xn--bcher-kva.de`); a
/// local part that is no dot-atom (`.a`, `a..b`, both valid for Mozilla) quoted.
/// A non-ASCII local part stays as it is: SMTP then needs the server's SMTPUTF8,
/// and lettre refuses to send without it. Local parts lettre cannot carry at all
/// (invisible, bidi-control or space characters) and domains with no IDNA form
/// are a build error; either way the caller answers errno 151, as Mozilla does
/// when its mailer fails.
pub(crate) fn recipient(to: &str) -> Result<Address, MailError> {
    let (local, domain) = to
        .rsplit_once('@')
        .ok_or_else(|| MailError::Build("recipient has no domain".into()))?;
    let domain = if domain.is_ascii() {
        domain.to_string()
    } else {
        idna::domain_to_ascii(domain)
            .map_err(|_| MailError::Build("recipient domain has no IDNA form".into()))?
    };
    Address::new(local, &domain)
        .or_else(|_| Address::new(format!("\"{local}\""), &domain))
        .map_err(|_| MailError::Build("recipient local part cannot be mailed".into()))
}

/// Builds the MIME message (text and HTML alternatives plus FxA's headers).
pub(crate) fn build(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let to = recipient(&mail.to)?;
    // Set, not derived from the headers: lettre cannot parse a quoted local part back.
    let envelope = Envelope::new(Some(from.email.clone()), vec![to.clone()])
        .map_err(|e| MailError::Build(e.to_string()))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .envelope(envelope)
        .subject(mail.subject.clone())
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Template-Name"),
            mail.template.to_string(),
        ))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Template-Version"),
            "1".to_string(),
        ));
    for (name, value) in &mail.headers {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str(name),
            value.clone(),
        ));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| MailError::Build(e.to_string()))
}

/// The recipient's domain only, for logs (never the full address or any code).
pub(crate) fn log_domain(to: &str) -> &str {
    to.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailed(to: &str) -> Result<String, MailError> {
        recipient(to).map(|a| a.to_string())
    }

    #[test]
    fn idn_domains_go_out_in_their_idna_form() {
        assert_eq!(mailed("user@bücher.de").unwrap(), "user@xn--bcher-kva.de");
        assert_eq!(mailed("user@BÜCHER.de").unwrap(), "user@xn--bcher-kva.de");
        assert_eq!(mailed("a@\u{FF42}.com").unwrap(), "a@b.com");
        assert_eq!(mailed("a@例子。广告").unwrap(), "a@xn--fsqu00a.xn--4rr70v");
        assert_eq!(mailed("Plain@Example.COM").unwrap(), "Plain@Example.COM");
    }

    #[test]
    fn local_parts_are_kept_or_quoted() {
        assert_eq!(mailed("andré@example.org").unwrap(), "andré@example.org");
        assert_eq!(
            mailed("\u{FF41}@example.org").unwrap(),
            "\u{FF41}@example.org"
        );
        assert_eq!(mailed(".a@example.org").unwrap(), "\".a\"@example.org");
        assert_eq!(mailed("a..b@example.org").unwrap(), "\"a..b\"@example.org");
        let specials = "!#$%&'*+/=?^_`{|}~-@example.org";
        assert_eq!(mailed(specials).unwrap(), specials);
    }

    #[test]
    fn unmailable_recipients_are_a_build_error() {
        for to in [
            "a\u{200B}b@example.org",
            "a\u{202E}b@example.org",
            "a\u{A0}b@example.org",
            "a@b\u{202E}.com",
        ] {
            assert!(matches!(mailed(to), Err(MailError::Build(_))), "{to:?}");
        }
    }

    #[test]
    fn the_envelope_matches_the_header() {
        let from: Mailbox = "Firefox Accounts <no-reply@foxden.test>".parse().unwrap();
        let mail = Mail {
            to: ".a@bücher.de".into(),
            subject: "s".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
            template: "verify",
            headers: vec![],
        };
        let message = build(&from, &mail).unwrap();
        let to: Vec<String> = message
            .envelope()
            .to()
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(to, ["\".a\"@xn--bcher-kva.de"]);
        let raw = String::from_utf8(message.formatted()).unwrap();
        assert!(raw.contains("To: \".a\"@xn--bcher-kva.de\r\n"), "{raw}");
    }
}
