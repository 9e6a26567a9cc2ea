use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{build, log_domain, Mail, MailError, Mailer};

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `smtp://host:port` (plain or STARTTLS as the URL says) or `smtps://host:port`.
    pub fn new(url: &str, from: Mailbox) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| "FOXDEN_SMTP_URL is not a valid smtp:// or smtps:// URL".to_string())?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        Ok(SmtpMailer { transport, from })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let message = build(&self.from, &mail)?;
        match self.transport.send(message).await {
            Ok(_) => {
                tracing::info!(
                    template = mail.template,
                    domain = log_domain(&mail.to),
                    "mail handed to SMTP"
                );
                Ok(())
            }
            // Logged by the queue (once, when it gives up): the server's reply can
            // quote the recipient.
            Err(err) => Err(MailError::Transport {
                // A client error (e.g. a non-ASCII address and no SMTPUTF8) is this
                // server refusing the message as surely as a 5xx.
                permanent: err.is_permanent() || err.is_client(),
                detail: err.to_string(),
            }),
        }
    }
}
