//! The generated OpenAPI document against Mozilla's swagger
//! (`docs/fxa-api-swagger.json`): for every operation foxden serves that the
//! swagger has, the query parameters, request fields (type, format,
//! required-ness), answer status codes and answer fields must agree, or the
//! difference must be listed with its reason in `docs/api-deviations.toml`.
//! A listed difference that no longer occurs fails too, so the list stays true.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::helpers::spawn_app;

fn repo_file(name: &str) -> String {
    let path = format!("{}/../../docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Follows `$ref`s (`#/definitions/…` or `#/components/schemas/…`) in `root`.
fn resolve<'a>(root: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let mut target = root;
        for part in reference.trim_start_matches("#/").split('/') {
            target = &target[part];
        }
        schema = target;
    }
    schema
}

/// A schema's type with nullability and `Option`'s `oneOf [null, T]` taken off;
/// `any` when it says none (free-form values).
fn kind(root: &Value, schema: &Value) -> (String, String) {
    let schema = resolve(root, schema);
    if let Some(alts) = schema.get("oneOf").and_then(Value::as_array) {
        let real: Vec<&Value> = alts.iter().filter(|a| a["type"] != "null").collect();
        if real.len() == 1 {
            return kind(root, real[0]);
        }
    }
    let format = schema["format"].as_str().unwrap_or("").to_string();
    let ty = match &schema["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("any")
            .to_string(),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => "any".into(),
    };
    // Formats foxden's integers carry (int32/int64) say nothing the swagger does.
    let format = if ty == "integer" || ty == "number" {
        String::new()
    } else {
        format
    };
    (ty, format)
}

/// Fields of an object schema: name → (type, format, required).
fn fields(root: &Value, schema: &Value) -> BTreeMap<String, (String, String, bool)> {
    let schema = resolve(root, schema);
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = BTreeMap::new();
    if let Some(props) = schema["properties"].as_object() {
        for (name, prop) in props {
            let (ty, format) = kind(root, prop);
            out.insert(name.clone(), (ty, format, required.contains(name.as_str())));
        }
    }
    out
}

/// Types that agree: equal, a free-form value on either side, or foxden's
/// integer for the swagger's number (every integer is one).
fn same_type(swagger: &str, ours: &str) -> bool {
    swagger == ours
        || swagger == "any"
        || ours == "any"
        || (swagger == "number" && ours == "integer")
}

fn compare_fields(
    what: &str,
    swagger: &BTreeMap<String, (String, String, bool)>,
    ours: &BTreeMap<String, (String, String, bool)>,
    out: &mut Vec<String>,
) {
    let names: BTreeSet<&String> = swagger.keys().chain(ours.keys()).collect();
    for name in names {
        match (swagger.get(name), ours.get(name)) {
            (Some(_), None) => out.push(format!("{what} `{name}`: only in the swagger")),
            (None, Some(_)) => out.push(format!("{what} `{name}`: only in foxden")),
            (Some((st, sf, sr)), Some((ot, of, or))) => {
                if !same_type(st, ot) {
                    out.push(format!(
                        "{what} `{name}`: type {st} in the swagger, {ot} in foxden"
                    ));
                }
                if !sf.is_empty() && sf != of {
                    out.push(format!(
                        "{what} `{name}`: format {sf} in the swagger, `{of}` in foxden"
                    ));
                }
                if sr != or {
                    let side = if *sr { "the swagger" } else { "foxden" };
                    out.push(format!("{what} `{name}`: required only in {side}"));
                }
            }
            (None, None) => {}
        }
    }
}

/// Swagger 2 parameters of one place (`query` or `body`) as fields.
fn swagger_params(root: &Value, op: &Value) -> [BTreeMap<String, (String, String, bool)>; 2] {
    let mut query = BTreeMap::new();
    let mut body = BTreeMap::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        match p["in"].as_str() {
            Some("query") => {
                let (ty, format) = kind(root, p);
                let required = p["required"].as_bool().unwrap_or(false);
                query.insert(
                    p["name"].as_str().unwrap_or("").to_string(),
                    (ty, format, required),
                );
            }
            Some("body") => body = fields(root, &p["schema"]),
            _ => {}
        }
    }
    [query, body]
}

fn our_params(root: &Value, op: &Value) -> [BTreeMap<String, (String, String, bool)>; 2] {
    let mut query = BTreeMap::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "query" {
            let (ty, format) = kind(root, &p["schema"]);
            let required = p["required"].as_bool().unwrap_or(false);
            query.insert(
                p["name"].as_str().unwrap_or("").to_string(),
                (ty, format, required),
            );
        }
    }
    let body = op["requestBody"]["content"]["application/json"]["schema"].clone();
    [
        query,
        if body.is_null() {
            BTreeMap::new()
        } else {
            fields(root, &body)
        },
    ]
}

/// Status codes (the swagger's `default` is its success answer) and the success body.
fn swagger_responses(op: &Value) -> (BTreeSet<String>, Option<Value>) {
    let mut codes = BTreeSet::new();
    let mut success = None;
    for (code, r) in op["responses"].as_object().into_iter().flatten() {
        let code = if code == "default" {
            "200"
        } else {
            code.as_str()
        };
        if code.starts_with('2') && r.get("schema").is_some() {
            success = Some(r["schema"].clone());
        }
        codes.insert(code.to_string());
    }
    (codes, success)
}

fn our_responses(op: &Value) -> (BTreeSet<String>, Option<Value>) {
    let mut codes = BTreeSet::new();
    let mut success = None;
    for (code, r) in op["responses"].as_object().into_iter().flatten() {
        if code.starts_with('2') {
            let schema = &r["content"]["application/json"]["schema"];
            if !schema.is_null() {
                success = Some(schema.clone());
            }
        }
        codes.insert(code.clone());
    }
    (codes, success)
}

/// Every difference, each as `"METHOD /path: what"`.
fn differences(swagger: &Value, ours: &Value) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for (path, item) in ours["paths"].as_object().expect("paths") {
        let fxa_path = path.strip_prefix("/v1").unwrap_or(path);
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(theirs) = swagger["paths"][fxa_path].get(method.as_str()) else {
                continue;
            };
            let mut found = Vec::new();
            let [sq, sb] = swagger_params(swagger, theirs);
            let [oq, ob] = our_params(ours, op);
            compare_fields("query", &sq, &oq, &mut found);
            compare_fields("request", &sb, &ob, &mut found);
            let (scodes, sbody) = swagger_responses(theirs);
            let (ocodes, obody) = our_responses(op);
            for code in scodes.difference(&ocodes) {
                found.push(format!("status {code}: only in the swagger"));
            }
            for code in ocodes.difference(&scodes) {
                found.push(format!("status {code}: only in foxden"));
            }
            if let (Some(s), Some(o)) = (sbody, obody) {
                let s = fields(swagger, &s);
                if !s.is_empty() {
                    compare_fields("answer", &s, &fields(ours, &o), &mut found);
                }
            }
            let op_name = format!("{} {fxa_path}", method.to_uppercase());
            all.extend(found.into_iter().map(|d| format!("{op_name}: {d}")));
        }
    }
    all
}

#[derive(serde::Deserialize)]
struct Deviations {
    deviation: Vec<Deviation>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Deviation {
    operation: String,
    difference: String,
    reason: String,
}

#[tokio::test]
async fn generated_document_matches_the_swagger_or_the_reviewed_deviations() {
    let app = spawn_app().await;
    let ours = app.get("/openapi.json").await.ok().body;
    let alias = app.get("/v1/openapi.json").await.ok().body;
    assert_eq!(ours, alias, "/v1/openapi.json is the same document");
    assert!(ours["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.")));
    let swagger: Value = serde_json::from_str(&repo_file("fxa-api-swagger.json")).unwrap();
    let found = differences(&swagger, &ours);
    let listed: Deviations = toml::from_str(&repo_file("api-deviations.toml")).unwrap();
    let mut reviewed = BTreeSet::new();
    for d in &listed.deviation {
        assert!(
            !d.reason.trim().is_empty(),
            "{}: {} has no reason",
            d.operation,
            d.difference
        );
        assert!(
            reviewed.insert(format!("{}: {}", d.operation, d.difference)),
            "listed twice: {}: {}",
            d.operation,
            d.difference
        );
    }
    let unlisted: Vec<&String> = found.difference(&reviewed).collect();
    let stale: Vec<&String> = reviewed.difference(&found).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "differences not in docs/api-deviations.toml:\n{}\n\nlisted but no longer found:\n{}",
        unlisted
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        stale
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    app.stop().await;
}

#[tokio::test]
async fn every_served_route_of_the_swagger_is_in_the_document() {
    // The document comes from the routes, so a served route is never missing;
    // this pins a few by name against a regression to hand-written routing.
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.ok().body;
    for (path, method) in [
        ("/v1/account/create", "post"),
        ("/v1/account/status", "get"),
        ("/v1/account/status", "post"),
        ("/v1/session/status", "get"),
        ("/v1/password/forgot/send_code", "post"),
        ("/.well-known/browserid", "get"),
        ("/v1/jwks", "get"),
        ("/.well-known/fxa-client-configuration", "get"),
        ("/.well-known/openid-configuration", "get"),
    ] {
        assert!(doc["paths"][path].get(method).is_some(), "{method} {path}");
    }
    let error = &doc["components"]["responses"]["ErrorResponse"];
    assert!(error["content"]["application/json"].is_object(), "{error}");
    app.stop().await;
}
