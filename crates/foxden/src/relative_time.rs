//! "in 15 minutes": how long a client must wait, in the client's language, for
//! `retryAfterLocalized` in 429 and 503 bodies. Mozilla's server words it with
//! moment.js `fromNow()`; these are the same thresholds (rounded units; under
//! 45 s "a few seconds", under 90 s "a minute", under 45 minutes N minutes, under
//! 90 minutes "an hour", under 22 hours N hours, under 36 hours "a day", else N
//! days) and moment's own English, German and French phrases.

use axum::http::HeaderValue;

use crate::mail::Locale;

tokio::task_local! {
    /// The request's `Accept-Language`, kept raw (parsed only when an error needs it).
    pub static ACCEPT_LANGUAGE: Option<HeaderValue>;
}

/// The wait in the current request's language (English outside a request).
pub fn in_request_language(secs: u64) -> String {
    let locale = ACCEPT_LANGUAGE
        .try_with(|value| Locale::negotiate(value.as_ref().and_then(|v| v.to_str().ok())))
        .unwrap_or_default();
    in_time(locale, secs)
}

enum Span {
    Seconds,
    Minute,
    Minutes(u64),
    Hour,
    Hours(u64),
    Day,
    Days(u64),
}

fn span(secs: u64) -> Span {
    let round = |unit: u64| (secs + unit / 2) / unit;
    let (minutes, hours, days) = (round(60), round(3600), round(86_400));
    if secs < 45 {
        Span::Seconds
    } else if minutes <= 1 {
        Span::Minute
    } else if minutes < 45 {
        Span::Minutes(minutes)
    } else if hours <= 1 {
        Span::Hour
    } else if hours < 22 {
        Span::Hours(hours)
    } else if days <= 1 {
        Span::Day
    } else {
        Span::Days(days)
    }
}

pub fn in_time(locale: Locale, secs: u64) -> String {
    use Span::*;
    match locale {
        Locale::En => match span(secs) {
            Seconds => "in a few seconds".into(),
            Minute => "in a minute".into(),
            Minutes(n) => format!("in {n} minutes"),
            Hour => "in an hour".into(),
            Hours(n) => format!("in {n} hours"),
            Day => "in a day".into(),
            Days(n) => format!("in {n} days"),
        },
        Locale::De => match span(secs) {
            Seconds => "in ein paar Sekunden".into(),
            Minute => "in einer Minute".into(),
            Minutes(n) => format!("in {n} Minuten"),
            Hour => "in einer Stunde".into(),
            Hours(n) => format!("in {n} Stunden"),
            Day => "in einem Tag".into(),
            Days(n) => format!("in {n} Tagen"),
        },
        Locale::Fr => match span(secs) {
            Seconds => "dans quelques secondes".into(),
            Minute => "dans une minute".into(),
            Minutes(n) => format!("dans {n} minutes"),
            Hour => "dans une heure".into(),
            Hours(n) => format!("dans {n} heures"),
            Day => "dans un jour".into(),
            Days(n) => format!("dans {n} jours"),
        },
    }
}

/// "5 minutes ago": how long ago something was, as moment.js `fromNow()` words
/// a past time (Mozilla's `lastAccessTimeFormatted`), with the same thresholds.
pub fn ago(locale: Locale, secs: u64) -> String {
    use Span::*;
    match locale {
        Locale::En => match span(secs) {
            Seconds => "a few seconds ago".into(),
            Minute => "a minute ago".into(),
            Minutes(n) => format!("{n} minutes ago"),
            Hour => "an hour ago".into(),
            Hours(n) => format!("{n} hours ago"),
            Day => "a day ago".into(),
            Days(n) => format!("{n} days ago"),
        },
        Locale::De => match span(secs) {
            Seconds => "vor ein paar Sekunden".into(),
            Minute => "vor einer Minute".into(),
            Minutes(n) => format!("vor {n} Minuten"),
            Hour => "vor einer Stunde".into(),
            Hours(n) => format!("vor {n} Stunden"),
            Day => "vor einem Tag".into(),
            Days(n) => format!("vor {n} Tagen"),
        },
        Locale::Fr => match span(secs) {
            Seconds => "il y a quelques secondes".into(),
            Minute => "il y a une minute".into(),
            Minutes(n) => format!("il y a {n} minutes"),
            Hour => "il y a une heure".into(),
            Hours(n) => format!("il y a {n} heures"),
            Day => "il y a un jour".into(),
            Days(n) => format!("il y a {n} jours"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moment_thresholds_in_three_languages() {
        let en = |s| in_time(Locale::En, s);
        assert_eq!(en(1), "in a few seconds");
        assert_eq!(en(44), "in a few seconds");
        assert_eq!(en(45), "in a minute");
        assert_eq!(en(89), "in a minute");
        assert_eq!(en(90), "in 2 minutes");
        assert_eq!(en(713), "in 12 minutes");
        assert_eq!(en(900), "in 15 minutes");
        assert_eq!(en(1800), "in 30 minutes");
        assert_eq!(en(44 * 60 + 29), "in 44 minutes");
        assert_eq!(en(45 * 60), "in an hour");
        assert_eq!(en(5400), "in 2 hours");
        assert_eq!(en(21 * 3600), "in 21 hours");
        assert_eq!(en(22 * 3600), "in a day");
        assert_eq!(en(36 * 3600), "in 2 days");
        assert_eq!(in_time(Locale::De, 1800), "in 30 Minuten");
        assert_eq!(in_time(Locale::De, 3000), "in einer Stunde");
        assert_eq!(in_time(Locale::Fr, 1800), "dans 30 minutes");
        assert_eq!(in_time(Locale::Fr, 86_400), "dans un jour");
        assert_eq!(ago(Locale::En, 3), "a few seconds ago");
        assert_eq!(ago(Locale::En, 1800), "30 minutes ago");
        assert_eq!(ago(Locale::De, 36 * 3600), "vor 2 Tagen");
        assert_eq!(ago(Locale::Fr, 3000), "il y a une heure");
    }

    #[tokio::test]
    async fn follows_the_request_language() {
        assert_eq!(
            in_request_language(1800),
            "in 30 minutes",
            "outside a request"
        );
        let de = Some(HeaderValue::from_static("de-DE,de;q=0.9"));
        let worded = ACCEPT_LANGUAGE.scope(de, async { in_request_language(1800) });
        assert_eq!(worded.await, "in 30 Minuten");
    }
}
