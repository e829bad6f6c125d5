#!/usr/bin/env python3
"""What it measures: a fleet of release `hoshin serve --store` nodes over Debian's
PostgreSQL on this machine, in one run.

  1. propagation: a steady write load (RATE writes/s for SECONDS, through the
     three nodes in turn); for every write, the time from its acknowledgement
     until each node answers a search asking to see it (`after=POSITION`):
     p50, p99 and max over every node, and over "every node has it".
  2. throughput: wrk (2 threads, 32 connections, 10 s, benches/load-queries.lua)
     against one node with --store and one without (the journal), twice each,
     alternating, since searches never touch the store.
  3. catch-up: CATCH_UP items written to the store in batches of 1,000, then a
     new node started on an empty index root: seconds until it reports ready,
     and items applied per second.
  4. failover: two nodes over a primary and a synchronous standby (a multi-host
     address with target_session_attrs=read-write), HAProxy checking their
     /api/health in front; searches through HAProxy from 4 threads and a write
     every 50 ms through the nodes while the primary is killed and, PROMOTE_AFTER
     seconds later, the standby promoted: seconds from the kill and from the
     promotion to the first accepted write, writes refused, searches failed.

Usage: benches/fleet.py                         (RATE=10 SECONDS=20 CATCH_UP=20000 PROMOTE_AFTER=1)
       RATE=20 SECONDS=60 benches/fleet.py
Needs `make test`'s installs (scripts/install-system-deps store bench) and the
compiled dictionary under index/dictionary; builds the release binary.
"""
import json, os, re, shutil, statistics, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target/release/hoshin")
RATE = float(os.environ.get("RATE", 10))
SECONDS = float(os.environ.get("SECONDS", 20))
PROMOTE_AFTER = float(os.environ.get("PROMOTE_AFTER", 1))
CATCH_UP = int(os.environ.get("CATCH_UP", 20000))
PASSWORD = "fleet-bench-password"
TOKEN = "fleet-bench-token"
WORK = tempfile.mkdtemp(prefix="hoshin-fleet-", dir="/tmp")
os.chmod(WORK, 0o755)
processes = []


def pg_bin(program):
    versions = sorted((d for d in os.listdir("/usr/lib/postgresql") if d.isdigit()), key=int)
    return f"/usr/lib/postgresql/{versions[-1]}/bin/{program}"


def as_postgres(args, **kwargs):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + args, check=True, capture_output=True, text=True, **kwargs)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, name, standby_of=None):
        self.dir = os.path.join(WORK, name)
        os.mkdir(self.dir)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.data = os.path.join(self.dir, "data")
        if standby_of is None:
            pwfile = os.path.join(self.dir, "pw")
            open(pwfile, "w").write(PASSWORD)
            if os.geteuid() == 0:
                shutil.chown(pwfile, "postgres", "postgres")
            as_postgres([pg_bin("initdb"), "-D", self.data, "-U", "hoshin", "--pwfile", pwfile,
                         "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        else:
            as_postgres([pg_bin("pg_basebackup"), "-D", self.data, "-h", "127.0.0.1", "-p", str(standby_of.port),
                         "-U", "hoshin", "-R", "-X", "stream", "--checkpoint=fast"], env={**os.environ, "PGPASSWORD": PASSWORD})
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as conf:
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                       "synchronous_standby_names = ''\n")
        self.start()

    def start(self):
        as_postgres([pg_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w", "start"])

    def stop(self, mode="fast"):
        subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) +
                       [pg_bin("pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop"], capture_output=True)

    def sql(self, statement, database="postgres"):
        return subprocess.run(["psql", "-X", "-q", "-t", "-A", "-h", "127.0.0.1", "-p", str(self.port), "-U", "hoshin",
                               "-d", database, "-c", statement], check=True, capture_output=True, text=True,
                              env={**os.environ, "PGPASSWORD": PASSWORD}).stdout.strip()


def request(method, url, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)


def node(store_url=None):
    index = tempfile.mkdtemp(dir=WORK)
    args = [BIN, "serve", "--addr", "127.0.0.1:0", "--index", index, "--dictionary", os.path.join(ROOT, "index/dictionary"),
            "--seeds", os.path.join(ROOT, "seeds"), "--data", os.path.join(ROOT, "data"), "--api-token", TOKEN]
    env = {**os.environ, "RUST_LOG": "warn", "HOSHIN_E5_MODEL": "/nonexistent"}
    if store_url:
        pw = os.path.join(WORK, "store-password")
        open(pw, "w").write(PASSWORD)
        args += ["--store", store_url, "--store-password-file", pw]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    processes.append(proc)
    base = re.search(r"http://\S+", proc.stdout.readline()).group(0)
    while request("GET", base + "/api/health")[0] != 200:
        time.sleep(0.05)
    return proc, base


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def document(i, word):
    return {"year": "令和5年度", "department": "環境部", "policy": "試験", "text": f"{word}{i}を整備します。"}


def propagation(primary):
    database = "propagation"
    primary.sql(f"CREATE DATABASE {database}")
    url = f"postgres://hoshin@127.0.0.1:{primary.port}/{database}"
    bases = [node(url)[1] for _ in range(3)]
    latencies, everywhere = [], []
    interval = 1 / RATE
    started = time.time()
    i = 0
    while time.time() - started < SECONDS:
        due = started + i * interval
        time.sleep(max(0, due - time.time()))
        status, answer = request("PUT", f"{bases[i % 3]}/api/documents/p-{i}", document(i, "ジュゴン水槽"))
        acked = time.time()
        assert status == 200, answer
        position = answer["position"]
        seen = []

        def ask(base):
            status, _ = request("GET", f"{base}/api/search?q=%E3%82%B8%E3%83%A5%E3%82%B4%E3%83%B3&mode=lexical&limit=1&after={position}")
            assert status == 200
            seen.append(time.time() - acked)
        threads = [threading.Thread(target=ask, args=(base,)) for base in bases]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        latencies.extend(seen)
        everywhere.append(max(seen))
        i += 1
    ms = lambda s: f"{s * 1000:.1f} ms"
    print(f"propagation: {i} writes at {RATE:g}/s over 3 nodes; acknowledgement to searchable on a node: "
          f"p50 {ms(statistics.median(latencies))}, p99 {ms(percentile(latencies, 0.99))}, max {ms(max(latencies))}; "
          f"on every node: p50 {ms(statistics.median(everywhere))}, p99 {ms(percentile(everywhere, 0.99))}, max {ms(max(everywhere))}")


def throughput(primary):
    primary.sql("CREATE DATABASE throughput")
    store_base = node(f"postgres://hoshin@127.0.0.1:{primary.port}/throughput")[1]
    journal_base = node()[1]
    results = {"journal": [], "store": []}
    for _ in range(2):
        for kind, base in (("journal", journal_base), ("store", store_base)):
            out = subprocess.run(["wrk", "-t2", "-c32", "-d10s", "-s", os.path.join(ROOT, "benches/load-queries.lua"), base],
                                 check=True, capture_output=True, text=True).stdout
            assert "Non-2xx" not in out and "Socket errors" not in out, out
            results[kind].append(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)))
    line = ", ".join(f"{kind} {' / '.join(f'{r:,.0f}' for r in runs)} req/s" for kind, runs in results.items())
    ratio = sum(results["store"]) / sum(results["journal"])
    print(f"throughput (one node, seed, wrk -t2 -c32 -d10s, two runs each): {line}; store/journal {ratio:.3f}")


def catch_up(primary):
    primary.sql("CREATE DATABASE catchup")
    url = f"postgres://hoshin@127.0.0.1:{primary.port}/catchup"
    writer = node(url)[1]
    items = [json.loads(line) for line in open(os.path.join(ROOT, "tests/data/seed_docs.jsonl"))]
    for start in range(0, CATCH_UP, 1000):
        batch = [{"id": f"c-{n}", "year": "令和5年度", "department": items[n % len(items)]["department"],
                  "policy": items[n % len(items)]["policy"], "text": items[n % len(items)]["text"]}
                 for n in range(start, min(start + 1000, CATCH_UP))]
        status, answer = request("POST", f"{writer}/api/documents", {"documents": batch}, timeout=120)
        assert status == 200, answer
    started = time.time()
    proc, base = node(url)
    took = time.time() - started
    documents = request("GET", base + "/api/health")[1]["documents"]
    print(f"catch-up: a new node applied {CATCH_UP:,} stored items (+118 seed) and reported ready in {took:.1f} s "
          f"({CATCH_UP / took:,.0f} items/s, {documents} documents)")


def failover():
    primary = Cluster("failover-primary")
    primary.sql("CREATE DATABASE failover")
    standby = Cluster("failover-standby", standby_of=primary)
    primary.sql("ALTER SYSTEM SET synchronous_standby_names = '*'")
    primary.sql("SELECT pg_reload_conf()")
    while primary.sql("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") != "1":
        time.sleep(0.05)
    url = f"postgres://hoshin@127.0.0.1:{primary.port},127.0.0.1:{standby.port}/failover?target_session_attrs=read-write"
    bases = [node(url)[1] for _ in range(2)]
    port = free_port()
    servers = "".join(f"    server node{n} {b.removeprefix('http://')} check\n" for n, b in enumerate(bases))
    config = os.path.join(WORK, "haproxy.cfg")
    open(config, "w").write(
        "defaults\n    mode http\n    timeout connect 1s\n    timeout client 10s\n    timeout server 10s\n"
        "    retries 3\n    option redispatch 1\n    retry-on conn-failure empty-response\n"
        f"frontend searches\n    bind 127.0.0.1:{port}\n    default_backend nodes\n"
        "backend nodes\n    balance roundrobin\n    option httpchk GET /api/health\n    http-check expect status 200\n"
        f"    default-server inter 200ms fall 1 rise 2\n{servers}")
    processes.append(subprocess.Popen(["haproxy", "-db", "-f", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    balancer = f"http://127.0.0.1:{port}"
    while request("GET", balancer + "/api/health")[0] != 200:
        time.sleep(0.05)
    stop = threading.Event()
    searched, failed = [0], []

    def search_load(n):
        words = ["%E5%9B%B3%E6%9B%B8%E9%A4%A8", "%E5%85%AC%E5%9C%92", "%E9%98%B2%E7%81%BD", "DX"]
        while not stop.is_set():
            status, answer = request("GET", f"{balancer}/api/search?q={words[searched[0] % 4]}&mode=lexical", timeout=10)
            searched[0] += 1
            if status != 200:
                failed.append((status, answer))
    loaders = [threading.Thread(target=search_load, args=(n,)) for n in range(4)]
    for t in loaders:
        t.start()
    time.sleep(1)
    acknowledged, refused, i = [], 0, 0
    killed = time.time()
    primary.stop("immediate")
    promoted = None
    while True:
        if promoted is None and time.time() - killed >= PROMOTE_AFTER:
            as_postgres([pg_bin("pg_ctl"), "-D", standby.data, "-w", "promote"])
            promoted = time.time()
        status, answer = request("PUT", f"{bases[i % 2]}/api/documents/f-{i}", document(i, "マナティ水槽"))
        i += 1
        if status == 200:
            acknowledged.append(answer["position"])
            resumed = time.time()
            break
        assert status == 503 and answer["error"]["code"] == "store_unavailable", answer
        refused += 1
        time.sleep(0.05)
    time.sleep(2)
    stop.set()
    for t in loaders:
        t.join()
    print(f"failover: first accepted write {resumed - killed:.2f} s after the primary was killed, "
          f"{resumed - promoted:.2f} s after the standby was promoted ({PROMOTE_AFTER:g} s after the kill); "
          f"{refused} writes refused meanwhile, none acknowledged wrongly; "
          f"{len(failed)} of {searched[0]} searches through HAProxy failed")
    if failed:
        print("  failed searches:", failed[:5])


def main():
    subprocess.run(["scripts/install-system-deps", "serve", "store", "bench"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    try:
        primary = Cluster("store")
        propagation(primary)
        throughput(primary)
        catch_up(primary)
        failover()
    finally:
        for proc in processes:
            proc.kill()
        for name in os.listdir(WORK):
            if os.path.isdir(os.path.join(WORK, name, "data")):
                Cluster.stop(type("C", (), {"data": os.path.join(WORK, name, "data")})(), "immediate")
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
