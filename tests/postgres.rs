//! Real PostgreSQL clusters for the store's tests: Debian's server binaries,
//! started in a temporary directory as the unprivileged `postgres` user when
//! the tests run as root (PostgreSQL refuses root), on a free loopback port,
//! password-authenticated as deployments are. One shared cluster per test
//! process ([`shared`]), a database of its own per test ([`Cluster::database`]);
//! the failover test starts its own primary and standby.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The role every test cluster has, and its password.
pub const ROLE: &str = "hoshin";
pub const PASSWORD: &str = "test-password-9d2e";

/// Where Debian's `postgresql` package puts the newest server's binaries.
fn server_binaries() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server is not installed: run `make test`, which installs it (scripts/install-system-deps store)")
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort_by_key(|bin| bin.parent().and_then(|version| version.file_name()?.to_str()?.parse::<u32>().ok()));
    versions.pop().expect("no PostgreSQL server under /usr/lib/postgresql")
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// A PostgreSQL cluster in a temporary directory, stopped when dropped.
pub struct Cluster {
    directory: tempfile::TempDir,
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    databases: AtomicUsize,
}

impl Cluster {
    /// A new cluster, initialised and started.
    pub fn start() -> Cluster {
        let cluster = Cluster::empty();
        std::fs::write(cluster.directory.path().join("password"), PASSWORD).unwrap();
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data().display().to_string(),
                "-U",
                ROLE,
                "--pwfile",
                &cluster.directory.path().join("password").display().to_string(),
                "--auth-host=scram-sha-256",
                "--auth-local=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        cluster.configure("");
        cluster.start_server();
        cluster.stop_after_this_process();
        cluster
    }

    /// A streaming-replication standby of `primary`, copied by
    /// `pg_basebackup` and started; promoted, it asks no standby of its own.
    pub fn standby_of(primary: &Cluster) -> Cluster {
        let standby = Cluster::empty();
        let data = standby.data().display().to_string();
        let port = primary.port.to_string();
        let args = [
            "-D",
            &data,
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            ROLE,
            "-R",
            "-X",
            "stream",
            "--no-sync",
            "--checkpoint=fast",
        ];
        let output = server_command("pg_basebackup")
            .args(args)
            .env("PGPASSWORD", PASSWORD)
            .current_dir(standby.directory.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "pg_basebackup: {}", String::from_utf8_lossy(&output.stderr));
        standby.configure("synchronous_standby_names = ''");
        standby.start_server();
        standby.stop_after_this_process();
        standby
    }

    /// Promotes a standby to a primary that takes writes.
    pub fn promote(&self) {
        self.run("pg_ctl", &["-D", &self.data().display().to_string(), "-w", "promote"]);
    }

    /// A cluster in a static is never dropped: a watcher stops its server and
    /// removes its directory once this test process is gone.
    pub fn stop_after_this_process(&self) {
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {pg_ctl} -D {data} -m immediate stop; rm -rf {directory}",
            pid = std::process::id(),
            pg_ctl = if is_root() {
                format!("runuser -u postgres -- {}", server_binaries().join("pg_ctl").display())
            } else {
                server_binaries().join("pg_ctl").display().to_string()
            },
            data = self.data().display(),
            directory = self.directory.path().display(),
        );
        // setsid --fork returns at once, the watcher detached in a session of its own.
        let status = Command::new("setsid")
            .args(["--fork", "sh", "-c", &stop])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// A directory for a cluster, owned by whoever runs the server.
    pub fn empty() -> Cluster {
        let directory = tempfile::Builder::new().prefix("hoshin-pg").tempdir_in("/tmp").unwrap();
        if is_root() {
            let (uid, gid) = postgres_user();
            std::os::unix::fs::chown(directory.path(), Some(uid), Some(gid)).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Cluster { directory, port, databases: AtomicUsize::new(0) }
    }

    /// The data directory.
    pub fn data(&self) -> PathBuf {
        self.directory.path().join("data")
    }

    /// Appends `settings` to the cluster's configuration, after its own:
    /// this port, loopback only, its socket in its directory.
    pub fn configure(&self, settings: &str) {
        let own = format!(
            "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = off\nfull_page_writes = off\n{settings}\n",
            self.port,
            self.directory.path().display()
        );
        let conf = self.data().join("postgresql.auto.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap_or_default();
        text.push_str(&own);
        std::fs::write(&conf, text).unwrap();
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start_server(&self) {
        let log = self.directory.path().join("server.log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data().display().to_string(), "-l", &log, "-w", "-t", "60", "start"]);
    }

    /// Stops the server: `fast` (clients cut, a clean shutdown) or
    /// `immediate` (as if it crashed).
    pub fn stop_server(&self, mode: &str) {
        self.run("pg_ctl", &["-D", &self.data().display().to_string(), "-m", mode, "-w", "stop"]);
    }

    /// Runs one of the server's programs as the user the server runs as.
    pub fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        let output = server_command(program).args(args).current_dir(self.directory.path()).output().unwrap();
        assert!(
            output.status.success(),
            "{program} {args:?}: {}\n{}",
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(self.directory.path().join("server.log")).unwrap_or_default()
        );
        output
    }

    /// The address of database `name`, without the password (which hoshin takes from a file).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{ROLE}@127.0.0.1:{}/{name}", self.port)
    }

    /// A new, empty database of its own for one test: its address.
    pub fn database(&self) -> String {
        let name = format!("test_{}", self.databases.fetch_add(1, Ordering::Relaxed));
        self.sql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// Runs `sql` in database `name` through psql.
    pub fn sql(&self, name: &str, sql: &str) -> String {
        let output = Command::new("psql")
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", ROLE, "-d", name, "-c", sql])
            .env("PGPASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert!(output.status.success(), "{sql}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data().display().to_string();
        let _ = server_command("pg_ctl").args(["-D", &data, "-m", "immediate", "stop"]).output();
    }
}

/// One of the server's programs, to run as the user the server runs as.
fn server_command(program: &str) -> Command {
    let binary = server_binaries().join(program);
    if !is_root() {
        return Command::new(binary);
    }
    let mut command = Command::new("runuser");
    command.args(["-u", "postgres", "--"]).arg(binary);
    command
}

/// The uid and gid of the `postgres` user Debian's package creates.
fn postgres_user() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let line = passwd.lines().find(|line| line.starts_with("postgres:")).expect("Debian's postgres user");
    let fields: Vec<&str> = line.split(':').collect();
    (fields[2].parse().unwrap(), fields[3].parse().unwrap())
}

/// The test process's shared cluster.
pub fn shared() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}
