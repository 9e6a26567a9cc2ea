//! The rate-limit rules: which actions are counted, keyed on what, how many per
//! window, and how long a ban lasts. The numbers follow Mozilla's shipped rules
//! (`config/rate-limit-rules.txt`, PROTOCOL §11.2); failure rules follow the
//! legacy customs server's "bad login" counting (§11.3), so successful sign-ins
//! never lock anyone out.

use foxden_db::RateWindow;

/// A customs action, named as Mozilla names it (the names key the counters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    AccountCreate,
    AccountLogin,
    AccountStatusCheck,
    AccountDestroy,
    GetCredentialsStatus,
    PasswordChange,
    PasswordForgotSendCode,
    PasswordForgotResendCode,
    PasswordForgotVerifyCode,
    PasswordForgotSendOtp,
    PasswordForgotVerifyOtp,
    SendUnblockCode,
    RecoveryEmailResendCode,
    RecoveryEmailVerifyCode,
    VerifySessionCode,
    /// `checkAuthenticated(uid, 'invokeDeviceCommand')`.
    InvokeDeviceCommand,
    /// `checkAuthenticated(uid, 'devicesNotify')`.
    DevicesNotify,
}

impl Action {
    pub fn name(self) -> &'static str {
        use Action::*;
        match self {
            AccountCreate => "accountCreate",
            AccountLogin => "accountLogin",
            AccountStatusCheck => "accountStatusCheck",
            AccountDestroy => "accountDestroy",
            GetCredentialsStatus => "getCredentialsStatus",
            PasswordChange => "passwordChange",
            PasswordForgotSendCode => "passwordForgotSendCode",
            PasswordForgotResendCode => "passwordForgotResendCode",
            PasswordForgotVerifyCode => "passwordForgotVerifyCode",
            PasswordForgotSendOtp => "passwordForgotSendOtp",
            PasswordForgotVerifyOtp => "passwordForgotVerifyOtp",
            SendUnblockCode => "sendUnblockCode",
            RecoveryEmailResendCode => "recoveryEmailResendCode",
            RecoveryEmailVerifyCode => "recoveryEmailVerifyCode",
            VerifySessionCode => "verifySessionCode",
            InvokeDeviceCommand => "invokeDeviceCommand",
            DevicesNotify => "devicesNotify",
        }
    }
}

/// What a rule counts per.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    Ip,
    Email,
    Uid,
}

impl On {
    pub fn name(self) -> &'static str {
        match self {
            On::Ip => "ip",
            On::Email => "email",
            On::Uid => "uid",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub on: On,
    pub window: RateWindow,
    /// A ban from this rule can be lifted by a mailed unblock code (sign-in only).
    pub unblockable: bool,
}

const MINUTE: i64 = 60 * 1000;

const fn rule(on: On, max: u32, window_min: i64, ban_min: i64) -> Rule {
    Rule {
        on,
        window: RateWindow {
            window_ms: window_min * MINUTE,
            max,
            ban_ms: ban_min * MINUTE,
        },
        unblockable: false,
    }
}

/// "Unsecured account checks": 100 per 15 minutes per IP and per email.
const ACCOUNT_CHECKS: &[Rule] = &[rule(On::Ip, 100, 15, 15), rule(On::Email, 100, 15, 15)];

/// Mails to an address: 5 per 15 minutes per email, 5 per 10 minutes per IP.
const EMAIL_SENDS: &[Rule] = &[rule(On::Email, 5, 15, 15), rule(On::Ip, 5, 10, 30)];

/// Code guesses: 10 per 10 minutes per IP, 10 per 15 minutes per email.
const CODE_CHECKS: &[Rule] = &[rule(On::Ip, 10, 10, 30), rule(On::Email, 10, 15, 30)];

const OTP_SENDS: &[Rule] = &[rule(On::Ip, 5, 10, 15), rule(On::Email, 5, 10, 15)];

/// 8-digit codes: 5 per 10 minutes and 10 per day, per IP and per email.
const OTP_CHECKS: &[Rule] = &[
    rule(On::Ip, 5, 10, 10),
    rule(On::Email, 5, 10, 10),
    rule(On::Ip, 10, 24 * 60, 24 * 60),
    rule(On::Email, 10, 24 * 60, 24 * 60),
];

const PER_UID_SENDS: &[Rule] = &[rule(On::Uid, 5, 15, 15)];
const PER_UID_CODE_CHECKS: &[Rule] = &[rule(On::Uid, 10, 15, 15)];

/// Customs' `checkAuthenticated` (`uidRateLimit`): 100 per 15 minutes per uid.
const AUTHENTICATED_CHECKS: &[Rule] = &[rule(On::Uid, 100, 15, 15)];

/// Wrong passwords (and unblock codes): 5 per 15 minutes per email, which a
/// mailed unblock code lifts, and 5 per 10 minutes per IP, which it does not.
const BAD_PASSWORDS: &[Rule] = &[
    Rule {
        unblockable: true,
        ..rule(On::Email, 5, 15, 30)
    },
    rule(On::Ip, 5, 10, 30),
];

/// Rules every request of the action counts against.
pub fn attempt_rules(action: Action) -> &'static [Rule] {
    use Action::*;
    match action {
        AccountCreate | AccountLogin | AccountStatusCheck | AccountDestroy
        | GetCredentialsStatus | PasswordChange => ACCOUNT_CHECKS,
        PasswordForgotSendCode | PasswordForgotResendCode | SendUnblockCode => EMAIL_SENDS,
        PasswordForgotVerifyCode | RecoveryEmailVerifyCode => CODE_CHECKS,
        PasswordForgotSendOtp => OTP_SENDS,
        PasswordForgotVerifyOtp => OTP_CHECKS,
        RecoveryEmailResendCode => PER_UID_SENDS,
        VerifySessionCode => PER_UID_CODE_CHECKS,
        InvokeDeviceCommand | DevicesNotify => AUTHENTICATED_CHECKS,
    }
}

/// Rules only failures of the action count against (see [`super::flag`]).
pub fn failure_rules(action: Action) -> &'static [Rule] {
    match action {
        Action::AccountLogin | Action::PasswordChange | Action::AccountDestroy => BAD_PASSWORDS,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sign_in_failures_by_email_can_be_unblocked() {
        let all = [
            Action::AccountCreate,
            Action::AccountLogin,
            Action::PasswordForgotVerifyOtp,
            Action::SendUnblockCode,
        ];
        for action in all {
            assert!(attempt_rules(action).iter().all(|r| !r.unblockable));
        }
        let login = failure_rules(Action::AccountLogin);
        assert!(login.iter().any(|r| r.unblockable && r.on == On::Email));
        assert!(login.iter().any(|r| !r.unblockable && r.on == On::Ip));
    }

    #[test]
    fn every_rule_bans_for_some_time() {
        for rules in [
            ACCOUNT_CHECKS,
            EMAIL_SENDS,
            CODE_CHECKS,
            OTP_SENDS,
            OTP_CHECKS,
            PER_UID_SENDS,
            PER_UID_CODE_CHECKS,
            AUTHENTICATED_CHECKS,
            BAD_PASSWORDS,
        ] {
            for r in rules {
                assert!(r.window.max > 0 && r.window.window_ms > 0 && r.window.ban_ms > 0);
            }
        }
    }
}
