//! Where a key's value comes from: the `FOXDEN_*` environment variable, else the
//! `foxden.toml` key, else (`None`) the default. Every read names a key of
//! [`super::keys::KEYS`]; the reads are recorded so a test can check that each key is
//! loaded.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use super::keys;

/// Looks up an environment variable by name.
type EnvLookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

pub struct Sources<'a> {
    /// Names the file in errors.
    origin: String,
    file: toml::Table,
    env: EnvLookup<'a>,
    read: RefCell<BTreeSet<&'static str>>,
}

impl<'a> Sources<'a> {
    /// `file` is checked here: a key that is not a configuration key is an error.
    pub fn new(
        origin: impl Into<String>,
        file: toml::Table,
        env: impl Fn(&str) -> Option<String> + 'a,
    ) -> Result<Self, String> {
        let origin = origin.into();
        if let Some(unknown) = file.keys().find(|name| keys::find(name).is_none()) {
            return Err(format!("{origin}: unknown key `{unknown}`"));
        }
        Ok(Sources {
            origin,
            file,
            env: Box::new(env),
            read: RefCell::default(),
        })
    }

    /// Reads a `foxden.toml` file (syntax errors name the file).
    pub fn from_file(
        path: &Path,
        env: impl Fn(&str) -> Option<String> + 'a,
    ) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let table: toml::Table =
            toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::new(path.display().to_string(), table, env)
    }

    /// The keys read so far.
    #[cfg(test)]
    pub fn read_keys(&self) -> BTreeSet<&'static str> {
        self.read.borrow().clone()
    }

    /// The key's environment variable name and file value.
    fn lookup(&self, name: &'static str) -> (String, Option<String>, Option<&toml::Value>) {
        let key = keys::find(name);
        debug_assert!(key.is_some(), "{name} is not in settings::keys::KEYS");
        self.read.borrow_mut().insert(name);
        let env_name = format!("FOXDEN_{}", name.to_ascii_uppercase());
        let from_env = (self.env)(&env_name);
        (env_name, from_env, self.file.get(name))
    }

    fn wrong_type(&self, name: &str, expected: &str) -> String {
        format!("{}: `{name}` must be {expected}", self.origin)
    }

    /// A text value.
    pub fn text(&self, name: &'static str) -> Result<Option<String>, String> {
        match self.lookup(name) {
            (_, Some(value), _) => Ok(Some(value)),
            (_, None, None) => Ok(None),
            (_, None, Some(toml::Value::String(s))) => Ok(Some(s.clone())),
            (_, None, Some(_)) => Err(self.wrong_type(name, "a string")),
        }
    }

    /// A whole number; the environment's text must parse.
    pub fn number(&self, name: &'static str) -> Result<Option<i64>, String> {
        match self.lookup(name) {
            (env_name, Some(value), _) => value
                .parse()
                .map(Some)
                .map_err(|_| format!("{env_name} must be a whole number")),
            (_, None, None) => Ok(None),
            (_, None, Some(toml::Value::Integer(n))) => Ok(Some(*n)),
            (_, None, Some(_)) => Err(self.wrong_type(name, "a whole number")),
        }
    }

    /// A count: as [`Sources::number`], and the file may not hold a negative one.
    pub fn count(&self, name: &'static str) -> Result<Option<i64>, String> {
        let from_file = (self.env)(&format!("FOXDEN_{}", name.to_ascii_uppercase())).is_none();
        match self.number(name)? {
            Some(n) if n < 0 && from_file => Err(self.wrong_type(name, "a whole number ≥ 0")),
            other => Ok(other),
        }
    }

    /// `on`/`off` (also `true`/`false`, `1`/`0`) in the environment, a boolean in the file.
    pub fn switch(&self, name: &'static str) -> Result<Option<bool>, String> {
        match self.lookup(name) {
            (env_name, Some(value), _) => match value.as_str() {
                "on" | "true" | "1" => Ok(Some(true)),
                "off" | "false" | "0" => Ok(Some(false)),
                _ => Err(format!("{env_name} must be on or off")),
            },
            (_, None, None) => Ok(None),
            (_, None, Some(toml::Value::Boolean(b))) => Ok(Some(*b)),
            (_, None, Some(_)) => Err(self.wrong_type(name, "true or false")),
        }
    }

    /// One of `choices`, in the environment or the file.
    pub fn choice(
        &self,
        name: &'static str,
        choices: &[&'static str],
    ) -> Result<Option<&'static str>, String> {
        let (env_name, from_env, from_file) = self.lookup(name);
        let value = match (from_env, from_file) {
            (Some(value), _) => value,
            (None, None) => return Ok(None),
            (None, Some(toml::Value::String(s))) => s.clone(),
            (None, Some(_)) => return Err(self.wrong_type(name, "a string")),
        };
        choices
            .iter()
            .find(|choice| **choice == value)
            .copied()
            .map(Some)
            .ok_or_else(|| format!("{env_name} must be {}", choices.join(" or ")))
    }
}
