"""Every real card audits without a traceback, locally and through the loopback Hub, and validates."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest

from auditor import audit, audit_many
from auditor.result import schema
from auditor.sources.hub import HubSource
from tests.conftest import CARDS, CARDS_BULK, REAL_CARD_REPOS, real_cards

VALIDATOR = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())


def validate(payload: dict) -> None:  # type: ignore[type-arg]
    errors = sorted(VALIDATOR.iter_errors(payload), key=lambda e: list(e.path))
    assert not errors, f"{payload['target']}: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]
    )


def test_schema_is_itself_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("folder", real_cards(), ids=lambda p: p.name)
def test_real_card_as_bare_readme(folder) -> None:  # type: ignore[no-untyped-def]
    result = audit(str(folder / "README.md"))
    payload = json.loads(json.dumps(result.to_dict()))
    validate(payload)
    assert payload["model"]["source"] == "card" and payload["card"] is not None
    assert payload["verdict"]["status"] in {"pass", "conditions", "fail"}


def test_real_cards_bulk_robustness() -> None:
    paths = sorted(str(p) for p in CARDS_BULK.glob("*.md"))
    assert len(paths) >= 1500
    statuses = set()
    for result in audit_many(paths, workers=1):
        assert result.error is None, result.error
        statuses.add(result.verdict.status)
        validate(json.loads(json.dumps(result.to_dict())))
    assert statuses == {"pass", "conditions", "fail"}


def test_every_real_card_through_the_loopback_hub(hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = HubSource(cache_dir=str(tmp_path), backoff=0.01)
    ids = sorted(repo.repo_id for repo in REAL_CARD_REPOS)
    assert len(ids) == len(real_cards())
    results = list(audit_many(ids, hub=source, workers=4))
    assert [r.target for r in results] == ids  # input order kept
    for result in results:
        assert result.error is None, result.error
        payload = json.loads(json.dumps(result.to_dict()))
        validate(payload)
        assert payload["model"]["sha"] and payload["model"]["files"]
        local = audit(str(CARDS / _folder(result.target) / "README.md")) if _folder(result.target) else None
        if local is not None:  # same card, same metadata whether read from disk or the Hub
            assert payload["card"]["metadata"] == local.to_dict()["card"]["metadata"]


def _folder(repo_id: str) -> str | None:
    for folder in real_cards():
        source = (folder / "SOURCE.txt").read_text(encoding="utf-8", errors="replace")
        if re.search(rf"HF repo id: {re.escape(repo_id)}(\s|$)", source):
            return folder.name
    return None


def test_error_results_validate_too() -> None:
    (result,) = list(audit_many(["./does/not/exist/README.md"]))
    payload = json.loads(json.dumps(result.to_dict()))
    validate(payload)
    assert payload["verdict"]["status"] == "error" and payload["error"]["kind"] == "not-found"
