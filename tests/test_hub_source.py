"""The Hub source through the real huggingface_hub client against the loopback fake Hub, faults included."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_url

from auditor import assess
from auditor.api import audit, audit_many
from auditor.errors import HubUnavailableError, OfflineMissingError, TargetNotFoundError
from auditor.sources.hub import LICENSE_UNKNOWN, HubSource
from auditor.sources.hubhttp import HubBadReplyError, HubDeadlineError
from tests.fakehub import GOOD_TOKEN, FakeHub, FakeRepo, Fault

PYTHIA = "EleutherAI/pythia-6.9b"


def rules(facts) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.rule for f in assess(facts).findings}


def source(tmp_path: Path, **options: Any) -> HubSource:
    settings: dict[str, Any] = {"cache_dir": str(tmp_path / "hf"), "meta_dir": tmp_path / "meta", "timeout": 1.0,
                                "retries": 2, "backoff": 0.01, "deadline": 10.0}  # fmt: skip
    return HubSource(**{**settings, **options})


def main_sha(hub: FakeHub, repo_id: str) -> str:
    return hub.repos[("model", repo_id)].branches["main"]


# --- the fake Hub speaks the Hub's API, as huggingface_hub reads it ---------------------------------------------
def test_fake_hub_expand_returns_only_the_fields_asked_for(hub: FakeHub) -> None:
    api = HfApi()
    info = api.model_info("acme/vicuna-like-delta", expand=["baseModels", "cardData"])
    assert info.base_models == {"relation": "finetune", "models": [{"id": "huggyllama/llama-7b"}]}
    assert info.card_data is not None and info.card_data.license == "apache-2.0"
    assert info.sha is None and info.siblings is None and info.tags is None  # not asked for, not sent
    default = api.model_info("acme/vicuna-like-delta")
    assert default.sha and default.base_models is None  # baseModels is an expand-only field
    assert default.siblings is not None and default.siblings[0].size is None  # sizes only with blobs=true
    with pytest.raises(Exception, match="expand"):
        api.model_info("acme/vicuna-like-delta", expand=["noSuchField"])  # type: ignore[list-item]


def test_fake_hub_blobs_and_safetensors_summary(hub: FakeHub) -> None:
    header = json.dumps({"w": {"dtype": "F16", "shape": [3, 4], "data_offsets": [0, 24]}}).encode()
    weights = len(header).to_bytes(8, "little") + header + bytes(24)
    hub.add(FakeRepo("acme/st", {"model.safetensors": weights, "README.md": b"# x\n"}, lfs={"model.safetensors"}))
    info = HfApi().model_info("acme/st", files_metadata=True)
    assert info.safetensors is not None and info.safetensors.parameters == {"F16": 12} and info.safetensors.total == 12
    (lfs,) = [s.lfs for s in info.siblings or () if s.lfs]
    assert lfs.sha256 == hashlib.sha256(weights).hexdigest() and lfs.size == len(weights)


def test_fake_hub_redirects_lfs_files_to_another_origin(hub: FakeHub) -> None:
    metadata = get_hf_file_metadata(hf_hub_url(PYTHIA, "model.safetensors"))
    content = hub.repos[("model", PYTHIA)].files["model.safetensors"]
    assert metadata.etag == hashlib.sha256(content).hexdigest() and metadata.size == len(content)
    assert metadata.location.startswith(hub.cdn_url + "/cdn/") and metadata.commit_hash == main_sha(hub, PYTHIA)


def test_fake_hub_lists_models_with_pagination(hub: FakeHub) -> None:
    hub.page_size = 2
    models = list(HfApi().list_models(author="acme", search="deep", expand=["sha"]))
    assert [m.id for m in models] == sorted(f"acme/deep-{i}" for i in range(11))
    assert all(m.sha for m in models) and hub.count("GET", "/api/models?") == 6
    assert [m.id for m in HfApi().list_models(filter="license:gpl-3.0", author="acme")] == ["acme/deep-10"]


# --- what one fetch reads ----------------------------------------------------------------------------------------
def test_one_model_info_request_with_blobs_and_the_fields_needed(hub: FakeHub, hub_source: HubSource) -> None:
    facts = hub_source.fetch(PYTHIA, None, PYTHIA)
    repo = hub.repos[("model", PYTHIA)]
    assert facts.source == "hub" and facts.sha == repo.branches["main"]
    by_path = {f.path: f for f in facts.files or ()}
    weights = repo.files["model.safetensors"]
    assert by_path["model.safetensors"].sha256 == hashlib.sha256(weights).hexdigest()
    assert by_path["model.safetensors"].lfs and by_path["model.safetensors"].size == len(weights)
    assert by_path["README.md"].sha256 is None
    assert facts.card is not None and facts.card.metadata["license"] == "apache-2.0"
    assert facts.hub is not None and facts.hub.gated is False
    (info,) = [p for m, p in hub.log() if p.startswith(f"/api/models/{PYTHIA}")]
    assert "blobs=true" in info and "expand%5B%5D=safetensors" in info and "expand%5B%5D=baseModels" in info
    # the card and config.json, by commit; the weights' parameter count came with model_info (no range reads)
    assert sorted(p for m, p in hub.log() if "/resolve/" in p) == [
        f"/{PYTHIA}/resolve/{facts.sha}/README.md",
        f"/{PYTHIA}/resolve/{facts.sha}/config.json",
    ]
    assert [w.parameters for w in facts.weights or ()] == [0]  # the fake's header holds no tensors


def test_base_models_from_the_hub_model_tree(hub: FakeHub, hub_source: HubSource) -> None:
    facts = hub_source.fetch("acme/vicuna-like-delta", None, "x")
    assert facts.hub is not None and facts.hub.base_models == ("huggyllama/llama-7b",)


def test_pinned_revision_branch_and_sha(hub: FakeHub, hub_source: HubSource) -> None:
    sha = hub.repos[("model", PYTHIA)].branches["v1.0"]
    facts = hub_source.fetch(PYTHIA, "v1.0", "x")
    assert facts.sha == sha and facts.revision == "v1.0"
    assert hub.count("GET", f"/resolve/{sha}/README.md") == 1  # files by the commit the branch named
    assert facts.access == ()
    again = hub_source.fetch(PYTHIA, sha, "y")
    assert again.sha == sha and again.target == "y" and again.revision == sha
    assert hub.count("GET", f"/api/models/{PYTHIA}") == 1  # the same commit is read once per source


def test_unknown_revision_and_repo_are_not_found(hub: FakeHub, hub_source: HubSource) -> None:
    with pytest.raises(TargetNotFoundError, match="revision 'nope' not found"):
        hub_source.fetch(PYTHIA, "nope", "x")
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


def test_gated_with_granted_token_reads_license(hub: FakeHub, tmp_path: Path) -> None:
    facts = source(tmp_path, token=GOOD_TOKEN).fetch("meta-llama/Meta-Llama-3-8B", None, "x")
    assert {d.path for d in facts.documents} == {"LICENSE", "USE_POLICY.md"}
    assert "META LLAMA 3 COMMUNITY LICENSE" in next(d.text for d in facts.documents if d.path == "LICENSE")
    assert "HUB-GATED" in rules(facts) and "HUB-ACCESS-DENIED" not in rules(facts)


def test_gated_model_info_itself(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault(f"/api/models/{PYTHIA}", status=401, error_code="GatedRepo"))
    facts = hub_source.fetch(PYTHIA, None, "x")
    assert facts.files is None and "HUB-ACCESS-DENIED" in rules(facts)
    assert facts.card is not None and facts.card.metadata["license"] == "apache-2.0"  # the card was still readable
    assert not any(n.message.startswith(LICENSE_UNKNOWN) for n in facts.access)


def test_gated_metadata_and_card_unreadable_says_the_license_is_unknown(hub: FakeHub, hub_source: HubSource) -> None:
    """#16 item 6: nothing readable must be stated precisely, not pass silently as 'no license found'."""
    hub.inject(Fault(f"/api/models/{PYTHIA}", status=401, error_code="GatedRepo"))
    hub.inject(Fault(f"/{PYTHIA}/resolve/", status=403, error_code="GatedRepo"))
    facts = hub_source.fetch(PYTHIA, None, "x")
    assert facts.card is None and facts.files is None and facts.hub is not None and facts.hub.gated is True
    gated = [n for n in facts.access if n.kind == "gated"]
    assert [n.file for n in gated] == [None, "README.md", None]
    assert gated[-1].message == (
        f"{LICENSE_UNKNOWN}no card was read, and access was not granted to the repository metadata, README.md"
    )


def test_gated_license_file_behind_a_card_without_license(hub: FakeHub, hub_source: HubSource) -> None:
    hub.add(FakeRepo("acme/gated-text", {"README.md": b"# Model\n", "LICENSE": b"Custom terms\n"}, gated="manual"))
    facts = hub_source.fetch("acme/gated-text", None, "x")
    unknown = [n.message for n in facts.access if n.message.startswith(LICENSE_UNKNOWN)]
    assert unknown == [f"{LICENSE_UNKNOWN}the card declares no license, and access was not granted to LICENSE"]
    llama = hub_source.fetch("meta-llama/Meta-Llama-3-8B", None, "x")  # its card declares the license
    assert not any(n.message.startswith(LICENSE_UNKNOWN) for n in llama.access)


def test_forbidden_gated_403_on_a_file(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/README.md", status=403, error_code="GatedRepo"))
    facts = hub_source.fetch(PYTHIA, None, "x")
    assert facts.card is not None and facts.card.file.endswith("(Hub card data)")
    assert "CARD-MISSING" not in rules(facts) and "HUB-ACCESS-DENIED" in rules(facts)


def test_disabled_repository(hub: FakeHub, hub_source: HubSource) -> None:
    facts = hub_source.fetch("acme/disabled", None, "x")
    result = assess(facts)
    assert "HUB-DISABLED" in {f.rule for f in result.findings} and result.verdict.status == "fail"


def test_no_card_but_license_file(hub: FakeHub, hub_source: HubSource) -> None:
    facts = hub_source.fetch("acme/no-card", None, "x")
    assert [d.path for d in facts.documents] == ["LICENSE"]
    assert {"CARD-MISSING", "LIC-FIELD-MISSING"} <= rules(facts) and "LIC-MISSING" not in rules(facts)


# --- one retry layer, timeouts, deadlines ------------------------------------------------------------------------
def test_429_with_retry_after_is_retried(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault(f"/api/models/{PYTHIA}", status=429, retry_after="1", times=1))
    start = time.monotonic()
    facts = hub_source.fetch(PYTHIA, None, "x")
    assert facts.sha is not None
    assert time.monotonic() - start >= 1.0  # Retry-After was honoured
    assert hub.count("GET", f"/api/models/{PYTHIA}") == 2


def test_retry_after_beyond_the_deadline_gives_up_at_once(hub: FakeHub, tmp_path: Path) -> None:
    hub.inject(Fault(f"/api/models/{PYTHIA}", status=429, retry_after="3600"))
    start = time.monotonic()
    with pytest.raises(
        HubDeadlineError, match=r"wait of 3600 s asked by the server would pass the deadline; gave up after 0 s"
    ):
        source(tmp_path, deadline=5.0).fetch(PYTHIA, None, "x")
    assert time.monotonic() - start < 1.0 and hub.count("GET", f"/api/models/{PYTHIA}") == 1


def test_500_twice_then_success(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault(f"/api/models/{PYTHIA}", status=500, times=2))
    assert hub_source.fetch(PYTHIA, None, "x").sha is not None
    assert hub.count("GET", f"/api/models/{PYTHIA}") == 3


def test_persistent_503_gives_up_after_bounded_retries(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault(f"/api/models/{PYTHIA}", status=503))
    with pytest.raises(
        HubUnavailableError, match=r"failed: HTTP 503 Service Unavailable; gave up after \d+ s and 3 attempts"
    ):
        hub_source.fetch(PYTHIA, None, "x")
    assert hub.count("GET", f"/api/models/{PYTHIA}") == hub_source.retries + 1


def test_stall_before_the_reply_times_out(hub: FakeHub, tmp_path: Path) -> None:
    hub.inject(Fault(f"/api/models/{PYTHIA}", stall=3.0))
    start = time.monotonic()
    with pytest.raises(HubUnavailableError, match="stalled"):
        source(tmp_path, timeout=0.5, retries=1).fetch(PYTHIA, None, "x")
    assert time.monotonic() - start < 2.0


def test_a_trickling_reply_cannot_outlive_the_deadline(hub: FakeHub, tmp_path: Path) -> None:
    hub.inject(Fault(f"/api/models/{PYTHIA}", trickle=0.05))  # a byte every 50 ms: never a read timeout
    start = time.monotonic()
    with pytest.raises(HubDeadlineError, match=r"gave up after [12] s \(deadline 1 s, 1 attempt\)"):
        source(tmp_path, timeout=1.0, deadline=1.0).fetch(PYTHIA, None, "x")
    assert time.monotonic() - start < 2.5


def test_transient_download_failure_is_retried(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault(f"/{PYTHIA}/resolve/", status=500, times=1))
    facts = hub_source.fetch(PYTHIA, None, "x")
    assert facts.card is not None and facts.card.file == "README.md"
    assert facts.access == ()


def test_file_download_fault_is_a_finding_not_a_crash(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/acme/no-card/resolve/", status=404, error_code="EntryNotFound"))
    facts = hub_source.fetch("acme/no-card", None, "x")
    assert facts.documents == ()
    assert "SOURCE-INCOMPLETE" in rules(facts)
    assert not list(Path(hub_source.meta.root).rglob("*.json"))  # an incomplete read is not cached


def test_unreachable_hub(tmp_path: Path) -> None:
    with pytest.raises(HubUnavailableError, match="cannot connect"):
        source(tmp_path, endpoint="http://127.0.0.1:9", retries=1).fetch(PYTHIA, None, "x")


def test_stalled_cdn_download_gives_up_within_the_deadline_with_one_retry_layer(hub: FakeHub, tmp_path: Path) -> None:
    """#16 item 5: a body that stops after its headers; huggingface_hub would resume it 5 times per try."""
    hub.inject(Fault("/cdn/", truncate=4, stall_body=5.0))
    hub_source = source(tmp_path, timeout=0.5, retries=2, deadline=3.0)
    start = time.monotonic()
    with pytest.raises(HubUnavailableError, match=r"downloading model.safetensors failed: .* gave up after"):
        hub_source.download(PYTHIA, "model.safetensors", main_sha(hub, PYTHIA))
    took = time.monotonic() - start
    assert took < 3.0 + 1.0, took  # deadline + slack
    assert hub.count("GET", "/cdn/") <= hub_source.retries + 1  # each try reads the body once: no library resumes


def test_failing_cdn_is_retried_by_one_layer_only(hub: FakeHub, tmp_path: Path) -> None:
    hub.inject(Fault("/cdn/", status=503))
    hub_source = source(tmp_path, retries=2, backoff=0.01)
    with pytest.raises(HubUnavailableError, match="HTTP 503 Service Unavailable; gave up after 0 s and 3 attempts"):
        hub_source.download(PYTHIA, "model.safetensors", main_sha(hub, PYTHIA))
    assert hub.count("GET", "/cdn/") == 3 and hub.count("HEAD", "/resolve/") == 3


def test_download_is_public_and_uses_the_hugging_face_cache(hub: FakeHub, tmp_path: Path) -> None:
    hub_source = source(tmp_path)
    sha = main_sha(hub, PYTHIA)
    path = hub_source.download(PYTHIA, "model.safetensors", sha)
    assert path.read_bytes() == hub.repos[("model", PYTHIA)].files["model.safetensors"]
    assert path.is_relative_to(tmp_path / "hf") and path.parent.name == sha
    before = len(hub.log())
    assert hub_source.download(PYTHIA, "model.safetensors", sha) == path and len(hub.log()) == before


def test_a_stalled_target_does_not_hold_up_the_batch(hub: FakeHub, tmp_path: Path) -> None:
    hub.inject(Fault(f"/api/models/{PYTHIA}", trickle=0.05))
    hub_source = source(tmp_path, timeout=1.0, deadline=1.5)
    start = time.monotonic()
    stalled, fine = list(audit_many([PYTHIA, "acme/no-card"], hub=hub_source, workers=1))
    assert time.monotonic() - start < 1.5 + 2.0
    assert stalled.error is not None and stalled.error.kind == "hub-unavailable"
    assert "gave up after" in stalled.error.message
    assert fine.error is None and fine.facts is not None and fine.facts.documents


# --- bad replies (#16 item 8) --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (Fault("", body=b"<html>Service temporarily down</html>"), "the reply is not JSON"),
        (Fault("", body=b"[]"), "the reply is a list, expected an object"),
        (Fault("", body=b"null"), "the reply is null, expected an object"),
        (Fault("", body=b'"text"'), "the reply is a string"),
        (Fault("", patch={"siblings": "README.md"}), "not a model description"),
        (Fault("", patch={"siblings": {"a": 1}}), "not a model description"),
        (Fault("", patch={"siblings": [{"rfilename": 5}]}), "rfilename is int"),
        (Fault("", patch={"siblings": [{"rfilename": "a", "lfs": {"size": 1}}]}), "not a model description"),
        (Fault("", patch={"siblings": [{"rfilename": "a", "size": "big"}]}), "size of a is a string"),
        (Fault("", patch={"sha": 5}), "sha is int"),
        (Fault("", patch={"sha": None}), "sha is null"),
        (Fault("", patch={"cardData": [1, 2]}), "cardData is a list"),
        (Fault("", patch={"tags": "a,b"}), "tags is a string"),
        (Fault("", patch={"gated": 1}), "gated is int"),
        (Fault("", patch={"baseModels": ["x"]}), "baseModels is a list"),
        (Fault("", patch={"baseModels": {"models": [{"id": 3}]}}), "id is int"),
        (Fault("", patch={"safetensors": {"parameters": [1], "total": 1}}), "safetensors.parameters is a list"),
        (Fault("", patch={"lastModified": 12}), "not a model description"),
        (Fault("", redirect="/api/models/acme/no-card"), "redirect loop"),
        (Fault("", status=200, body=b"{}"), "not a model description"),
    ],
)
def test_bad_model_info_replies_are_hub_unavailable(hub: FakeHub, tmp_path: Path, fault: Fault, reason: str) -> None:
    fault.match = "/api/models/acme/no-card"
    hub.inject(fault)
    (result,) = audit_many(["acme/no-card"], hub=source(tmp_path))
    assert result.error is not None and result.error.kind == "hub-unavailable", result.error
    assert reason in result.error.message and len(result.error.message.splitlines()) == 1


def test_bad_dataset_reply_is_a_note(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/api/datasets/acme/nc-data", body=b"[1, 2]"))
    facts = hub_source.fetch("acme/trained-on-nc", None, "x")
    (dataset,) = facts.datasets
    assert not dataset.found and "the reply is a list" in (dataset.note or "")


def test_redirect_loop_on_a_file_is_a_note(hub: FakeHub, hub_source: HubSource) -> None:
    sha = main_sha(hub, "acme/no-card")
    hub.inject(Fault("/acme/no-card/resolve/", redirect=f"/acme/no-card/resolve/{sha}/LICENSE"))
    facts = hub_source.fetch("acme/no-card", None, "x")
    assert any("redirect loop" in n.message for n in facts.access if n.file == "LICENSE")


# --- the metadata cache and politeness (#15 item 5) ---------------------------------------------------------------
def test_warm_pinned_rerun_makes_no_request_and_a_branch_one(hub: FakeHub, tmp_path: Path) -> None:
    sha = main_sha(hub, "acme-open/open-7b")
    cold = source(tmp_path).fetch("acme-open/open-7b", sha, "x")
    assert len(hub.log()) == 1 + 2 + 2  # model_info, README and config.json, two dataset cards
    hub.reset()
    warm = source(tmp_path).fetch("acme-open/open-7b", sha, "x")  # a new source: only the disk cache is shared
    assert hub.log() == []
    assert warm == cold
    branch = source(tmp_path).fetch("acme-open/open-7b", None, "x")
    (only,) = hub.log()
    assert only[1] == "/api/models/acme-open/open-7b?expand%5B%5D=sha"
    assert branch.sha == sha and branch.datasets == cold.datasets


def test_a_moved_branch_is_fetched_again(hub: FakeHub, tmp_path: Path) -> None:
    source(tmp_path).fetch("acme/no-card", None, "x")
    repo = hub.repos[("model", "acme/no-card")]
    repo.branches["main"] = "f" * 40
    repo.files["LICENSE"] = b"Apache License\nVersion 2.0, January 2004\n"
    hub.reset()
    facts = source(tmp_path).fetch("acme/no-card", None, "x")
    assert facts.sha == "f" * 40 and "Apache License" in facts.documents[0].text
    assert hub.count("GET", "/api/models/acme/no-card") == 2  # which commit, then that commit's model_info


def test_offline_gives_the_same_audit_as_online(hub: FakeHub, tmp_path: Path) -> None:
    sha = main_sha(hub, "acme-open/open-7b")
    online = audit(f"acme-open/open-7b@{sha}", hub=source(tmp_path)).to_dict()
    hub.reset()
    offline = audit(f"acme-open/open-7b@{sha}", hub=source(tmp_path, offline=True), offline=True).to_dict()
    assert hub.log() == []
    assert offline["model"].pop("source") == "hub-cache" and online["model"].pop("source") == "hub"
    assert offline == online  # dataset licenses and weights included: no false "no weights" finding
    assert "WEIGHTS-MISSING" not in {f["rule"] for f in offline["findings"]}
    assert offline["openness"]["mof_class"] == 1


def test_offline_branch_says_which_commit_it_assumed(hub: FakeHub, tmp_path: Path) -> None:
    source(tmp_path).fetch(PYTHIA, None, "x")
    hub.reset()
    facts = source(tmp_path, offline=True).fetch(PYTHIA, None, "x")
    assert hub.log() == [] and facts.source == "hub-cache" and facts.card is not None
    assert facts.card.metadata["license"] == "apache-2.0" and facts.weights
    (note,) = facts.access
    assert note.kind == "offline" and main_sha(hub, PYTHIA) in note.message
    assert "SOURCE-OFFLINE" in rules(facts)
    with pytest.raises(OfflineMissingError, match=r"no snapshot of it is in the Hugging Face cache"):
        source(tmp_path, offline=True).fetch("EleutherAI/gpt-j-6b", None, "x")


def test_offline_falls_back_to_a_hugging_face_cache_snapshot(hub: FakeHub, tmp_path: Path) -> None:
    sha = main_sha(hub, PYTHIA)
    for name in ("README.md", "config.json"):
        source(tmp_path).download(PYTHIA, name, sha)  # as `transformers` would have left it
    hub.reset()
    facts = source(tmp_path, offline=True).fetch(PYTHIA, sha, "x")
    assert hub.log() == [] and facts.source == "hub-cache" and facts.sha == sha
    assert facts.card is not None and [n.kind for n in facts.access] == ["offline"]


def test_a_malformed_cache_record_is_ignored(hub: FakeHub, tmp_path: Path) -> None:
    sha = main_sha(hub, PYTHIA)
    source(tmp_path).fetch(PYTHIA, sha, "x")
    (record,) = (tmp_path / "meta").rglob(f"{sha}.json")
    record.write_text('{"format": 1, "info": []}')
    hub.reset()
    assert source(tmp_path).fetch(PYTHIA, sha, "x").card is not None
    assert hub.count("GET", f"/api/models/{PYTHIA}") == 1
    assert json.loads(record.read_text())["sha"] == sha  # rewritten whole


def test_target_and_parent_are_fetched_once(hub: FakeHub, tmp_path: Path) -> None:
    hub_source = source(tmp_path)
    results = list(audit_many(["acme/vicuna-like-delta", "huggyllama/llama-7b"], hub=hub_source, workers=2))
    assert all(r.error is None for r in results)
    assert hub.count("GET", "/api/models/huggyllama/llama-7b") == 1
    assert hub.count("GET", "/huggyllama/llama-7b/resolve/") == 1


def test_rate_cap_spaces_requests_across_threads(hub: FakeHub, tmp_path: Path) -> None:
    hub_source = source(tmp_path, rate=5.0)
    start = time.monotonic()
    targets = ["acme/no-card", "mistralai/Mistral-7B-v0.1", "huggyllama/llama-7b", PYTHIA]
    assert all(r.error is None for r in audit_many(targets, hub=hub_source, workers=4))
    requests = len(hub.log())
    assert requests >= 10
    assert time.monotonic() - start >= (requests - 5) / 5.0 - 0.1  # a burst of 5, then 5 a second


def test_cold_and_warm_request_counts_for_a_batch(hub: FakeHub, tmp_path: Path) -> None:
    """12 targets, some pinned, some also another target's parent; the same cache twice. Prints the figures."""
    pinned = ["EleutherAI/pythia-6.9b", "mistralai/Mistral-7B-v0.1", "acme-open/open-7b", "huggyllama/llama-7b",
              "acme/cycle-b", "meta-llama/Llama-2-7b-hf", "acme/trained-on-nc"]  # fmt: skip
    unpinned = ["teknium/OpenHermes-2.5-Mistral-7B", "HuggingFaceH4/zephyr-7b-beta", "acme/vicuna-like-delta",
                "acme/cycle-a", "acme/no-card"]  # fmt: skip
    targets = [f"{r}@{main_sha(hub, r)}" for r in pinned] + unpinned
    assert len(targets) == 12

    def run() -> list[tuple[str, str]]:
        hub.reset()
        results = list(audit_many(targets, hub=source(tmp_path), workers=4))
        assert all(r.error is None for r in results), [r.error for r in results if r.error]
        return hub.log()

    cold, warm = run(), run()

    def repo_of(path: str) -> str:
        if "/resolve/" in path:
            return path.split("/resolve/")[0].lstrip("/")
        return path.split("?")[0].removeprefix("/api/models/").split("/revision/")[0]

    repos = {repo_of(p) for _, p in cold if not p.startswith("/api/datasets/")}
    per_repo = {r: sum(1 for _, p in cold if not p.startswith("/api/datasets/") and repo_of(p) == r) for r in repos}
    datasets = sum(1 for _, p in cold if p.startswith("/api/datasets/"))
    print(f"\ncold: {len(cold)} requests for {len(repos)} repos ({datasets} dataset cards): {per_repo}")
    print(f"warm: {len(warm)} requests: {sorted(p for _, p in warm)}")
    assert max(per_repo.values()) <= 4 and (len(cold) - datasets) / len(repos) <= 3.0
    # warm: nothing for pinned targets; one `expand[]=sha` look-up per unpinned target or parent, nothing else
    assert all(p.endswith("?expand%5B%5D=sha") for _, p in warm)
    looked_up = {p.split("?")[0][12:] for _, p in warm}
    parents = {"mistralai/Mistral-7B-v0.1", "huggyllama/llama-7b", "acme/cycle-b", "acme/cycle-a"}
    assert looked_up == set(unpinned) | parents and len(warm) == len(looked_up)


# --- listing (#15 item 1) -----------------------------------------------------------------------------------------
def test_list_targets_pins_each_model(hub: FakeHub, hub_source: HubSource) -> None:
    hub.page_size = 3
    targets = hub_source.list_targets(author="acme", search="deep")
    ids = sorted(f"acme/deep-{i}" for i in range(11))
    assert targets == [f"{repo_id}@{main_sha(hub, repo_id)}" for repo_id in ids]
    assert hub.count("GET", "/api/models?") == 4 and all("expand%5B%5D=sha" in p for _, p in hub.log())
    hub.reset()
    assert len(hub_source.list_targets(author="acme", limit=5)) == 5 and len(hub.log()) == 1
    gpl = hub_source.list_targets(author="acme", filter=["license:gpl-3.0"])
    assert gpl == [f"acme/deep-10@{main_sha(hub, 'acme/deep-10')}"]


def test_bad_listing_reply_is_hub_unavailable(hub: FakeHub, hub_source: HubSource) -> None:
    hub.inject(Fault("/api/models", body=b'{"models": []}'))
    with pytest.raises(HubBadReplyError, match="the listing is an object, expected a list"):
        hub_source.list_targets(author="acme")


# --- remote ranges (for remote pickle scans) ------------------------------------------------------------------------
def test_read_range_follows_the_lfs_redirect(hub: FakeHub, hub_source: HubSource) -> None:
    sha = main_sha(hub, PYTHIA)
    content = hub.repos[("model", PYTHIA)].files["model.safetensors"]
    assert hub_source.read_range(PYTHIA, "model.safetensors", sha, 0, 8) == content[:8]
    assert hub.count("GET", "/cdn/") == 1
    read = hub_source.range_reader(PYTHIA, "README.md", sha)
    card = hub.repos[("model", PYTHIA)].files["README.md"]
    assert read(4, 20) == card[4:20] and read(len(card), len(card) + 10) == b""
    assert hub_source.read_range(PYTHIA, "README.md", sha, len(card) + 5, len(card) + 10) == b""
    with pytest.raises(ValueError):
        hub_source.read_range(PYTHIA, "README.md", sha, 10, 5)


def test_read_range_against_a_server_that_ignores_ranges(hub: FakeHub, hub_source: HubSource) -> None:
    sha = main_sha(hub, PYTHIA)
    hub.inject(Fault("/README.md", status=200, body=hub.repos[("model", PYTHIA)].files["README.md"] * 2))
    with pytest.raises(HubBadReplyError, match="ignored the Range request"):
        hub_source.read_range(PYTHIA, "README.md", sha, 0, 8)
