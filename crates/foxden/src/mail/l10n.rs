//! Localization with Project Fluent, for the mails and the pages their links open:
//! the `.ftl` files under `locales/` are built into the binary, parsed once into
//! concurrent bundles, and a request's `Accept-Language` picks one of them
//! (English when nothing matches).

use std::convert::Infallible;
use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use fluent_langneg::{negotiate_languages, NegotiationStrategy};
use unic_langid::LanguageIdentifier;

/// The locales foxden's mails are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    #[default]
    En,
    De,
    Fr,
}

/// Each locale's `.ftl` files: the mails' texts, then the link pages' texts.
const SOURCES: [(Locale, [&str; 2]); 3] = [
    (
        Locale::En,
        [
            include_str!("../../locales/en/mail.ftl"),
            include_str!("../../locales/en/pages.ftl"),
        ],
    ),
    (
        Locale::De,
        [
            include_str!("../../locales/de/mail.ftl"),
            include_str!("../../locales/de/pages.ftl"),
        ],
    ),
    (
        Locale::Fr,
        [
            include_str!("../../locales/fr/mail.ftl"),
            include_str!("../../locales/fr/pages.ftl"),
        ],
    ),
];

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::De, Locale::Fr];

    /// The BCP 47 tag (`en`, `de`, `fr`), as sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn langid(self) -> LanguageIdentifier {
        self.tag().parse().expect("static language tag")
    }

    /// The `.ftl` sources of this locale (mails, pages).
    pub fn sources(self) -> [&'static str; 2] {
        SOURCES[self.index()].1
    }

    /// Negotiates an `Accept-Language` value (q-values honoured) among the
    /// supported locales; English when it is missing or nothing matches.
    pub fn negotiate(accept_language: Option<&str>) -> Locale {
        let requested = parse_accept_language(accept_language.unwrap_or(""));
        if requested.is_empty() {
            return Locale::En;
        }
        let available: Vec<LanguageIdentifier> = Locale::ALL.iter().map(|l| l.langid()).collect();
        let default = Locale::En.langid();
        let chosen = negotiate_languages(
            &requested,
            &available,
            Some(&default),
            NegotiationStrategy::Lookup,
        );
        chosen
            .first()
            .and_then(|id| Locale::ALL.into_iter().find(|l| l.langid() == **id))
            .unwrap_or_default()
    }

    /// [`Locale::negotiate`] on a request's headers.
    pub fn from_headers(headers: &HeaderMap) -> Locale {
        Locale::negotiate(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    }
}

/// The language ranges of an `Accept-Language` value, best first: entries with
/// `q=0`, `*` and unparsable tags are dropped; equal weights keep their order.
pub fn parse_accept_language(value: &str) -> Vec<LanguageIdentifier> {
    let mut ranges: Vec<(f32, LanguageIdentifier)> = value
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let mut q = 1.0f32;
            for param in parts {
                if let Some((k, v)) = param.split_once('=') {
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = v.trim().parse().unwrap_or(0.0);
                    }
                }
            }
            if tag.is_empty() || tag == "*" || q.is_nan() || q <= 0.0 {
                return None;
            }
            Some((q, tag.parse().ok()?))
        })
        .collect();
    // A stable sort: ties keep the order the client gave.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges.into_iter().map(|(_, id)| id).collect()
}

/// Reads the request's `Accept-Language` into a [`Locale`]; never rejects.
impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Locale::from_headers(&parts.headers))
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static [Bundle; 3] {
    static BUNDLES: OnceLock<[Bundle; 3]> = OnceLock::new();
    BUNDLES.get_or_init(|| Locale::ALL.map(build_bundle))
}

fn build_bundle(locale: Locale) -> Bundle {
    let mut bundle = FluentBundle::new_concurrent(vec![locale.langid()]);
    // No Unicode isolation marks: codes and links must stay copyable as they are.
    bundle.set_use_isolating(false);
    for source in locale.sources() {
        let resource = FluentResource::try_new(source.to_string())
            .unwrap_or_else(|(_, errors)| panic!("locales/{}: {errors:?}", locale.tag()));
        // An id defined twice (in mail.ftl and pages.ftl) is an error here.
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("locales/{}: {errors:?}", locale.tag()));
    }
    bundle
}

/// The text of message `id` in `locale`, falling back to English when the
/// locale lacks it; the id itself when no locale has it (a bug the tests catch).
pub fn text(locale: Locale, id: &str) -> String {
    text_with(locale, id, &[])
}

/// [`text`] with Fluent variables (`{ $name }`).
pub fn text_with(locale: Locale, id: &str, vars: &[(&'static str, &str)]) -> String {
    let mut args = FluentArgs::new();
    for (name, value) in vars {
        args.set(*name, value.to_string());
    }
    let args = (!vars.is_empty()).then_some(&args);
    let all = bundles();
    for bundle in [&all[locale.index()], &all[Locale::En.index()]] {
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            let out = bundle.format_pattern(pattern, args, &mut errors);
            if !errors.is_empty() {
                tracing::warn!(id, locale = locale.tag(), ?errors, "mail text has errors");
            }
            return out.into_owned();
        }
    }
    tracing::error!(id, locale = locale.tag(), "mail text is missing");
    id.to_string()
}

/// The message ids a `.ftl` source defines (top-level `id = …` lines).
pub fn message_ids(source: &str) -> Vec<&str> {
    source
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(id, _)| id.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message ids of all of a locale's `.ftl` files.
    fn all_message_ids(locale: Locale) -> Vec<&'static str> {
        locale.sources().into_iter().flat_map(message_ids).collect()
    }

    #[test]
    fn negotiation_honours_ranges_weights_and_defaults() {
        let cases = [
            (Some("de-CH, fr;q=0.5"), Locale::De),
            (Some("fr-FR"), Locale::Fr),
            (Some("es"), Locale::En),
            (None, Locale::En),
            (Some(""), Locale::En),
            (Some("de;q=0.2, fr;q=0.8"), Locale::Fr),
            (Some("es, de;q=0.1"), Locale::De),
            (Some("fr;q=0, de"), Locale::De),
            (Some("*"), Locale::En),
            (Some("en-US,en;q=0.9"), Locale::En),
            (Some("not a tag!!, fr"), Locale::Fr),
        ];
        for (header, want) in cases {
            assert_eq!(Locale::negotiate(header), want, "{header:?}");
        }
    }

    #[test]
    fn every_english_message_is_translated() {
        let english = all_message_ids(Locale::En);
        assert!(english.len() > 20, "{english:?}");
        for locale in [Locale::De, Locale::Fr] {
            let ids = all_message_ids(locale);
            for id in &english {
                assert!(ids.contains(id), "{id} is missing in {}", locale.tag());
            }
            for id in &ids {
                assert!(
                    english.contains(id),
                    "{id} in {} is not in en",
                    locale.tag()
                );
            }
            for id in &english {
                let bundle = &bundles()[locale.index()];
                assert!(bundle.has_message(id), "{id} in {}", locale.tag());
            }
        }
    }

    #[test]
    fn texts_have_no_isolation_marks() {
        for locale in Locale::ALL {
            for id in all_message_ids(locale) {
                let t = text_with(locale, id, &[("label", "L"), ("url", "U")]);
                assert!(!t.contains(['\u{2068}', '\u{2069}']), "{id}");
                assert_ne!(t, id);
            }
        }
        assert_eq!(
            text(Locale::De, "verify-subject"),
            "Konto fertig einrichten"
        );
    }
}
