# The two commands of the README, and the steps they share.

.PHONY: serve index test system-deps

## Build the dictionary and index when missing or stale, then serve on 127.0.0.1:3000.
serve: system-deps
	cargo run --release -- serve

## Rebuild the index from seeds/ and publish it atomically.
index: system-deps
	cargo run --release -- index

## Run every test: unit, integration (real index, real server) and doc tests,
## then the format and lint checks.
test: system-deps
	cargo test --workspace
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

system-deps:
	@scripts/install-system-deps
