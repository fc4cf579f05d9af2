"""A loopback fake of the Hugging Face Hub's HTTP API, for tests.

Serves ``/api/models/{id}[/revision/{rev}]``, ``/api/datasets/...``, ``/{id}/resolve/{rev}/{file}`` and
``/datasets/{id}/resolve/...`` from in-memory repos, with the headers huggingface_hub relies on
(X-Repo-Commit, ETag, X-Error-Code …). Faults (401/403 gated, 404, 429 + Retry-After, 5xx, stalls) are injected
per path. It only ever listens on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

GOOD_TOKEN = "hf_fake_granted_token"
MAX_STALL = 5.0


def _sha(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


@dataclass
class FakeRepo:
    repo_id: str
    files: dict[str, bytes]
    repo_type: str = "model"
    gated: str | bool = False
    private: bool = False
    disabled: bool = False
    lfs: set[str] = field(default_factory=set)
    branches: dict[str, str] = field(default_factory=dict)  # name -> commit sha
    extra_info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.branches.setdefault("main", _sha(self.repo_id, "main"))

    def resolve(self, revision: str | None) -> str | None:
        revision = revision or "main"
        if revision in self.branches:
            return self.branches[revision]
        return revision if revision in self.branches.values() else None

    def card_data(self) -> dict[str, Any] | None:
        text = self.files.get("README.md", b"").decode("utf-8", "replace")
        match = re.match(r"^\s*---\r?\n(.*?)\r?\n---", text, re.S)
        if not match:
            return None
        try:
            data = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            return None
        return json.loads(json.dumps(data, default=str)) if isinstance(data, dict) else None

    def info(self, sha: str) -> dict[str, Any]:
        siblings = []
        for path, content in sorted(self.files.items()):
            entry: dict[str, Any] = {"rfilename": path, "size": len(content), "blobId": _sha(path, sha)}
            if path in self.lfs:
                entry["lfs"] = {
                    "size": len(content),
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "pointerSize": 134,
                }
            siblings.append(entry)
        author = self.repo_id.split("/")[0] if "/" in self.repo_id else None
        info = {
            "_id": _sha(self.repo_id)[:24],
            "id": self.repo_id,
            "author": author,
            "sha": sha,
            "lastModified": "2024-05-01T12:00:00.000Z",
            "private": self.private,
            "gated": self.gated,
            "disabled": self.disabled,
            "tags": [],
            "downloads": 0,
            "likes": 0,
            "cardData": self.card_data(),
            "siblings": siblings,
        }
        if self.repo_type == "model":
            info["modelId"] = self.repo_id
        info.update(self.extra_info)
        return info


@dataclass
class Fault:
    """Answer requests whose path contains ``match`` with ``status`` (or stall), ``times`` times (None: always)."""

    match: str
    status: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    retry_after: str | None = None
    stall: float = 0.0
    times: int | None = None
    method: str | None = None


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], FakeRepo] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- set-up ---------------------------------------------------------------------------------------------
    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[(repo.repo_type, repo.repo_id)] = repo
        return repo

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.requests.clear()

    def count(self, method: str, contains: str) -> int:
        with self._lock:
            return sum(1 for m, p in self.requests if m == method and contains in p)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        hub = self

        class Handler(_Handler):
            fake = hub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- behaviour ------------------------------------------------------------------------------------------
    def take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            self.requests.append((method, path))
            for fault in self.faults:
                if fault.match in path and (fault.method is None or fault.method == method):
                    if fault.times is not None:
                        if fault.times <= 0:
                            continue
                        fault.times -= 1
                    return fault
        return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeHub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    # -----------------------------------------------------------------------------------------------------------
    def _serve(self, method: str) -> None:
        path = unquote(urlsplit(self.path).path)
        fault = self.fake.take_fault(method, path)
        if fault is not None:
            if fault.stall:
                time.sleep(min(fault.stall, MAX_STALL))
            if fault.status is not None:
                headers = {}
                if fault.error_code:
                    headers["X-Error-Code"] = fault.error_code
                if fault.error_message:
                    headers["X-Error-Message"] = fault.error_message
                if fault.retry_after is not None:
                    headers["Retry-After"] = fault.retry_after
                self._send(method, fault.status, {"error": fault.error_message or "injected"}, headers)
                return
        if path == "/api/agent-harnesses":
            self._send(method, 404, {"error": "not here"})
            return
        api = re.match(r"^/api/(models|datasets)/(.+?)(?:/revision/([^/]+))?/?$", path)
        if api:
            self._api(method, "model" if api.group(1) == "models" else "dataset", api.group(2), api.group(3))
            return
        resolve = re.match(r"^/(datasets/)?(.+?)/resolve/([^/]+)/(.+)$", path)
        if resolve:
            repo_type = "dataset" if resolve.group(1) else "model"
            self._file(method, repo_type, resolve.group(2), resolve.group(3), resolve.group(4))
            return
        self._send(method, 404, {"error": "no such route"})

    def _repo(self, method: str, repo_type: str, repo_id: str) -> FakeRepo | None:
        repo = self.fake.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not self._authorized()):
            self._send(
                method,
                401 if repo else 404,
                {"error": "Repository not found"},
                {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"},
            )
            return None
        if repo.disabled:
            self._send(
                method,
                403,
                {"error": "disabled"},
                {"X-Error-Message": "Access to this resource is disabled."},
            )
            return None
        return repo

    def _revision(self, method: str, repo_type: str, repo_id: str, revision: str | None) -> tuple[FakeRepo, str] | None:
        """The repo and the commit a revision names; answers the error itself (and returns None) otherwise."""
        repo = self._repo(method, repo_type, repo_id)
        if repo is None:
            return None
        sha = repo.resolve(revision)
        if sha is None:
            self._send(method, 404, {"error": "Revision not found"}, {"X-Error-Code": "RevisionNotFound"})
            return None
        return repo, sha

    def _api(self, method: str, repo_type: str, repo_id: str, revision: str | None) -> None:
        found = self._revision(method, repo_type, repo_id, revision)
        if found is not None:
            self._send(method, 200, found[0].info(found[1]))

    def _file(self, method: str, repo_type: str, repo_id: str, revision: str, filename: str) -> None:
        found = self._revision(method, repo_type, repo_id, revision)
        if found is None:
            return
        repo, sha = found
        if repo.gated and not filename.lower().startswith("readme") and not self._authorized():
            status = 403 if self.headers.get("Authorization") else 401
            self._send(
                method,
                status,
                {"error": "gated"},
                {"X-Error-Code": "GatedRepo", "X-Error-Message": "Access to this model is restricted"},
            )
            return
        content = repo.files.get(filename)
        if content is None:
            self._send(method, 404, {"error": "Entry not found"}, {"X-Error-Code": "EntryNotFound"})
            return
        etag = hashlib.sha256(content).hexdigest() if filename in repo.lfs else _sha(filename, sha)
        headers = {"X-Repo-Commit": sha, "ETag": f'"{etag}"', "Content-Type": "application/octet-stream"}
        wanted = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range", ""))
        if wanted and method == "GET":  # HTTP range requests (remote safetensors headers)
            start = int(wanted.group(1))
            end = min(int(wanted.group(2) or len(content) - 1), len(content) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
            self._send_bytes(method, 206, content[start : end + 1], headers)
            return
        self._send_bytes(method, 200, content, headers)

    def _authorized(self) -> bool:
        return self.headers.get("Authorization", "") == f"Bearer {GOOD_TOKEN}"

    def _send(self, method: str, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self._send_bytes(method, status, body, {"Content-Type": "application/json", **(headers or {})})

    def _send_bytes(self, method: str, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (time-out tests)


def repos_from_cards(cards_dir: Path) -> list[FakeRepo]:
    """One fake repo per real card folder (Hub id from SOURCE.txt), with a config.json beside the card."""
    repos = []
    for folder in sorted(p for p in cards_dir.iterdir() if p.is_dir()):
        source = (folder / "SOURCE.txt").read_text(encoding="utf-8", errors="replace")
        match = re.search(r"HF repo id:\s*([\w.\-]+/[\w.\-]+)", source)
        repo_id = match.group(1) if match else "local-cards/" + folder.name.replace("__", "_")[:90]
        card = (folder / "README.md").read_bytes()
        files = {"README.md": card, "config.json": b'{"model_type": "fake"}\n'}
        gated: str | bool = "manual" if b"extra_gated" in card[:20000] else False
        repos.append(FakeRepo(repo_id, files, gated=gated))
    return repos
