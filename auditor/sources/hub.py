"""The Hugging Face Hub as a source, through huggingface_hub's client (session, headers, URLs, named errors).

Per repository and commit the audit makes one ``model_info`` request (``blobs=true`` with the fields it needs:
files with sizes and LFS sha256, card data, gated flag, base models, the safetensors parameter summary), then
reads the card and the license and config files the listing shows, and the named datasets' cards. What it read
is kept in auditor's metadata cache (auditor.sources.hubcache): a pinned revision (a 40-hex sha) is audited again
with no request, a branch or tag with one (which commit it names), ``--offline`` with none and the same facts.

Every request goes through auditor.sources.hubhttp: one retry layer, a read timeout, a total deadline per
repository fetch and an optional rate cap. Bad replies and exhausted retries become HubUnavailableError; URLs and
tokens are redacted from everything that leaves this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import httpx2
from huggingface_hub import constants, get_token, hf_hub_download, hf_hub_url, snapshot_download
from huggingface_hub.errors import (
    DisabledRepoError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from auditor.errors import HubUnavailableError, OfflineMissingError, TargetNotFoundError
from auditor.facts import (
    LICENSE_UNKNOWN,
    AccessNote,
    CardFacts,
    DatasetFacts,
    Document,
    HubMeta,
    ModelFacts,
    SourceKind,
    WeightFile,
)
from auditor.once import OncePerKey
from auditor.sources.card import parse_card
from auditor.sources.common import (
    MAX_CARD_BYTES,
    MAX_CONFIG_BYTES,
    MAX_DOCUMENT_BYTES,
    find_card,
    is_config,
    is_document,
)
from auditor.sources.datasets import named_datasets
from auditor.sources.deadline import Deadline
from auditor.sources.hubcache import MetaCache, Record, default_root
from auditor.sources.hubhttp import HubBadReplyError, HubHttp, HubRetriesExhaustedError, TooLargeError
from auditor.sources.hubreply import (
    DATASET_EXPAND,
    MODEL_EXPAND,
    BadReplyError,
    ModelSnapshot,
    is_commit,
    json_body,
    parse_dataset_info,
    parse_listing,
    parse_model_info,
    parse_sha,
)
from auditor.sources.local import read_folder
from auditor.sources.ratelimit import TokenBucket
from auditor.sources.redact import install, redact, register_secret
from auditor.weights.inspect import file_formats
from auditor.weights.pickles import pickle_format
from auditor.weights.quantization import declared_quantization, hub_parameters
from auditor.weights.remote import scan_remote

log = logging.getLogger(__name__)

MAX_REMOTE_SCANS = 16  # pickle-capable files scanned per repository (a few range reads each); the rest are listed
MAX_API_BYTES = 64 << 20  # a model_info reply of a repository with very many files stays below this
MAX_RANGE_BYTES = 64 << 20  # one read_range call
_LISTING_PAGE = 1000


@dataclass(frozen=True)
class _Resolved:
    """A revision resolved to its commit, with the full model_info reply when that was the request made."""

    sha: str
    info: dict[str, Any] | None


class HubSource:
    """Reads model repositories from the Hub (or, offline, from auditor's metadata cache or the Hugging Face cache).

    ``token`` and ``endpoint`` default to what huggingface_hub reads (HF_TOKEN, HF_ENDPOINT). ``timeout`` is the
    read timeout of each request; ``deadline`` the total seconds one repository fetch may take, retries and
    waits included; transient failures (429, 5xx, time-outs) are retried up to ``retries`` times with backoff,
    honouring Retry-After within the deadline; ``rate`` caps requests per second across threads. ``cache_dir`` is
    the huggingface_hub cache (downloads, offline snapshots); ``meta_dir`` auditor's metadata cache (default: beside
    it, ``$HF_HOME/auditor/meta``).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        endpoint: str | None = None,
        offline: bool = False,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        deadline: float = 120.0,
        rate: float | None = None,
        cache_dir: str | None = None,
        meta_dir: str | Path | None = None,
    ) -> None:
        self._token = token
        self.endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
        self.offline = offline
        self.timeout = timeout
        self.retries = retries
        self.deadline = deadline
        self.cache_dir = cache_dir
        register_secret(token or get_token())
        install()  # log handlers that exist now scrub URL credentials and tokens (the CLI installs it too)
        self._http = HubHttp(
            token=token,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            max_wait=max_wait,
            bucket=TokenBucket(rate) if rate else None,
        )
        self.meta = MetaCache(Path(meta_dir) if meta_dir is not None else default_root(cache_dir))
        self._refs: OncePerKey[_Resolved] = OncePerKey()
        self._commits: OncePerKey[ModelFacts] = OncePerKey()
        self._datasets: OncePerKey[tuple[DatasetFacts, bool]] = OncePerKey()

    @property
    def shown_endpoint(self) -> str:
        """The endpoint as it may be shown: without credentials."""
        return redact(self.endpoint)

    # --- models -------------------------------------------------------------------------------------------------
    def fetch(self, repo_id: str, revision: str | None, target: str) -> ModelFacts:
        """Gather the facts of one Hub model repository at a revision (default branch when None).

        Each (repository, commit) is read once per source, even when it is both a target and a parent.
        """
        if self.offline:
            return self._offline(repo_id, revision, target, "offline mode was asked for")
        deadline = Deadline(self.deadline)
        try:
            resolved = self._refs.get(
                f"{repo_id.lower()}@{revision or ''}", lambda: self._resolve(repo_id, revision, deadline)
            )
            facts = self._commits.get(
                f"{repo_id.lower()}@{resolved.sha}", lambda: self._commit_facts(repo_id, resolved, deadline)
            )
        except GatedRepoError:
            return self._gated(repo_id, revision, target, deadline)
        except RevisionNotFoundError:
            raise TargetNotFoundError(f"{repo_id}: revision '{revision}' not found on the Hub") from None
        except DisabledRepoError:
            notes = [AccessNote("disabled", "the Hub has disabled access to this repository")]
            return self._bare(repo_id, revision, target, HubMeta(disabled=True), notes)
        except RepositoryNotFoundError:
            raise TargetNotFoundError(
                f"{repo_id}: model not found on {self.shown_endpoint} (if it is private, set HF_TOKEN)"
            ) from None
        except OfflineModeIsEnabled:
            return self._offline(repo_id, revision, target, "HF_HUB_OFFLINE is set")
        except HfHubHTTPError as error:
            raise HubUnavailableError(f"{repo_id}: the Hub at {self.shown_endpoint} failed: {_short(error)}") from None
        return replace(facts, target=target, model_id=repo_id, revision=revision)

    def _resolve(self, repo_id: str, revision: str | None, deadline: Deadline) -> _Resolved:
        """The commit a revision names: a sha as is; a branch or tag by one small request when a commit of the
        repository is cached (it may be that one), else by the full model_info request (needed anyway)."""
        if is_commit(revision):
            assert revision is not None
            return _Resolved(revision, None)
        if self.meta.knows(repo_id):
            data = self._api_json(repo_id, revision, [("expand[]", "sha")], deadline)
            try:
                resolved = _Resolved(parse_sha(data), None)
            except BadReplyError as error:
                raise HubBadReplyError(
                    f"{repo_id}: the Hub at {self.shown_endpoint} sent a bad reply: {error}"
                ) from None
        else:
            info = self._model_info(repo_id, revision, deadline)
            resolved = _Resolved(str(info["sha"]), info)  # checked by _model_info
        self.meta.set_ref(repo_id, revision or "main", resolved.sha)
        return resolved

    def _model_info(self, repo_id: str, revision: str | None, deadline: Deadline) -> dict[str, Any]:
        params = [("blobs", "true"), *(("expand[]", name) for name in MODEL_EXPAND)]
        data = self._api_json(repo_id, revision, params, deadline)
        _parse(data, f"{repo_id}: the Hub at {self.shown_endpoint}")  # checked before it is used or cached
        assert isinstance(data, dict)
        return data

    def _api_json(self, repo_id: str, revision: str | None, params: list[tuple[str, str]], deadline: Deadline) -> Any:
        url = f"{self.endpoint}/api/models/{repo_id}"
        if revision is not None:
            url += f"/revision/{quote(revision, safe='')}"
        what = f"{repo_id}: the Hub at {self.shown_endpoint}"
        try:
            reply = self._http.get(url, deadline, what, params=params, max_bytes=MAX_API_BYTES)
            return json_body(reply.body)
        except (BadReplyError, TooLargeError) as error:
            raise HubBadReplyError(redact(f"{what} sent a bad reply: {error}")) from None

    def _commit_facts(self, repo_id: str, resolved: _Resolved, deadline: Deadline) -> ModelFacts:
        """Facts of a repository at a commit: from the metadata cache, else from the Hub (then cached if complete)."""
        record = self.meta.load(repo_id, resolved.sha)
        if record is not None:
            return self._from_record(record, "hub", [])
        info = resolved.info if resolved.info is not None else self._model_info(repo_id, resolved.sha, deadline)
        snapshot = _parse(info, f"{repo_id}: the Hub at {self.shown_endpoint}")
        record = Record(repo_id, snapshot.sha, info)
        notes: list[AccessNote] = []
        complete = True
        for path, limit in _files_to_read(snapshot):
            data = self._read(repo_id, path, snapshot.sha, deadline, notes, limit)
            if data is not None:
                record.files[path] = data
            else:
                complete = False
        card = self._card(record, snapshot)
        for dataset_id in named_datasets(card):
            dataset, cacheable = self._dataset(dataset_id, deadline)
            record.datasets[dataset_id] = dataset
            complete = complete and cacheable
        complete = self._scan_pickles(repo_id, snapshot, record, notes) and complete
        if complete:
            self.meta.store(record)
        return self._from_record(record, "hub", notes)

    def _from_record(self, record: Record, source: SourceKind, notes: list[AccessNote]) -> ModelFacts:
        """ModelFacts from what was read (online) or cached (offline): one path, so both give the same facts."""
        snapshot = _parse(record.info, f"{record.repo_id}: the auditor cache")
        card = self._card(record, snapshot)
        fixed: list[AccessNote] = []
        documents, configs = [], []
        for file in snapshot.files:
            if is_document(file.path) and file.size is not None and file.size > MAX_DOCUMENT_BYTES:
                fixed.append(AccessNote("partial", f"{file.path} is larger than 1 MiB; not read", file.path))
            elif is_document(file.path) and file.path in record.files:
                documents.append(Document(file.path, record.files[file.path].decode("utf-8", errors="replace")))
            elif is_config(file.path) and file.path in record.files:
                configs.append(Document(file.path, record.files[file.path].decode("utf-8", errors="replace")))
        notes = [*fixed, *notes]
        notes += _license_unknown(card, documents, notes)
        datasets = tuple(record.datasets[d] for d in named_datasets(card) if d in record.datasets)
        return ModelFacts(
            target=record.repo_id,
            source=source,
            model_id=record.repo_id,
            revision=None,
            sha=snapshot.sha,
            location=f"{self.shown_endpoint}/{record.repo_id}",
            card=card,
            files=snapshot.files,
            documents=tuple(documents),
            hub=HubMeta(
                gated=snapshot.gated,
                private=snapshot.private,
                disabled=snapshot.disabled,
                last_modified=snapshot.last_modified,
                pipeline_tag=snapshot.pipeline_tag,
                library_name=snapshot.library_name,
                tags=snapshot.tags,
                base_models=snapshot.base_models,
            ),
            access=tuple(notes),
            datasets=datasets,
            weights=_weights(snapshot, record.scans, configs),
            configs=tuple(configs),
        )

    def _scan_pickles(self, repo_id: str, snapshot: ModelSnapshot, record: Record, notes: list[AccessNote]) -> bool:
        """Scan the pickle-capable files the listing shows through range reads (nothing is downloaded whole).

        At most MAX_REMOTE_SCANS files are scanned; the others are reported as not scanned. False when a scan met a
        network failure (the record is then not cached, so the next run tries again)."""
        complete = True
        pickled = [f for f in snapshot.files if pickle_format(f.path) is not None]
        for index, file in enumerate(pickled):
            formats = file_formats(file.path)
            if formats is None:
                continue
            if index >= MAX_REMOTE_SCANS:
                scanned = WeightFile(file.path, formats[0], file.size, is_weights=formats[1],
                                     not_scanned=f"not scanned: more than {MAX_REMOTE_SCANS} pickle files in the "
                                                 "repository")  # fmt: skip
            elif file.size is None:
                scanned = WeightFile(file.path, formats[0], None, is_weights=formats[1],
                                     not_scanned="not scanned: the Hub gave no size for it")  # fmt: skip
            else:
                scanned = scan_remote(_as_os_errors(self.range_reader(repo_id, file.path, snapshot.sha)),
                                      file.size, file.path)  # fmt: skip
                if scanned.not_scanned and scanned.not_scanned.startswith("read failed"):
                    complete = False
            record.scans[file.path] = scanned.to_dict()
        return complete

    @staticmethod
    def _card(record: Record, snapshot: ModelSnapshot) -> CardFacts | None:
        name = find_card([f.path for f in snapshot.files])
        if name is not None and name in record.files:
            return parse_card(record.files[name], name)
        return _card_from_api(snapshot.card_data) if snapshot.card_data is not None else None

    def _read(
        self, repo_id: str, path: str, revision: str, deadline: Deadline, notes: list[AccessNote], limit: int
    ) -> bytes | None:
        """One small file at a revision; failures become notes (a spent deadline fails the whole fetch)."""
        url = hf_hub_url(repo_id, path, revision=revision, endpoint=self.endpoint)
        try:
            return self._http.get(url, deadline, f"{repo_id}: {path}", max_bytes=limit).body
        except GatedRepoError:
            notes.append(AccessNote("gated", f"gated: access not granted, {path} not readable", path))
        except (RepositoryNotFoundError, EntryNotFoundError):
            notes.append(AccessNote("download-failed", f"{path} is listed but not served", path))
        except TooLargeError as error:
            notes.append(AccessNote("partial", f"{path} is too large to read ({error})", path))
        except (HubRetriesExhaustedError, HubBadReplyError) as error:
            notes.append(AccessNote("download-failed", str(error).removeprefix(f"{repo_id}: "), path))
        except HfHubHTTPError as error:
            notes.append(AccessNote("download-failed", f"{path} could not be read: {_short(error)}", path))
        return None

    def _gated(self, repo_id: str, revision: str | None, target: str, deadline: Deadline) -> ModelFacts:
        """The repository's metadata is gated: only the card may still be readable."""
        notes = [AccessNote("gated", "gated: access not granted; repository metadata (files, card data) not readable")]
        data = self._read(repo_id, "README.md", revision or "main", deadline, notes, MAX_CARD_BYTES)
        card = parse_card(data, "README.md") if data is not None else None
        notes += _license_unknown(card, [], notes)
        return replace(self._bare(repo_id, revision, target, HubMeta(gated=True), notes), card=card)

    def _bare(
        self, repo_id: str, revision: str | None, target: str, hub: HubMeta, notes: list[AccessNote]
    ) -> ModelFacts:
        return ModelFacts(
            target=target,
            source="hub",
            model_id=repo_id,
            revision=revision,
            sha=None,
            location=f"{self.shown_endpoint}/{repo_id}",
            card=None,
            files=None,
            hub=hub,
            access=tuple(notes),
        )

    # --- offline ------------------------------------------------------------------------------------------------
    def _offline(self, repo_id: str, revision: str | None, target: str, why: str) -> ModelFacts:
        """From auditor's metadata cache (the same facts as online), else from a Hugging Face cache snapshot."""
        sha = revision if is_commit(revision) else self.meta.ref(repo_id, revision or "main")
        record = self.meta.load(repo_id, sha) if sha is not None else None
        if record is None:
            return self._from_snapshot(repo_id, revision, target, why)
        notes = []
        if not is_commit(revision):
            notes.append(
                AccessNote(
                    "offline",
                    f"{why}: '{revision or 'main'}' was taken to be commit {sha}, as when it was last fetched; "
                    "the Hub may have moved on",
                )
            )
        facts = self._from_record(record, "hub-cache", notes)
        return replace(facts, target=target, model_id=repo_id, revision=revision)

    def _from_snapshot(self, repo_id: str, revision: str | None, target: str, why: str) -> ModelFacts:
        try:
            folder = snapshot_download(
                repo_id, revision=revision, local_files_only=True, cache_dir=self.cache_dir, token=self._token
            )
        except (LocalEntryNotFoundError, OfflineModeIsEnabled, FileNotFoundError, ValueError) as error:
            raise OfflineMissingError(
                f"{repo_id}: {why} and no snapshot of it is in the Hugging Face cache (nor a record in auditor's "
                "cache); run once online, or audit a local folder"
            ) from error
        note = AccessNote(
            "offline",
            f"{why}: audited the cached snapshot only; Hub metadata (gated flag, LFS sha256, "
            "complete file list) was not fetched",
        )
        path = Path(folder)
        return read_folder(
            path, target, source="hub-cache", model_id=repo_id, revision=revision, sha=path.name, notes=(note,)
        )

    # --- datasets -----------------------------------------------------------------------------------------------
    def dataset(self, dataset_id: str) -> DatasetFacts:
        """A dataset's card metadata through ``dataset_info``; read once per source, failures become notes."""
        return self._dataset(dataset_id, Deadline(self.deadline))[0]

    def _dataset(self, dataset_id: str, deadline: Deadline) -> tuple[DatasetFacts, bool]:
        return self._datasets.get(dataset_id, lambda: self._fetch_dataset(dataset_id, deadline))

    def _fetch_dataset(self, dataset_id: str, deadline: Deadline) -> tuple[DatasetFacts, bool]:
        """The dataset's facts, and whether they may be cached (not a passing failure)."""
        if self.offline:
            return DatasetFacts(dataset_id, False, note="offline: the dataset card was not read"), False
        url = f"{self.endpoint}/api/datasets/{dataset_id}"
        params = [("expand[]", name) for name in DATASET_EXPAND]
        try:
            reply = self._http.get(url, deadline, f"dataset {dataset_id}", params=params, max_bytes=MAX_API_BYTES)
            return parse_dataset_info(json_body(reply.body), dataset_id), True
        except GatedRepoError:
            return DatasetFacts(
                dataset_id, False, gated=True, note="gated: access to the dataset card not granted"
            ), True
        except RepositoryNotFoundError:
            return DatasetFacts(dataset_id, False, note="no such dataset on the Hub"), True
        except (BadReplyError, TooLargeError) as error:
            return DatasetFacts(dataset_id, False, note=redact(f"dataset card not read: bad reply: {error}")), False
        except (HfHubHTTPError, OfflineModeIsEnabled, HubRetriesExhaustedError, HubBadReplyError) as error:
            return DatasetFacts(dataset_id, False, note=f"dataset card not read: {_short(error)}"), False

    # --- listing, downloads, ranges -----------------------------------------------------------------------------
    def list_targets(
        self,
        *,
        author: str | None = None,
        search: str | None = None,
        filter: str | Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[str]:
        """``org/name@sha`` of the models a Hub listing returns (pinned: a later audit needs no ref look-up).

        One request per page of up to 1000 models (``expand[]=sha`` only: the listing carries no file sizes or
        LFS hashes, so it cannot stand in for each model's model_info).
        """
        filters = [filter] if isinstance(filter, str) else list(filter or ())
        params = [("author", author)] if author else []
        params += [("search", search)] if search else []
        params += [("filter", f) for f in filters]
        params += [("limit", str(min(limit, _LISTING_PAGE) if limit is not None else _LISTING_PAGE))]
        params += [("expand[]", "sha")]
        deadline = Deadline(self.deadline)
        what = f"the model listing of {self.shown_endpoint}"
        found: list[tuple[str, str]] = []
        url: str | None = f"{self.endpoint}/api/models"
        query: list[tuple[str, str]] | None = params
        while url is not None and (limit is None or len(found) < limit):
            try:
                reply = self._http.get(url, deadline, what, params=query, max_bytes=MAX_API_BYTES)
                found += parse_listing(json_body(reply.body))
            except (BadReplyError, TooLargeError) as error:
                raise HubBadReplyError(redact(f"{what} sent a bad reply: {error}")) from None
            except HfHubHTTPError as error:
                raise HubUnavailableError(f"{what} failed: {_short(error)}") from None
            following = httpx2.Response(200, headers=reply.headers).links.get("next", {}).get("url")
            url, query = (urljoin(reply.url, following), None) if following else (None, None)
        return [f"{model_id}@{sha}" for model_id, sha in found[:limit]]

    def download(self, repo_id: str, filename: str, revision: str | None, *, deadline: float | None = None) -> Path:
        """One file into the Hugging Face cache (hf_hub_download: resumable, checksummed by the cache layout)
        under this source's retry layer, timeouts, rate cap and a deadline (default: the source's).

        Raises HubUnavailableError subclasses on network failures and huggingface_hub's named errors (gated, not
        found) otherwise.
        """
        budget = Deadline(deadline if deadline is not None else self.deadline)
        return Path(
            self._http.run(
                lambda: hf_hub_download(
                    repo_id,
                    filename,
                    revision=revision,
                    token=self._token,
                    endpoint=self.endpoint,
                    cache_dir=self.cache_dir,
                    etag_timeout=self.timeout,
                ),
                budget,
                f"{repo_id}: downloading {filename}",
            )
        )

    def read_range(
        self, repo_id: str, path: str, revision: str, start: int, end: int, *, deadline: Deadline | None = None
    ) -> bytes:
        """Bytes ``start`` to ``end`` (exclusive) of a repository file, through an HTTP Range request that follows
        the LFS redirect; at most MAX_RANGE_BYTES. Pass one Deadline to bound several reads together.

        Raises HubUnavailableError subclasses on network failures or a server that ignores the range, and
        huggingface_hub's named errors (gated, not found) otherwise. A range past the end gives b"".
        """
        if not 0 <= start <= end or end - start > MAX_RANGE_BYTES:
            raise ValueError(f"range {start}-{end} is not within 0..{MAX_RANGE_BYTES} bytes")
        if start == end:
            return b""
        budget = deadline or Deadline(self.deadline)
        url = hf_hub_url(repo_id, path, revision=revision, endpoint=self.endpoint)
        headers = {"Range": f"bytes={start}-{end - 1}"}
        try:
            reply = self._http.get(url, budget, f"{repo_id}: {path}", headers=headers, max_bytes=end - start)
        except TooLargeError:
            raise HubBadReplyError(f"{repo_id}: {path}: the server ignored the Range request") from None
        except HfHubHTTPError as error:
            if error.response is not None and error.response.status_code == 416:
                return b""
            raise
        return reply.body if reply.status == 206 else reply.body[start:end]

    def range_reader(self, repo_id: str, path: str, revision: str) -> Callable[[int, int], bytes]:
        """``read(start, end)`` for one file, all calls sharing one deadline (for remote header scans)."""
        budget = Deadline(self.deadline)
        return lambda start, end: self.read_range(repo_id, path, revision, start, end, deadline=budget)


class RangeReadError(OSError):
    """A range read of a remote file failed (network, gating): the pickle scan says so instead of failing."""


def _as_os_errors(reader: Callable[[int, int], bytes]) -> Callable[[int, int], bytes]:
    """``read(offset, length)`` over the source's ``read(start, end)``, its failures as OSError (what scans expect)."""

    def read(offset: int, length: int) -> bytes:
        try:
            return reader(offset, offset + length)
        except (HubUnavailableError, HfHubHTTPError, httpx2.HTTPError) as error:
            raise RangeReadError(_short(error)) from None

    return read


def _parse(info: object, where: str) -> ModelSnapshot:
    try:
        return parse_model_info(info)
    except BadReplyError as error:
        raise HubBadReplyError(redact(f"{where} sent a bad reply: {error}")) from None


def _files_to_read(snapshot: ModelSnapshot) -> list[tuple[str, int]]:
    """The card, license-like texts and lineage configs the listing shows (size-bounded), with their byte caps."""
    wanted = []
    card = find_card([f.path for f in snapshot.files])
    for file in snapshot.files:
        if file.path == card:
            wanted.append((file.path, MAX_CARD_BYTES))
        elif is_document(file.path) and (file.size is None or file.size <= MAX_DOCUMENT_BYTES):
            wanted.append((file.path, MAX_DOCUMENT_BYTES))
        elif is_config(file.path) and (file.size or 0) <= MAX_CONFIG_BYTES:
            wanted.append((file.path, MAX_CONFIG_BYTES))
    return wanted


def _weights(
    snapshot: ModelSnapshot, scans: Mapping[str, Mapping[str, Any]], configs: Sequence[Document]
) -> tuple[WeightFile, ...]:
    """Weight files as listed, with the Hub's safetensors parameter count (by dtype) for the repository, and every
    pickle-capable file with its remote scan.

    The Hub counts parameters for the repository, not per file: the count is put on the first safetensors file
    (in path order), so a sum per format gives the Hub's total; packed quantized elements are unpacked as the
    configs' declared quantization says (auditor.weights.quantization.hub_parameters).
    """
    listed = []
    for file in snapshot.files:
        formats = file_formats(file.path)
        if formats is None:
            continue
        fmt, is_weights = formats
        scan = scans.get(file.path) or {}
        listed.append(WeightFile(
            file.path, fmt, file.size, file.sha256, is_weights=is_weights,
            pickle_globals=tuple(scan.get("pickle_globals") or ()),
            dangerous_globals=tuple(scan.get("dangerous_globals") or ()),
            unknown_globals=tuple(scan.get("unknown_globals") or ()),
            not_scanned=scan.get("not_scanned"), error=scan.get("error"),
        ))  # fmt: skip
    counts = snapshot.safetensors_parameters
    first = next((i for i, w in enumerate(listed) if w.format == "safetensors"), None)
    if counts is not None and first is not None:
        declared = declared_quantization(configs)
        parameters, basis = hub_parameters(counts, declared)
        quantization = {**declared, "parameters_basis": basis} if declared and basis else None
        listed[first] = replace(listed[first], parameters=parameters, dtypes=tuple(sorted(counts)),
                                quantization=quantization)  # fmt: skip
    return tuple(listed)


def _license_unknown(
    card: CardFacts | None, documents: Sequence[Document], notes: Sequence[AccessNote]
) -> list[AccessNote]:
    """A note when no license is visible (no license field in a card, no license text read) because of gating."""
    if documents or (card is not None and card.metadata.get("license")):
        return []
    hidden = [n.file or "the repository metadata" for n in notes if n.kind == "gated" and (n.file is None
              or n.file.lower().startswith("readme") or is_document(n.file))]  # fmt: skip
    if not hidden:
        return []
    card_state = "no card was read" if card is None else "the card declares no license"
    message = f"{LICENSE_UNKNOWN}{card_state}, and access was not granted to {', '.join(hidden)}"
    return [AccessNote("gated", message)]


def _short(error: BaseException) -> str:
    text = str(error).strip().split("\n")[0] or type(error).__name__
    return redact(text)[:300]


def _card_from_api(card_data: dict[str, Any]) -> CardFacts:
    """When README.md cannot be read, the Hub's parsed card data still tells the metadata (no lines)."""
    return CardFacts(
        file="README.md (Hub card data)",
        metadata=dict(card_data),
        field_lines={},
        has_front_matter=True,
        body_line_offset=0,
        body_chars=0,
        sections=(),
        links=(),
        license_statements=(),
        problems=(),
    )
