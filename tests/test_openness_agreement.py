"""Agreement of the openness evidence with independent human judgements of real cards (tests/data/openness/).

The labels (174 real cards, judged from the card alone, never by running the auditor; conventions in the README
beside them) are compared with the audit of each README, offline. Split: a card is held out when
int(sha1(<card folder name>), 16) % 3 == 0; the classification was developed on the other two thirds, and the
held-out third is reported apart. ``pytest -s`` prints the confusion matrices, precision/recall and Cohen's kappa.

Weights are scored apart: the labels judge the Hub page as if the repository held the files the card describes,
while an audit of a README alone cannot see them and says ``unverified`` (issue #13); ``weights_terms`` scores what
the weights' terms alone say (the audit's ``terms_status``). The kappa targets apply to training data and code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from collections import Counter
from types import ModuleType
from typing import Any

import pytest

from auditor.repositories.targets import classify_target
from tests.conftest import REPO_ROOT

KAPPA_TARGET = 0.7
NEVER_TRAINING = frozenset({"benchmark", "leaderboard", "library", "quantizer", "evaluation-harness", "tool",
                            "inference-server", "ui", "merge-tool", "packaging"})  # fmt: skip


def _benchmark() -> ModuleType:
    path = REPO_ROOT / "benchmarks" / "openness_agreement.py"
    spec = importlib.util.spec_from_file_location("openness_agreement", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


AGREEMENT = _benchmark()


@pytest.fixture(scope="module")
def outcomes() -> list[Any]:
    labels = AGREEMENT.load_labels(AGREEMENT.LABELS)
    assert len(labels) >= 170
    return [AGREEMENT.audit_card(label) for label in labels]


def test_every_labelled_card_is_audited(outcomes: list[Any]) -> None:
    assert [o.label.id for o in outcomes if o.error is not None] == []


def test_split_is_the_stated_rule(outcomes: list[Any]) -> None:
    held = [o.label for o in outcomes if o.label.held_out]
    assert 50 <= len(held) <= 70  # a third, by sha1 of the folder name
    assert all(int(hashlib.sha1(x.card.parent.name.encode()).hexdigest(), 16) % 3 == 0 for x in held)


def test_kappa_on_training_data_and_code(outcomes: list[Any]) -> None:
    labels = [o.label for o in outcomes]
    criteria = (*AGREEMENT.CRITERIA, AGREEMENT.WEIGHTS_TERMS)
    print("\n" + AGREEMENT.report(outcomes, AGREEMENT.baseline_outcomes(labels), criteria, markdown=False))
    whole = AGREEMENT.confusions(outcomes, criteria)
    held = AGREEMENT.confusions([o for o in outcomes if o.label.held_out], criteria)
    print("criterion         kappa(whole)  kappa(held-out)  open P/R (whole)  pointer P/R (whole)")
    for name in criteria:
        p_open, r_open = whole[name].precision_recall(frozenset({"open"}))
        p_ptr, r_ptr = whole[name].precision_recall(AGREEMENT.POINTER)
        print(f"{name:<17} {whole[name].kappa():>12.2f}  {held[name].kappa():>15.2f}  "
              f"{p_open:>7.2f}/{r_open:.2f}      {p_ptr:>8.2f}/{r_ptr:.2f}")  # fmt: skip
    for name in ("training_data", "training_code"):
        assert whole[name].kappa() >= KAPPA_TARGET, (name, whole[name].counts)


def test_no_benchmark_library_quantizer_or_harness_counts_as_training(outcomes: list[Any]) -> None:
    """Over every labelled card: what the catalogue calls a benchmark, library, quantizer, evaluation harness or tool is
    never counted as training data or training code (unless the catalogue says it is this model's own code)."""
    wrong = []
    for outcome in outcomes:
        model = outcome.label.id
        for item in outcome.items:
            if not item["counted"] or item["criterion"] not in ("training_data", "training_code"):
                continue
            if not item.get("url"):
                continue
            target = classify_target(item["url"], model)
            if target.entry is not None and not target.first_party and target.entry.role in NEVER_TRAINING:
                wrong.append((model, item["criterion"], item["url"], target.entry.role))
    assert wrong == []


def test_evidence_roles_agree_with_the_reviewers_roles(outcomes: list[Any]) -> None:
    """The role the audit gives each link the reviewer cited, against the reviewer's role (printed; a floor)."""
    pairs: Counter[tuple[str, str]] = Counter()
    for outcome in outcomes:
        roles = {item.get("url"): item.get("role") for item in outcome.items if item.get("url")}
        for cited in outcome.label.evidence:
            ref = str(cited.get("ref", ""))
            if ref.startswith("http") and ref in roles:
                pairs[(str(cited.get("role")), str(roles[ref]))] += 1
    counted_roles = {"training-data", "training-code", "evaluation-code", "training-logs"}
    relevant = {k: v for k, v in pairs.items() if k[0] in counted_roles or k[1] in counted_roles}
    agree = sum(v for (label, audit), v in relevant.items() if label == audit)
    total = sum(relevant.values())
    print(f"\nroles of cited links (criterion roles): {agree}/{total} agree")
    for (label, audit), count in sorted(relevant.items(), key=lambda kv: -kv[1]):
        if label != audit:
            print(f"  reviewer {label:<15} audit {audit:<15} {count}")
    assert total and agree / total >= 0.75
