//! The messages foxden sends, worded by the Fluent texts of the mail's locale
//! (see [`super::l10n`]); links, codes and `X-*` headers do not depend on it.

use super::l10n::{text, text_with, Locale};
use super::Mail;

/// Escapes text for HTML bodies and double-quoted attributes (mails and pages).
pub(crate) fn esc(s: &str) -> String {
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

/// "label: url" in the text part, punctuated as the locale writes it.
fn link_line(locale: Locale, label: &str, href: &str) -> String {
    text_with(locale, "link-line", &[("label", label), ("url", href)])
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
    /// The language the mail is written in.
    pub locale: Locale,
}

/// FxA's headers plus `Content-Language`.
fn headers(locale: Locale, mut fxa: Vec<(&'static str, String)>) -> Vec<(&'static str, String)> {
    fxa.push(("Content-Language", locale.tag().to_string()));
    fxa
}

/// The words of a mail whose one link carries a verification code.
struct CodeLinkText {
    template: &'static str,
    path: &'static str,
    /// The Fluent id prefix: `<prefix>-subject`, `-paragraph`, `-button`.
    ids: &'static str,
}

/// A mail with a link `<content>/<path>?uid=…&code=…` and FxA's `X-Verify-Code` header.
fn code_link_mail(
    to: &str,
    uid: &[u8; 16],
    code: &[u8; 16],
    ctx: &LinkContext,
    words: CodeLinkText,
) -> Mail {
    let uid_hex = foxden_crypto::to_hex(uid);
    let code_hex = foxden_crypto::to_hex(code);
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
    let subject = text(ctx.locale, &format!("{}-subject", words.ids));
    let paragraph = text(ctx.locale, &format!("{}-paragraph", words.ids));
    let button = text(ctx.locale, &format!("{}-button", words.ids));
    Mail {
        to: to.to_string(),
        text: format!("{paragraph}\n\n{}\n", link_line(ctx.locale, &button, &href)),
        html: html_page(&subject, &paragraph, &button, &href),
        subject,
        template: words.template,
        headers: headers(
            ctx.locale,
            vec![
                ("X-Uid", uid_hex),
                ("X-Link", href),
                ("X-Verify-Code", code_hex),
            ],
        ),
    }
}

/// `verify`: confirm the account's email (code = the account's emailCode).
pub fn verify(to: &str, uid: &[u8; 16], code: &[u8; 16], ctx: &LinkContext) -> Mail {
    let words = CodeLinkText {
        template: "verify",
        path: "/verify_email",
        ids: "verify",
    };
    code_link_mail(to, uid, code, ctx, words)
}

/// `verifyLogin`: confirm a new sign-in (code = the session's tokenVerificationId).
pub fn verify_login(to: &str, uid: &[u8; 16], code: &[u8; 16], ctx: &LinkContext) -> Mail {
    let words = CodeLinkText {
        template: "verifyLogin",
        path: "/complete_signin",
        ids: "verify-login",
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
    let uid_hex = foxden_crypto::to_hex(uid);
    let code_hex = foxden_crypto::to_hex(code);
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
    let subject = text(ctx.locale, "recovery-subject");
    let paragraph = text(ctx.locale, "recovery-paragraph");
    let button = text(ctx.locale, "recovery-button");
    let ignore = text(ctx.locale, "recovery-ignore");
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><h1>{}</h1><p>{}</p>\
         <p><code>{}</code></p><p><a href=\"{}\">{}</a></p>\
         <p>{}</p></body></html>",
        esc(&subject),
        esc(&paragraph),
        esc(&code_hex),
        esc(&href),
        esc(&button),
        esc(&ignore)
    );
    Mail {
        to: to.to_string(),
        subject,
        text: format!(
            "{paragraph}\n\n{code_hex}\n\n{}\n\n{ignore}\n",
            link_line(ctx.locale, &button, &href)
        ),
        html,
        template: "recovery",
        headers: headers(
            ctx.locale,
            vec![
                ("X-Uid", uid_hex),
                ("X-Link", href),
                ("X-Recovery-Code", code_hex),
            ],
        ),
    }
}

/// `passwordReset`: tells the owner that the account's password was reset.
pub fn password_reset(to: &str, uid: &[u8; 16], ctx: &LinkContext) -> Mail {
    password_notice(to, uid, ctx, "passwordReset", "password-reset")
}

/// A notice about the password whose link leads to the account's settings.
fn password_notice(
    to: &str,
    uid: &[u8; 16],
    ctx: &LinkContext,
    template: &'static str,
    ids: &'static str,
) -> Mail {
    let uid_hex = foxden_crypto::to_hex(uid);
    let href = link(
        ctx.content_url,
        "/settings",
        &[("service", ctx.service), ("uid", &uid_hex)],
    );
    notice_mail(to, uid_hex, href, ctx.locale, template, ids)
}

/// The words of a mail that carries a short code to type in.
struct ShortCodeText {
    template: &'static str,
    /// The Fluent id prefix: `<prefix>-subject` (which may show `{ $code }`)
    /// and `<prefix>-paragraph`.
    ids: &'static str,
    /// The Fluent id of the line under the code.
    footer: &'static str,
    /// The FxA header that carries the code.
    header: &'static str,
    /// A link under the footer, if the mail has one.
    link: Option<ShortCodeLink>,
}

/// A link at the end of a short-code mail, also sent as a header.
struct ShortCodeLink {
    /// The Fluent id of the link's label.
    label: &'static str,
    href: String,
    header: &'static str,
}

/// A mail that shows `code` prominently, with the code in `words.header`.
fn short_code_mail(
    to: &str,
    uid: &[u8; 16],
    code: &str,
    locale: Locale,
    words: ShortCodeText,
) -> Mail {
    let uid_hex = foxden_crypto::to_hex(uid);
    let subject = text_with(locale, &format!("{}-subject", words.ids), &[("code", code)]);
    let paragraph = text(locale, &format!("{}-paragraph", words.ids));
    let footer = text(locale, words.footer);
    let mut text_part = format!("{paragraph}\n\n{code}\n\n{footer}\n");
    let mut html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\"><h1>{}</h1><p>{}</p>\
         <p style=\"font-size:2em;letter-spacing:0.2em\"><code>{}</code></p><p>{}</p>",
        esc(&subject),
        esc(&paragraph),
        esc(code),
        esc(&footer)
    );
    let mut fxa = vec![("X-Uid", uid_hex), (words.header, code.to_string())];
    if let Some(link) = words.link {
        let label = text(locale, link.label);
        text_part.push_str(&format!("\n{}\n", link_line(locale, &label, &link.href)));
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            esc(&link.href),
            esc(&label)
        ));
        fxa.push((link.header, link.href));
    }
    html.push_str("</body></html>");
    Mail {
        to: to.to_string(),
        subject,
        text: text_part,
        html,
        template: words.template,
        headers: headers(locale, fxa),
    }
}

/// `verifyShortCode`: confirm the account's email with a 6-digit code.
pub fn verify_short_code(to: &str, uid: &[u8; 16], code: &str, locale: Locale) -> Mail {
    let words = ShortCodeText {
        template: "verifyShortCode",
        ids: "verify-short-code",
        footer: "short-code-footer",
        header: "X-Verify-Short-Code",
        link: None,
    };
    short_code_mail(to, uid, code, locale, words)
}

/// `verifyLoginCode`: confirm a new sign-in with a 6-digit code, in
/// `X-Signin-Verify-Code` as Mozilla's mailer sends it (not the sign-up header).
pub fn verify_login_code(to: &str, uid: &[u8; 16], code: &str, locale: Locale) -> Mail {
    let words = ShortCodeText {
        template: "verifyLoginCode",
        ids: "verify-login-code",
        footer: "short-code-footer",
        header: "X-Signin-Verify-Code",
        link: None,
    };
    short_code_mail(to, uid, code, locale, words)
}

/// `unblockCode`: the authorization code that lets a blocked sign-in through,
/// as `X-Unblock-Code`, with a link to report the sign-in
/// (`<content>/report_signin?uid=…&unblockCode=…`, also `X-Report-SignIn-Link`).
pub fn unblock_code(to: &str, uid: &[u8; 16], code: &str, ctx: &LinkContext) -> Mail {
    let uid_hex = foxden_crypto::to_hex(uid);
    let href = link(
        ctx.content_url,
        "/report_signin",
        &[("uid", &uid_hex), ("unblockCode", code)],
    );
    let words = ShortCodeText {
        template: "unblockCode",
        ids: "unblock-code",
        footer: "unblock-code-footer",
        header: "X-Unblock-Code",
        link: Some(ShortCodeLink {
            label: "unblock-code-report",
            href,
            header: "X-Report-SignIn-Link",
        }),
    };
    short_code_mail(to, uid, code, ctx.locale, words)
}

/// `passwordForgotOtp`: the code that starts a password change, as
/// `X-Password-Forgot-Otp`.
pub fn password_forgot_otp(to: &str, uid: &[u8; 16], code: &str, locale: Locale) -> Mail {
    let words = ShortCodeText {
        template: "passwordForgotOtp",
        ids: "password-forgot-otp",
        footer: "password-forgot-otp-footer",
        header: "X-Password-Forgot-Otp",
        link: None,
    };
    short_code_mail(to, uid, code, locale, words)
}

/// `newDeviceLogin`: tells the owner about a sign-in that needed no confirmation.
pub fn new_device_login(to: &str, uid: &[u8; 16], ctx: &LinkContext) -> Mail {
    let uid_hex = foxden_crypto::to_hex(uid);
    let href = link(ctx.content_url, "/settings", &[]);
    notice_mail(
        to,
        uid_hex,
        href,
        ctx.locale,
        "newDeviceLogin",
        "new-device-login",
    )
}

/// `passwordChanged`: tells the owner that the account's password was changed.
pub fn password_changed(to: &str, uid: &[u8; 16], ctx: &LinkContext) -> Mail {
    password_notice(to, uid, ctx, "passwordChanged", "password-changed")
}

/// `postVerify`: the account is confirmed; invites to connect another device (Sync).
pub fn post_verify(to: &str, uid: &[u8; 16], ctx: &LinkContext) -> Mail {
    let uid_hex = foxden_crypto::to_hex(uid);
    let href = link(
        ctx.content_url,
        "/connect_another_device",
        &[("service", ctx.service)],
    );
    let subject = text(ctx.locale, "post-verify-subject");
    let paragraph = text(ctx.locale, "post-verify-paragraph");
    let button = text(ctx.locale, "post-verify-button");
    Mail {
        to: to.to_string(),
        text: format!("{paragraph}\n\n{}\n", link_line(ctx.locale, &button, &href)),
        html: html_page(&subject, &paragraph, &button, &href),
        subject,
        template: "postVerify",
        headers: headers(ctx.locale, vec![("X-Uid", uid_hex), ("X-Link", href)]),
    }
}

/// A notice with one "Manage account" link (`<ids>-subject`, `<ids>-paragraph`).
fn notice_mail(
    to: &str,
    uid_hex: String,
    href: String,
    locale: Locale,
    template: &'static str,
    ids: &str,
) -> Mail {
    let subject = text(locale, &format!("{ids}-subject"));
    let paragraph = text(locale, &format!("{ids}-paragraph"));
    let button = text(locale, "manage-account");
    Mail {
        to: to.to_string(),
        text: format!("{paragraph}\n\n{}\n", link_line(locale, &button, &href)),
        html: html_page(&subject, &paragraph, &button, &href),
        subject,
        template,
        headers: headers(locale, vec![("X-Uid", uid_hex), ("X-Link", href)]),
    }
}

#[cfg(test)]
mod tests;

/// Every template in every locale against the committed files under
/// `tests/snapshots/mail/` (`FOXDEN_UPDATE_SNAPSHOTS=1` rewrites them).
#[cfg(test)]
mod snapshots;
