"""The Hub source through the real huggingface_hub client against the loopback fake Hub, faults included."""

from __future__ import annotations

import hashlib
import time

import pytest

from auditor import assess
from auditor.errors import HubUnavailableError, OfflineMissingError, TargetNotFoundError
from auditor.sources.hub import HubSource
from tests.fakehub import GOOD_TOKEN, FakeHub, Fault


def rules(facts) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.rule for f in assess(facts).findings}


def test_model_info_files_sha_and_card(hub: FakeHub, hub_source: HubSource) -> None:
    facts = hub_source.fetch("EleutherAI/pythia-6.9b", None, "EleutherAI/pythia-6.9b")
    repo = hub.repos[("model", "EleutherAI/pythia-6.9b")]
    assert facts.source == "hub" and facts.sha == repo.branches["main"]
    by_path = {f.path: f for f in facts.files or ()}
    weights = repo.files["model.safetensors"]
    assert by_path["model.safetensors"].sha256 == hashlib.sha256(weights).hexdigest()
    assert by_path["model.safetensors"].lfs and by_path["model.safetensors"].size == len(weights)
    assert by_path["README.md"].sha256 is None
    assert facts.card is not None and facts.card.metadata["license"] == "apache-2.0"
    assert facts.hub is not None and facts.hub.gated is False
    assert hub.count("GET", "/api/models/EleutherAI/pythia-6.9b") == 1
    assert hub.count("GET", "/resolve/") >= 1


def test_pinned_revision_branch_and_sha(hub: FakeHub, hub_source: HubSource) -> None:
    sha = hub.repos[("model", "EleutherAI/pythia-6.9b")].branches["v1.0"]
    facts = hub_source.fetch("EleutherAI/pythia-6.9b", "v1.0", "x")
    assert facts.sha == sha and facts.revision == "v1.0"
    assert hub.count("GET", "/resolve/v1.0/README.md") == 1
    assert facts.access == ()  # every file came from the resolved commit
    assert hub_source.fetch("EleutherAI/pythia-6.9b", sha, "x").sha == sha


def test_unknown_revision_and_repo_are_not_found(hub: FakeHub, hub_source: HubSource) -> None:
    with pytest.raises(TargetNotFoundError, match="revision 'nope' not found"):
        hub_source.fetch("EleutherAI/pythia-6.9b", "nope", "x")
    with pytest.raises(TargetNotFoundError, match="model not found"):
        hub_source.fetch("acme/does-not-exist", None, "x")
    with pytest.raises(TargetNotFoundError):
        hub_source.fetch("acme/private", None, "x")  # 401 RepoNotFound without a token


def test_gated_without_token_is_a_finding(hub: FakeHub, hub_source: HubSource) -> None:
    facts = hub_source.fetch("meta-llama/Meta-Llama-3-8B", None, "x")
    assert facts.card is not None  # the card itself is readable
    assert {n.file for n in facts.access if n.kind == "gated"} == {"LICENSE", "USE_POLICY.md", "config.json"}
    assert facts.documents == ()
    found = assess(facts)
    denied = [f for f in found.findings if f.rule == "HUB-ACCESS-DENIED"]
    assert denied and all("gated: access not granted" in f.message for f in denied)


def test_gated_with_granted_token_reads_license(hub: FakeHub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = HubSource(token=GOOD_TOKEN, cache_dir=str(tmp_path), backoff=0.01)
    facts = source.fetch("meta-llama/Meta-Llama-3-8B", None, "x")
    assert {d.path for d in facts.documents} == {"LICENSE", "USE_POLICY.md"}
    assert "META LLAMA 3 COMMUNITY LICENSE" in next(d.text for d in facts.documents if d.path == "LICENSE")
    assert "HUB-GATED" in rules(facts) and "HUB-ACCESS-DENIED" not in rules(facts)


def test_gated_model_info_itself(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/api/models/EleutherAI/pythia-6.9b", status=401, error_code="GatedRepo"))
    facts = hub_source.fetch("EleutherAI/pythia-6.9b", None, "x")
    assert facts.files is None and "HUB-ACCESS-DENIED" in rules(facts)


def test_forbidden_gated_403_on_a_file(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/README.md", status=403, error_code="GatedRepo"))
    facts = hub_source.fetch("EleutherAI/pythia-6.9b", None, "x")
    assert facts.card is not None and facts.card.file.endswith("(Hub card data)")
    assert "CARD-MISSING" not in rules(facts) and "HUB-ACCESS-DENIED" in rules(facts)


def test_disabled_repository(hub: FakeHub, hub_source: HubSource) -> None:
    facts = hub_source.fetch("acme/disabled", None, "x")
    result = assess(facts)
    assert "HUB-DISABLED" in {f.rule for f in result.findings} and result.verdict.status == "fail"


def test_429_with_retry_after_is_retried(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/api/models/EleutherAI/pythia-6.9b", status=429, retry_after="1", times=1))
    start = time.monotonic()
    facts = hub_source.fetch("EleutherAI/pythia-6.9b", None, "x")
    assert facts.sha is not None
    assert time.monotonic() - start >= 1.0  # Retry-After was honoured
    assert hub.count("GET", "/api/models/EleutherAI/pythia-6.9b") == 2


def test_500_twice_then_success(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/api/models/EleutherAI/pythia-6.9b", status=500, times=2))
    assert hub_source.fetch("EleutherAI/pythia-6.9b", None, "x").sha is not None
    assert hub.count("GET", "/api/models/EleutherAI/pythia-6.9b") == 3


def test_persistent_503_gives_up_after_bounded_retries(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/api/models/EleutherAI/pythia-6.9b", status=503))
    with pytest.raises(HubUnavailableError, match="503"):
        hub_source.fetch("EleutherAI/pythia-6.9b", None, "x")
    assert hub.count("GET", "/api/models/EleutherAI/pythia-6.9b") == hub_source.retries + 1


def test_stall_times_out(hub: FakeHub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    hub.inject(Fault("/api/models/EleutherAI/pythia-6.9b", stall=3.0))
    source = HubSource(cache_dir=str(tmp_path), timeout=0.5, retries=1, backoff=0.01)
    start = time.monotonic()
    with pytest.raises(HubUnavailableError, match="cannot reach the Hub"):
        source.fetch("EleutherAI/pythia-6.9b", None, "x")
    assert time.monotonic() - start < 3.0


def test_file_download_fault_is_a_finding_not_a_crash(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/acme/no-card/resolve/", status=404, error_code="EntryNotFound", method="HEAD"))
    facts = hub_source.fetch("acme/no-card", None, "x")
    assert facts.documents == ()
    assert "SOURCE-INCOMPLETE" in rules(facts)


def test_transient_download_failure_is_retried(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/EleutherAI/pythia-6.9b/resolve/", status=500, times=1, method="HEAD"))
    facts = hub_source.fetch("EleutherAI/pythia-6.9b", None, "x")
    assert facts.card is not None and facts.card.file == "README.md"
    assert facts.access == ()


def test_no_card_but_license_file(hub: FakeHub, hub_source: HubSource) -> None:
    facts = hub_source.fetch("acme/no-card", None, "x")
    assert [d.path for d in facts.documents] == ["LICENSE"]
    assert {"CARD-MISSING", "LIC-FIELD-MISSING"} <= rules(facts) and "LIC-MISSING" not in rules(facts)


def test_offline_reads_the_cache_then_says_what_is_missing(hub: FakeHub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    online = HubSource(cache_dir=str(tmp_path), backoff=0.01)
    online.fetch("EleutherAI/pythia-6.9b", None, "x")
    before = len(hub.requests)
    offline = HubSource(cache_dir=str(tmp_path), offline=True)
    facts = offline.fetch("EleutherAI/pythia-6.9b", None, "x")
    assert len(hub.requests) == before  # no network at all
    assert facts.source == "hub-cache" and facts.card is not None
    assert facts.card.metadata["license"] == "apache-2.0"
    assert "SOURCE-OFFLINE" in rules(facts)
    with pytest.raises(OfflineMissingError, match=r"no snapshot of it is in the Hugging Face cache"):
        offline.fetch("EleutherAI/gpt-j-6b", None, "x")


def test_unreachable_hub(tmp_path) -> None:  # type: ignore[no-untyped-def]
    source = HubSource(endpoint="http://127.0.0.1:9", cache_dir=str(tmp_path), retries=1, backoff=0.01)
    with pytest.raises(HubUnavailableError):
        source.fetch("EleutherAI/pythia-6.9b", None, "x")
