//! The rate-limit rule of a route that checks a password, declared by its handler
//! in one statement ([`PasswordGate::enter`]: the action, who the request is from and
//! about, whether unblock codes are taken) and carried into the service. The service
//! reports through the gate what happened (an unknown account, a password to check,
//! a valid unblock code) and never names an action or a rule itself.

use std::future::Future;

use super::{flag, reserve_failure, verdict, Action, Block, Subject};
use crate::error::{ApiError, ApiResult};
use crate::extract::ClientIp;
use crate::state::AppState;

/// Whether the route takes unblock codes (only `/account/login` does).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UnblockCodes {
    /// Every ban is a wait (429 errno 114).
    NotTaken,
    /// A bad-password ban on the email can be lifted by a mailed code: 400 errno 125
    /// asks for one, and a request that `offered` one is let through to have it checked.
    Taken { offered: bool },
}

/// A request let through its route's limits, and what its password check counts against.
pub struct PasswordGate {
    action: Action,
    ip: ClientIp,
    email: String,
    unblock: UnblockCodes,
    /// A valid unblock code came with the request ([`Self::unblocked`]).
    unblocked: bool,
}

impl PasswordGate {
    /// Counts the request under `action`'s attempt rules and refuses it while one is
    /// over its limit (as [`super::check`]; see [`UnblockCodes`] for what a ban answers).
    pub async fn enter(
        state: &AppState,
        action: Action,
        ip: &ClientIp,
        email: &str,
        unblock: UnblockCodes,
    ) -> ApiResult<Self> {
        let gate = Self {
            action,
            ip: ip.clone(),
            email: email.to_owned(),
            unblock,
            unblocked: false,
        };
        if let Some(block) = verdict(state, action, gate.subject()).await? {
            let let_through =
                block.unblockable && unblock == (UnblockCodes::Taken { offered: true });
            if !let_through {
                return Err(gate.refusal(block));
            }
        }
        Ok(gate)
    }

    fn subject(&self) -> Subject<'_> {
        Subject::email(&self.ip, &self.email)
    }

    /// 125 only where unblock codes are taken; a wait everywhere else.
    fn refusal(&self, block: Block) -> ApiError {
        match self.unblock {
            UnblockCodes::Taken { .. } => block.into_error(),
            UnblockCodes::NotTaken => Block {
                unblockable: false,
                ..block
            }
            .into_error(),
        }
    }

    /// A valid unblock code came with the request: the rules such a code lifts no
    /// longer apply to its password check.
    pub fn unblocked(&mut self) {
        self.unblocked = true;
    }

    /// Passes `result` through, counting the failures found without a password check
    /// that FxA reports to customs (errno 102, 126, 127) against the action's limits.
    pub async fn count_failure<T>(&self, state: &AppState, result: ApiResult<T>) -> ApiResult<T> {
        if let Err(err) = &result {
            if matches!(err.errno(), 102 | 126 | 127) {
                flag(state, self.action, self.subject()).await;
            }
        }
        result
    }

    /// Runs the password check `check` (`Some` when the password matched) within the
    /// action's bad-password limits: counted as a failure before it runs
    /// ([`reserve_failure`]), so concurrent attempts cannot get more passwords checked
    /// than the limit; a match, an error or a `wrong` answer other than 103 (120, the
    /// email's case differs: the client retries) takes the count back.
    pub async fn check_password<M>(
        &self,
        state: &AppState,
        check: impl Future<Output = ApiResult<Option<M>>>,
        wrong: impl FnOnce() -> ApiError,
    ) -> ApiResult<M> {
        let reservation = reserve_failure(state, self.action, self.subject(), self.unblocked)
            .await?
            .map_err(|block| self.refusal(block))?;
        let outcome = match check.await {
            Ok(Some(matched)) => Ok(matched),
            Ok(None) => Err(wrong()),
            Err(err) => Err(err),
        };
        if !matches!(outcome, Err(ApiError::IncorrectPassword { .. })) {
            reservation.release(state).await;
        }
        outcome
    }
}
