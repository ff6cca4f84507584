#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the example data sets in data/examples/ against each other.

  python3 data/examples/check_examples.py

Checks that every JSONL file parses and has the expected fields, that kb.jsonl
is up to date with kb/*.md, that every referenced doc id exists, the counts,
that no held-out question appears (verbatim or nearly so) in the SFT data, that
"sft" questions are taught by at least two SFT pairs and "kb_only" questions by
none, that every reference answer can be found in its gold documents, and that
the quick files are subsets of the full ones. Prints a summary on stderr and
exits 1 on the first group of failures. Needs only the Python standard library.
"""
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_kb_jsonl  # noqa: E402

KINDS = ("sft", "kb_only", "unanswerable")
REFUSAL = "There is not enough information in the QDSA documents to answer that."
errors = []


def err(msg):
    errors.append(msg)


def read_jsonl(name, fields):
    rows = []
    path = HERE / name
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            err(f"{name}:{n}: blank line")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"{name}:{n}: invalid json: {e}")
            continue
        for field, types in fields.items():
            if field not in row:
                err(f"{name}:{n}: missing field '{field}'")
            elif not isinstance(row[field], types):
                err(f"{name}:{n}: field '{field}' is {type(row[field]).__name__}")
        row["_line"] = n
        rows.append(row)
    ids = [r.get("id") for r in rows]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        err(f"{name}: duplicate id '{dup}'")
    return rows


def norm(text):
    return " ".join(re.findall(r"[a-z0-9]+(?:[.,:-][a-z0-9]+)*", text.lower()))


def words(text):
    return set(norm(text).split())


def found_in(answer, text):
    """The answer occurs in text, or (for table cells and reworded phrases) every word does."""
    return norm(answer) in norm(text) or words(answer) <= words(text)


def count_in(name, value, lo, hi):
    if not lo <= value <= hi:
        err(f"{name}: {value}, expected {lo}-{hi}")


def main():
    kb = read_jsonl("kb.jsonl", {"id": str, "title": str, "content": str, "tags": list, "source": str})
    docs = {d["id"]: d for d in kb}
    sft = read_jsonl("sft.jsonl", {"id": str, "instruction": str, "input": str, "output": str,
                                   "doc_id": (str, type(None))})
    qs = read_jsonl("questions.jsonl", {"id": str, "question": str, "answer": (str, type(None)),
                                        "doc_ids": list, "kind": str})
    sft_quick = read_jsonl("sft_quick.jsonl", {"id": str, "instruction": str, "output": str})
    qs_quick = read_jsonl("questions_quick.jsonl", {"id": str, "question": str, "doc_ids": list})
    if errors:
        return
    kb_text, kb_count = make_kb_jsonl.build()
    if (HERE / "kb.jsonl").read_text(encoding="utf-8") != kb_text:
        err("kb.jsonl is stale; run data/examples/make_kb_jsonl.py")

    count_in("kb documents", kb_count, 30, 40)
    for tag in ("hr", "tech"):
        count_in(f"kb documents tagged {tag}", sum(tag in d["tags"] for d in kb), 15, 20)
    count_in("sft pairs", len(sft), 150, 250)
    count_in("sft_quick pairs", len(sft_quick), 30, 50)
    count_in("questions_quick", len(qs_quick), 10, 10)
    by_kind = {k: [q for q in qs if q["kind"] == k] for k in KINDS}
    count_in("answerable questions", len(by_kind["sft"]) + len(by_kind["kb_only"]), 35, 45)
    count_in("questions of kind sft", len(by_kind["sft"]), 20, 30)
    count_in("questions of kind kb_only", len(by_kind["kb_only"]), 10, 20)
    count_in("questions of kind unanswerable", len(by_kind["unanswerable"]), 6, 10)
    for q in qs:
        if q["kind"] not in KINDS:
            err(f"questions.jsonl:{q['_line']}: kind '{q['kind']}', expected one of {', '.join(KINDS)}")

    # SFT pairs: known docs, short answers, refusals only without a document.
    for r in sft:
        where = f"sft.jsonl:{r['_line']}"
        if r["doc_id"] is None:
            if r["output"] != REFUSAL:
                err(f"{where}: doc_id null but output is not the refusal sentence")
        elif r["doc_id"] not in docs:
            err(f"{where}: unknown doc_id '{r['doc_id']}'")
        if len(r["output"].split()) > 40:
            err(f"{where}: output has {len(r['output'].split())} words, expected at most 40")

    # Questions: gold documents exist and contain the answer; held out from SFT.
    sft_prompts = [(r, norm(r["instruction"] + " " + r["input"])) for r in sft]
    sft_all = norm(" ".join(r["instruction"] + " " + r["input"] + " " + r["output"] for r in sft))
    for q in qs:
        where = f"questions.jsonl:{q['_line']} ({q['id']})"
        if q["kind"] == "unanswerable":
            if q["answer"] is not None or q["doc_ids"]:
                err(f"{where}: unanswerable questions need answer null and doc_ids []")
            continue
        if not q["answer"] or not q["doc_ids"]:
            err(f"{where}: answerable questions need an answer and doc_ids")
            continue
        missing = [d for d in q["doc_ids"] if d not in docs]
        if missing:
            err(f"{where}: unknown doc_ids {missing}")
            continue
        if not any(found_in(q["answer"], docs[d]["content"]) for d in q["doc_ids"]):
            err(f"{where}: answer '{q['answer']}' not found in {q['doc_ids']}")
        teaching = [r for r in sft if r["doc_id"] in q["doc_ids"] and found_in(q["answer"], r["output"])]
        if q["kind"] == "sft" and len(teaching) < 2:
            err(f"{where}: kind sft but only {len(teaching)} sft pairs state '{q['answer']}'")
        if q["kind"] == "kb_only" and teaching:
            err(f"{where}: kind kb_only but {teaching[0]['id']} states '{q['answer']}'")
    for q in qs:
        text = norm(q["question"])
        if text in sft_all:
            err(f"questions.jsonl ({q['id']}): question appears verbatim in sft.jsonl")
        for r, prompt in sft_prompts:
            a, b = set(text.split()), set(prompt.split())
            if len(a & b) / len(a | b) >= 0.75:
                err(f"questions.jsonl ({q['id']}): nearly the same as sft {r['id']}: '{r['instruction']}'")

    # Quick files are subsets, and the quick SFT set teaches the quick sft questions.
    full_q = {q["id"]: q for q in qs}
    full_s = {r["id"]: r for r in sft}
    for name, rows, full in (("questions_quick.jsonl", qs_quick, full_q), ("sft_quick.jsonl", sft_quick, full_s)):
        for r in rows:
            other = full.get(r["id"])
            if other is None or {k: v for k, v in other.items() if k != "_line"} != \
                    {k: v for k, v in r.items() if k != "_line"}:
                err(f"{name}:{r['_line']}: '{r['id']}' differs from the full file")
    quick_kinds = {k: sum(q.get("kind") == k for q in qs_quick) for k in KINDS}
    for k, n in quick_kinds.items():
        if n < 2:
            err(f"questions_quick.jsonl: {n} questions of kind {k}, expected at least 2")
    for q in qs_quick:
        if q.get("kind") == "sft":
            n = sum(r["doc_id"] in q["doc_ids"] and found_in(q["answer"], r["output"]) for r in sft_quick)
            if n < 2:
                err(f"questions_quick.jsonl ({q['id']}): only {n} sft_quick pairs state '{q['answer']}'")

    print(f"kb: {kb_count} documents; sft: {len(sft)} pairs ({sum(r['doc_id'] is None for r in sft)} refusals); "
          f"sft_quick: {len(sft_quick)}; questions: {len(qs)} "
          f"({', '.join(f'{len(v)} {k}' for k, v in by_kind.items())}); questions_quick: {len(qs_quick)} "
          f"({', '.join(f'{n} {k}' for k, n in quick_kinds.items())})", file=sys.stderr)


if __name__ == "__main__":
    main()
    if errors:
        for e in errors:
            print(f"check_examples: {e}", file=sys.stderr)
        sys.exit(1)
    print("check_examples: ok", file=sys.stderr)
