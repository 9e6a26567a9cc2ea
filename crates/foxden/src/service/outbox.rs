//! Mail into the durable queue (ADR 0014). A service builds the mail, seals it
//! with [`Outgoing::seal`] before it writes anything (errno 151 when the address
//! has no SMTP form, so nothing is left behind), queues it inside the transaction
//! of the change that causes it ([`Outgoing::queue_in`]), and wakes the delivery
//! worker after the commit. No request waits on SMTP.

use foxden_db::ops::MailQueue;
use foxden_db::{Conn, DbResult};

use crate::clock::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::mail::{self, Mail};
use crate::state::AppState;

/// A mail checked and sealed for the queue.
pub struct Outgoing {
    template: &'static str,
    payload: Vec<u8>,
}

impl Outgoing {
    /// Errno 151 when the recipient cannot be mailed at all (see `mail::recipient`).
    pub fn seal(state: &AppState, mail: &Mail) -> ApiResult<Self> {
        mail::recipient(&mail.to).map_err(ApiError::mail)?;
        Ok(Outgoing {
            template: mail.template,
            payload: state.mail_codec.seal(mail),
        })
    }

    /// Queues the mail on `conn`: inside the caller's transaction when it is one.
    pub async fn queue_in<C: Conn>(&self, conn: &C) -> DbResult<()> {
        conn.enqueue_mail(self.template, &self.payload, now_ms())
            .await
            .map(drop)
    }
}

/// Queues a mail that no other write goes with (a resent code), and wakes the worker.
pub async fn send(state: &AppState, mail: &Mail) -> ApiResult<()> {
    Outgoing::seal(state, mail)?.queue_in(&state.db).await?;
    state.mail_waker.wake();
    Ok(())
}

/// Queues a notice that follows a committed change; a failure is only logged.
pub async fn notify(state: &AppState, mail: &Mail) {
    if let Err(err) = send(state, mail).await {
        tracing::warn!(template = mail.template, error = %err, "could not queue a notice");
    }
}
