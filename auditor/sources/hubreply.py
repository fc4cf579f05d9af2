"""Hub API replies checked at the boundary: JSON of the promised shape, or BadReplyError with a one-line reason.

Replies are parsed by huggingface_hub's own ModelInfo/DatasetInfo; what they let through (a list where an object
belongs, a number where a string belongs) is rejected here, before anything downstream can trip on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from huggingface_hub.hf_api import DatasetInfo, ModelInfo
from huggingface_hub.repocard_data import CardData

from auditor.facts import DatasetFacts, RepoFile
from auditor.sources.card import string_list, string_value

# What the audit reads from /api/models/{id}: one request with blobs=true (file sizes and LFS sha256).
MODEL_EXPAND = (
    "sha",
    "siblings",
    "cardData",
    "gated",
    "private",
    "disabled",
    "lastModified",
    "pipeline_tag",
    "library_name",
    "tags",
    "baseModels",
    "safetensors",
)
DATASET_EXPAND = ("sha", "cardData", "gated")
_SHA1 = re.compile(r"^[0-9a-f]{40}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_PARSE_ERRORS = (TypeError, KeyError, AttributeError, ValueError, IndexError)


class BadReplyError(Exception):
    """The reply does not have the shape the Hub API documents."""


@dataclass(frozen=True)
class ModelSnapshot:
    """What one model_info reply says about a repository at one commit (validated)."""

    repo_id: str
    sha: str
    files: tuple[RepoFile, ...]
    card_data: dict[str, Any] | None
    gated: str | bool | None
    private: bool | None
    disabled: bool | None
    last_modified: str | None
    pipeline_tag: str | None
    library_name: str | None
    tags: tuple[str, ...]
    base_models: tuple[str, ...]
    safetensors_parameters: dict[str, int] | None  # parameters by dtype, as the Hub counted them


def is_commit(revision: str | None) -> bool:
    """A full 40-hex commit sha (a pinned revision)."""
    return revision is not None and bool(_SHA1.match(revision))


def json_body(body: bytes) -> object:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        start = body[:40].decode("utf-8", "replace").strip().replace("\n", " ")
        raise BadReplyError(f"the reply is not JSON (starts with {start!r})") from None


_KINDS: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}


def _kind(value: object) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def _expect(ok: bool, what: str, value: object, wanted: str) -> None:
    if not ok:
        raise BadReplyError(f"{what} is {_kind(value)}, expected {wanted}")


def _optional_str(value: object, what: str) -> str | None:
    _expect(value is None or isinstance(value, str), what, value, "a string")
    return value if isinstance(value, str) else None


def _optional_bool(value: object, what: str) -> bool | None:
    _expect(value is None or isinstance(value, bool), what, value, "true or false")
    return value if isinstance(value, bool) else None


def _size(value: object, what: str) -> int | None:
    ok = value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
    _expect(ok, what, value, "a size in bytes")
    return value if isinstance(value, int) else None


def _card_dict(card_data: object) -> dict[str, Any] | None:
    if card_data is None:
        return None
    _expect(isinstance(card_data, CardData), "cardData", card_data, "an object")
    assert isinstance(card_data, CardData)
    data = card_data.to_dict()  # type: ignore[no-untyped-call]
    return dict(data) if isinstance(data, dict) else None


def parse_model_info(data: object) -> ModelSnapshot:
    """A model_info reply (with ``blobs=true`` and the MODEL_EXPAND fields), checked field by field."""
    _expect(isinstance(data, dict), "the reply", data, "an object")
    assert isinstance(data, dict)
    try:
        info = ModelInfo(**data)  # type: ignore[no-untyped-call]
        card_data = _card_dict(info.card_data)
    except BadReplyError:
        raise
    except _PARSE_ERRORS as error:
        raise BadReplyError(f"not a model description ({type(error).__name__}: {str(error)[:120]})") from None
    _expect(isinstance(info.id, str) and bool(info.id), "id", info.id, "a repository id")
    _expect(isinstance(info.sha, str) and bool(_SHA1.match(info.sha or "")), "sha", info.sha, "a 40-hex commit")
    _expect(isinstance(info.siblings, list), "siblings", data.get("siblings"), "a list")
    files = []
    for sibling in info.siblings or ():
        path = sibling.rfilename
        _expect(isinstance(path, str) and bool(path), "a sibling's rfilename", path, "a path")
        size = _size(sibling.size, f"size of {path}")
        lfs = sibling.lfs
        sha256 = None
        if lfs is not None:
            sha256 = lfs.sha256
            _expect(isinstance(sha256, str) and bool(_SHA256.match(sha256)), f"lfs.sha256 of {path}", sha256, "hex")
            size = _size(lfs.size, f"lfs.size of {path}") if size is None else size
        files.append(RepoFile(path, size, sha256, lfs is not None))
    tags = info.tags or []
    _expect(isinstance(tags, list) and all(isinstance(t, str) for t in tags), "tags", tags, "a list of strings")
    gated = info.gated
    _expect(gated is None or isinstance(gated, (bool, str)), "gated", gated, "false, 'auto' or 'manual'")
    return ModelSnapshot(
        repo_id=info.id,
        sha=str(info.sha),
        files=tuple(sorted(files, key=lambda f: f.path)),
        card_data=card_data,
        gated=gated,
        private=_optional_bool(info.private, "private"),
        disabled=_optional_bool(info.disabled, "disabled"),
        last_modified=info.last_modified.isoformat() if info.last_modified else None,
        pipeline_tag=_optional_str(info.pipeline_tag, "pipeline_tag"),
        library_name=_optional_str(info.library_name, "library_name"),
        tags=tuple(tags),
        base_models=_base_models(info.base_models),
        safetensors_parameters=_safetensors(info.safetensors),
    )


def _base_models(value: object) -> tuple[str, ...]:
    """``baseModels``: {"relation": …, "models": [{"id": …}, …]}."""
    if value is None:
        return ()
    _expect(isinstance(value, dict), "baseModels", value, "an object")
    assert isinstance(value, dict)
    models = value.get("models") or []
    _expect(isinstance(models, list), "baseModels.models", models, "a list")
    ids = []
    for model in models:
        model_id = model.get("id") if isinstance(model, dict) else None
        _expect(isinstance(model_id, str) and bool(model_id), "a baseModels entry's id", model_id, "a model id")
        ids.append(str(model_id))
    return tuple(ids)


def _safetensors(value: Any) -> dict[str, int] | None:
    """``safetensors``: {"parameters": {dtype: count}, "total": n}."""
    if value is None:
        return None
    parameters = value.get("parameters")
    ok = isinstance(parameters, dict) and all(
        isinstance(k, str) and isinstance(n, int) and not isinstance(n, bool) and n >= 0 for k, n in parameters.items()
    )
    _expect(ok, "safetensors.parameters", parameters, "counts by dtype")
    return dict(parameters)


def parse_sha(data: object) -> str:
    """The commit of a ``expand[]=sha`` reply."""
    _expect(isinstance(data, dict), "the reply", data, "an object")
    assert isinstance(data, dict)
    sha = data.get("sha")
    _expect(isinstance(sha, str) and bool(_SHA1.match(sha or "")), "sha", sha, "a 40-hex commit")
    return str(sha)


def parse_dataset_info(data: object, dataset_id: str) -> DatasetFacts:
    """A dataset_info reply: the dataset card's license fields and the gated flag."""
    _expect(isinstance(data, dict), "the reply", data, "an object")
    assert isinstance(data, dict)
    try:
        info = DatasetInfo(**data)  # type: ignore[no-untyped-call]
        card_data = _card_dict(info.card_data) or {}
    except BadReplyError:
        raise
    except _PARSE_ERRORS as error:
        raise BadReplyError(f"not a dataset description ({type(error).__name__}: {str(error)[:120]})") from None
    gated = info.gated
    _expect(gated is None or isinstance(gated, (bool, str)), "gated", gated, "false, 'auto' or 'manual'")
    return DatasetFacts(
        dataset_id,
        True,
        license=tuple(string_list(card_data.get("license"))),
        license_name=string_value(card_data.get("license_name")),
        gated=gated,
    )


def parse_listing(data: object) -> list[tuple[str, str]]:
    """A page of ``/api/models?…&expand[]=sha``: (id, sha) of each model."""
    _expect(isinstance(data, list), "the listing", data, "a list")
    assert isinstance(data, list)
    found = []
    for item in data:
        _expect(isinstance(item, dict), "a listing entry", item, "an object")
        model_id, sha = item.get("id"), item.get("sha")
        _expect(isinstance(model_id, str) and bool(model_id), "a listing entry's id", model_id, "a model id")
        _expect(isinstance(sha, str) and bool(_SHA1.match(sha or "")), f"sha of {model_id}", sha, "a 40-hex commit")
        found.append((str(model_id), str(sha)))
    return found
