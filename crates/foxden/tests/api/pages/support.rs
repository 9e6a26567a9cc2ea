//! Whole mails from the outbox (headers and decoded text and HTML parts), the
//! links in them, and a browser's view of the pages: GET, then the form's POST.

use std::collections::{BTreeSet, HashMap};

use base64::Engine;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::helpers::{Mail, Resp, TestApp};

/// One message as a reader gets it: the head (as [`Mail`]) and its decoded parts.
pub struct FullMail {
    pub head: Mail,
    pub text: String,
    pub html: String,
}

impl std::ops::Deref for FullMail {
    type Target = Mail;
    fn deref(&self) -> &Mail {
        &self.head
    }
}

impl FullMail {
    /// The links the mail's headers name (`X-Link`, `X-Report-SignIn-Link`).
    pub fn header_links(&self) -> BTreeSet<String> {
        ["x-link", "x-report-signin-link"]
            .iter()
            .filter_map(|h| self.headers.get(*h).cloned())
            .collect()
    }

    /// Every `http(s)://` address in the text part.
    pub fn text_links(&self) -> BTreeSet<String> {
        self.text
            .split_whitespace()
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(str::to_string)
            .collect()
    }

    /// Every `href` in the HTML part, unescaped.
    pub fn html_links(&self) -> BTreeSet<String> {
        attribute_values(&self.html, "href=\"")
            .into_iter()
            .map(|v| unescape(&v))
            .collect()
    }
}

/// Splits `head\r\n\r\nbody` and unfolds the head into lower-cased names.
fn split_head(raw: &str) -> (HashMap<String, String>, &str) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let headers = unfolded
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (headers, body)
}

fn decode_part(headers: &HashMap<String, String>, body: &str) -> String {
    let encoding = headers
        .get("content-transfer-encoding")
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 part")
        }
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8(bytes).expect("UTF-8 part")
}

fn decode_quoted_printable(body: &str) -> Vec<u8> {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).expect("=XX in quoted-printable"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Parses a `multipart/alternative` message into its text and HTML parts.
pub fn parse_full_mail(raw: &str) -> FullMail {
    let (headers, body) = split_head(raw);
    let content_type = &headers["content-type"];
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a multipart mail")
        .trim_matches('"')
        .to_string();
    let (mut text, mut html) = (String::new(), String::new());
    for part in body.split(&format!("--{boundary}")) {
        let part = part.trim_start_matches("\r\n");
        if part.starts_with("--") || part.trim().is_empty() {
            continue;
        }
        let (part_headers, part_body) = split_head(part);
        let decoded = decode_part(&part_headers, part_body.trim_end_matches("\r\n"));
        let kind = part_headers
            .get("content-type")
            .cloned()
            .unwrap_or_default();
        if kind.starts_with("text/plain") {
            text = decoded;
        } else if kind.starts_with("text/html") {
            html = decoded;
        }
    }
    assert!(!text.is_empty() && !html.is_empty(), "{raw}");
    FullMail {
        head: Mail { headers },
        text,
        html,
    }
}

/// The newest mail with `template` to `email` (once the mail queue has drained).
pub async fn mail(app: &TestApp, email: &str, template: &str) -> FullMail {
    app.mail_settled().await;
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(app.data_dir.join("outbox"))
        .expect("outbox")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    // `<ms>-<template>-<random>.eml`: the name sorts by time within equal lengths.
    files.sort_by_key(|p| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let ms: u128 = name.split('-').next().unwrap().parse().unwrap();
        (ms, name)
    });
    let needle = email.to_ascii_lowercase();
    files
        .iter()
        .rev()
        .map(|p| parse_full_mail(&std::fs::read_to_string(p).unwrap()))
        .find(|m| {
            m.headers.get("x-template-name").map(String::as_str) == Some(template)
                && m.headers["to"].to_ascii_lowercase().contains(&needle)
        })
        .unwrap_or_else(|| panic!("no {template} mail to {email}"))
}

fn attribute_values(html: &str, prefix: &str) -> Vec<String> {
    html.split(prefix)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A page as a browser gets it.
pub struct Page {
    pub url: url::Url,
    pub status: u16,
    pub headers: HeaderMap,
    pub html: String,
}

impl Page {
    /// The headers every page carries, in `lang`.
    #[track_caller]
    pub fn assert_hardened(&self, lang: &str) {
        let h = |name: &str| {
            self.headers
                .get(name)
                .unwrap_or_else(|| panic!("{} has no {name}", self.url))
                .to_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(h("content-type"), "text/html; charset=utf-8");
        assert_eq!(
            h("content-security-policy"),
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
        );
        assert_eq!(h("x-frame-options"), "DENY");
        assert_eq!(h("referrer-policy"), "no-referrer");
        assert_eq!(h("cache-control"), "no-store");
        assert_eq!(h("content-language"), lang, "{}", self.url);
        assert!(
            self.html.contains(&format!("<html lang=\"{lang}\">")),
            "{}",
            self.html
        );
    }

    /// The form's action (resolved against the page) and its hidden fields.
    pub fn form(&self) -> Option<(url::Url, Vec<(String, String)>)> {
        let start = self.html.find("<form ")?;
        let form = &self.html[start..self.html[start..].find("</form>")? + start];
        assert!(form.contains("method=\"post\""), "{form}");
        let action = unescape(&attribute_values(form, "action=\"")[0]);
        let names = attribute_values(form, "name=\"");
        let values = attribute_values(form, "value=\"");
        assert_eq!(names.len(), values.len(), "{form}");
        let fields = names
            .into_iter()
            .zip(values)
            .map(|(n, v)| (unescape(&n), unescape(&v)))
            .collect();
        Some((self.url.join(&action).unwrap(), fields))
    }
}

async fn page_from(res: reqwest::Response) -> Page {
    Page {
        url: res.url().clone(),
        status: res.status().as_u16(),
        headers: res.headers().clone(),
        html: res.text().await.unwrap(),
    }
}

/// GET `url` as a browser speaking `lang` (redirects followed).
pub async fn open(app: &TestApp, url: &str, lang: &str) -> Page {
    let res = app
        .http
        .get(url)
        .header("Accept-Language", lang)
        .send()
        .await
        .expect("GET page");
    page_from(res).await
}

/// POSTs `fields` to `url` as a browser submitting a form.
pub async fn submit(
    app: &TestApp,
    url: &url::Url,
    fields: &[(String, String)],
    lang: &str,
) -> Page {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    post_raw(app, url.as_str(), body, lang).await
}

/// POSTs a raw form body.
pub async fn post_raw(app: &TestApp, url: &str, body: String, lang: &str) -> Page {
    let res = app
        .http
        .post(url)
        .header("Accept-Language", lang)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("POST form");
    page_from(res).await
}

/// A JSON POST to the API in `lang`, with an `Authorization` header if given.
pub async fn api_post(
    app: &TestApp,
    path: &str,
    authorization: Option<String>,
    body: &Value,
    lang: &str,
) -> Resp {
    let mut req = app
        .http
        .post(app.url(path))
        .header("Accept-Language", lang)
        .json(body);
    if let Some(auth) = authorization {
        req = req.header("Authorization", auth);
    }
    Resp::read(req.send().await.expect("API request")).await
}
