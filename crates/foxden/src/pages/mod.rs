//! The pages foxden serves where its mails' links lead, while the content URL is
//! foxden itself (the default): `/verify_email`, `/complete_signin`,
//! `/report_signin` and `/signin_push_code_confirm` (the link of the
//! `verify_login` push) act only on a form POST (a GET, as mail scanners send,
//! shows the button), `/complete_reset_password`, `/settings` and
//! `/connect_another_device` only tell the user what to do next. Every page is
//! localized like the mails and carries a strict Content-Security-Policy.
//! With `FOXDEN_CONTENT_URL` pointing elsewhere, none of these routes exists.

mod confirm;
mod html;
mod inform;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::Router;
use serde::de::DeserializeOwned;

pub use html::Page;

use crate::mail::Locale;
use crate::settings::Settings;
use crate::state::AppState;

/// The page routes when mail links lead to foxden itself, none otherwise.
pub fn routes(settings: &Settings) -> Router<AppState> {
    if !links_lead_here(&settings.content_url, &settings.public_url) {
        return Router::new();
    }
    Router::new()
        .merge(confirm::routes())
        .merge(inform::routes())
}

/// True when the content URL is the public URL (same origin and path), so the
/// links in mail reach this server's root.
pub fn links_lead_here(content: &url::Url, public: &url::Url) -> bool {
    content.origin() == public.origin()
        && content.path().trim_end_matches('/') == public.path().trim_end_matches('/')
}

/// A link's query string parsed into `T`; anything invalid gets the bad-link page.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = Page;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Page> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query)
            .map(PageQuery)
            .map_err(|_| Page::bad_link(Locale::from_headers(&parts.headers)))
    }
}

/// A page's form (`application/x-www-form-urlencoded`) parsed into `T`, at most
/// `FOXDEN_MAX_BODY_BYTES` long; anything invalid gets the bad-link page.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = Page;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Page> {
        let locale = Locale::from_headers(req.headers());
        let limit = state.settings.max_body_bytes;
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| Page::bad_link(locale))?;
        serde_urlencoded::from_bytes(&bytes)
            .map(PageForm)
            .map_err(|_| Page::bad_link(locale))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn pages_are_served_only_where_the_links_lead() {
        let cases = [
            ("http://127.0.0.1:9000", "http://127.0.0.1:9000/", true),
            ("https://a.example/fxa/", "https://a.example/fxa", true),
            ("https://a.example/", "https://accounts.example/", false),
            ("https://a.example/", "http://a.example/", false),
            ("https://a.example/", "https://a.example:8443/", false),
            ("https://a.example/", "https://a.example/content/", false),
        ];
        for (public, content, want) in cases {
            assert_eq!(
                links_lead_here(&url(content), &url(public)),
                want,
                "{public} {content}"
            );
        }
    }
}
