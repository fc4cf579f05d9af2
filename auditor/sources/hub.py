"""The Hugging Face Hub as a source, through the real huggingface_hub client (cache, token, endpoint)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import httpx2
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
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
from huggingface_hub.hf_api import ModelInfo

from auditor.errors import HubUnavailableError, OfflineMissingError, TargetNotFoundError
from auditor.facts import AccessNote, CardFacts, DatasetFacts, Document, HubMeta, ModelFacts, RepoFile, WeightFile
from auditor.once import OncePerKey
from auditor.sources.card import parse_card, string_list, string_value
from auditor.sources.common import MAX_CONFIG_BYTES, MAX_DOCUMENT_BYTES, find_card, is_config, is_document
from auditor.sources.datasets import named_datasets
from auditor.sources.local import read_folder
from auditor.weights.inspect import weight_format

log = logging.getLogger(__name__)
T = TypeVar("T")

_TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
_TRANSIENT_ERRORS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)


class HubSource:
    """Reads model repositories from the Hub (or, offline, from the local Hugging Face cache).

    ``token`` and ``endpoint`` default to what huggingface_hub reads (HF_TOKEN, HF_ENDPOINT). Transient
    failures (429, 5xx, time-outs) of metadata calls are retried with bounded backoff, honouring Retry-After.
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
        cache_dir: str | None = None,
    ) -> None:
        self._api = HfApi(endpoint=endpoint, token=token)
        self._token = token
        self._endpoint = endpoint
        self.offline = offline
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.cache_dir = cache_dir
        self._datasets: OncePerKey[DatasetFacts] = OncePerKey()

    @property
    def endpoint(self) -> str:
        return str(self._api.endpoint)

    def fetch(self, repo_id: str, revision: str | None, target: str) -> ModelFacts:
        """Gather the facts of one Hub model repository at a revision (default branch when None)."""
        if self.offline:
            return self._from_cache(repo_id, revision, target, "offline mode was asked for")
        notes: list[AccessNote] = []
        info: ModelInfo | None = None
        try:
            info = self._retrying(
                lambda: self._api.model_info(repo_id, revision=revision, files_metadata=True, timeout=self.timeout)
            )
        except GatedRepoError:
            notes.append(AccessNote("gated", "gated: access not granted (repository metadata not readable)"))
        except RevisionNotFoundError as error:
            raise TargetNotFoundError(f"{repo_id}: revision '{revision}' not found on the Hub") from error
        except DisabledRepoError:
            notes.append(AccessNote("disabled", "the Hub has disabled access to this repository"))
            return self._facts(repo_id, revision, target, None, None, [], notes, disabled=True)
        except RepositoryNotFoundError as error:
            raise TargetNotFoundError(
                f"{repo_id}: model not found on {self.endpoint} (if it is private, set HF_TOKEN)"
            ) from error
        except OfflineModeIsEnabled:
            return self._from_cache(repo_id, revision, target, "HF_HUB_OFFLINE is set")
        except _TRANSIENT_ERRORS as error:
            raise HubUnavailableError(f"{repo_id}: cannot reach the Hub at {self.endpoint}: {_short(error)}") from error
        except HfHubHTTPError as error:
            raise HubUnavailableError(f"{repo_id}: the Hub at {self.endpoint} failed: {_short(error)}") from error

        # Files are fetched by the revision the user named, so the cache records that ref (for later --offline
        # runs); the commit each file came from is checked against the one model_info resolved.
        sha = info.sha if info else None
        files = _repo_files(info) if info else None
        names = [f.path for f in files] if files is not None else ["README.md"]
        card = None
        card_name = find_card(names)
        if card_name:
            data = self._download(repo_id, card_name, revision, sha, notes)
            card = parse_card(data, card_name) if data is not None else None
        if card is None and info is not None and info.card_data is not None:
            card = _card_from_api(info.card_data.to_dict())  # type: ignore[no-untyped-call]
        documents = []
        for file in files or ():
            if not is_document(file.path):
                continue
            if file.size is not None and file.size > MAX_DOCUMENT_BYTES:
                notes.append(AccessNote("partial", f"{file.path} is larger than 1 MiB; not read", file.path))
                continue
            data = self._download(repo_id, file.path, revision, sha, notes)
            if data is not None:
                documents.append(Document(file.path, data.decode("utf-8", errors="replace")))
        configs = []
        for file in files or ():
            if is_config(file.path) and (file.size or 0) <= MAX_CONFIG_BYTES:
                data = self._download(repo_id, file.path, revision, sha, notes)
                if data is not None:
                    configs.append(Document(file.path, data.decode("utf-8", errors="replace")))
        datasets = tuple(self.dataset(d) for d in named_datasets(card))
        weights = self._weights(repo_id, sha or revision, files, notes) if files is not None else None
        facts = self._facts(repo_id, revision, target, info, card, documents, notes, files=files)
        return replace(facts, datasets=datasets, weights=weights, configs=tuple(configs))

    def _weights(
        self, repo_id: str, revision: str | None, files: list[RepoFile], notes: list[AccessNote]
    ) -> tuple[WeightFile, ...]:
        """Weight files as listed by the Hub, with safetensors headers read remotely (HTTP ranges, no download)."""
        listed = [WeightFile(f.path, fmt, f.size, f.sha256) for f in files if (fmt := weight_format(f.path))]
        if not any(w.format == "safetensors" for w in listed):
            return tuple(listed)
        try:
            meta = self._retrying(lambda: self._api.get_safetensors_metadata(repo_id, revision=revision))
        except (HfHubHTTPError, *_TRANSIENT_ERRORS, ValueError, OSError) as error:
            notes.append(AccessNote("partial", f"safetensors headers not read: {_short(error)}"))
            return tuple(listed)
        headers = meta.files_metadata
        result = []
        for weight in listed:
            header = headers.get(weight.path)
            if header is None:
                result.append(weight)
                continue
            counts = header.parameter_count
            result.append(replace(weight, tensors=len(header.tensors), parameters=sum(counts.values()),
                                  dtypes=tuple(sorted(counts)), metadata=dict(header.metadata or {})))  # fmt: skip
        return tuple(result)

    def dataset(self, dataset_id: str) -> DatasetFacts:
        """A dataset's card metadata through ``dataset_info``; read once per source, failures become notes."""
        return self._datasets.get(dataset_id, lambda: self._fetch_dataset(dataset_id))

    def _fetch_dataset(self, dataset_id: str) -> DatasetFacts:
        if self.offline:
            return DatasetFacts(dataset_id, False, note="offline: the dataset card was not read")
        try:
            info = self._retrying(lambda: self._api.dataset_info(dataset_id, timeout=self.timeout))
        except GatedRepoError:
            return DatasetFacts(dataset_id, False, gated=True, note="gated: access to the dataset card not granted")
        except RepositoryNotFoundError:
            return DatasetFacts(dataset_id, False, note="no such dataset on the Hub")
        except (HfHubHTTPError, OfflineModeIsEnabled, *_TRANSIENT_ERRORS) as error:
            return DatasetFacts(dataset_id, False, note=f"dataset card not read: {_short(error)}")
        card_data = info.card_data.to_dict() if info.card_data is not None else {}  # type: ignore[no-untyped-call]
        return DatasetFacts(
            dataset_id,
            True,
            license=tuple(string_list(card_data.get("license"))),
            license_name=string_value(card_data.get("license_name")),
            gated=info.gated,
        )

    def _facts(
        self,
        repo_id: str,
        revision: str | None,
        target: str,
        info: ModelInfo | None,
        card: CardFacts | None,
        documents: list[Document],
        notes: list[AccessNote],
        *,
        files: list[RepoFile] | None = None,
        disabled: bool = False,
    ) -> ModelFacts:
        hub = _hub_meta(info) if info else HubMeta(disabled=disabled or None, gated=_gated_from(notes))
        return ModelFacts(
            target=target,
            source="hub",
            model_id=repo_id,
            revision=revision,
            sha=info.sha if info else None,
            location=f"{self.endpoint}/{repo_id}",
            card=card,
            files=tuple(files) if files is not None else None,
            documents=tuple(documents),
            hub=hub,
            access=tuple(notes),
        )

    def _download(
        self, repo_id: str, filename: str, revision: str | None, sha: str | None, notes: list[AccessNote]
    ) -> bytes | None:
        """One file through hf_hub_download (so the user's cache is used); failures become notes."""
        try:
            path = self._retrying(
                lambda: hf_hub_download(
                    repo_id,
                    filename,
                    revision=revision,
                    token=self._token,
                    endpoint=self._endpoint,
                    cache_dir=self.cache_dir,
                    etag_timeout=self.timeout,
                )
            )
            served_from = Path(path).parent.name
            if sha and served_from != sha and "/" not in filename:
                notes.append(
                    AccessNote(
                        "partial",
                        f"{filename} came from commit {served_from}, not {sha}: the revision moved",
                        filename,
                    )
                )
            return Path(path).read_bytes()
        except GatedRepoError:
            notes.append(AccessNote("gated", f"gated: access not granted, {filename} not readable", filename))
        except (RepositoryNotFoundError, EntryNotFoundError):
            notes.append(AccessNote("download-failed", f"{filename} is listed but not served", filename))
        except (HfHubHTTPError, LocalEntryNotFoundError, OSError, *_TRANSIENT_ERRORS) as error:
            notes.append(AccessNote("download-failed", f"{filename} could not be read: {_short(error)}", filename))
        return None

    def _from_cache(self, repo_id: str, revision: str | None, target: str, why: str) -> ModelFacts:
        try:
            folder = snapshot_download(
                repo_id, revision=revision, local_files_only=True, cache_dir=self.cache_dir, token=self._token
            )
        except (LocalEntryNotFoundError, OfflineModeIsEnabled, FileNotFoundError, ValueError) as error:
            raise OfflineMissingError(
                f"{repo_id}: {why} and no snapshot of it is in the Hugging Face cache; "
                "run once online, or audit a local folder"
            ) from error
        note = AccessNote(
            "offline",
            f"{why}: audited the cached snapshot only; Hub metadata (gated flag, LFS sha256, "
            "complete file list) was not fetched",
        )
        path = Path(folder)
        return read_folder(
            path,
            target,
            source="hub-cache",
            model_id=repo_id,
            revision=revision,
            sha=path.name,
            notes=(note,),
        )

    def _retrying(self, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return call()
            except Exception as error:
                wait = self._transient_wait(error, attempt)
                if wait is None or attempt >= self.retries:
                    raise
                log.info("transient Hub failure (%s); retrying in %.1fs", _short(error), wait)
                time.sleep(wait)
                attempt += 1

    def _transient_wait(self, error: BaseException, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None when the error is not transient."""
        backoff = min(self.backoff * 2.0**attempt, self.max_wait)
        for cause in _chain(error):
            if isinstance(cause, (GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError)):
                return None
            if isinstance(cause, HfHubHTTPError) and cause.response is not None:
                status = int(cause.response.status_code)
                if status not in _TRANSIENT_STATUS:
                    return None
                retry_after = str(cause.response.headers.get("Retry-After", ""))
                if status == 429 and retry_after.strip().isdigit():
                    return min(float(retry_after), self.max_wait)
                return backoff
            if isinstance(cause, _TRANSIENT_ERRORS):
                return backoff
        return None


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < 8:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _short(error: BaseException) -> str:
    text = str(error).strip().split("\n")[0] or type(error).__name__
    return text[:300]


def _repo_files(info: ModelInfo) -> list[RepoFile]:
    files = []
    for sibling in info.siblings or ():
        lfs = sibling.lfs
        size = sibling.size if sibling.size is not None else (lfs.size if lfs else None)
        files.append(RepoFile(sibling.rfilename, size, lfs.sha256 if lfs else None, lfs is not None))
    return sorted(files, key=lambda f: f.path)


def _hub_meta(info: ModelInfo) -> HubMeta:
    return HubMeta(
        gated=info.gated,
        private=info.private,
        disabled=info.disabled,
        last_modified=info.last_modified.isoformat() if info.last_modified else None,
        pipeline_tag=info.pipeline_tag,
        library_name=info.library_name,
        tags=tuple(info.tags or ()),
        base_models=tuple(str(b) for b in info.base_models or () if isinstance(b, str)),
    )


def _gated_from(notes: list[AccessNote]) -> bool | None:
    return True if any(n.kind == "gated" for n in notes) else None


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
