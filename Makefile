# The two commands of the README, and the steps they share.

.PHONY: serve index test

## Build the dictionary and index when missing or stale, then serve on 127.0.0.1:3000
## (the items' vectors are computed in the background).
serve:
	@scripts/install-system-deps serve import
	@scripts/install-sudachi-synonyms
	@scripts/install-e5-model
	cargo run --release -- serve

## Rebuild the index from seeds/ and publish it atomically.
index:
	@scripts/install-system-deps serve import
	@scripts/install-sudachi-synonyms
	@scripts/install-e5-model
	cargo run --release -- index

## Run every test: unit, integration (real index, real server, real browser) and
## doc tests, schemathesis against the running server's OpenAPI document, then
## the format and lint checks.
test:
	@scripts/install-system-deps serve import ocr test store
	@scripts/install-axe-core
	@scripts/install-sudachi-synonyms
	@scripts/install-e5-model
	cargo test --workspace
	scripts/contract-test
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
