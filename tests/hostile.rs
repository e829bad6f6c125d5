//! Staying up: hostile requests as raw bytes and a clean stop against the
//! real server on a loopback port; request ids and cross-origin rules in
//! process.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use hoshin_server::HttpConfig;
use serde_json::Value;

use crate::util::{encode, seed, Client, Server, TestApp};

/// Request targets no resident would send; each must get a 2xx or 4xx JSON answer.
fn hostile_targets() -> Vec<String> {
    let mut targets: Vec<String> = Vec::new();
    let mut queries: Vec<String> = vec![
        "あ".repeat(1000),
        "あ".repeat(1001),
        "x".repeat(10_000),
        "-a ".repeat(333),
        "\"".repeat(999),
        "\"図書館".into(),
        "図書館\"".into(),
        "\"\"\"".into(),
        "😀".repeat(50),
        "👩‍👩‍👧‍👦 家族".into(),
        "e\u{301}\u{301}\u{301}".into(),
        "\u{202e}図書館".into(),
        "\u{feff}図書館".into(),
        "ｶﾞｶﾞｶﾞ".into(),
        "\u{3000}\u{3000}".into(),
        "-".into(),
        "- - -".into(),
        "--図書館".into(),
    ];
    queries.extend(
        [
            "title:DX",
            "text:図書館 AND policy:DX",
            "a OR b",
            "NOT a",
            "(a",
            "a)",
            "[a TO b]",
            "{a TO b}",
            "a^2",
            "a~2",
            "\"a b\"~3",
            "a*",
            "*",
            "?",
            "a:b:c",
            "+a -b",
            "\\",
            "/regex/",
            "field:\"x",
            "IN [a b]",
            "&&",
            "||",
            "!",
            "<script>alert(1)</script>",
            "'; DROP TABLE items; --",
            "${jndi:ldap://x}",
            "{{7*7}}",
            "%00",
        ]
        .map(String::from),
    );
    for query in &queries {
        targets.push(format!("/api/search?q={}", encode(query)));
        targets.push(format!("/api/suggest?q={}", encode(query)));
    }
    for control in (0u8..0x20).chain([0x7f]) {
        targets.push(format!("/api/search?q=a%{control:02X}b"));
    }
    for broken in ["%", "%Z", "%ZZ", "%E3%81", "%FF%FE", "%C0%AF", "%ED%A0%80", "a%", "%%", "%E3%81%82%"] {
        targets.push(format!("/api/search?q={broken}"));
        targets.push(format!("/api/analyze?text={broken}"));
    }
    for number in ["-1", "0", "101", "18446744073709551616", "1e3", "0x10", "１０", "", "NaN", " 5"] {
        targets.push(format!("/api/search?q=a&limit={}", encode(number)));
        targets.push(format!("/api/search?q=a&offset={}", encode(number)));
    }
    targets.push("/api/search?q=a&q=b".into());
    targets.push("/api/search?q=a&explain=yes".into());
    targets.push("/api/search?q=a&department=%FF".into());
    for id in [
        "..%2F..%2Fetc%2Fpasswd",
        "../../etc/passwd",
        "%2e%2e%2f",
        "%FF",
        "%00",
        "a%2Fb",
        "x".repeat(5000).as_str(),
        "😀",
    ] {
        targets.push(format!("/api/documents/{id}"));
        targets.push(format!("/api/documents/{id}/siblings"));
    }
    targets.extend(["/api/", "/api/search/extra", "/api/documents/", "/api//search?q=a"].map(String::from));
    targets
}

fn assert_json_answer(server: &Server, head: &[u8], what: &str) {
    let (status, body) = server.raw(head);
    assert!((200..300).contains(&status) || (400..500).contains(&status), "{what}: status {status}");
    let json: Result<Value, _> = serde_json::from_slice(&body);
    assert!(
        json.as_ref().is_ok_and(Value::is_object),
        "{what}: {status} with a body that is no JSON object: {:?}",
        String::from_utf8_lossy(&body)
    );
}

#[test]
fn over_a_hundred_hostile_requests_get_json_answers_and_the_server_stays_healthy() {
    let server = Server::start();
    let targets = hostile_targets();
    for target in &targets {
        assert_json_answer(&server, format!("GET {target} HTTP/1.1").as_bytes(), target);
    }
    let mut sent = targets.len();
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        for path in ["/api/search?q=a", "/api/documents/komae-2022-policies-001", "/api/health"] {
            assert_json_answer(&server, format!("{method} {path} HTTP/1.1\r\nContent-Length: 0").as_bytes(), path);
            sent += 1;
        }
    }
    assert!(sent >= 100, "only {sent} hostile requests");
    let (status, body) = server.get("/api/health");
    assert_eq!((status, &body["documents"]), (200, &Value::from(118)));
    let results = server.search(&format!("q={}", encode("図書館")));
    assert_eq!(results["total"], 3);
}

fn health_request(origin: Option<&str>, request_id: Option<&str>) -> Request<Body> {
    let mut request = Request::builder().uri("/api/health");
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(id) = request_id {
        request = request.header("x-request-id", id);
    }
    request.body(Body::empty()).unwrap()
}

#[test]
fn every_answer_carries_a_request_id() {
    let app = &seed().app;
    let (_, headers, _) = app.call(health_request(None, Some("city-cms-42")));
    assert_eq!(headers["x-request-id"], "city-cms-42");
    let (_, headers, _) = app.call(health_request(None, None));
    assert!(headers.get("x-request-id").is_some_and(|id| !id.is_empty()));
}

#[test]
fn only_configured_origins_may_call_the_api_from_a_browser() {
    let (_, headers, _) = seed().app.call(health_request(Some("https://city.example"), None));
    assert_eq!(headers.get("access-control-allow-origin"), None, "same-origin only by default");

    let config = HttpConfig { cors_origins: vec!["https://city.example".parse().unwrap()], ..HttpConfig::default() };
    let open = TestApp::new(seed().state.clone(), &config);
    let (_, allowed, _) = open.call(health_request(Some("https://city.example"), None));
    assert_eq!(allowed["access-control-allow-origin"], "https://city.example");
    let (_, other, _) = open.call(health_request(Some("https://evil.example"), None));
    assert_eq!(other.get("access-control-allow-origin"), None);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut server = Server::start();
    server.search("q=a");
    let status = std::process::Command::new("kill").args(["-TERM", &server.pid().to_string()]).status().unwrap();
    assert!(status.success());
    let exit = server.wait_for_exit(Duration::from_secs(10)).expect("the server stops within ten seconds");
    assert!(exit.success(), "{exit:?}");
}
