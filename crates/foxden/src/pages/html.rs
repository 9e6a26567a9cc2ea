//! One small HTML page: a heading, paragraphs, maybe a code to type and a form
//! with one button; every text is a Fluent message and every value is escaped.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::mail::l10n::{text, text_with};
use crate::mail::templates::esc;
use crate::mail::Locale;

/// No scripts, no frames, no third-party anything; forms post only back here.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'";

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f0f0f4;color:#15141a;\
margin:0;padding:2rem 1rem}main{max-width:34rem;margin:0 auto;background:#fff;\
border-radius:.5rem;padding:1.5rem 2rem;box-shadow:0 1px 4px rgba(0,0,0,.2)}\
h1{font-size:1.5rem;margin-top:0}p{line-height:1.5}\
.code{font-family:monospace;font-size:1.4rem;letter-spacing:.08em;word-break:break-all;\
background:#f0f0f4;padding:.5rem .75rem;border-radius:.25rem}\
button{font:inherit;background:#0061e0;color:#fff;border:0;border-radius:.25rem;\
padding:.6rem 1.2rem;cursor:pointer}button:hover{background:#0250bb}";

/// A form that posts `fields` back to the page's own path.
struct Form {
    /// The page's last path segment, so the form also works under a path prefix.
    action: &'static str,
    button: String,
    fields: Vec<(&'static str, String)>,
}

/// A page ready to be rendered in `locale`.
pub struct Page {
    status: StatusCode,
    locale: Locale,
    title: String,
    paragraphs: Vec<String>,
    code: Option<String>,
    form: Option<Form>,
    retry_after: Option<u64>,
}

impl Page {
    /// A 200 page headed by the Fluent message `title_id`.
    pub fn new(locale: Locale, title_id: &str) -> Page {
        Page {
            status: StatusCode::OK,
            locale,
            title: text(locale, title_id),
            paragraphs: Vec::new(),
            code: None,
            form: None,
            retry_after: None,
        }
    }

    /// Adds the paragraph of Fluent message `id`.
    pub fn paragraph(mut self, id: &str) -> Page {
        self.paragraphs.push(text(self.locale, id));
        self
    }

    /// Adds the paragraph of Fluent message `id` with its variables `vars`
    /// (escaped with the rest of the text when rendered).
    pub fn paragraph_with(mut self, id: &str, vars: &[(&'static str, &str)]) -> Page {
        self.paragraphs.push(text_with(self.locale, id, vars));
        self
    }

    /// Shows `code` to be typed into an app.
    pub fn code(mut self, code: String) -> Page {
        self.code = Some(code);
        self
    }

    /// A button (Fluent message `button_id`) that posts `fields` to `action`.
    pub fn form(
        mut self,
        action: &'static str,
        button_id: &str,
        fields: Vec<(&'static str, String)>,
    ) -> Page {
        self.form = Some(Form {
            action,
            button: text(self.locale, button_id),
            fields,
        });
        self
    }

    fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }

    /// 400: a link whose parameters are missing or malformed.
    pub fn bad_link(locale: Locale) -> Page {
        Page::new(locale, "page-bad-link-title")
            .paragraph("page-bad-link-text")
            .status(StatusCode::BAD_REQUEST)
    }

    /// The page for a service's error: a code that is wrong, used or expired (or
    /// whose account is gone) is a 400, as is a push's sign-in that no longer
    /// waits (errno 123) or its 6-digit code, wrong or expired (183); rate limits
    /// keep their 429 and `Retry-After`; anything else is the server's fault.
    pub fn from_error(locale: Locale, err: &ApiError) -> Page {
        match err {
            ApiError::UnknownAccount { .. }
            | ApiError::UnknownDevice
            | ApiError::InvalidVerificationCode
            | ApiError::InvalidVerificationCodeWithTries { .. }
            | ApiError::InvalidUnblockCode => Page::new(locale, "page-used-link-title")
                .paragraph("page-used-link-text")
                .status(StatusCode::BAD_REQUEST),
            ApiError::InvalidOrExpiredOtpCode => Page::new(locale, "page-wrong-code-title")
                .paragraph("page-wrong-code-text")
                .status(StatusCode::BAD_REQUEST),
            ApiError::TooManyRequests { retry_after, .. } => {
                let mut page = Page::new(locale, "page-busy-title")
                    .paragraph("page-busy-text")
                    .status(StatusCode::TOO_MANY_REQUESTS);
                page.retry_after = Some(*retry_after);
                page
            }
            ApiError::ServerBusy { retry_after } => {
                let mut page = Page::new(locale, "page-error-title")
                    .paragraph("page-error-text")
                    .status(StatusCode::SERVICE_UNAVAILABLE);
                page.retry_after = Some(*retry_after);
                page
            }
            _ => {
                tracing::warn!(errno = err.errno(), "a mail link's page failed");
                Page::new(locale, "page-error-title")
                    .paragraph("page-error-text")
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    fn render(&self) -> String {
        let mut body = format!("<h1>{}</h1>", esc(&self.title));
        if let Some((first, rest)) = self.paragraphs.split_first() {
            body.push_str(&format!("<p>{}</p>", esc(first)));
            if let Some(code) = &self.code {
                body.push_str(&format!("<p class=\"code\">{}</p>", esc(code)));
            }
            for paragraph in rest {
                body.push_str(&format!("<p>{}</p>", esc(paragraph)));
            }
        }
        if let Some(form) = &self.form {
            body.push_str(&format!(
                "<form method=\"post\" action=\"{}\" autocomplete=\"off\">",
                esc(form.action)
            ));
            for (name, value) in &form.fields {
                body.push_str(&format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                    esc(name),
                    esc(value)
                ));
            }
            body.push_str(&format!(
                "<p><button type=\"submit\">{}</button></p></form>",
                esc(&form.button)
            ));
        }
        format!(
            "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><style>{STYLE}</style></head>\
             <body><main>{body}</main></body></html>",
            lang = self.locale.tag(),
            title = esc(&self.title),
        )
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let headers = [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_LANGUAGE, self.locale.tag()),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ];
        let mut response = (self.status, headers, self.render()).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_shown_is_escaped() {
        let page = Page::new(Locale::En, "page-verify-title")
            .paragraph("page-verify-text")
            .code("<script>&\"".into())
            .form(
                "verify_email",
                "page-verify-button",
                vec![("uid", "\"><script>alert(1)</script>".into())],
            );
        let html = page.render();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;&amp;&quot;"), "{html}");
        assert!(html.contains("value=\"&quot;&gt;&lt;script&gt;"), "{html}");
        assert!(html.contains("<html lang=\"en\">"));
    }

    #[test]
    fn variables_are_escaped_too() {
        let page = Page::new(Locale::De, "page-push-title")
            .paragraph("page-push-text")
            .paragraph_with("page-push-device", &[("name", "<b>Ö</b>")]);
        let html = page.render();
        assert!(html.contains("&lt;b&gt;Ö&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }

    #[test]
    fn every_page_text_exists_in_every_locale() {
        for locale in Locale::ALL {
            let html = Page::new(locale, "page-bad-link-title")
                .paragraph("page-bad-link-text")
                .render();
            assert!(!html.contains("page-bad-link"), "{html}");
            assert!(html.contains(&format!("lang=\"{}\"", locale.tag())));
        }
    }
}
