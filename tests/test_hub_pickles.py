"""Pickle-capable files on the Hub are scanned through range reads (nothing downloaded whole), and cached."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from auditor.sources.hub import HubSource
from tests.fakehub import FakeHub, FakeRepo
from tests.hostile.payloads import call_global

CARD = b"---\nlicense: mit\n---\n# A model\n"


def _torch_zip(data_pkl: bytes, padding: int = 0) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/data/0", b"\0" * padding)  # tensor storage the scan never needs to read
        archive.writestr("archive/version", "3\n")
    return buffer.getvalue()


SAFE_STATE = b"\x80\x02ccollections\nOrderedDict\n)R."  # collections.OrderedDict(): what a state dict starts with


def test_remote_pickles_are_scanned_without_downloading_them(hub: FakeHub, tmp_path: Path) -> None:
    weights = _torch_zip(SAFE_STATE, padding=4 << 20)
    hub.add(FakeRepo("acme/pickled", {
        "README.md": CARD,
        "pytorch_model.bin": weights,
        "training_args.bin": call_global("posix", "system", "id"),
    }, lfs={"pytorch_model.bin", "training_args.bin"}))  # fmt: skip
    source = HubSource(cache_dir=str(tmp_path / "hf"), timeout=2.0, retries=1, backoff=0.01)
    facts = source.fetch("acme/pickled", None, "acme/pickled")
    by_path = {w.path: w for w in facts.weights or ()}
    assert by_path["pytorch_model.bin"].is_weights and by_path["pytorch_model.bin"].dangerous_globals == ()
    assert by_path["pytorch_model.bin"].pickle_globals == ("collections.OrderedDict",)
    assert by_path["training_args.bin"].is_weights is False
    assert by_path["training_args.bin"].dangerous_globals == ("posix.system",)
    fetched = hub.bytes_sent("pytorch_model.bin")
    assert 0 < fetched < len(weights) // 4, f"{fetched} of {len(weights)} bytes read"


def test_a_hub_audit_fails_on_a_code_running_pickle_and_caches_the_scan(hub: FakeHub, tmp_path: Path) -> None:
    from auditor.api import audit

    hub.add(FakeRepo("acme/pickled-2", {"README.md": CARD, "optimizer.pt": call_global("os", "system", "id")},
                     lfs={"optimizer.pt"}))  # fmt: skip
    source = HubSource(cache_dir=str(tmp_path / "hf"), timeout=2.0, retries=1, backoff=0.01)
    sha = source.fetch("acme/pickled-2", None, "x").sha
    assert sha is not None
    result = audit(f"acme/pickled-2@{sha}", hub=source)
    assert result.verdict.status == "fail" and "WEIGHTS-UNSAFE-PICKLE" in result.verdict.blocking
    hub.reset()
    again = audit(f"acme/pickled-2@{sha}", hub=HubSource(cache_dir=str(tmp_path / "hf")))
    assert "WEIGHTS-UNSAFE-PICKLE" in again.verdict.blocking and hub.requests == []
