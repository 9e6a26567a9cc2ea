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
    if url.query() == Some("") {
        url.set_query(None);
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

/// The words of a mail whose one link carries a verification code.
struct CodeLinkText {
    template: &'static str,
    path: &'static str,
    subject: &'static str,
    paragraph: &'static str,
    button: &'static str,
}

/// A mail with a link `<content>/<path>?uid=…&code=…` and FxA's `X-Verify-Code` header.
fn code_link_mail(
    to: &str,
    uid: &[u8; 16],
    code: &[u8; 16],
    ctx: &LinkContext,
    words: CodeLinkText,
) -> Mail {
    let uid_hex = hex::encode(uid);
    let code_hex = hex::encode(code);
    let href = link(
        ctx.content_url,
        words.path,
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
        subject: words.subject.into(),
        text: format!("{}\n\n{}: {href}\n", words.paragraph, words.button),
        html: html_page(words.subject, words.paragraph, words.button, &href),
        template: words.template,
        headers: vec![
            ("X-Uid", uid_hex),
            ("X-Link", href),
            ("X-Verify-Code", code_hex),
        ],
    }
}

/// `verify`: confirm the account's email (code = the account's emailCode).
pub fn verify(to: &str, uid: &[u8; 16], code: &[u8; 16], ctx: &LinkContext) -> Mail {
    let words = CodeLinkText {
        template: "verify",
        path: "/verify_email",
        subject: "Finish creating your account",
        paragraph: "Confirm your email and start syncing.",
        button: "Confirm email",
    };
    code_link_mail(to, uid, code, ctx, words)
}

/// `verifyLogin`: confirm a new sign-in (code = the session's tokenVerificationId).
pub fn verify_login(to: &str, uid: &[u8; 16], code: &[u8; 16], ctx: &LinkContext) -> Mail {
    let words = CodeLinkText {
        template: "verifyLogin",
        path: "/complete_signin",
        subject: "Confirm your sign-in",
        paragraph: "Was this you signing in? Confirm to finish signing in.",
        button: "Confirm sign-in",
    };
    code_link_mail(to, uid, code, ctx, words)
}

/// `recovery`: the password-reset code (the passwordForgotToken's passCode), as
/// `X-Recovery-Code` and in a link to `<content>/complete_reset_password`
/// (`token` is left out of the link when empty).
pub fn recovery(
    to: &str,
    uid: &[u8; 16],
    token_hex: &str,
    code: &[u8; 16],
    ctx: &LinkContext,
) -> Mail {
    let uid_hex = hex::encode(uid);
    let code_hex = hex::encode(code);
    let href = link(
        ctx.content_url,
        "/complete_reset_password",
        &[
            ("token", token_hex),
            ("code", &code_hex),
            ("email", to),
            ("uid", &uid_hex),
            ("service", ctx.service),
            ("redirectTo", ctx.redirect_to),
            ("resume", ctx.resume),
        ],
    );
    let subject = "Reset your password";
    let paragraph = "Someone asked to reset the password of your account. If it was you, \
                     use the button below or enter this code:";
    let button = "Create new password";
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><h1>{}</h1><p>{}</p>\
         <p><code>{}</code></p><p><a href=\"{}\">{}</a></p>\
         <p>If you did not ask for this, you can ignore this mail.</p></body></html>",
        esc(subject),
        esc(paragraph),
        esc(&code_hex),
        esc(&href),
        esc(button)
    );
    Mail {
        to: to.to_string(),
        subject: subject.into(),
        text: format!(
            "{paragraph}\n\n{code_hex}\n\n{button}: {href}\n\n\
             If you did not ask for this, you can ignore this mail.\n"
        ),
        html,
        template: "recovery",
        headers: vec![
            ("X-Uid", uid_hex),
            ("X-Link", href),
            ("X-Recovery-Code", code_hex),
        ],
    }
}

/// `passwordReset`: tells the owner that the account's password was reset.
pub fn password_reset(to: &str, uid: &[u8; 16], ctx: &LinkContext) -> Mail {
    let uid_hex = hex::encode(uid);
    let href = link(
        ctx.content_url,
        "/settings",
        &[("service", ctx.service), ("uid", &uid_hex)],
    );
    let subject = "Your password has been reset";
    let paragraph = "The password of your account was reset and every device was signed out. \
                     If you did not do this, reset your password again now.";
    let button = "Manage account";
    Mail {
        to: to.to_string(),
        subject: subject.into(),
        text: format!("{paragraph}\n\n{button}: {href}\n"),
        html: html_page(subject, paragraph, button, &href),
        template: "passwordReset",
        headers: vec![("X-Uid", uid_hex), ("X-Link", href)],
    }
}

/// The words of a mail that carries a 6-digit code (no link to follow).
struct ShortCodeText {
    template: &'static str,
    subject: &'static str,
    paragraph: &'static str,
}

/// A mail with a 6-digit code in the text and FxA's `X-Verify-Short-Code` header.
fn short_code_mail(to: &str, uid: &[u8; 16], code: &str, words: ShortCodeText) -> Mail {
    let uid_hex = hex::encode(uid);
    let footer =
        "The code expires after 10 to 20 minutes. If this was not you, you can ignore this mail.";
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><h1>{}</h1><p>{}</p>\
         <p style=\"font-size:2em;letter-spacing:0.2em\"><code>{}</code></p><p>{}</p></body></html>",
        esc(words.subject),
        esc(words.paragraph),
        esc(code),
        esc(footer)
    );
    Mail {
        to: to.to_string(),
        subject: words.subject.into(),
        text: format!("{}\n\n{code}\n\n{footer}\n", words.paragraph),
        html,
        template: words.template,
        headers: vec![
            ("X-Uid", uid_hex),
            ("X-Verify-Short-Code", code.to_string()),
        ],
    }
}

/// `verifyShortCode`: confirm the account's email with a 6-digit code.
pub fn verify_short_code(to: &str, uid: &[u8; 16], code: &str) -> Mail {
    let words = ShortCodeText {
        template: "verifyShortCode",
        subject: "Confirm your account",
        paragraph: "Enter this confirmation code to finish creating your account:",
    };
    short_code_mail(to, uid, code, words)
}

/// `verifyLoginCode`: confirm a new sign-in with a 6-digit code.
pub fn verify_login_code(to: &str, uid: &[u8; 16], code: &str) -> Mail {
    let words = ShortCodeText {
        template: "verifyLoginCode",
        subject: "Confirm your sign-in",
        paragraph: "Was this you signing in? Enter this code to finish signing in:",
    };
    short_code_mail(to, uid, code, words)
}

/// `newDeviceLogin`: tells the owner about a sign-in that needed no confirmation.
pub fn new_device_login(to: &str, uid: &[u8; 16], ctx: &LinkContext) -> Mail {
    let uid_hex = hex::encode(uid);
    let href = link(ctx.content_url, "/settings", &[]);
    let subject = "New sign-in to your account";
    let paragraph = "Your account was just used to sign in. If this was not you, \
                     change your password now.";
    let button = "Manage account";
    Mail {
        to: to.to_string(),
        subject: subject.into(),
        text: format!("{paragraph}\n\n{button}: {href}\n"),
        html: html_page(subject, paragraph, button, &href),
        template: "newDeviceLogin",
        headers: vec![("X-Uid", uid_hex), ("X-Link", href)],
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

    #[test]
    fn short_code_mail_carries_the_code() {
        let mail = verify_login_code("a@example.com", &[1; 16], "012345");
        assert_eq!(mail.template, "verifyLoginCode");
        assert!(mail
            .headers
            .contains(&("X-Verify-Short-Code", "012345".to_string())));
        assert!(mail.text.contains("012345") && mail.html.contains("012345"));
        assert_eq!(
            verify_short_code("a@example.com", &[1; 16], "1").template,
            "verifyShortCode"
        );
    }
}
