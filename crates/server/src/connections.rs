//! Accepting connections: HTTP/1.1 over TCP with a deadline on every
//! request's headers, a cap on open connections, and a graceful stop.
//!
//! A client must send a request's headers within
//! [`ConnectionLimits::header_read_timeout`] of the server starting to wait for
//! them, both on a new connection and on a kept-alive one between requests,
//! or the connection is closed: a client that sends headers a byte a second,
//! or opens connections and sends nothing, holds them no longer than that.
//! At most [`ConnectionLimits::max_connections`] are open at once; further
//! clients wait in the listener's backlog until one closes.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Bounds on the connections a server keeps open.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, and how long
    /// a kept-alive connection may stay idle.
    pub header_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits { max_connections: 4_096, header_read_timeout: Duration::from_secs(10) }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the connection semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, then accept again.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection closed with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    async fn start(limits: ConnectionLimits) -> std::net::SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { "ok" }));
        tokio::spawn(serve(listener, app, limits, std::future::pending()));
        address
    }

    /// Reads until the server closes the connection; how long that took.
    async fn closed_after(stream: &mut TcpStream) -> Duration {
        let started = Instant::now();
        let mut buffer = [0u8; 1024];
        while let Ok(Ok(read)) = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await {
            if read == 0 {
                return started.elapsed();
            }
        }
        panic!("the server kept the connection open");
    }

    const QUICK: ConnectionLimits =
        ConnectionLimits { max_connections: 16, header_read_timeout: Duration::from_millis(300) };

    #[tokio::test]
    async fn a_client_sending_headers_a_byte_at_a_time_is_cut_off() {
        let address = start(QUICK).await;
        let mut slow = TcpStream::connect(address).await.unwrap();
        let dribble = tokio::spawn(async move {
            for byte in b"GET / HTTP/1.1\r\nHost: x\r\n" {
                if slow.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            slow
        });
        let mut slow = dribble.await.unwrap();
        assert!(closed_after(&mut slow).await < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn an_idle_kept_alive_connection_is_closed_and_a_prompt_one_is_answered() {
        let address = start(QUICK).await;
        let mut client = TcpStream::connect(address).await.unwrap();
        client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut answer = [0u8; 256];
        let read = client.read(&mut answer).await.unwrap();
        assert!(answer[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..read]));
        assert!(closed_after(&mut client).await < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn connections_over_the_cap_wait_until_one_closes() {
        let address = start(ConnectionLimits { max_connections: 1, ..QUICK }).await;
        let mut first = TcpStream::connect(address).await.unwrap();
        first.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
        let mut second = TcpStream::connect(address).await.unwrap();
        second.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let mut answer = [0u8; 256];
        let waited = tokio::time::timeout(Duration::from_millis(150), second.read(&mut answer)).await;
        assert!(waited.is_err(), "the second connection was served while the first was open");
        drop(first);
        let read = tokio::time::timeout(Duration::from_secs(2), second.read(&mut answer)).await.unwrap().unwrap();
        assert!(answer[..read].starts_with(b"HTTP/1.1 200"));
    }
}
