"""Test set-up: a loopback fake Hub that huggingface_hub is pointed at through HF_ENDPOINT.

huggingface_hub reads HF_ENDPOINT and HF_HOME when it is imported, so the server starts and the environment is
set here, at conftest import, before any test module imports auditor (and with it huggingface_hub).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakehub import FakeHub, FakeRepo, repos_from_cards

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared" / "data"
CARDS = SHARED / "cards"
CARDS_BULK = SHARED / "cards-bulk"
LICENSES = SHARED / "licenses"

_HF_HOME = Path(tempfile.mkdtemp(prefix="auditor-test-hf-"))
HUB = FakeHub()
REAL_CARD_REPOS = repos_from_cards(CARDS)
for _repo in REAL_CARD_REPOS:
    HUB.add(_repo)
_llama3 = HUB.repos[("model", "meta-llama/Meta-Llama-3-8B")]
_llama3.files["LICENSE"] = (LICENSES / "llama3.txt").read_bytes()
_llama3.files["USE_POLICY.md"] = (LICENSES / "llama3-acceptable-use-policy.txt").read_bytes()
_pythia = HUB.repos[("model", "EleutherAI/pythia-6.9b")]
_pythia.files["model.safetensors"] = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "
_pythia.lfs.add("model.safetensors")
_pythia.branches["v1.0"] = "0123456789abcdef0123456789abcdef01234567"
# A synthetic fully open model (OLMo-like): every MOF component published, with licensed datasets on the Hub.
OPEN_MODEL_CARD = """---
license: apache-2.0
library_name: transformers
datasets:
- acme-open/pretraining-mix
model-index:
- name: open-7b
  results:
  - task: {type: text-generation}
    dataset: {type: acme-open/eval-suite, name: Eval Suite}
    metrics: [{type: accuracy, value: 0.5}]
---
# Open-7B

- **License:** Apache 2.0
- [Training code](https://github.com/acme-open/open-train)
- [Data preprocessing](https://github.com/acme-open/data-prep)
- [Evaluation code](https://github.com/acme-open/open-eval)
- [Training logs](https://wandb.ai/acme-open/open-7b)
- [Paper](https://arxiv.org/abs/2402.00001)

## Usage
```python
model = AutoModelForCausalLM.from_pretrained("acme-open/open-7b", revision="step1000")
```

## Evaluation
See the model-index results.
"""
HUB.add(FakeRepo("acme-open/open-7b", {"README.md": OPEN_MODEL_CARD.encode(), "config.json": b'{"architectures": []}',
                                       "model.safetensors": b"\x08\x00\x00\x00\x00\x00\x00\x00{}      "},
                 lfs={"model.safetensors"}))  # fmt: skip
HUB.add(
    FakeRepo("acme-open/pretraining-mix", {"README.md": b"---\nlicense: odc-by\n---\n# Mix\n"}, repo_type="dataset")
)
HUB.add(
    FakeRepo("acme-open/eval-suite", {"README.md": b"---\nlicense: apache-2.0\n---\n# Eval\n"}, repo_type="dataset")
)
# Lineage fixtures: a synthetic Mistral base (Apache-2.0), Llama 2 with its license text, a cycle and a deep chain.
HUB.add(FakeRepo("mistralai/Mistral-7B-v0.1", {"README.md": b"---\nlicense: apache-2.0\n---\n# Mistral 7B\n"}))
HUB.add(
    FakeRepo(
        "meta-llama/Llama-2-7b-hf",
        {
            "README.md": (CARDS / "NousResearch__Llama-2-7b-hf" / "README.md").read_bytes(),
            "LICENSE.txt": (LICENSES / "llama2.txt").read_bytes(),
        },
    )
)
HUB.add(
    FakeRepo("huggyllama/llama-7b", {"README.md": b"---\nlicense: other\nlicense_name: llama-license\n---\n# LLaMA\n"})
)
HUB.add(
    FakeRepo(
        "acme/vicuna-like-delta",
        {
            "README.md": b"---\nlicense: apache-2.0\nbase_model: huggyllama/llama-7b\n"
            b"---\n# Delta weights\nDelta weights on top of LLaMA: apply them "
            b"to the original LLaMA weights.\n"
        },
    )
)
HUB.add(FakeRepo("acme/cycle-a", {"README.md": b"---\nlicense: mit\nbase_model: acme/cycle-b\n---\n"}))
HUB.add(FakeRepo("acme/cycle-b", {"README.md": b"---\nlicense: mit\nbase_model: acme/cycle-a\n---\n"}))
for _depth in range(11):
    _card = (
        f"---\nlicense: apache-2.0\nbase_model: acme/deep-{_depth + 1}\n---\n"
        if _depth < 10
        else "---\nlicense: gpl-3.0\n---\n"
    )
    HUB.add(FakeRepo(f"acme/deep-{_depth}", {"README.md": _card.encode()}))
HUB.add(FakeRepo("acme/nc-data", {"README.md": b"---\nlicense: cc-by-nc-4.0\n---\n"}, repo_type="dataset"))
HUB.add(FakeRepo("acme/trained-on-nc", {"README.md": b"---\nlicense: apache-2.0\ndatasets: [acme/nc-data]\n---\n"}))
HUB.add(FakeRepo("acme/no-card", {"config.json": b"{}", "LICENSE": b"MIT License\n\nCopyright (c) acme\n"}))
HUB.add(FakeRepo("acme/disabled", {"README.md": b"---\nlicense: mit\n---\n"}, disabled=True))
HUB.add(FakeRepo("acme/private", {"README.md": b"---\nlicense: mit\n---\n"}, private=True))

os.environ.update(
    {
        "HF_ENDPOINT": HUB.start(),
        "HF_HOME": str(_HF_HOME),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_HUB_ETAG_TIMEOUT": "3",
        "HF_HUB_DOWNLOAD_TIMEOUT": "3",
    }
)
for _name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.pop(_name, None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    HUB.stop()
    shutil.rmtree(_HF_HOME, ignore_errors=True)


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    """The fake Hub, with faults and the request log cleared after each test."""
    HUB.reset()
    yield HUB
    HUB.reset()


@pytest.fixture
def hub_source(hub: FakeHub, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A HubSource on the fake Hub with its own empty caches, fast retries and a short deadline."""
    from auditor.sources.hub import HubSource

    return HubSource(
        cache_dir=str(tmp_path / "hf-cache"),
        meta_dir=tmp_path / "meta",
        timeout=1.0,
        retries=2,
        backoff=0.01,
        max_wait=2,
        deadline=10.0,
    )


def real_cards() -> list[Path]:
    return sorted(p for p in CARDS.iterdir() if (p / "README.md").is_file())
