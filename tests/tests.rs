//! hoshin's integration tests, one binary: the real seed, the real dictionary, a
//! real tantivy index on disk and the real server on a loopback port.

mod bounds;
mod e2e;
mod eval;
mod fleet;
mod hostile;
mod http;
mod import;
mod index;
mod meaning;
mod openapi;
mod postgres;
mod relevance;
mod reload;
mod seed;
mod store;
mod util;
mod writes;
