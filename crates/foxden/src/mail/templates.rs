//! The messages foxden sends (English; localization comes with the Fluent work).

use super::Mail;

/// Escapes text for HTML bodies.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn link(base: &url::Url, path: &str, params: &[(&str, &str)]) -> String {
    let mut url = base.clone();
    url.set_path(&format!("{}{}", base.path().trim_end_matches('/'), path));
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
            query.append_pair(k, v);
        }
    }
    url.to_string()
}

fn html_page(heading: &str, paragraph: &str, button: &str, href: &str) -> String {
    format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><h1>{}</h1><p>{}</p>\
         <p><a href=\"{}\">{}</a></p></body></html>",
        esc(heading),
        esc(paragraph),
        esc(href),
        esc(button)
    )
}

/// Context for links: the content server and the relying service.
pub struct LinkContext<'a> {
    pub content_url: &'a url::Url,
    pub service: &'a str,
    pub redirect_to: &'a str,
    pub resume: &'a str,
}

/// `verify`: confirm the account's email (code = the account's emailCode).
pub fn verify(to: &str, uid: &[u8; 16], code: &[u8; 16], ctx: &LinkContext) -> Mail {
    let uid_hex = hex::encode(uid);
    let code_hex = hex::encode(code);
    let href = link(
        ctx.content_url,
        "/verify_email",
        &[
            ("uid", &uid_hex),
            ("code", &code_hex),
            ("service", ctx.service),
            ("redirectTo", ctx.redirect_to),
            ("resume", ctx.resume),
        ],
    );
    Mail {
        to: to.to_string(),
        subject: "Finish creating your account".into(),
        text: format!("Confirm your email and start syncing.\n\nConfirm email: {href}\n"),
        html: html_page(
            "Finish creating your account",
            "Confirm your email and start syncing.",
            "Confirm email",
            &href,
        ),
        template: "verify",
        headers: vec![
            ("X-Uid", uid_hex),
            ("X-Link", href.clone()),
            ("X-Verify-Code", code_hex),
        ],
    }
}

/// `verifyLogin`: confirm a new sign-in (code = the session's tokenVerificationId).
pub fn verify_login(to: &str, uid: &[u8; 16], code: &[u8; 16], ctx: &LinkContext) -> Mail {
    let uid_hex = hex::encode(uid);
    let code_hex = hex::encode(code);
    let href = link(
        ctx.content_url,
        "/complete_signin",
        &[
            ("uid", &uid_hex),
            ("code", &code_hex),
            ("service", ctx.service),
            ("redirectTo", ctx.redirect_to),
            ("resume", ctx.resume),
        ],
    );
    Mail {
        to: to.to_string(),
        subject: "Confirm your sign-in".into(),
        text: format!(
            "Was this you signing in? Confirm to finish signing in.\n\nConfirm sign-in: {href}\n"
        ),
        html: html_page(
            "Confirm your sign-in",
            "Was this you signing in? Confirm to finish signing in.",
            "Confirm sign-in",
            &href,
        ),
        template: "verifyLogin",
        headers: vec![
            ("X-Uid", uid_hex),
            ("X-Link", href.clone()),
            ("X-Verify-Code", code_hex),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_mail_carries_fxa_headers_and_link() {
        let base = url::Url::parse("https://accounts.example.com/").unwrap();
        let ctx = LinkContext {
            content_url: &base,
            service: "sync",
            redirect_to: "",
            resume: "",
        };
        let mail = verify("a@example.com", &[1; 16], &[2; 16], &ctx);
        let header = |n: &str| {
            mail.headers
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(header("X-Verify-Code"), "02".repeat(16));
        assert_eq!(header("X-Uid"), "01".repeat(16));
        let expected = format!(
            "https://accounts.example.com/verify_email?uid={}&code={}&service=sync",
            "01".repeat(16),
            "02".repeat(16)
        );
        assert_eq!(header("X-Link"), expected);
        assert!(mail.text.contains(&expected));
        assert!(mail.html.contains(&expected.replace('&', "&amp;")));
    }
}
