"""The landing zone before Spark: list a batch's files, validate each one, quarantine the bad ones.

A file that cannot be parsed at all (empty, not UTF-8, a header without a required column, not a
readable Parquet file) is moved whole to ``quarantine/files/<source>/<batch>/`` with a
``reason.json``; the other files of the batch still load. The result is a :class:`BatchPlan` that
the Spark job loads, so every landed file is accounted for in the manifest.

Pure Python on purpose (no pyspark): this runs in an Airflow task. Storage goes through
:class:`LandingStore`: a local folder here, S3 through the amazon provider's hook
(``plugins/lakehouse/s3_store.py``).
"""

from __future__ import annotations

import builtins
import codecs
import datetime as dt
import fnmatch
import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Protocol

from spark_apps.config import SourceContract
from spark_apps.layout import plan_layout, split_header

CHUNK = 1 << 20
REASON_FILE = "reason.json"


@dataclass(frozen=True)
class LandedFile:
    uri: str
    size: int
    symlink: bool = False


class LandingStore(Protocol):
    """What validation needs from storage; URIs are absolute paths or s3://bucket/key."""

    def list(self, prefix: str, pattern: str) -> list[LandedFile]: ...
    def list_folders(self, prefix: str) -> builtins.list[str]: ...
    def chunks(self, uri: str) -> Iterator[bytes]: ...
    def move(self, uri: str, dest_uri: str) -> None: ...
    def read_text(self, uri: str) -> str | None: ...
    def write_text(self, uri: str, text: str) -> None: ...


class LocalStore:
    """A landing zone in a local folder."""

    def list(self, prefix: str, pattern: str) -> list[LandedFile]:
        folder = Path(prefix)
        if not folder.is_dir():
            return []
        return [
            LandedFile(str(p), p.lstat().st_size, p.is_symlink())
            for p in sorted(folder.iterdir())
            if (p.is_file() or p.is_symlink()) and fnmatch.fnmatch(p.name, pattern)
        ]

    def list_folders(self, prefix: str) -> builtins.list[str]:
        folder = Path(prefix)
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def chunks(self, uri: str) -> Iterator[bytes]:
        with open(uri, "rb") as handle:
            while block := handle.read(CHUNK):
                yield block

    def move(self, uri: str, dest_uri: str) -> None:
        Path(dest_uri).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(uri, dest_uri)

    def read_text(self, uri: str) -> str | None:
        path = Path(uri)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def write_text(self, uri: str, text: str) -> None:
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        Path(uri).write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class PlannedFile:
    uri: str
    size: int
    sha256: str
    batch_date: str
    reason: str | None = None  # set when the file is rejected
    quarantined_to: str | None = None

    @property
    def accepted(self) -> bool:
        return self.reason is None


@dataclass
class BatchPlan:
    """Every file of a load, accepted or rejected, handed from validation to the Spark job."""

    source: str
    mode: str  # incremental | full_refresh
    batch_dates: list[str]
    files: list[PlannedFile] = field(default_factory=list)

    def accepted(self) -> list[PlannedFile]:
        return [f for f in self.files if f.accepted]

    def rejected(self) -> list[PlannedFile]:
        return [f for f in self.files if not f.accepted]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> BatchPlan:
        data = json.loads(text)
        return cls(data["source"], data["mode"], data["batch_dates"], [PlannedFile(**f) for f in data["files"]])


def inspect_file(chunks: Iterator[bytes], contract: SourceContract) -> tuple[str, int, str | None]:
    """One streaming pass: (sha256, size, reason or None). Checks what must hold before rows are parsed."""
    digest, size = hashlib.sha256(), 0
    decoder = codecs.getincrementaldecoder("utf-8")() if contract.format in ("csv", "json") else None
    head, tail = bytearray(), b""
    reason = None
    for block in chunks:
        digest.update(block)
        tail = (tail + block)[-4:]
        if len(head) < 65536:
            head.extend(block[: 65536 - len(head)])
        if decoder and reason is None:
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                reason = f"not valid UTF-8: byte 0x{block[exc.start]:02x} at offset {size + exc.start}"
        size += len(block)
    if decoder and reason is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            reason = f"not valid UTF-8: truncated character at end of file (offset {size})"
    if size == 0:
        return digest.hexdigest(), 0, "empty file"
    if reason is None:
        reason = _content_problem(bytes(head), contract)
    if reason is None and contract.format == "parquet" and tail != b"PAR1":
        reason = "not a Parquet file (truncated: no PAR1 footer)"
    return digest.hexdigest(), size, reason


def admission_problem(landed: LandedFile, contract: SourceContract) -> str | None:
    """Why a file in the batch folder cannot be loaded whatever its content, or None. Every file of the
    folder is planned, so none is skipped silently: Spark itself ignores names starting with '_' or '.'."""
    name = landed.uri.rstrip("/").rsplit("/", 1)[-1]
    if name.startswith(("_", ".")):
        return "hidden file: a name starting with '_' or '.' is never read by Spark"
    if landed.symlink:
        return "symbolic link: landing loads regular files only"
    if not fnmatch.fnmatch(name, contract.glob):
        return f"wrong format for this source: it loads {contract.format} files named {contract.glob}"
    return None


def _content_problem(head: bytes, contract: SourceContract) -> str | None:
    if contract.format == "csv":
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
        header = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
        if not header.strip():
            return "no header line"
        layout = plan_layout(contract, split_header(header, contract.reader.delimiter, contract.reader.quote))
        return "; ".join(e.removeprefix("file: ") for e in layout.file_errors) or None
    if contract.format == "json":
        first = next((line for line in head.decode("utf-8", errors="replace").splitlines() if line.strip()), "")
        if not first.lstrip().startswith("{"):
            return "not JSON lines: the first line is not a JSON object"
        return None
    if contract.format == "parquet" and not head.startswith(b"PAR1"):
        return "not a Parquet file (missing PAR1 magic bytes)"
    return None


def landing_prefix(lake_root: str, source: str, batch_date: str) -> str:
    return f"{lake_root.rstrip('/')}/landing/{source}/{batch_date}"


def quarantine_prefix(lake_root: str, source: str, batch_date: str) -> str:
    return f"{lake_root.rstrip('/')}/quarantine/files/{source}/{batch_date}"


def quarantine_file(store: LandingStore, lake_root: str, contract: SourceContract, f: PlannedFile) -> PlannedFile:
    """Move a rejected file out of landing and record why, next to it, in the batch's reason.json."""
    folder = quarantine_prefix(lake_root, contract.name, f.batch_date)
    name = f.uri.rstrip("/").rsplit("/", 1)[-1]
    dest = f"{folder}/{name}"
    store.move(f.uri, dest)
    reasons_uri = f"{folder}/{REASON_FILE}"
    existing = json.loads(store.read_text(reasons_uri) or '{"files": []}')
    entries = [e for e in existing["files"] if e["file"] != name]
    entries.append(
        {
            "file": name,
            "original_uri": f.uri,
            "reason": f.reason,
            "size": f.size,
            "sha256": f.sha256,
            "rejected_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
    )
    store.write_text(
        reasons_uri,
        json.dumps({"source": contract.name, "batch_date": f.batch_date, "files": entries}, indent=2),
    )
    return replace(f, quarantined_to=dest)


def plan_batch(
    store: LandingStore,
    lake_root: str,
    contract: SourceContract,
    batch_dates: list[str],
    mode: str = "incremental",
) -> BatchPlan:
    """Validate every file of the batch(es); quarantine rejected files; return the plan for Spark.

    Files already in quarantine from an earlier attempt of the same batch stay listed (as rejected),
    so a re-run reports the same outcome instead of forgetting them.
    """
    plan = BatchPlan(contract.name, mode, sorted(batch_dates))
    for batch_date in plan.batch_dates:
        for landed in store.list(landing_prefix(lake_root, contract.name, batch_date), "*"):
            reason = admission_problem(landed, contract)
            if reason:  # not read: a link may point anywhere, and Spark would skip a hidden file
                sha, size = "", landed.size
            else:
                sha, size, reason = inspect_file(store.chunks(landed.uri), contract)
            planned = PlannedFile(landed.uri, size, sha, batch_date, reason)
            if reason:
                planned = quarantine_file(store, lake_root, contract, planned)
            plan.files.append(planned)
        plan.files.extend(_previously_rejected(store, lake_root, contract, batch_date, plan))
    return plan


def _previously_rejected(
    store: LandingStore, lake_root: str, contract: SourceContract, batch_date: str, plan: BatchPlan
) -> list[PlannedFile]:
    folder = quarantine_prefix(lake_root, contract.name, batch_date)
    text = store.read_text(f"{folder}/{REASON_FILE}")
    if not text:
        return []
    known = {f.uri for f in plan.files}
    return [
        PlannedFile(e["original_uri"], e["size"], e["sha256"], batch_date, e["reason"], f"{folder}/{e['file']}")
        for e in json.loads(text)["files"]
        if e["original_uri"] not in known
    ]


def landing_batch_dates(store: LandingStore, lake_root: str, source: str) -> list[str]:
    """Every batch folder of a source (for full refresh): landing/<source>/<YYYY-MM-DD>/."""
    dates = []
    for folder in store.list_folders(f"{lake_root.rstrip('/')}/landing/{source}"):
        try:
            dt.date.fromisoformat(folder)
        except ValueError:
            continue
        dates.append(folder)
    return sorted(dates)
