"""auditor's metadata cache beside the huggingface_hub cache: what an audit read of a repository at a commit.

One JSON record per (repository, commit sha): the Hub's model_info reply, the small files read (card, license
texts, configs) and the dataset cards' license fields, so that a re-run of a pinned revision needs no request and
an ``--offline`` run gives the same facts. Branch and tag names map to the commit they were last resolved to.
Writes are atomic (a temporary file renamed into place); an unreadable or malformed record is ignored.

Layout: ``{root}/models--{org}--{name}/{sha}.json`` and ``{root}/models--{org}--{name}/refs/{quoted ref}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from huggingface_hub import constants
from huggingface_hub.file_download import repo_folder_name

from auditor.facts import DatasetFacts

log = logging.getLogger(__name__)
FORMAT = 2  # 2: pickle scans of the repository's pickle-capable files


def default_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """``<parent of the hub cache>/auditor/meta``: $HF_HOME/auditor/meta with huggingface_hub's defaults."""
    hub_cache = Path(cache_dir) if cache_dir is not None else Path(constants.HF_HUB_CACHE)
    return hub_cache.expanduser().parent / "auditor" / "meta"


@dataclass
class Record:
    """Everything an audit read of one repository at one commit."""

    repo_id: str
    sha: str
    info: dict[str, Any]  # the Hub's model_info reply, as received
    files: dict[str, bytes] = field(default_factory=dict)  # card, license texts, configs
    datasets: dict[str, DatasetFacts] = field(default_factory=dict)
    scans: dict[str, dict[str, Any]] = field(default_factory=dict)  # pickle scans by path (WeightFile fields)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "repo_id": self.repo_id,
            "sha": self.sha,
            "info": self.info,
            "files": {path: base64.b64encode(data).decode("ascii") for path, data in self.files.items()},
            "datasets": {
                d.id: {
                    "found": d.found,
                    "license": list(d.license),
                    "license_name": d.license_name,
                    "gated": d.gated,
                    "note": d.note,
                }
                for d in self.datasets.values()
            },
            "scans": self.scans,
        }

    @classmethod
    def from_json(cls, data: Any) -> Record | None:
        """The record, or None when the JSON is not a record of this format."""
        try:
            if data["format"] != FORMAT or not isinstance(data["info"], dict):
                return None
            files = {str(path): base64.b64decode(text, validate=True) for path, text in data["files"].items()}
            datasets = {
                str(key): DatasetFacts(str(key), bool(d["found"]), tuple(str(x) for x in d["license"]),
                                       d["license_name"], d["gated"], d["note"])
                for key, d in data["datasets"].items()
            }  # fmt: skip
            scans = {str(path): dict(scan) for path, scan in data["scans"].items()}
            return cls(str(data["repo_id"]), str(data["sha"]), data["info"], files, datasets, scans)
        except (KeyError, TypeError, AttributeError, ValueError, binascii.Error):
            return None


class MetaCache:
    """Records and refs on disk; failures to read or write are logged, never raised (it is only a cache)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, repo_id: str) -> Path:
        return self.root / repo_folder_name(repo_id=repo_id.lower(), repo_type="model")

    def load(self, repo_id: str, sha: str) -> Record | None:
        path = self._folder(repo_id) / f"{sha}.json"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return None
        try:
            record = Record.from_json(json.loads(text))
        except ValueError:
            record = None
        if record is None or record.sha != sha:
            log.warning("ignoring a malformed auditor cache record: %s", path)
            return None
        return record

    def store(self, record: Record) -> None:
        self._write(self._folder(record.repo_id) / f"{record.sha}.json", json.dumps(record.to_json()))

    def knows(self, repo_id: str) -> bool:
        """Whether any commit of the repository is cached."""
        folder = self._folder(repo_id)
        return folder.is_dir() and any(folder.glob("*.json"))

    def ref(self, repo_id: str, ref: str) -> str | None:
        try:
            sha = (self._folder(repo_id) / "refs" / quote(ref, safe="")).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return sha or None

    def set_ref(self, repo_id: str, ref: str, sha: str) -> None:
        self._write(self._folder(repo_id) / "refs" / quote(ref, safe=""), sha)

    def _write(self, path: Path, text: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(text)
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            log.warning("cannot write the auditor cache at %s: %s", path, error.strerror or error)
