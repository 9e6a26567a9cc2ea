//! Outgoing mail: a [`Mailer`] trait with an SMTP implementation (lettre) and an
//! outbox one that writes `.eml` files for self-hosters without mail. Every
//! message carries FxA's `X-*` headers so test tooling can read codes from any sink.

pub mod l10n;
mod outbox;
mod smtp;
pub mod templates;

use std::path::Path;
use std::sync::Arc;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

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
    #[error("mail could not be delivered: {0}")]
    Transport(String),
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

/// Builds the MIME message (text and HTML alternatives plus FxA's headers).
pub(crate) fn build(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|_| MailError::Build("bad recipient".into()))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
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
