//! The OpenAPI document describes the API that really answers: every route is
//! in it, and real answers, errors included, validate against its schemas.

use serde_json::{json, Value};

use crate::util::{encode, seed_copy, Client, TestApp};

const TOKEN: &str = "openapi-test-token";

fn validator(spec: &Value, name: &str) -> jsonschema::Validator {
    let schema = json!({ "$ref": format!("#/components/schemas/{name}"), "components": spec["components"] });
    jsonschema::validator_for(&schema).unwrap_or_else(|error| panic!("schema {name}: {error}"))
}

/// Validates `instance` against the component schema `name` of `spec`.
fn assert_matches(spec: &Value, name: &str, instance: &Value) {
    let validator = validator(spec, name);
    let errors: Vec<String> = validator.iter_errors(instance).map(|error| error.to_string()).collect();
    assert!(errors.is_empty(), "{name} does not describe {instance}: {errors:?}");
}

#[test]
fn every_route_is_described_and_real_answers_match_the_schemas() {
    let seeds = seed_copy();
    let index = tempfile::tempdir().unwrap();
    let server = TestApp::writable(index.path(), seeds.path(), TOKEN);
    let (status, spec) = server.get("/api/openapi.json");
    assert_eq!(status, 200);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/api/search", "get"),
        ("/api/suggest", "get"),
        ("/api/analyze", "get"),
        ("/api/health", "get"),
        ("/api/documents", "post"),
        ("/api/documents/{id}", "get"),
        ("/api/documents/{id}", "put"),
        ("/api/documents/{id}", "delete"),
        ("/api/documents/{id}/siblings", "get"),
        ("/api/import", "post"),
        ("/api/admin/reload", "post"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path} is not described");
    }

    // The schemas have teeth: answers of the wrong shape fail them.
    assert!(!validator(&spec, "Written").is_valid(&json!({ "written": "many" })));
    assert!(!validator(&spec, "PolicyItem").is_valid(&json!({ "id": "x" })));

    let search = server.search(&format!("q={}&explain=true", encode("図書館 ワークショップ")));
    assert!(search.get("relaxation").is_some());
    assert_matches(&spec, "SearchResults", &search);
    assert_matches(&spec, "SearchResults", &server.search(&format!("q={}", encode("存在しない語句"))));
    assert_matches(&spec, "SearchResults", &server.search(&format!("department={}", encode("教育部"))));
    assert_matches(&spec, "PolicyItem", &server.get("/api/documents/komae-2022-policies-001").1);
    assert_matches(&spec, "Siblings", &server.get("/api/documents/komae-2022-policies-001/siblings").1);
    assert_matches(&spec, "Suggestions", &server.get(&format!("/api/suggest?q={}", encode("としょ"))).1);
    assert_matches(&spec, "AnalyzeResult", &server.get(&format!("/api/analyze?text={}", encode("子供"))).1);
    assert_matches(&spec, "HealthStatus", &server.get("/api/health").1);
    let document = json!({ "year": "令和5年度", "department": "環境部", "policy": "見出し", "text": "本文" });
    assert_matches(&spec, "DocumentInput", &document);
    assert_matches(&spec, "Written", &server.send_json("PUT", "/api/documents/x-1", Some(TOKEN), &document).1);
    assert_matches(&spec, "Deleted", &server.send_json("DELETE", "/api/documents/x-1", Some(TOKEN), &json!({})).1);
    let (status, reloaded) = server.send("POST", "/api/admin/reload", Some(TOKEN), "application/json", b"");
    assert_eq!(status, 200, "{reloaded}");
    assert_matches(&spec, "Reloaded", &reloaded);
    for error in [
        server.get("/api/search?q=").1,
        server.get("/api/search?q=a&limit=0").1,
        server.get("/api/documents/nothing").1,
        server.get("/api/nowhere").1,
        server.send_json("PUT", "/api/documents/x-2", None, &document).1,
    ] {
        assert_matches(&spec, "ErrorBody", &error);
    }
}
