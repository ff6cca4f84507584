# SPDX-License-Identifier: Apache-2.0
"""Renders the sample comparison report in headless Chromium.

The gtest ReportSample.WritesSampleReport writes report.html into
$LORAG_EVAL_SAMPLE_DIR; this script then loads it in headless Chromium and checks:
- the DOM has every report section, no <script> element and no external resource;
- the browser logged no console message (the page has no scripts, so any console
  line is an error); a page with a deliberate console.error proves the check works;
- the screenshot is not blank, and each system's bar colour covers real area.

usage: report_render_test.py RAG_EVAL_TESTS_BINARY   (exit 77 = skipped: no chromium)
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

SECTIONS = ["summary", "charts", "significance", "method", "questions"]
# The report's palette for the first four systems (Okabe-Ito), as RGB.
BAR_COLOURS = {"base": (0x00, 0x72, 0xB2), "rag": (0xE6, 0x9F, 0x00),
               "finetuned": (0x00, 0x9E, 0x73), "hybrid": (0xCC, 0x79, 0xA7)}


def chromium_binary():
    for name in [os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"]:
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def run_chromium(chromium, profile, *args):
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"chromium failed ({p.returncode}): {p.stderr[-2000:]}"
    return p.stdout, p.stderr


def console_lines(stderr):
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def read_png(path):
    """RGB(A) 8-bit non-interlaced PNG -> uint8 array [H, W, C]."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, f"unsupported PNG {header}"
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) & 0xFF
        else:  # Sub, Average, Paeth depend on the pixel to the left: go byte by byte
            for x in range(stride):
                a = cur[x - channels] if x >= channels else 0
                b = prev[x]
                c = prev[x - channels] if x >= channels else 0
                if ftype == 1:
                    pred = a
                elif ftype == 3:
                    pred = (a + b) // 2
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + pred) & 0xFF
        out[y] = cur
        prev = cur
    return out.reshape(height, width, channels).astype(np.uint8)


class DomCheck(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.scripts, self.external, self.svgs = [], 0, [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        if tag == "script":
            self.scripts += 1
        if tag == "svg":
            self.svgs += 1
        for key in ("src", "href"):
            if key in attrs:
                self.external.append((tag, key, attrs[key]))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    chromium = chromium_binary()
    if not chromium:
        print("SKIP: chromium not installed (scripts/setup.sh installs it)", file=sys.stderr)
        return 77
    with tempfile.TemporaryDirectory(prefix="lorag_render_") as tmp:
        tmp = Path(tmp)
        report = tmp / "report"
        env = {**os.environ, "LORAG_EVAL_SAMPLE_DIR": str(report)}
        p = subprocess.run([sys.argv[1], "--gtest_filter=ReportSample.WritesSampleReport"], env=env,
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        html = report / "report.html"
        assert html.is_file(), f"{html} was not written"

        # Negative control: the console check must see a deliberate error.
        bad = tmp / "bad.html"
        bad.write_text('<!DOCTYPE html><p>x</p><script>console.error("deliberate")</script>')
        _, err = run_chromium(chromium, tmp / "profile0", "--dump-dom", bad.as_uri())
        assert any("deliberate" in line for line in console_lines(err)), "console check saw nothing:\n" + err

        dom, err = run_chromium(chromium, tmp / "profile1", "--dump-dom", html.as_uri())
        assert not console_lines(err), "console messages:\n" + "\n".join(console_lines(err))
        check = DomCheck()
        check.feed(dom)
        assert check.sections == SECTIONS, check.sections
        assert check.scripts == 0, "the report must not run scripts"
        assert not check.external, f"external resources: {check.external}"
        assert check.svgs >= 5, f"only {check.svgs} charts"
        assert "&lt;script&gt;alert(" in dom, "escaped answer text missing from the DOM"

        shot = tmp / "shot.png"
        _, err = run_chromium(chromium, tmp / "profile2", "--window-size=1280,1600",
                              f"--screenshot={shot}", html.as_uri())
        assert not console_lines(err), "console messages:\n" + "\n".join(console_lines(err))
        img = read_png(shot)[:, :, :3].astype(np.int32)
        assert img.shape[0] >= 1000 and img.shape[1] >= 1000, img.shape
        assert img.std() > 10, "screenshot is (nearly) uniform"
        colours = len(np.unique(img.reshape(-1, 3), axis=0))
        assert colours > 50, f"only {colours} distinct colours"
        for system, rgb in BAR_COLOURS.items():
            near = (np.abs(img - np.array(rgb)).sum(axis=2) <= 12).sum()
            assert near > 500, f"{system}'s bar colour {rgb} covers only {near} pixels"
    print("report renders: sections, no console messages, coloured bars", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
