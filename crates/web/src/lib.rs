//! The search page residents use, compiled into the binary: one HTML shell, one
//! script, one stylesheet and an icon, nothing fetched from elsewhere.
//!
//! `/` is the search page and `/items/{id}` an item's own page; both load the
//! same shell, whose script reads the address, calls the JSON API and renders.
//! The server fills the shell's `<title>` and description ([`PageHead`]) so a
//! shared link, a bookmark or a search engine reads what the page is about, and
//! answers an unknown item with 404. Every answer carries a
//! Content-Security-Policy that only allows this origin, so the page cannot
//! load, or be made to load, anything from another host.
//!
//! The script and stylesheet are named by a digest of their content
//! (`/assets/app.3f9c….js`), so a browser keeps them for a year without
//! asking and a new release is fetched under its new name; the shell and the
//! icon, whose addresses cannot change, are revalidated by `ETag`.
//!
//! `hoshin_server::app` merges these routes with the API and serves item pages
//! through [`page`], since only it knows which items exist:
//!
//! ```
//! use axum::http::StatusCode;
//! use hoshin_web::{page, PageHead};
//!
//! let api = axum::Router::new();
//! let app: axum::Router = api.merge(hoshin_web::router());
//! let missing = page(StatusCode::NOT_FOUND, &PageHead::missing_item());
//! # drop((app, missing));
//! ```

use std::sync::LazyLock;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use sha2::{Digest, Sha256};

const SHELL: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/app.css");
const ICON: &str = include_str!("../assets/icon.svg");

/// The script and stylesheet under their content-named addresses.
static ASSETS: LazyLock<[Asset; 2]> = LazyLock::new(|| {
    [
        Asset::named("app", "js", "text/javascript; charset=utf-8", SCRIPT),
        Asset::named("app", "css", "text/css; charset=utf-8", STYLE),
    ]
});

/// Hex digits of a digest that name an asset or tag an answer: enough that
/// two releases never share one.
const DIGEST_CHARS: usize = 16;

/// How long a browser keeps a content-named asset without asking.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The site's name, ending every title.
const SITE: &str = "方針検索";

/// Only this origin, for everything; no inline script or style.
const POLICY: &str =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// Characters of an item's text its page description keeps.
const DESCRIPTION_CHARS: usize = 120;

/// Characters of a query a title repeats (the script's `SHOWN_QUERY_CHARS`
/// says the same of the heading it draws).
const SHOWN_QUERY_CHARS: usize = 40;

/// The `<title>` and description of a page, as the server knows them before
/// the script runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageHead {
    /// The page's title.
    pub title: String,
    /// One sentence on what the page shows.
    pub description: String,
}

impl PageHead {
    /// The search page, for `query` (empty on the home page).
    pub fn search(query: &str) -> PageHead {
        let query = query.trim();
        if query.is_empty() {
            return PageHead {
                title: SITE.to_string(),
                description: "市の各部の方針・施政方針・計画の項目を、キーワードで検索できます。".to_string(),
            };
        }
        let query = shortened(query, SHOWN_QUERY_CHARS);
        PageHead {
            title: format!("「{query}」の検索結果 - {SITE}"),
            description: format!("「{query}」に一致する市の方針の項目です。"),
        }
    }

    /// An item's page: its heading and department, and its text's beginning.
    pub fn item(policy: &str, department: &str, text: &str) -> PageHead {
        let description = shortened(text, DESCRIPTION_CHARS);
        PageHead { title: format!("{policy}（{department}） - {SITE}"), description }
    }

    /// The page of an item that does not exist.
    pub fn missing_item() -> PageHead {
        PageHead {
            title: format!("項目が見つかりません - {SITE}"),
            description: "お探しの項目は見つかりませんでした。".to_string(),
        }
    }

    /// The page at an address the site does not have.
    pub fn missing_page() -> PageHead {
        PageHead {
            title: format!("ページが見つかりません - {SITE}"),
            description: "お探しのページは見つかりませんでした。".to_string(),
        }
    }
}

/// A script or stylesheet and the address its content names.
struct Asset {
    path: String,
    content_type: &'static str,
    body: &'static str,
}

impl Asset {
    fn named(stem: &str, extension: &str, content_type: &'static str, body: &'static str) -> Asset {
        Asset { path: format!("/assets/{stem}.{}.{extension}", digest(body)), content_type, body }
    }
}

/// The page's routes but item pages, to merge with the API router.
pub fn router() -> Router {
    Router::new()
        .route("/", get(search_page))
        .route("/assets/{file}", get(content_named))
        .route("/favicon.svg", get(|headers: HeaderMap| async move { revalidated(&headers, "image/svg+xml", ICON) }))
        .route("/favicon.ico", get(|headers: HeaderMap| async move { revalidated(&headers, "image/svg+xml", ICON) }))
}

/// The shell with `head` filled in, answered with `status`.
pub fn page(status: StatusCode, head: &PageHead) -> Response {
    (status, answer("text/html; charset=utf-8", "no-cache", shell_with(head))).into_response()
}

/// A script or stylesheet by its content-named address, kept a year; an
/// address no asset of this release has is the missing page.
async fn content_named(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|asset| asset.path.strip_prefix("/assets/") == Some(file.as_str())) {
        Some(asset) => answer(asset.content_type, IMMUTABLE, asset.body),
        None => page(StatusCode::NOT_FOUND, &PageHead::missing_page()),
    }
}

/// The first `length` characters of `text`, with an ellipsis when it goes on.
fn shortened(text: &str, length: usize) -> String {
    let mut kept: String = text.chars().take(length).collect();
    if text.chars().count() > length {
        kept.push('…');
    }
    kept
}

fn shell_with(head: &PageHead) -> String {
    let [script, style] = &*ASSETS;
    SHELL
        .replace("{{script}}", &script.path)
        .replace("{{style}}", &style.path)
        .replace("{{title}}", &html_escape::encode_text(&head.title))
        .replace("{{description}}", &html_escape::encode_double_quoted_attribute(&head.description))
}

#[derive(Deserialize)]
struct SearchAddress {
    #[serde(default)]
    q: String,
}

/// An address the page cannot read still gets the page, which then says what is wrong.
async fn search_page(headers: HeaderMap, address: Result<Query<SearchAddress>, QueryRejection>) -> Response {
    let query = address.map(|Query(address)| address.q).unwrap_or_default();
    revalidated(&headers, "text/html; charset=utf-8", shell_with(&PageHead::search(&query)))
}

/// `body`, tagged by its digest, or 304 when the browser holds the same:
/// for answers whose address cannot change with their content. The tag is
/// weak, since the same body is sent compressed one way or another.
fn revalidated(headers: &HeaderMap, content_type: &'static str, body: impl AsRef<str>) -> Response {
    let tag = format!("W/\"{}\"", digest(body.as_ref()));
    let held = headers.get_all(IF_NONE_MATCH).iter().filter_map(|value| value.to_str().ok());
    if held.flat_map(|value| value.split(',')).any(|held| held.trim() == tag || held.trim() == "*") {
        return (StatusCode::NOT_MODIFIED, [(ETAG, tag)]).into_response();
    }
    let mut response = answer(content_type, "no-cache", body.as_ref().to_string());
    response.headers_mut().insert(ETAG, tag.parse().expect("a digest is a valid header value"));
    response
}

fn answer(content_type: &'static str, caching: &'static str, body: impl Into<axum::body::Body>) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CONTENT_SECURITY_POLICY, POLICY),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (CACHE_CONTROL, caching),
        ],
        body.into(),
    )
        .into_response()
}

/// The first [`DIGEST_CHARS`] hex digits of `text`'s SHA-256.
fn digest(text: &str) -> String {
    let hex: String = Sha256::digest(text.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
    hex[..DIGEST_CHARS].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_is_escaped_into_the_shell() {
        let head = PageHead::item("<b>公園</b>の整備", "都市\"整備\"部", "公園を整備します。");
        let html = shell_with(&head);
        assert!(html.contains("<title>&lt;b&gt;公園&lt;/b&gt;の整備（都市\"整備\"部） - 方針検索</title>"), "{html}");
        assert!(html.contains("content=\"公園を整備します。\""));
        assert!(!html.contains("{{"));
    }

    #[test]
    fn a_long_query_is_shortened_in_the_title() {
        let query = "図書館".repeat(100);
        let head = PageHead::search(&query);
        assert!(head
            .title
            .starts_with(&format!("「{}…」", &query.chars().take(SHOWN_QUERY_CHARS).collect::<String>())));
    }

    #[test]
    fn a_long_text_is_cut_for_the_description() {
        let text = "あ".repeat(DESCRIPTION_CHARS + 5);
        let head = PageHead::item("見出し", "部", &text);
        assert_eq!(head.description.chars().count(), DESCRIPTION_CHARS + 1);
        assert!(head.description.ends_with('…'));
    }
}
