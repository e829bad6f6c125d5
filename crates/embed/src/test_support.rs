//! The real model, loaded once for all unit tests.

use std::sync::OnceLock;

use crate::Embedder;

/// The installed model; the tests fail, saying how to install it, without one.
pub(crate) fn embedder() -> &'static Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| {
        let path = Embedder::default_path();
        Embedder::load(&path).unwrap_or_else(|error| {
            panic!("{error}\nthe tests embed with the real model: run scripts/install-e5-model")
        })
    })
}
