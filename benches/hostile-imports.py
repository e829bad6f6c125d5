#!/usr/bin/env python3
"""The fault run's hostile documents, at its sizes, sent to a real `hoshin serve` over
the seed while another thread searches: each answer's status and code, its time, and
the server's resident and peak memory after it.

Usage: benches/hostile-imports.py [HOSHIN_BINARY]   (default target/release/hoshin)
Needs the compiled dictionary under index/dictionary (any `make index` or test run).
"""
import io, json, os, re, shutil, subprocess, sys, tempfile, threading, time, urllib.error, urllib.request, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/hoshin")
TOKEN = "hostile-token"
work = tempfile.mkdtemp()
shutil.copytree(os.path.join(ROOT, "seeds"), os.path.join(work, "seeds"))
proc = subprocess.Popen([BIN, "serve", "--addr", "127.0.0.1:0", "--index", os.path.join(work, "index"),
                         "--dictionary", os.path.join(ROOT, "index/dictionary"),
                         "--seeds", os.path.join(work, "seeds"), "--data", os.path.join(ROOT, "data"), "--api-token", TOKEN],
                        stdout=subprocess.PIPE, stderr=open(os.path.join(work, "log"), "w"), text=True)
line = proc.stdout.readline()
base = re.search(r"http://\S+", line).group(0)
pid = proc.pid

def rss():
    s = open(f"/proc/{pid}/status").read()
    return int(re.search(r"VmRSS:\s+(\d+)", s).group(1)) // 1024, int(re.search(r"VmHWM:\s+(\d+)", s).group(1)) // 1024

def post(path, body, ctype):
    req = urllib.request.Request(base + path, data=body, method="POST",
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())

def zip_of(parts):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts:
            if callable(data):
                with z.open(name, "w", force_zip64=True) as f:
                    data(f)
            else:
                z.writestr(name, data)
    return out.getvalue()

CT = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'
def repeated_text(head, tail, size):
    """A zip part writer: `head`, then about `size` bytes of あ, then `tail`, streamed."""
    def write(f):
        f.write(head)
        chunk = ("あ" * 100_000).encode()
        for _ in range(size // len(chunk)):
            f.write(chunk)
        f.write(tail)
    return write

def docx_bomb(size):
    body = repeated_text(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>',
                         b"</w:t></w:r></w:p></w:body></w:document>", size)
    return zip_of([("[Content_Types].xml", CT), ("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'), ("word/document.xml", body)])

def xlsx(rows_fn):
    return zip_of([("[Content_Types].xml", CT),
        ("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        ("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        ("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        ("xl/worksheets/sheet1.xml", rows_fn)])

def big_cell(size):
    return xlsx(repeated_text(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>',
                              b'</t></is></c></row></sheetData></worksheet>', size))

def many_rows(n):
    def sheet(f):
        f.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
        for r in range(1, n + 1):
            f.write(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'.encode())
        f.write(b'</sheetData></worksheet>')
    return xlsx(sheet)

cases = [
    ("deep5000.html", "text/html", lambda: ("<div>" * 5000 + "令和5年度" + "</div>" * 5000).encode()),
    ("deep100000.html", "text/html", lambda: ("<div>" * 100000 + "令和5年度" + "</div>" * 100000).encode()),
    ("bomb.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", lambda: docx_bomb(1_200_000_000)),
    ("cell.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", lambda: big_cell(1_200_000_000)),
    ("rows.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", lambda: many_rows(1_000_001)),
    ("lines400k.txt", "text/plain", lambda: ("令和5年度\n" + "項目です\n" * 400_000).encode()),
    ("lines200k.txt", "text/plain", lambda: ("令和5年度\n" + "あ\n" * 200_000).encode()),
]
stop = False
searches = {"ok": 0, "bad": 0}
def searcher():
    while not stop:
        try:
            with urllib.request.urlopen(base + "/api/search?q=%E5%9B%B3%E6%9B%B8%E9%A4%A8", timeout=30) as r:
                searches["ok" if r.status == 200 else "bad"] += 1
        except Exception:
            searches["bad"] += 1
        time.sleep(0.05)
t = threading.Thread(target=searcher); t.start()
docs_before = json.loads(urllib.request.urlopen(base + "/api/health").read())["documents"]
print(f"start rss {rss()} MB, documents {docs_before}")
for name, ctype, make in cases:
    body = make()
    started = time.time()
    status, answer = post(f"/api/import?file={name}&year=2023", body, ctype)
    took = time.time() - started
    code = answer.get("error", {}).get("code", "ok")
    print(f"{name:18} {len(body)/1e6:7.2f} MB  -> {status} {code:22} {took:6.2f} s  rss/peak {rss()} MB")
time.sleep(1)
stop = True; t.join()
docs_after = json.loads(urllib.request.urlopen(base + "/api/health").read())["documents"]
print(f"documents {docs_before} -> {docs_after}; searches meanwhile ok {searches['ok']} failed {searches['bad']}; peak rss {rss()[1]} MB")
proc.terminate(); proc.wait()
shutil.rmtree(work)
