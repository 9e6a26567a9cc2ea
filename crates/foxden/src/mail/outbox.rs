use std::io::Write;
use std::path::PathBuf;

use lettre::message::Mailbox;

use super::{build, log_domain, Mail, MailError, Mailer};

/// Writes each message as `<outbox>/<ms>-<template>-<random>.eml` (mode 0600).
pub struct OutboxMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl OutboxMailer {
    pub fn new(dir: PathBuf, from: Mailbox) -> Result<Self, String> {
        crate::files::create_private_dir(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(OutboxMailer { dir, from })
    }
}

#[async_trait::async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let message = build(&self.from, &mail)?;
        let name = format!(
            "{}-{}-{}.eml",
            crate::clock::now_ms(),
            mail.template,
            foxden_crypto::random::hex(4)
        );
        let path = self.dir.join(name);
        let bytes = message.formatted();
        let written = tokio::task::spawn_blocking(move || -> std::io::Result<PathBuf> {
            let mut file = crate::files::create_private_file(&path)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            Ok(path)
        })
        .await
        .map_err(|e| transient(e.to_string()))?
        .map_err(|e| transient(e.to_string()))?;
        tracing::info!(
            template = mail.template,
            domain = log_domain(&mail.to),
            file = %written.display(),
            "no SMTP configured: mail written to the outbox"
        );
        Ok(())
    }
}

fn transient(detail: String) -> MailError {
    MailError::Transport {
        permanent: false,
        detail,
    }
}
