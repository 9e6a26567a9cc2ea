//! The account's profile as the auth server's `GET /account/profile` and the
//! profile server (`<prefix>/v1/*`) answer it: which fields a caller may see
//! (a session sees all; an access token what its scopes imply), and the display
//! name, foxden's one stored profile field.

use foxden_db::ops::*;
use foxden_db::{Account, Conn, Millis, Uid};

use super::push_events::{self, To};
use crate::error::{ApiError, ApiResult};
use crate::oauth::scopes::ScopeSet;
use crate::push::Message;
use crate::state::AppState;

/// The authentication methods every foxden account has (Mozilla's
/// `availableAuthenticationMethods`: a password and the email loop; `otp` would
/// follow TOTP, which foxden does not have), and their assurance level.
pub const AMR_VALUES: &[&str] = &["pwd", "email"];
pub const ASSURANCE_LEVEL: i32 = 1;

/// The id of the default avatar (Mozilla's `img.defaultAvatarId`).
pub const DEFAULT_AVATAR_ID: &str = "00000000000000000000000000000000";
/// Display names are at most this many characters (Mozilla: `Joi.string().max(256)`).
pub const DISPLAY_NAME_MAX_CHARS: usize = 256;

/// Who is asking: a session sees every field, an access token what its scope implies.
pub enum Viewer<'a> {
    Session,
    Token(&'a ScopeSet),
}

impl Viewer<'_> {
    /// Mozilla's `scope.contains(…)`: a session passes every check.
    pub fn may(&self, scope: &str) -> bool {
        match self {
            Viewer::Session => true,
            Viewer::Token(set) => set.implies(scope),
        }
    }
}

/// The fields of `GET /account/profile` the viewer may see.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AccountProfile {
    pub email: Option<String>,
    pub locale: Option<String>,
    /// `profile:amr`: the methods and the assurance level.
    pub amr: Option<(Vec<String>, i32)>,
    /// `profile:age_check`: foxden stores no age answer, so it is shown as unknown.
    pub age_check: bool,
    pub disabled_at: Option<Millis>,
    pub locked_at: Option<Millis>,
    /// Set (with `metricsEnabled`) only when some field above was shown.
    pub profile_changed_at: Option<Millis>,
}

/// The account's profile filtered for the viewer, as Mozilla's route builds it.
/// An account that is gone is errno 102 (the profile server turns it into a 401).
pub async fn account_profile(
    conn: &impl Conn,
    uid: &Uid,
    viewer: &Viewer<'_>,
) -> ApiResult<AccountProfile> {
    let account = conn
        .account(uid)
        .await?
        .ok_or(ApiError::UnknownAccount { email: None })?;
    Ok(filter(&account, viewer))
}

fn filter(account: &Account, viewer: &Viewer<'_>) -> AccountProfile {
    let mut profile = AccountProfile::default();
    let mut shown = false;
    if viewer.may("profile:email") {
        profile.email = Some(account.email.clone());
        shown = true;
    }
    if viewer.may("profile:locale") {
        profile.locale = account.locale.clone().filter(|l| !l.is_empty());
        shown |= profile.locale.is_some();
    }
    if viewer.may("profile:amr") {
        let methods = AMR_VALUES.iter().map(|m| m.to_string()).collect();
        profile.amr = Some((methods, ASSURANCE_LEVEL));
        shown = true;
    }
    if viewer.may("profile:age_check") {
        profile.age_check = true;
        shown = true;
    }
    if viewer.may("profile:account_disabled_at") {
        profile.disabled_at = account.disabled_at;
        shown = true;
    }
    if viewer.may("profile:account_locked_at") {
        profile.locked_at = account.locked_at;
        shown = true;
    }
    if shown {
        profile.profile_changed_at = Some(account.profile_changed_at);
    }
    profile
}

/// The stored display name, None when unset or empty (the profile server's 204).
pub async fn display_name(conn: &impl Conn, uid: &Uid) -> ApiResult<Option<String>> {
    Ok(conn
        .display_name(uid)
        .await?
        .filter(|name| !name.is_empty()))
}

/// Whether `name` is a display name the profile server accepts: at most 256
/// characters (UTF-16 units, as Joi counts), none of C0/C1 controls, DEL, the line
/// and paragraph separators, the BMP private-use area or the specials block.
pub fn valid_display_name(name: &str) -> bool {
    name.encode_utf16().count() <= DISPLAY_NAME_MAX_CHARS
        && !name.chars().any(|c| {
            matches!(c,
                '\u{0}'..='\u{1F}'
                | '\u{7F}'..='\u{9F}'
                | '\u{2028}'..='\u{2029}'
                | '\u{E000}'..='\u{F8FF}'
                | '\u{FFF9}'..='\u{FFFF}')
        })
}

/// Stores the display name and bumps the account's `profileChangedAt` (what
/// Mozilla's profile-change notification does on the auth server). Errno 102 if
/// the account is gone.
pub async fn set_display_name(
    conn: &impl Conn,
    uid: &Uid,
    name: &str,
    now: Millis,
) -> ApiResult<()> {
    if conn.set_display_name(uid, name, now).await? {
        Ok(())
    } else {
        Err(ApiError::UnknownAccount { email: None })
    }
}

/// [`set_display_name`] and, in the same transaction, `profile_updated` to every
/// device of the account (what Mozilla's profile-change notification pushes).
pub async fn update_display_name(
    state: &AppState,
    uid: &Uid,
    name: &str,
    now: Millis,
) -> ApiResult<()> {
    let tx = state.db.begin().await?;
    set_display_name(&tx, uid, name, now).await?;
    push_events::queue(state, &tx, uid, To::All, &Message::ProfileUpdated).await?;
    tx.commit().await?;
    state.push.wake();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_follow_the_profile_servers_rule() {
        assert!(valid_display_name(""));
        assert!(valid_display_name("Zoë 🦊 Ünïcødé"));
        assert!(valid_display_name(&"a".repeat(256)));
        assert!(!valid_display_name(&"a".repeat(257)));
        // 🦊 is two UTF-16 units: 128 of them are 256 units.
        assert!(valid_display_name(&"🦊".repeat(128)));
        assert!(!valid_display_name(&"🦊".repeat(129)));
        for bad in [
            "a\nb", "\u{7F}", "\u{85}", "\u{2028}", "\u{E000}", "\u{FFFD}", "\t",
        ] {
            assert!(!valid_display_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn scopes_select_the_fields() {
        let scope = ScopeSet::parse("profile:email").unwrap();
        let viewer = Viewer::Token(&scope);
        assert!(viewer.may("profile:email") && !viewer.may("profile:locale"));
        let profile = ScopeSet::parse("profile").unwrap();
        assert!(Viewer::Token(&profile).may("profile:account_locked_at"));
        let write = ScopeSet::parse("profile:write").unwrap();
        assert!(Viewer::Token(&write).may("profile:amr"));
        let openid = ScopeSet::parse("openid").unwrap();
        assert!(!Viewer::Token(&openid).may("profile:email"));
        assert!(Viewer::Session.may("profile:anything"));
    }
}
