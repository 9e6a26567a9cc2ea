//! OAuth scopes: the space-separated values of `scope`, the scopes the server
//! knows (some with keys), and which scope implies which.
//!
//! Implication follows FxA's `ScopeSet`: a short scope implies its sub-scopes
//! (`profile` implies `profile:email`) and a `:write` scope implies its read form
//! (`profile:write` implies `profile`). URL scopes are compared whole.

use serde::de::{self, Deserializer};
use serde::Deserialize;

pub const OLDSYNC: &str = "https://identity.mozilla.com/apps/oldsync";
/// Mints a new session token from the code exchange (mobile pairing, §17.1.4).
pub const SESSION_TOKEN: &str = "https://identity.mozilla.com/tokens/session";
pub const OPENID: &str = "openid";

/// Scopes registered with the server (Mozilla's `scopes` table): a client must have
/// them in its `allowedScopes` to be granted them. `true`: the scope has keys.
pub const REGISTERED: &[(&str, bool)] = &[(OLDSYNC, true), (SESSION_TOKEN, false)];

/// What untrusted clients may ask for at most.
pub const UNTRUSTED_ALLOWED: &[&str] = &[
    "openid",
    "profile:uid",
    "profile:email",
    "profile:display_name",
];

/// Removed from a refresh-token grant: one-off exchanges of claims or credentials.
pub const NOT_REFRESHABLE: &[&str] = &[OPENID, SESSION_TOKEN];

/// Whether a scope has scoped keys (what `/account/scoped-key-data` answers for).
pub fn has_keys(scope: &str) -> bool {
    REGISTERED.iter().any(|(s, keys)| *s == scope && *keys)
}

pub fn is_registered(scope: &str) -> bool {
    REGISTERED.iter().any(|(s, _)| *s == scope)
}

/// A set of scope values in the order first given, without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeSet(Vec<String>);

fn is_valid_scope(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
}

impl ScopeSet {
    /// Parses `"a b c"`; None when a value has characters scopes cannot have.
    pub fn parse(s: &str) -> Option<Self> {
        let mut set = ScopeSet::default();
        for value in s.split_ascii_whitespace() {
            if !is_valid_scope(value) {
                return None;
            }
            set.add(value);
        }
        Some(set)
    }

    pub fn from_list(values: &[&str]) -> Self {
        let mut set = ScopeSet::default();
        for v in values {
            set.add(v);
        }
        set
    }

    pub fn add(&mut self, value: &str) {
        if !self.0.iter().any(|v| v == value) {
            self.0.push(value.to_string());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Whether the set has this exact value.
    pub fn has(&self, value: &str) -> bool {
        self.0.iter().any(|v| v == value)
    }

    /// Whether some value of the set implies `value`.
    pub fn implies(&self, value: &str) -> bool {
        self.0.iter().any(|v| implies(v, value))
    }

    /// Whether every value of `other` is implied by this set.
    pub fn contains(&self, other: &ScopeSet) -> bool {
        other.values().all(|v| self.implies(v))
    }

    /// The values of this set that `other` does not imply.
    pub fn difference(&self, other: &ScopeSet) -> ScopeSet {
        ScopeSet(
            self.0
                .iter()
                .filter(|v| !other.implies(v))
                .cloned()
                .collect(),
        )
    }

    /// This set without the given exact values.
    pub fn without(&self, values: &[&str]) -> ScopeSet {
        ScopeSet(
            self.0
                .iter()
                .filter(|v| !values.contains(&v.as_str()))
                .cloned()
                .collect(),
        )
    }

    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

impl std::fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// Whether holding `have` grants `want`.
fn implies(have: &str, want: &str) -> bool {
    if have == want {
        return true;
    }
    if have.contains("://") || want.contains("://") {
        return false;
    }
    let (have_base, have_write) = split_write(have);
    let (want_base, want_write) = split_write(want);
    if want_write && !have_write {
        return false;
    }
    want_base == have_base
        || want_base
            .strip_prefix(have_base)
            .is_some_and(|rest| rest.starts_with(':'))
}

fn split_write(scope: &str) -> (&str, bool) {
    match scope.strip_suffix(":write") {
        Some(base) => (base, true),
        None => (scope, false),
    }
}

impl<'de> Deserialize<'de> for ScopeSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if s.len() > 4096 {
            return Err(de::Error::custom("scope too long"));
        }
        ScopeSet::parse(&s).ok_or_else(|| de::Error::custom("invalid scope"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implication_follows_fxa_scope_sets() {
        let profile = ScopeSet::parse("profile").unwrap();
        assert!(profile.implies("profile:email"));
        assert!(!profile.implies("profile:email:write"));
        assert!(!profile.implies("profilex"));
        assert!(ScopeSet::parse("profile:write")
            .unwrap()
            .implies("profile:uid"));
        assert!(!ScopeSet::parse("profile:email").unwrap().implies("profile"));
        assert!(!ScopeSet::parse(OLDSYNC).unwrap().implies(SESSION_TOKEN));
        let untrusted = ScopeSet::from_list(UNTRUSTED_ALLOWED);
        let asked = ScopeSet::parse("openid profile profile:email").unwrap();
        assert_eq!(asked.difference(&untrusted).to_string(), "profile");
    }

    #[test]
    fn parsing_dedupes_and_refuses_bad_characters() {
        let set = ScopeSet::parse("  profile  openid profile ").unwrap();
        assert_eq!(set.to_string(), "profile openid");
        assert!(ScopeSet::parse("a\"b").is_none());
        assert!(ScopeSet::parse("").unwrap().is_empty());
        assert!(has_keys(OLDSYNC) && !has_keys(SESSION_TOKEN) && !has_keys("profile"));
    }
}
