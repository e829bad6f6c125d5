//! The OpenAPI 3.1 document of the API, generated from the handlers'
//! annotations and served at `/api/openapi.json`.

use axum::extract::State;
use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::live::Serving;
use crate::{admin, read, write};

/// This API's OpenAPI 3.1 description, with the departments and
/// municipalities the index holds now as the values `department` and
/// `municipality` may take.
pub(crate) async fn openapi(State(engine): State<Serving>) -> Json<serde_json::Value> {
    let mut document = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serialises");
    for path in ["/paths/~1api~1search/get/parameters", "/paths/~1api~1documents~1{id}~1similar/get/parameters"] {
        let Some(parameters) = document.pointer_mut(path).and_then(|p| p.as_array_mut()) else { continue };
        for parameter in parameters.iter_mut() {
            let values = match parameter["name"].as_str() {
                Some("department") => engine.departments(),
                Some("municipality") => engine.municipalities(),
                _ => continue,
            };
            parameter["schema"]["enum"] = values.into();
        }
    }
    Json(document)
}

/// The OpenAPI document, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(title = "hoshin", description = "Full-text search for Japanese municipal policy text"),
    paths(
        read::search, read::suggest, read::analyze, read::document, read::siblings, read::similar, read::health,
        write::put_document, write::post_documents, write::delete_document, write::import,
        admin::reload,
    ),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}
