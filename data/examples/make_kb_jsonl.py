#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Builds data/examples/kb.jsonl from the Markdown files under data/examples/kb/.

The .md files are the source; kb.jsonl is generated from them so the two never
drift. Each file kb/<area>/<slug>.md becomes one line:

  {"id": "<area>/<slug>", "title": "...", "content": "...",
   "tags": ["<area>", <topics>...], "source": "kb/<area>/<slug>.md"}

`title` is the text of the leading "# Title" line and `content` is the rest of
the file (Markdown, stripped of surrounding blank lines). Lines are sorted by
id and the file is written atomically (temp file + rename).

  python3 data/examples/make_kb_jsonl.py           # rewrite kb.jsonl
  python3 data/examples/make_kb_jsonl.py --check   # exit 1 if kb.jsonl is stale
"""
import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
AREAS = ("hr", "tech")
MIN_WORDS, MAX_WORDS = 150, 600

# Topic tags per document, after the area tag. Every document needs an entry.
TOPICS = {
    "hr/annual-leave": ["leave"],
    "hr/benefits": ["benefits", "pension"],
    "hr/code-of-conduct": ["conduct", "gifts"],
    "hr/expenses": ["expenses", "money"],
    "hr/grievance-procedure": ["grievance", "conduct"],
    "hr/leaving-the-agency": ["offboarding", "notice"],
    "hr/learning-and-development": ["learning", "training"],
    "hr/office-facilities": ["offices", "facilities"],
    "hr/onboarding": ["onboarding", "probation"],
    "hr/parental-leave": ["leave", "family"],
    "hr/pay-and-payroll": ["pay", "money"],
    "hr/performance-reviews": ["performance", "pay"],
    "hr/recruitment-and-referrals": ["recruitment"],
    "hr/remote-work": ["remote-work", "offices"],
    "hr/security-training": ["security", "training"],
    "hr/sick-leave": ["leave", "absence"],
    "hr/travel": ["travel", "expenses"],
    "hr/working-hours": ["working-hours", "overtime"],
    "tech/access-requests": ["access", "security"],
    "tech/api-rate-limits": ["api", "limits"],
    "tech/backup-policy": ["backup", "data"],
    "tech/change-management": ["change", "process"],
    "tech/code-review": ["code", "process"],
    "tech/data-retention": ["data", "retention"],
    "tech/database-failover-runbook": ["runbook", "database"],
    "tech/deployment-process": ["deployment", "process"],
    "tech/disaster-recovery": ["disaster-recovery", "data-centres"],
    "tech/harbour-platform": ["platform", "kubernetes"],
    "tech/incident-severity": ["incidents"],
    "tech/logging-standards": ["logging", "observability"],
    "tech/monitoring-alerting": ["monitoring", "observability"],
    "tech/on-call": ["on-call", "incidents"],
    "tech/passwords-and-mfa": ["security", "identity"],
    "tech/secrets-management": ["security", "secrets"],
    "tech/service-desk": ["support", "equipment"],
    "tech/vpn": ["network", "security"],
}


def fail(msg):
    print(f"make_kb_jsonl: {msg}", file=sys.stderr)
    sys.exit(1)


def read_doc(path):
    rel = path.relative_to(HERE).as_posix()
    area, slug = path.parent.name, path.stem
    doc_id = f"{area}/{slug}"
    text = path.read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    if not first.startswith("# ") or not first[2:].strip():
        fail(f"{rel}:1: expected a '# Title' line, found {first[:40]!r}")
    words = len(text.split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        fail(f"{rel}: {words} words, expected {MIN_WORDS}-{MAX_WORDS}")
    if doc_id not in TOPICS:
        fail(f"{rel}: no TOPICS entry for '{doc_id}' in make_kb_jsonl.py")
    return {
        "id": doc_id,
        "title": first[2:].strip(),
        "content": rest.strip() + "\n",
        "tags": [area] + TOPICS[doc_id],
        "source": rel,
    }


def build():
    docs = []
    for area in AREAS:
        for path in sorted((HERE / "kb" / area).glob("*.md")):
            docs.append(read_doc(path))
    stray = sorted(p.relative_to(HERE).as_posix() for p in (HERE / "kb").rglob("*.md")
                   if p.parent.name not in AREAS or p.parent.parent != HERE / "kb")
    if stray:
        fail(f"documents outside kb/{{{','.join(AREAS)}}}/: {', '.join(stray)}")
    unused = sorted(set(TOPICS) - {d["id"] for d in docs})
    if unused:
        fail(f"TOPICS names documents that do not exist: {', '.join(unused)}")
    docs.sort(key=lambda d: d["id"])
    return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), len(docs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that kb.jsonl is up to date")
    ap.add_argument("--out", type=Path, default=HERE / "kb.jsonl", help="output file (default: %(default)s)")
    args = ap.parse_args()
    text, count = build()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            fail(f"{args.out} is stale; run data/examples/make_kb_jsonl.py")
        print(f"{args.out}: up to date ({count} documents)", file=sys.stderr)
        return
    fd, tmp = tempfile.mkstemp(dir=args.out.parent, prefix=".kb.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.out)
    print(f"wrote {args.out} ({count} documents)", file=sys.stderr)


if __name__ == "__main__":
    main()
