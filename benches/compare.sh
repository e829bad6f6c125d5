#!/usr/bin/env bash
# What it measures: hoshin and Groonga side by side, in one run on this
# machine, over the same generated corpus and the same query list
# (benches/queries.tsv):
#   - index build: wall time (items/s, MB/s of corpus text), peak memory (GNU
#     time's maximum resident set) and size on disk. hoshin builds with
#     `hoshin index` (four analyses per field, both cores), which then embeds
#     every distinct item text it has no vector for (reported apart, with a
#     second run's, whose vector cache is warm); Groonga loads the
#     same items first and then builds its index over policy and text
#     (TokenMecab + NormalizerAuto), the static-indexing way.
#   - cold start: from starting the server to its first answered query.
#   - HTTP: requests/s, p50 and p99 from wrk (keep-alive, CONNECTIONS
#     connections, DURATION) asking each engine for a results page: top 10,
#     highlighted snippets, per-department counts. hoshin is asked in lexical
#     mode, in hybrid mode (the default) with its query-vector cache and with
#     it off (--query-vectors 0; wrk repeats the same queries, which a cache
#     alone would flatter), and, cache off and one connection, the residents'
#     questions of tests/data/dev_questions.tsv in hybrid mode. Groonga is served by
#     groonga-httpd (its built-in server closes every connection) with its
#     result cache off (groonga_cache_limit 0) and as many workers as cores.
# It ends with a table of hoshin/Groonga ratios, and fails if an engine
# answered anything but 2xx or left a request unanswered for 10 s.
#
# Usage: benches/compare.sh                 (100,000 items, 30 s per engine)
#        ITEMS=1000000 benches/compare.sh   (the issue's full run)
#        ITEMS=118 DURATION=10s CONNECTIONS=32 benches/compare.sh
#        HOSHIN=/tmp/hoshin-before benches/compare.sh   (that binary, not the
#          working tree's: build an older commit, copy its target/release/hoshin
#          aside, and compare before and after on the same machine)
# ITEMS=118 runs on the seed itself; other sizes come from `hoshin generate
# --seed 1`, kept under target/bench-corpus/ for later runs. The model is
# HOSHIN_E5_MODEL's (scripts/install-e5-model's by default); naming a missing
# file measures hoshin without vectors, all its modes then lexical. The vector
# cache of a run is kept as target/bench-corpus/<items>.vectors.cache and the
# next run at that size starts from it (embedding 100,000 items takes most of
# an hour on two cores); delete it to measure a cold build again.
set -euo pipefail
cd "$(dirname "$0")/.."
items=${ITEMS:-100000}
connections=${CONNECTIONS:-32}
duration=${DURATION:-30s}
cores=$(nproc)

scripts/install-system-deps serve bench
if [ -n "${HOSHIN:-}" ]; then
  hoshin=$HOSHIN
else
  cargo build --release --quiet
  hoshin=target/release/hoshin
fi

if [ "$items" = 118 ]; then
  corpus=seeds
else
  corpus=target/bench-corpus/$items
  [ -d "$corpus" ] || "$hoshin" generate --items "$items" --seed 1 --out "$corpus" >&2
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_until_answered() { # url → seconds until the first 200
  local started=$1 url=$2
  for _ in $(seq 1 6000); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ]; then
      python3 -c "print($(now) - $started)"
      return
    fi
    sleep 0.05
  done
  echo "no answer from $url" >&2
  return 1
}

"$hoshin" export --seeds "$corpus" > "$work/items.jsonl"
text_bytes=$(python3 -c '
import json, sys
print(sum(len((i["policy"] + i["text"]).encode()) for i in map(json.loads, open(sys.argv[1]))))' "$work/items.jsonl")
echo "corpus: $items items, $text_bytes bytes of policy and item text, from $corpus" >&2

kept_vectors=target/bench-corpus/$items.vectors.cache
mkdir -p "$work/hoshin" target/bench-corpus
[ -f "$kept_vectors" ] && cp "$kept_vectors" "$work/hoshin/vectors.cache"
echo "building hoshin's index and vectors, then again with the vector cache warm" >&2
for run in cold warm; do
  RUST_LOG=warn /usr/bin/time -v -o "$work/hoshin-build-$run.time" \
    "$hoshin" index --index "$work/hoshin" --seeds "$corpus" --dictionary index/dictionary | tee "$work/hoshin-build-$run.out" >&2
done
[ -f "$work/hoshin/vectors.cache" ] && cp "$work/hoshin/vectors.cache" "$kept_vectors"

echo "building Groonga's database" >&2
python3 -c '
import json, sys
out = sys.stdout
out.write("load --table Items\n[\n")
for n, line in enumerate(open(sys.argv[1])):
    item = json.loads(line)
    row = {"_key": item["id"], "department": item["department"], "policy": item["policy"], "text": item["text"]}
    out.write(("," if n else "") + json.dumps(row, ensure_ascii=False) + "\n")
out.write("]\n")' "$work/items.jsonl" > "$work/load.grn"
mkdir "$work/groonga"
groonga -n "$work/groonga/db" > /dev/null <<'EOF'
table_create Items TABLE_HASH_KEY ShortText
column_create Items department COLUMN_SCALAR ShortText
column_create Items policy COLUMN_SCALAR ShortText
column_create Items text COLUMN_SCALAR Text
EOF
/usr/bin/time -v -o "$work/groonga-load.time" groonga "$work/groonga/db" < "$work/load.grn" > "$work/groonga-load.out"
/usr/bin/time -v -o "$work/groonga-index.time" groonga "$work/groonga/db" > "$work/groonga-index.out" <<'EOF'
table_create Terms TABLE_PAT_KEY ShortText --default_tokenizer TokenMecab --normalizer NormalizerAuto
column_create Terms items_index COLUMN_INDEX|WITH_POSITION|WITH_SECTION Items policy,text
EOF
loaded=$(grep -o '^\[\[0,[^]]*\],[0-9]*\]' "$work/groonga-load.out" | sed 's/.*\],\([0-9]*\)\]$/\1/')
[ "$loaded" = "$items" ] || { echo "Groonga loaded '$loaded' of $items items" >&2; exit 1; }
grep -q '^\[\[-' "$work/groonga-index.out" && { cat "$work/groonga-index.out" >&2; exit 1; }

serve_hoshin() { # extra serve flags → starts hoshin on $hoshin_port, its pid in $hoshin_pid, seconds to a first answer in $hoshin_cold
  hoshin_port=$(free_port)
  local started
  started=$(now)
  RUST_LOG=warn "$hoshin" serve --addr "127.0.0.1:$hoshin_port" --index "$work/hoshin" --seeds "$corpus" \
    --dictionary index/dictionary "$@" > "$work/hoshin-serve.out" 2>> "$work/hoshin-serve.err" &
  hoshin_pid=$!
  pids+=("$hoshin_pid")
  hoshin_cold=$(wait_until_answered "$started" "http://127.0.0.1:$hoshin_port/api/search?q=%E5%9B%B3%E6%9B%B8%E9%A4%A8")
}

echo "starting both servers" >&2
serve_hoshin

groonga_port=$(free_port)
cat > "$work/groonga-httpd.conf" <<EOF
worker_processes $cores;
daemon off;
user root root;
pid $work/groonga-httpd.pid;
error_log $work/groonga-httpd.err;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_timeout 65;
  keepalive_requests 100000000;
  groonga_database $work/groonga/db;
  groonga_log_path $work/groonga.log;
  groonga_query_log_path off;
  groonga_cache_limit 0;
  server {
    listen 127.0.0.1:$groonga_port;
    location /d/ { groonga on; }
  }
}
EOF
started=$(now)
groonga-httpd -p "$work" -c "$work/groonga-httpd.conf" 2> "$work/groonga-httpd.stderr" &
pids+=($!)
groonga_cold=$(wait_until_answered "$started" \
  "http://127.0.0.1:$groonga_port/d/select?table=Items&match_columns=text&query=%E5%9B%B3%E6%9B%B8%E9%A4%A8&limit=10")

echo "hits per query (hoshin counts items matching all words, or most words when few do):" >&2
python3 - "$hoshin_port" "$groonga_port" benches/queries.tsv >&2 <<'EOF'
import json, sys, urllib.parse, urllib.request
hoshin, groonga, queries = sys.argv[1:]
for line in open(queries, encoding="utf-8"):
    if not line.strip() or line.startswith("#"):
        continue
    kind, query = line.rstrip("\n").split("\t")
    q = urllib.parse.quote(query)
    h = json.load(urllib.request.urlopen(f"http://127.0.0.1:{hoshin}/api/search?limit=10&q={q}"))["total"]
    g = json.load(urllib.request.urlopen(
        f"http://127.0.0.1:{groonga}/d/select?table=Items&match_columns=policy*2||text&limit=0&query={q}"))[1][0][0][0]
    print(f"  {kind:14} {query:24} hoshin {h:>8}  groonga {g:>8}")
EOF

load() { # name engine port [mode] [queries] [connections] → wrk's report; a request unanswered after 10 s (hoshin's own limit) is an error
  local open=${6:-$connections}
  ENGINE=$2 MODE=${4:-} QUERIES=${5:-benches/queries.tsv} wrk -t"$((open < 2 ? 1 : 2))" -c"$open" -d"$duration" \
    --timeout 10s --latency -s benches/compare-queries.lua "http://127.0.0.1:$3" > "$work/wrk-$1.out"
  cat "$work/wrk-$1.out" >&2
}
curl -s "http://127.0.0.1:$hoshin_port/api/health" > "$work/hoshin-health.json"
echo "load: wrk, $connections keep-alive connections, $duration per engine and mode" >&2
load hoshin hoshin "$hoshin_port" lexical
load hybrid hoshin "$hoshin_port" hybrid
hoshin_memory_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$hoshin_pid/status")
kill "$hoshin_pid"
wait "$hoshin_pid" 2>/dev/null || true
serve_hoshin --query-vectors 0
load hybrid-uncached hoshin "$hoshin_port" hybrid
# One question at a time: the latency of a question, not a queue of them behind the model.
load questions hoshin "$hoshin_port" hybrid tests/data/dev_questions.tsv 1
load groonga groonga "$groonga_port"

python3 - "$work" "$items" "$text_bytes" "$hoshin_cold" "$groonga_cold" "$hoshin_memory_kb" <<'EOF'
import json, os, re, sys
work, items, text_bytes, hoshin_cold, groonga_cold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
hoshin_memory_mb = int(sys.argv[6]) / 1024

def time_report(name):
    report = open(os.path.join(work, name)).read()
    clock = re.search(r"Elapsed \(wall clock\) time .*: (.*)", report).group(1).split(":")
    seconds = 0.0
    for part in clock:
        seconds = seconds * 60 + float(part)
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1))
    return seconds, peak_kb / 1024

def size_mb(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs) / 1e6

def to_ms(value):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 1e-3, "ms": 1, "s": 1e3, "m": 6e4}[unit]

def wrk(engine):
    report = open(os.path.join(work, f"wrk-{engine}.out")).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1))
    p50 = to_ms(re.search(r"\n\s+50%\s+(\S+)", report).group(1))
    p99 = to_ms(re.search(r"\n\s+99%\s+(\S+)", report).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    return rps, p50, p99, errors

def printed(run):
    out = open(os.path.join(work, f"hoshin-build-{run}.out")).read()
    words = float(re.search(r"indexed .* in ([\d.]+) s", out).group(1))
    vectors = re.search(r"vectors of (\d+) items: (\d+) distinct texts cached already, (\d+) embedded, in ([\d.]+) s", out)
    return words, vectors

hoshin_build, vectors_cold = printed("cold")
_, vectors_warm = printed("warm")
_, hoshin_peak = time_report("hoshin-build-cold.time")
load_s, load_peak = time_report("groonga-load.time")
index_s, index_peak = time_report("groonga-index.time")
groonga_build, groonga_peak = load_s + index_s, max(load_peak, index_peak)
hoshin_size, groonga_size = size_mb(os.path.join(work, "hoshin")), size_mb(os.path.join(work, "groonga"))
h_rps, h_p50, h_p99, h_errors = wrk("hoshin")
g_rps, g_p50, g_p99, g_errors = wrk("groonga")
modes = {name: wrk(name) for name in ["hybrid", "hybrid-uncached", "questions"]}

rows = [
    ("index build, words (s)", hoshin_build, groonga_build, "{:.1f}"),
    ("build items/s", items / hoshin_build, items / groonga_build, "{:,.0f}"),
    ("build MB/s of text", text_bytes / 1e6 / hoshin_build, text_bytes / 1e6 / groonga_build, "{:.2f}"),
    ("build peak memory, vectors too (MB)", hoshin_peak, groonga_peak, "{:,.0f}"),
    ("index size (MB)", hoshin_size, groonga_size, "{:,.1f}"),
    ("cold start to first answer (s)", hoshin_cold, groonga_cold, "{:.2f}"),
    ("requests/s, lexical mode", h_rps, g_rps, "{:,.0f}"),
    ("p50 (ms), lexical mode", h_p50, g_p50, "{:.2f}"),
    ("p99 (ms), lexical mode", h_p99, g_p99, "{:.2f}"),
]
for name, label in [("hybrid", "hybrid"), ("hybrid-uncached", "hybrid, no query-vector cache")]:
    rps, p50, p99, _ = modes[name]
    rows += [(f"requests/s, {label}", rps, g_rps, "{:,.0f}"), (f"p50 (ms), {label}", p50, g_p50, "{:.2f}"),
             (f"p99 (ms), {label}", p99, g_p99, "{:.2f}")]
print(f"\n{items:,} items, {text_bytes / 1e6:.2f} MB of text; Groonga build = load {load_s:.1f} s + index {index_s:.1f} s\n")
print("| measure | hoshin | Groonga | hoshin/Groonga |")
print("|---|---:|---:|---:|")
for name, h, g, fmt in rows:
    print(f"| {name} | {fmt.format(h)} | {fmt.format(g)} | {h / g:.2f} |")
print(f"| errors under load | {h_errors + sum(mode[3] for mode in modes.values())} | {g_errors} | |")
health = json.load(open(os.path.join(work, "hoshin-health.json")))["vectors"]
print(f"\nvectors when loaded: {health['state']}, {health['embedded']} of {health['items']} items")
for build, found in [("first build", vectors_cold), ("second build", vectors_warm)]:
    if found:
        print(f"vectors, {build}: {found.group(2)} distinct texts cached, {found.group(3)} embedded, {found.group(4)} s")
print(f"server memory after the hybrid load: {hoshin_memory_mb:,.0f} MB")
rps, p50, p99, _ = modes["questions"]
print(f"residents' questions one at a time, hybrid, no query-vector cache: {rps:,.1f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
if h_errors or g_errors or any(mode[3] for mode in modes.values()):
    sys.exit("FAILED: errors under load (non-2xx answers, or none within 10 s)")
EOF
