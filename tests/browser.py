"""Headless Chromium (Debian's package) for tests that must see a page as a browser renders it: the DOM
after parsing, and a screenshot decoded to pixels (a tiny PNG reader, so no imaging library is needed).
``DevTools`` drives it over the DevTools protocol for pages behind a login (a session cookie)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess
import tempfile
import time
import urllib.request
import zlib
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    """The Chromium binary; skips the test without one (fails under CI=true, where `make test` installs it)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "no chromium on PATH (Debian: apt-get install chromium; `make test` does it as root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def _run(args: list[str]) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


def dump_dom(url: str) -> str:
    return _run(["--dump-dom", url]).stdout


def screenshot(url: str, out: Path, size: tuple[int, int] = (1100, 900)) -> list[list[tuple[int, int, int]]]:
    """Render ``url`` and return its pixels as rows of (r, g, b)."""
    _run([f"--screenshot={out}", f"--window-size={size[0]},{size[1]}", url])
    return read_png(out.read_bytes())


def read_png(data: bytes) -> list[list[tuple[int, int, int]]]:
    """Decode an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + pred) & 0xFF
        rows.append([tuple(line[x * channels : x * channels + 3]) for x in range(width)])
        prev = line
    return rows


def count_colour(pixels: list[list[tuple[int, int, int]]], hex_colour: str, tolerance: int = 12) -> int:
    target = tuple(int(hex_colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return sum(
        1 for row in pixels for px in row if all(abs(a - b) <= tolerance for a, b in zip(px, target, strict=True))
    )


class DevTools:
    """A headless Chromium driven over the DevTools protocol, for pages that need a session cookie
    (a plain ``--dump-dom`` run cannot send one). One tab; commands are answered in order."""

    def __init__(self, cookies: dict[str, str] | None = None, cookie_url: str = "", size=(1200, 900)) -> None:
        self._profile = tempfile.TemporaryDirectory(ignore_cleanup_errors=True)
        self._proc = subprocess.Popen(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-port=0",
                f"--window-size={size[0]},{size[1]}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.time() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if time.time() > deadline:
                self.close()
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t["type"] == "page")
        from websockets.sync.client import connect

        self._ws = connect(page["webSocketDebuggerUrl"], max_size=None)
        self._next_id, self._events = 0, []
        self.send("Page.enable")
        self.send("Network.enable")
        for name, value in (cookies or {}).items():
            assert self.send("Network.setCookie", name=name, value=value, url=cookie_url)["success"]

    def send(self, method: str, **params) -> dict:
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=60))
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._events.append(message)  # an event that arrived first: open() reads it

    def open(self, url: str) -> int:
        """Navigate and wait for the load event; returns the HTTP status of the document."""
        self._events.clear()
        self.send("Page.navigate", url=url)
        status, deadline = 0, time.time() + 60
        while time.time() < deadline:
            message = self._events.pop(0) if self._events else json.loads(self._ws.recv(timeout=60))
            if message.get("method") == "Network.responseReceived" and message["params"]["type"] == "Document":
                status = message["params"]["response"]["status"]
            if message.get("method") == "Page.loadEventFired":
                return status
        raise TimeoutError(url)

    def dom(self) -> str:
        return self.send("Runtime.evaluate", expression="document.documentElement.outerHTML", returnByValue=True)[
            "result"
        ]["value"]

    def screenshot(self) -> list[list[tuple[int, int, int]]]:
        return read_png(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        if getattr(self, "_ws", None) is not None:
            self._ws.close()
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
        self._profile.cleanup()

    def __enter__(self) -> DevTools:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
