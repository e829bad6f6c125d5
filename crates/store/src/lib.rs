//! PostgreSQL as the system of record for what hoshin's API writes, for a
//! deployment of several nodes (`hoshin serve --store postgres://…`).
//!
//! The store is one table, `hoshin_batches`: a log of batches numbered 1, 2,
//! 3… in commit order. Every node applies the log to its own local index, in
//! that order, whichever node took the write ([`Store::after`]), woken by
//! `LISTEN/NOTIFY` ([`Listener`]) and polling as a fallback.
//!
//! Sequence numbers would become visible out of commit order (a transaction
//! that took number 7 may commit after the one that took 8, and a reader
//! that has seen 8 would skip 7 for ever). So [`Store::append`] takes one
//! transaction-scoped advisory lock before it numbers its batch, and keeps it
//! until it commits: the next batch is numbered only after this one is
//! visible, and a reader that sees position N has every position below it.
//! Appends are serialised; a batch holds up to a thousand documents, so that
//! is one short transaction per thousand.
//!
//! Each row also carries a hash chain (the SHA-256 of the previous chain and
//! the batch), which a node keeps with its index: if the store's batch at the
//! position a node applied last is not the one it applied (a failover to a
//! standby that had not received it, a restore from an older backup), the
//! node learns it ([`StoreError::Diverged`]) instead of going on with a
//! different history.
//!
//! The schema is created and migrated by hoshin itself (`schema.rs`).
//! Backups are PostgreSQL's own: `pg_dump`, base backups.

mod error;
pub mod schema;

use std::time::Duration;

use futures_util::StreamExt;
use hoshin_indexer::Batch;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, Mutex, MutexGuard};
use tokio_postgres::{AsyncMessage, Client, Config, IsolationLevel, NoTls};

pub use error::{Result, StoreError};
pub use hoshin_indexer::writer::Applied;

/// The channel every append notifies.
const CHANNEL: &str = "hoshin_batches";

/// The advisory lock key appends are serialised by ("batches" in ASCII).
const APPEND_LOCK: i64 = 0x0062_6174_6368_6573;

/// How long connecting may take before the store counts as unavailable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one append or read may take: a store that accepted the
/// connection but no longer answers (a synchronous standby gone, a half-open
/// connection) is unavailable, not a wait without end.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle time after which TCP keepalives probe the connection.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(10);

/// A batch as the store holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBatch {
    /// Its place in the log, from 1.
    pub position: u64,
    /// The operations.
    pub batch: Batch,
    /// The hash chain up to and including it.
    pub chain: Vec<u8>,
}

impl StoredBatch {
    /// How far a node is once it has applied this batch.
    pub fn applied(&self) -> Applied {
        Applied { position: self.position, chain: self.chain.clone() }
    }
}

/// A connection to the store for appending and reading, reconnected when it breaks.
pub struct Store {
    config: Config,
    /// Where the store is, for logs and errors: hosts and database, never a password.
    described: String,
    /// Appends run one at a time, each a transaction of its own connection.
    appender: Mutex<Option<Client>>,
    /// Reads share one connection, never inside a transaction.
    reader: Mutex<Option<Client>>,
}

impl Store {
    /// The store at `url` (`postgres://user@host:port,host2:port/database?target_session_attrs=read-write`),
    /// with `password` when the URL has none, connected and migrated. A
    /// password inside the URL is refused: it would show on the command line.
    pub async fn open(url: &str, password: Option<&str>) -> Result<Store> {
        let mut config: Config = url.parse().map_err(|error| StoreError::Config(format!("{error}")))?;
        if config.get_password().is_some() {
            return Err(StoreError::Config(
                "the store's address holds a password; give it in a file (--store-password-file) or PGPASSWORD".into(),
            ));
        }
        if let Some(password) = password {
            config.password(password);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.keepalives_idle(KEEPALIVE_IDLE);
        let described = describe(&config);
        let store = Store { config, described, appender: Mutex::new(None), reader: Mutex::new(None) };
        let mut reader = store.reader.lock().await;
        schema::migrate(store.connected(&mut reader).await?).await?;
        drop(reader);
        Ok(store)
    }

    /// Where the store is: hosts and database.
    pub fn described(&self) -> &str {
        &self.described
    }

    /// Appends `batch` to the log, committed before this returns: its position.
    pub async fn append(&self, batch: &Batch) -> Result<u64> {
        let body = serde_json::to_string(batch).map_err(|error| StoreError::Config(error.to_string()))?;
        let mut appender = self.appender.lock().await;
        let client = self.connected(&mut appender).await?;
        let mut committing = false;
        let appended = tokio::time::timeout(STATEMENT_TIMEOUT, async {
            // Read committed whatever the database's default: the number is
            // read after the lock is granted, so it sees the last append.
            let transaction = client.build_transaction().isolation_level(IsolationLevel::ReadCommitted).start().await?;
            transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&APPEND_LOCK]).await?;
            let last = transaction
                .query_opt("SELECT position, chain FROM hoshin_batches ORDER BY position DESC LIMIT 1", &[])
                .await?;
            let (last, previous) = last.map_or((0, Vec::new()), |row| (row.get::<_, i64>(0), row.get::<_, Vec<u8>>(1)));
            let position = last + 1;
            let chain = chained(&previous, &body);
            transaction
                .execute(
                    "INSERT INTO hoshin_batches (position, batch, chain) VALUES ($1, $2, $3)",
                    &[&position, &body, &chain],
                )
                .await?;
            transaction.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &position.to_string()]).await?;
            committing = true;
            transaction.commit().await?;
            Ok::<u64, StoreError>(position as u64)
        })
        .await;
        let failure = match appended {
            Ok(Ok(position)) => return Ok(position),
            Ok(Err(error)) => error,
            Err(_) => timed_out(),
        };
        // Whatever failed, the next append starts on a fresh connection: this
        // one may be broken, mid-transaction or to a server that only reads.
        *appender = None;
        Err(match (committing, failure) {
            (true, StoreError::Unavailable(reason)) => StoreError::OutcomeUnknown(reason),
            (_, error) => error,
        })
    }

    /// Up to `limit` batches after `applied`, in order; [`StoreError::Diverged`]
    /// when the store's batch at `applied.position` is not the one applied.
    pub async fn after(&self, applied: &Applied, limit: usize) -> Result<Vec<StoredBatch>> {
        let from = applied.position as i64;
        // The applied batch too, when there is one, to check its chain.
        let rows = self
            .read(
                "SELECT position, batch, chain FROM hoshin_batches WHERE position >= $1 ORDER BY position LIMIT $2",
                &[&from.max(1), &(limit as i64 + 1)],
            )
            .await;
        let mut rows = rows?.into_iter().peekable();
        if applied.position > 0 {
            // The batch applied last must still be the store's at its position.
            let same = rows
                .next_if(|row| row.get::<_, i64>(0) == from)
                .is_some_and(|row| row.get::<_, Vec<u8>>(2) == applied.chain);
            if !same {
                return Err(StoreError::Diverged { position: applied.position });
            }
        }
        rows.take(limit)
            .map(|row| {
                let position = row.get::<_, i64>(0) as u64;
                let batch = serde_json::from_str(row.get(1))
                    .map_err(|error| StoreError::Unreadable { position, reason: error.to_string() })?;
                Ok(StoredBatch { position, batch, chain: row.get(2) })
            })
            .collect()
    }

    /// The last position in the log; 0 when it is empty.
    pub async fn head(&self) -> Result<u64> {
        let rows = self.read("SELECT coalesce(max(position), 0) FROM hoshin_batches", &[]).await?;
        Ok(rows.first().map_or(0, |row| row.get::<_, i64>(0) as u64))
    }

    /// Runs a read on the reading connection, within [`STATEMENT_TIMEOUT`];
    /// after a failed one the connection is made afresh.
    async fn read(
        &self,
        statement: &str,
        parameters: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>> {
        let mut reader = self.reader.lock().await;
        let client = self.connected(&mut reader).await?;
        let failure = match tokio::time::timeout(STATEMENT_TIMEOUT, client.query(statement, parameters)).await {
            Ok(Ok(rows)) => return Ok(rows),
            Ok(Err(error)) => StoreError::from(error),
            Err(_) => timed_out(),
        };
        *reader = None;
        Err(failure)
    }

    /// A connection of its own that hears every append.
    pub async fn listen(&self) -> Result<Listener> {
        let (client, mut connection) = self.config.connect(NoTls).await?;
        let (heard, hearing) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |context| connection.poll_message(context));
            while let Some(Ok(message)) = messages.next().await {
                if matches!(message, AsyncMessage::Notification(_)) && heard.send(()).is_err() {
                    return;
                }
            }
        });
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        Ok(Listener { _client: client, hearing })
    }

    /// The connection in `slot`, connected first when there is none or it broke.
    async fn connected<'a>(&self, slot: &'a mut MutexGuard<'_, Option<Client>>) -> Result<&'a mut Client> {
        if slot.as_ref().is_none_or(Client::is_closed) {
            let (client, connection) = self.config.connect(NoTls).await?;
            let described = self.described.clone();
            tokio::spawn(async move {
                if let Err(error) = connection.await {
                    tracing::warn!(store = described, %error, "store connection lost");
                }
            });
            **slot = Some(client);
        }
        Ok(slot.as_mut().expect("connected just above"))
    }
}

/// A connection listening for appends.
pub struct Listener {
    _client: Client,
    hearing: mpsc::UnboundedReceiver<()>,
}

impl Listener {
    /// Waits for the next append; false once the connection is lost.
    pub async fn heard(&mut self) -> bool {
        let heard = self.hearing.recv().await.is_some();
        // Several appends heard at once are one wake-up.
        while self.hearing.try_recv().is_ok() {}
        heard
    }
}

/// A statement that took longer than [`STATEMENT_TIMEOUT`].
fn timed_out() -> StoreError {
    StoreError::Unavailable(format!("no answer within {} s", STATEMENT_TIMEOUT.as_secs()))
}

fn chained(previous: &[u8], batch: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(previous);
    hasher.update(batch.as_bytes());
    hasher.finalize().to_vec()
}

/// Hosts, ports and database of `config`, for logs.
fn describe(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(host, port)| match host {
            tokio_postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
            tokio_postgres::config::Host::Unix(path) => format!("{}:{port}", path.display()),
        })
        .collect();
    format!("{}/{}", hosts.join(","), config.get_dbname().unwrap_or("(default)"))
}
