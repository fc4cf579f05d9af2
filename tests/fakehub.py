"""A loopback fake of the Hugging Face Hub's HTTP API, for tests: honest about shapes, faults on demand.

What it serves, as the Hub does (field names and shapes from the Hub API and huggingface_hub 2.4's parsers):

- ``GET /api/models/{id}[/revision/{rev}]`` and ``/api/datasets/...``: the default fields, or with ``expand[]=``
  (or ``expand=``) only ``_id``, ``id`` and the fields asked for (an unknown field is a 400); ``siblings`` carry
  ``size``/``blobId``/``lfs`` only with ``blobs=true``; ``cardData`` is the card's front matter; ``baseModels`` is
  ``{"relation": …, "models": [{"id": …}]}`` (expand only); ``safetensors`` is ``{"parameters": {dtype: n},
  "total": n}`` counted from the repository's safetensors headers; ``gated`` is false, "auto" or "manual".
- ``GET /api/models?author=&search=&filter=&limit=&expand[]=``: a JSON list, paginated with a ``Link: <…>;
  rel="next"`` header (``page_size`` items a page, at most ``limit`` in all).
- ``/{id}/resolve/{rev}/{file}`` (and ``/datasets/...``): small files directly, with X-Repo-Commit and ETag; LFS
  files as a 302 to a CDN-like URL on a second loopback port (another origin, as a real CDN is, so clients drop
  the Authorization header and huggingface_hub reads X-Linked-Etag/X-Linked-Size from the 302). HTTP ranges work
  on both.

Faults are injected per path (see Fault): 401/403 gated, 404, 429 + Retry-After, 5xx, stalls before answering,
a body that is not JSON, a JSON list/null or wrong types, redirects (loops), and a body that trickles or stops
after its headers. Every request (method, path and query) is logged. It only ever listens on 127.0.0.1.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import yaml

GOOD_TOKEN = "hf_fake_granted_token"
MAX_STALL = 5.0
MODEL_FIELDS = {
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled", "downloads",
    "downloadsAllTime", "gated", "gguf", "inference", "lastModified", "library_name", "likes", "mask_token",
    "model-index", "pipeline_tag", "private", "safetensors", "sha", "siblings", "spaces", "tags",
    "transformersInfo", "trendingScore", "usedStorage", "widgetData",
}  # fmt: skip
DATASET_FIELDS = {
    "author", "cardData", "citation", "createdAt", "description", "disabled", "downloads", "downloadsAllTime",
    "gated", "lastModified", "likes", "paperswithcode_id", "private", "siblings", "sha", "tags", "trendingScore",
    "usedStorage",
}  # fmt: skip
_NOT_DEFAULT = {"baseModels", "childrenModelCount", "gguf", "downloadsAllTime", "trendingScore"}  # expand only
_LIST_DEFAULT = ("likes", "downloads", "private", "tags", "pipeline_tag", "library_name", "createdAt")


def _sha(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()


def safetensors_counts(content: bytes) -> dict[str, int] | None:
    """Parameters by dtype from a safetensors header (None when it is not one)."""
    if len(content) < 8:
        return None
    (size,) = struct.unpack("<Q", content[:8])
    try:
        header = json.loads(content[8 : 8 + size])
    except ValueError:
        return None
    if not isinstance(header, dict):
        return None
    counts: dict[str, int] = {}
    for name, tensor in header.items():
        if name != "__metadata__" and isinstance(tensor, dict):
            dtype, shape = tensor.get("dtype"), tensor.get("shape")
            if not isinstance(dtype, str) or not isinstance(shape, list):
                return None
            counts[dtype] = counts.get(dtype, 0) + math.prod(shape)
    return counts


@functools.lru_cache(maxsize=1024)
def _front_matter(card: bytes) -> str | None:
    """The card's YAML front matter as JSON text (parsed once per card content)."""
    match = re.match(r"^\s*---\r?\n(.*?)\r?\n---", card.decode("utf-8", "replace"), re.S)
    if not match:
        return None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    return json.dumps(data, default=str) if isinstance(data, dict) else None


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
        parsed = _front_matter(self.files.get("README.md", b""))
        return json.loads(parsed) if parsed is not None else None

    def base_models(self) -> dict[str, Any] | None:
        """The Hub's model tree: the card's base_model, with base_model_relation or the relation it infers."""
        card = self.card_data() or {}
        named = card.get("base_model")
        models = [named] if isinstance(named, str) else [m for m in named or [] if isinstance(m, str)]
        if not models:
            return None
        relation = card.get("base_model_relation")
        if not isinstance(relation, str):
            relation = (
                "adapter" if "adapter_config.json" in self.files
                else "quantized" if any(p.endswith(".gguf") for p in self.files)
                else "merge" if len(models) > 1
                else "finetune"
            )  # fmt: skip
        return {"relation": relation, "models": [{"id": m} for m in models]}

    def tags(self) -> list[str]:
        card = self.card_data() or {}
        tags = [t for t in card.get("tags") or [] if isinstance(t, str)] if isinstance(card.get("tags"), list) else []
        for key, prefix in (("license", "license:"), ("datasets", "dataset:"), ("base_model", "base_model:")):
            value = card.get(key)
            tags += [prefix + v for v in ([value] if isinstance(value, str) else value or []) if isinstance(v, str)]
        return tags

    def safetensors(self) -> dict[str, Any] | None:
        counts: dict[str, int] = {}
        found = False
        for path, content in self.files.items():
            if path.endswith(".safetensors") and (parsed := safetensors_counts(content)) is not None:
                found = True
                for dtype, n in parsed.items():
                    counts[dtype] = counts.get(dtype, 0) + n
        return {"parameters": counts, "total": sum(counts.values())} if found else None

    def siblings(self, sha: str, blobs: bool) -> list[dict[str, Any]]:
        siblings = []
        for path, content in sorted(self.files.items()):
            entry: dict[str, Any] = {"rfilename": path}
            if blobs:
                entry.update(size=len(content), blobId=_sha(path, sha))
                if path in self.lfs:
                    entry["lfs"] = {"size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
                                    "pointerSize": 134}  # fmt: skip
            siblings.append(entry)
        return siblings

    def info(self, sha: str, expand: list[str] | None = None, blobs: bool = False) -> dict[str, Any]:
        """The /api/models (or /api/datasets) reply: default fields, or only ``_id``, ``id`` and ``expand``."""
        card = self.card_data()
        full: dict[str, Any] = {
            "author": self.repo_id.split("/")[0] if "/" in self.repo_id else None,
            "sha": sha,
            "lastModified": "2024-05-01T12:00:00.000Z",
            "createdAt": "2024-01-01T12:00:00.000Z",
            "private": self.private,
            "gated": self.gated,
            "disabled": self.disabled,
            "tags": self.tags(),
            "downloads": 0,
            "likes": 0,
            "cardData": card,
            "siblings": self.siblings(sha, blobs),
            "usedStorage": sum(len(c) for c in self.files.values()),
        }
        if self.repo_type == "model":
            full.update(spaces=[], baseModels=self.base_models(), safetensors=self.safetensors())
            for key in ("library_name", "pipeline_tag"):
                if isinstance((card or {}).get(key), str):
                    full[key] = (card or {})[key]
        full.update(self.extra_info)
        head = {"_id": _sha(self.repo_id)[:24], "id": self.repo_id}
        if expand:
            return {**head, **{k: full[k] for k in expand if full.get(k) is not None}}
        default = {k: v for k, v in full.items() if k not in _NOT_DEFAULT and v is not None}
        return {**head, **({"modelId": self.repo_id} if self.repo_type == "model" else {}), **default}


@dataclass
class Fault:
    """Alter the answer to requests whose path contains ``match``, ``times`` times (None: always).

    ``status`` answers with that error (with ``error_code``/``error_message``/``retry_after`` headers); ``stall``
    waits before answering; ``body`` replaces the reply body (raw bytes, e.g. b"<html>", b"[]", b"null"), with
    ``status`` if given;
    ``patch`` merges keys into the JSON reply (wrong types); ``redirect`` answers 302 to that path (a loop when it
    leads back); ``trickle`` sends the body one byte every ``trickle`` seconds after the headers; ``truncate``
    sends only that many bytes of the body, then holds the connection ``stall_body`` seconds and hangs up.
    Waits are capped at the hub's ``max_stall`` (MAX_STALL unless a benchmark raises it).
    """

    match: str
    status: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    retry_after: str | None = None
    stall: float = 0.0
    times: int | None = None
    method: str | None = None
    body: bytes | None = None
    patch: dict[str, Any] | None = None
    redirect: str | None = None
    trickle: float = 0.0
    truncate: int | None = None
    stall_body: float = 0.0


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str]


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], FakeRepo] = {}
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []  # (method, path[?query])
        self.sent: list[tuple[str, int]] = []  # (path, body bytes sent): what a client actually downloaded
        self.page_size = 1000
        self.max_stall = MAX_STALL
        self._lock = threading.Lock()
        self._server: _QuietServer | None = None
        self._cdn: _QuietServer | None = None

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
            self.sent.clear()
            self.page_size = 1000

    def count(self, method: str, contains: str) -> int:
        with self._lock:
            return sum(1 for m, p in self.requests if m == method and contains in p)

    def bytes_sent(self, contains: str) -> int:
        """Body bytes served for paths containing ``contains`` (ranges count what they carried)."""
        with self._lock:
            return sum(size for path, size in self.sent if contains in path)

    def log(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.requests)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def cdn_url(self) -> str:
        assert self._cdn is not None
        host, port = self._cdn.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        hub = self

        class Handler(_Handler):
            fake = hub

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._cdn = _QuietServer(("127.0.0.1", 0), Handler)
        for server in (self._server, self._cdn):
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        for server in (self._server, self._cdn):
            if server is not None:
                server.shutdown()
                server.server_close()

    # --- behaviour ------------------------------------------------------------------------------------------
    def take_fault(self, method: str, path: str, logged: str) -> Fault | None:
        with self._lock:
            self.requests.append((method, logged))
            for fault in self.faults:
                if fault.match in path and (fault.method is None or fault.method == method):
                    if fault.times is not None:
                        if fault.times <= 0:
                            continue
                        fault.times -= 1
                    return fault
        return None

    def blob(self, sha256: str) -> bytes | None:
        for repo in list(self.repos.values()):
            for path in repo.lfs:
                content = repo.files.get(path)
                if content is not None and hashlib.sha256(content).hexdigest() == sha256:
                    return content
        return None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-request (time-out tests) is expected


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})


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
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        fault = self.fake.take_fault(method, path, path + (f"?{parts.query}" if parts.query else ""))
        if fault is not None and fault.stall:
            time.sleep(min(fault.stall, self.fake.max_stall))
        if fault is not None and fault.status is not None and fault.body is None:
            headers = {}
            if fault.error_code:
                headers["X-Error-Code"] = fault.error_code
            if fault.error_message:
                headers["X-Error-Message"] = fault.error_message
            if fault.retry_after is not None:
                headers["Retry-After"] = fault.retry_after
            self._write(method, _json(fault.status, {"error": fault.error_message or "injected"}, headers))
            return
        if fault is not None and fault.redirect is not None:
            self._write(method, _Reply(302, b"Found.", {"Location": fault.redirect}))
            return
        reply = self._route(method, parts.path, path, query)
        if fault is not None and fault.patch is not None:
            reply = _json(reply.status, {**json.loads(reply.body), **fault.patch}, _keep(reply.headers))
        if fault is not None and fault.body is not None:
            reply = _Reply(fault.status or reply.status, fault.body, _keep(reply.headers))
        self._write(method, reply, fault)

    def _route(self, method: str, raw_path: str, path: str, query: dict[str, list[str]]) -> _Reply:
        if path.startswith("/cdn/"):
            return self._cdn(path.removeprefix("/cdn/"))
        if path == "/api/models":
            return self._listing(query)
        api = re.match(r"^/api/(models|datasets)/(.+?)(?:/revision/([^/]+))?/?$", raw_path)
        if api:
            repo_type = "model" if api.group(1) == "models" else "dataset"
            return self._api(repo_type, unquote(api.group(2)), unquote(api.group(3)) if api.group(3) else None, query)
        resolve = re.match(r"^/(datasets/)?(.+?)/resolve/([^/]+)/(.+)$", raw_path)
        if resolve:
            repo_type = "dataset" if resolve.group(1) else "model"
            repo_id, revision, filename = (unquote(resolve.group(i)) for i in (2, 3, 4))
            return self._file(method, repo_type, repo_id, revision, filename)
        return _json(404, {"error": "no such route"})

    def _repo(self, repo_type: str, repo_id: str) -> FakeRepo | _Reply:
        repo = self.fake.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not self._authorized()):
            return _json(401 if repo else 404, {"error": "Repository not found"},
                         {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"})  # fmt: skip
        if repo.disabled:
            return _json(403, {"error": "disabled"}, {"X-Error-Message": "Access to this resource is disabled."})
        return repo

    def _revision(self, repo_type: str, repo_id: str, revision: str | None) -> tuple[FakeRepo, str] | _Reply:
        """The repo and the commit a revision names, or the error reply."""
        repo = self._repo(repo_type, repo_id)
        if isinstance(repo, _Reply):
            return repo
        sha = repo.resolve(revision)
        if sha is None:
            return _json(404, {"error": "Revision not found"}, {"X-Error-Code": "RevisionNotFound"})
        return repo, sha

    def _api(self, repo_type: str, repo_id: str, revision: str | None, query: dict[str, list[str]]) -> _Reply:
        expand = query.get("expand[]", []) + query.get("expand", [])
        known = MODEL_FIELDS if repo_type == "model" else DATASET_FIELDS
        unknown = [name for name in expand if name not in known]
        if unknown:
            return _json(400, {"error": f'"expand" must be one of {sorted(known)}, got {unknown}'})
        found = self._revision(repo_type, repo_id, revision)
        if isinstance(found, _Reply):
            return found
        repo, sha = found
        return _json(200, repo.info(sha, expand or None, blobs=query.get("blobs") == ["true"]))

    def _listing(self, query: dict[str, list[str]]) -> _Reply:
        expand = query.get("expand[]", []) + query.get("expand", [])
        unknown = [name for name in expand if name not in MODEL_FIELDS]
        if unknown:
            return _json(400, {"error": f'"expand" must be one of {sorted(MODEL_FIELDS)}, got {unknown}'})
        author = (query.get("author") or [None])[0]
        search = ((query.get("search") or [""])[0]).lower()
        filters = query.get("filter", [])
        limit = int((query.get("limit") or ["0"])[0]) or None
        start = int((query.get("cursor") or ["0"])[0])
        models = sorted(
            (
                r
                for (kind, _), r in self.fake.repos.items()
                if kind == "model" and (not r.private or self._authorized())
            ),
            key=lambda r: r.repo_id,
        )
        models = [
            r for r in models
            if (author is None or r.repo_id.startswith(f"{author}/")) and search in r.repo_id.lower()
            and all(f in r.tags() or f == r.repo_id for f in filters)
        ]  # fmt: skip
        total = min(len(models), limit) if limit else len(models)
        end = min(total, start + self.fake.page_size)
        page = []
        for repo in models[start:end]:
            sha = repo.branches["main"]
            if expand:
                page.append(repo.info(sha, expand))
            else:
                full = repo.info(sha)
                page.append({"_id": full["_id"], "id": repo.repo_id, "modelId": repo.repo_id,
                             **{k: full[k] for k in _LIST_DEFAULT if k in full}})  # fmt: skip
        headers = {}
        if end < total:
            params = [(k, v) for k, values in query.items() if k != "cursor" for v in values] + [("cursor", str(end))]
            headers["Link"] = f'<{self.fake.url}/api/models?{urlencode(params)}>; rel="next"'
        return _json(200, page, headers)

    def _file(self, method: str, repo_type: str, repo_id: str, revision: str, filename: str) -> _Reply:
        found = self._revision(repo_type, repo_id, revision)
        if isinstance(found, _Reply):
            return found
        repo, sha = found
        if repo.gated and not filename.lower().startswith("readme") and not self._authorized():
            headers = {"X-Error-Code": "GatedRepo", "X-Error-Message": "Access to this model is restricted"}
            return _json(403 if self.headers.get("Authorization") else 401, {"error": "gated"}, headers)
        content = repo.files.get(filename)
        if content is None:
            return _json(404, {"error": "Entry not found"}, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": sha})
        if filename in repo.lfs:
            digest = hashlib.sha256(content).hexdigest()
            location = f"{self.fake.cdn_url}/cdn/{digest}?X-Amz-Signature=fakesig{_sha(digest)[:16]}&Expires=9"
            return _Reply(302, b"Found. Redirecting.", {
                "Location": location, "X-Repo-Commit": sha, "ETag": f'"{_sha(filename, sha)}"',
                "X-Linked-Etag": f'"{digest}"', "X-Linked-Size": str(len(content)), "Content-Type": "text/plain",
            })  # fmt: skip
        headers = {"X-Repo-Commit": sha, "ETag": f'"{_sha(filename, sha)}"', "Content-Type": "application/octet-stream"}
        return self._ranged(content, headers)

    def _cdn(self, digest: str) -> _Reply:
        content = self.fake.blob(digest.split("?")[0])
        if content is None:
            return _Reply(404, b"<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"})
        return self._ranged(content, {"ETag": f'"{digest}"', "Content-Type": "application/octet-stream"})

    def _ranged(self, content: bytes, headers: dict[str, str]) -> _Reply:
        """200 with the content, or 206 with the part an HTTP Range header asks for (416 past the end)."""
        wanted = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range", ""))
        if not wanted:
            return _Reply(200, content, headers)
        start = int(wanted.group(1))
        if start >= len(content):
            return _Reply(416, b"", {"Content-Range": f"bytes */{len(content)}"})
        end = min(int(wanted.group(2) or len(content) - 1), len(content) - 1)
        return _Reply(
            206, content[start : end + 1], {**headers, "Content-Range": f"bytes {start}-{end}/{len(content)}"}
        )

    def _authorized(self) -> bool:
        return self.headers.get("Authorization", "") == f"Bearer {GOOD_TOKEN}"

    def _write(self, method: str, reply: _Reply, fault: Fault | None = None) -> None:
        try:
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if method == "HEAD":
                return
            body = reply.body
            if fault is not None and fault.truncate is not None:
                self.wfile.write(body[: fault.truncate])
                self.wfile.flush()
                time.sleep(min(fault.stall_body, self.fake.max_stall))
                self.close_connection = True
                return
            if fault is not None and fault.trickle:
                started = time.monotonic()
                for i in range(len(body)):
                    if time.monotonic() - started > self.fake.max_stall:
                        self.close_connection = True
                        return
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(fault.trickle)
                return
            self.wfile.write(body)
            with self.fake._lock:
                self.fake.sent.append((self.path, len(body)))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (time-out tests)


def _keep(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in ("content-length", "content-range")}


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
