//! Every template in every locale against the committed files under
//! `tests/snapshots/mail/` (`FOXDEN_UPDATE_SNAPSHOTS=1` rewrites them).

use super::*;

fn render(mail: &Mail) -> String {
    let mut out = format!("template: {}\nsubject: {}\n", mail.template, mail.subject);
    for (name, value) in &mail.headers {
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push_str(&format!("--- text\n{}--- html\n{}\n", mail.text, mail.html));
    out
}

fn all_mails(locale: Locale) -> Vec<Mail> {
    let base = url::Url::parse("https://accounts.example.com/").unwrap();
    let ctx = LinkContext {
        content_url: &base,
        service: "sync",
        redirect_to: "https://app.example.com/done",
        resume: "",
        locale,
    };
    let (to, uid, code) = ("a@example.com", [0x11; 16], [0x22; 16]);
    vec![
        verify(to, &uid, &code, &ctx),
        verify_login(to, &uid, &code, &ctx),
        verify_short_code(to, &uid, "012345", locale),
        verify_login_code(to, &uid, "654321", locale),
        unblock_code(to, &uid, "AB12CD34", &ctx),
        password_forgot_otp(to, &uid, "87654321", locale),
        new_device_login(to, &uid, &ctx),
        recovery(to, &uid, &"ab".repeat(32), &code, &ctx),
        password_reset(to, &uid, &ctx),
        password_changed(to, &uid, &ctx),
        post_verify(to, &uid, &ctx),
    ]
}

/// The queue can carry every mail of every language (its codec knows each
/// template name and header: `mail::codec`).
#[test]
fn every_mail_survives_the_queue() {
    let codec = crate::mail::MailCodec::from_secret(b"secret");
    for locale in Locale::ALL {
        for mail in all_mails(locale) {
            let back = codec.open(&codec.seal(&mail)).expect(mail.template);
            assert_eq!(render(&back), render(&mail));
            assert_eq!(back.to, mail.to);
        }
    }
}

#[test]
fn mails_match_committed_snapshots() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/mail");
    let update = std::env::var_os("FOXDEN_UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for locale in Locale::ALL {
        for mail in all_mails(locale) {
            let path = dir.join(format!("{}.{}.snap", mail.template, locale.tag()));
            let got = render(&mail);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(want) if want == got => {}
                Ok(want) => failures.push(format!(
                    "{} differs:\n--- want\n{want}\n--- got\n{got}",
                    path.display()
                )),
                Err(err) => failures.push(format!("{}: {err}", path.display())),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(run with FOXDEN_UPDATE_SNAPSHOTS=1 to rewrite)",
        failures.join("\n")
    );
}

#[test]
fn every_mail_names_its_language() {
    for locale in Locale::ALL {
        for mail in all_mails(locale) {
            assert!(
                mail.headers
                    .contains(&("Content-Language", locale.tag().to_string())),
                "{}",
                mail.template
            );
            assert!(!mail.subject.ends_with("-subject"), "{}", mail.subject);
        }
    }
}
