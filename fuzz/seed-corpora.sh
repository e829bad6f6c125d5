#!/bin/sh
# Writes small hostile seeds for the document readers' targets into
# fuzz/corpus/<target>/ (untracked): deep HTML, many tiny lines, Shift_JIS,
# minimal valid .docx/.xlsx made by hand, a docx that inflates to megabytes of
# one repeated run, a workbook of many rows, and bytes for pdf_layout. Every
# file stays under 100 KB.
set -eu
cd "$(dirname "$0")"
exec python3 - <<'PYTHON'
import io, os, zipfile

def put(target, name, data):
    os.makedirs(f"corpus/{target}", exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < 100_000, (target, name, len(data))
    with open(f"corpus/{target}/{name}", "wb") as out:
        out.write(data)

def zipped(parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()

# PDF layout: the target builds pages from any bytes; a few to start from.
put("pdf_layout", "ramp", bytes(range(256)) * 16)
put("pdf_layout", "sevens", b"\x07" * 4096)

# HTML
page = """<html><head><title>令和6年度施政方針 | 狛江市</title></head><body>
<nav><ul><li>くらし</li></ul></nav><main><h1>令和6年度施政方針</h1><h2>1 子育て支援</h2>
<p>待機児童ゼロを<strong>継続</strong>します。<br>保育士を確保します。</p>
<ul><li>学童クラブの拡充</li><li>相談体制<ul><li>窓口の一本化</li></ul></li></ul>
<table><tr><th>方針</th><th>取組状況</th></tr><tr><td>防災</td><td>訓練を実施</td></tr></table>
</main></body></html>"""
put("html_reader", "page.html", page)
put("html_reader", "div-2000-deep.html",
    "<html><body><main><h1>令和6年度</h1>" + "<div>" * 2000 + "・施策" + "</div>" * 2000 + "</main></body></html>")
put("html_reader", "unclosed-div-2000.html", "<p>令和6年度</p>" + "<div>x" * 2000)
put("html_reader", "inline-2000-deep.html", "<body><p>令和6年度</p>" + "<span>" * 2000 + "施策</body>")

# Text
put("text_reader", "outline.txt", "令和6年度 施政方針\n企画財政部\n１　財政運営\n・予算を編成します。\n- 3 -\n")
put("text_reader", "one-char-lines.txt", "令和6年度\n" + "・\nあ\n1\n-\n\n" * 6000)
put("text_reader", "shift_jis.txt",
    "令和6年度 施政方針\r\n企画財政部\r\n１　財政運営\r\n（１）予算\r\n・予算を編成します。\r\n－３－\r\n".encode("cp932"))  # Windows-31J, as encoding_rs reads Shift_JIS
put("text_reader", "bom.txt", "\ufeff令和6年度\n○ 施策です。\n")
put("text_reader", "not-shift_jis.txt", b"\x82\x0a\x81\xff\xfe")

# Word
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

def docx(body):
    return zipped({
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/_rels/document.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/styles" Target="styles.xml"/></Relationships>',
        "word/styles.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:styles {W}>'
            '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style>'
            '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style></w:styles>',
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>',
    })

def para(text, style=None, level=None):
    props = ""
    if style:
        props += f'<w:pStyle w:val="{style}"/>'
    if level is not None:
        props += f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr>'
    return f'<w:p><w:pPr>{props}</w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'

put("docx_reader", "small.docx", docx(
    para("令和6年度 施政方針", "Heading1") + para("企画財政部", "Heading2") + para("１　財政運営")
    + para("・予算を編成します。") + para("・財政を健全にします。", level=0) + para("施策の詳細", level=1)
    + "<w:tbl>" + "".join("<w:tr><w:tc>" + para(a) + "</w:tc><w:tc>" + para(b) + "</w:tc></w:tr>"
                          for a, b in [("方針", "取組状況"), ("防災", "訓練を実施しました。")]) + "</w:tbl>"))
# One paragraph of one run repeated: ~6 MB of XML in ~10 KB.
run = '<w:r><w:t>令和6年度の施策を進めます。</w:t></w:r>'
put("docx_reader", "long-run.docx", docx("<w:p>" + run * 100_000 + "</w:p>"))
put("docx_reader", "many-paragraphs.docx", docx(para("令和6年度", "Heading1") + para("・施策を進めます。") * 60_000))
put("docx_reader", "empty-zip.docx", zipped({}))

# Excel
S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

def xlsx(sheets, strings):
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(sheets) + 1))
            + '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook {S} xmlns:r="{REL}"><sheets>'
            + "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, (name, _) in enumerate(sheets, 1))
            + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8"?><sst {S} count="{len(strings)}" uniqueCount="{len(strings)}">'
            + "".join(f"<si><t>{text}</t></si>" for text in strings) + "</sst>",
    }
    for i, (_, rows) in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {S}><sheetData>{rows}</sheetData></worksheet>'
    return zipped(parts)

def row(number, *cells):
    out = f'<row r="{number}">'
    for column, cell in zip("ABCDEFGH", cells):
        if isinstance(cell, int):
            out += f'<c r="{column}{number}" t="s"><v>{cell}</v></c>'
        else:
            out += f'<c r="{column}{number}"><v>{cell}</v></c>'
    return out + "</row>"

strings = ["令和6年度 施策一覧", "部", "施策", "企画財政部", "予算編成", "取組状況", "予算を編成しました。"]
put("xlsx_reader", "small.xlsx", xlsx(
    [("令和6年度", row(1, 1, 2, 5) + row(2, 3, 4, 6) + row(4, 3, 4, "3.5")), ("空", ""), ("施策", row(1, 0))], strings))
put("xlsx_reader", "many-rows.xlsx", xlsx(
    [("令和6年度", row(1, 1, 2, 5) + "".join(row(n, 3, 4, 6, f"{n}") for n in range(2, 5_000))), ("施策", row(1, 0))], strings))
PYTHON
