//! hoshin's integration tests, one binary: the real seed, the real dictionary, a
//! real tantivy index on disk and the real server on a loopback port.

mod http;
mod index;
mod seed;
mod util;
