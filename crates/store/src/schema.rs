//! The store's tables, created and migrated by hoshin itself: each
//! migration runs once, in order, recorded in `hoshin_schema`, under an
//! advisory lock so that nodes starting together migrate once.

use tokio_postgres::Client;

use crate::error::{Result, StoreError};

/// Every migration, in order; version N is the Nth. Append only: a store
/// migrated by an older hoshin is brought up to date by a newer one.
const MIGRATIONS: &[&str] = &[
    // 1: the log. A batch is its JSON as written, text rather than jsonb,
    // which refuses what JSON allows (a NUL character in a text). `chain` is
    // the SHA-256 of the previous chain and this batch, so a node can tell
    // that the batch it last applied is still the store's at that position
    // (a failover to a standby that lacked it would not be).
    "CREATE TABLE hoshin_batches (
         position bigint PRIMARY KEY CHECK (position > 0),
         batch text NOT NULL,
         chain bytea NOT NULL,
         committed_at timestamptz NOT NULL DEFAULT now()
     )",
];

/// The advisory lock key migrations run under ("hoshin" in ASCII).
const MIGRATION_LOCK: i64 = 0x686f_7368_696e;

/// Brings the schema up to the newest version this hoshin knows.
pub(crate) async fn migrate(client: &mut Client) -> Result<()> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await?;
    let migrated = apply_missing(client).await;
    // Unlocked whatever happened: a failed migration must not keep the others waiting.
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await;
    migrated?;
    unlocked?;
    Ok(())
}

async fn apply_missing(client: &mut Client) -> Result<()> {
    client.batch_execute("CREATE TABLE IF NOT EXISTS hoshin_schema (version integer NOT NULL)").await?;
    let found: i32 = client.query_one("SELECT coalesce(max(version), 0) FROM hoshin_schema", &[]).await?.get(0);
    let known = MIGRATIONS.len() as i32;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    for (version, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = version as i32 + 1;
        let transaction = client.transaction().await?;
        transaction.batch_execute(migration).await?;
        transaction.execute("INSERT INTO hoshin_schema (version) VALUES ($1)", &[&version]).await?;
        transaction.commit().await?;
        tracing::info!(version, "store schema migrated");
    }
    Ok(())
}

/// The newest schema version this hoshin knows.
pub fn version() -> i32 {
    MIGRATIONS.len() as i32
}
