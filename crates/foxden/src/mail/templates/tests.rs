use super::*;

#[test]
fn verify_mail_carries_fxa_headers_and_link() {
    let base = url::Url::parse("https://accounts.example.com/").unwrap();
    let ctx = LinkContext {
        content_url: &base,
        service: "sync",
        redirect_to: "",
        resume: "",
        locale: Locale::En,
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
    let mail = verify_login_code("a@example.com", &[1; 16], "012345", Locale::En);
    assert_eq!(mail.template, "verifyLoginCode");
    assert_eq!(header(&mail, "X-Signin-Verify-Code"), Some("012345"));
    assert_eq!(header(&mail, "X-Verify-Short-Code"), None);
    assert!(mail.text.contains("012345") && mail.html.contains("012345"));
    let signup = verify_short_code("a@example.com", &[1; 16], "1", Locale::En);
    assert_eq!(signup.template, "verifyShortCode");
    assert_eq!(header(&signup, "X-Verify-Short-Code"), Some("1"));
    assert_eq!(header(&signup, "X-Signin-Verify-Code"), None);
}

fn header<'m>(mail: &'m Mail, name: &str) -> Option<&'m str> {
    mail.headers
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn unblock_code_mail_carries_the_code_and_the_report_link() {
    let base = url::Url::parse("https://accounts.example.com/base/").unwrap();
    let ctx = LinkContext {
        content_url: &base,
        service: "sync",
        redirect_to: "https://app.example.com/",
        resume: "r",
        locale: Locale::De,
    };
    let mail = unblock_code("a@example.com", &[1; 16], "A1B2C3D4", &ctx);
    assert_eq!(mail.template, "unblockCode");
    assert_eq!(header(&mail, "X-Uid"), Some("01".repeat(16).as_str()));
    assert_eq!(header(&mail, "X-Unblock-Code"), Some("A1B2C3D4"));
    let report = format!(
        "https://accounts.example.com/base/report_signin?uid={}&unblockCode=A1B2C3D4",
        "01".repeat(16)
    );
    assert_eq!(header(&mail, "X-Report-SignIn-Link"), Some(report.as_str()));
    assert_eq!(header(&mail, "Content-Language"), Some("de"));
    assert!(mail.text.contains("\n\nA1B2C3D4\n\n"));
    assert!(mail.text.contains(&report));
    assert!(mail.html.contains("<code>A1B2C3D4</code>"));
    assert!(mail.html.contains(&report.replace('&', "&amp;")));
}

#[test]
fn password_forgot_otp_mail_carries_the_code() {
    let mail = password_forgot_otp("a@example.com", &[1; 16], "12345678", Locale::Fr);
    assert_eq!(mail.template, "passwordForgotOtp");
    assert_eq!(header(&mail, "X-Uid"), Some("01".repeat(16).as_str()));
    assert_eq!(header(&mail, "X-Password-Forgot-Otp"), Some("12345678"));
    assert_eq!(header(&mail, "Content-Language"), Some("fr"));
    assert_eq!(header(&mail, "X-Verify-Short-Code"), None);
    assert!(mail.subject.contains("12345678"), "{}", mail.subject);
    assert!(mail.text.contains("\n\n12345678\n\n"));
    assert!(mail.html.contains("<code>12345678</code>"));
}

#[test]
fn short_codes_are_escaped_in_html() {
    let base = url::Url::parse("https://accounts.example.com/").unwrap();
    let ctx = LinkContext {
        content_url: &base,
        service: "",
        redirect_to: "",
        resume: "",
        locale: Locale::En,
    };
    for mail in [
        unblock_code("a@example.com", &[1; 16], "<b>&\"", &ctx),
        password_forgot_otp("a@example.com", &[1; 16], "<b>&\"", Locale::En),
    ] {
        assert!(!mail.html.contains("<b>"), "{}", mail.html);
        assert!(mail.html.contains("&lt;b&gt;&amp;&quot;"), "{}", mail.html);
    }
}
