"""A hostile or broken Hub seen from the CLI (a child process on the loopback fake Hub): secrets never printed,
bad replies one line each and the batch goes on."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from auditor.sources.hub import HubSource
from auditor.sources.redact import RedactingFilter, redact, register_secret
from tests.fakehub import FakeHub, Fault
from tests.hostile.harness import assert_clean, run_auditor

CANARY_TOKEN = "hf_secret_canary"
CANARY_PASSWORD = "s3cret-canary-pass"


def endpoint_with_credentials(hub: FakeHub) -> str:
    parts = urlsplit(hub.url)
    return f"{parts.scheme}://canary-user:{CANARY_PASSWORD}@{parts.netloc}"


def test_credentials_never_appear_in_output_or_debug_logs(hub: FakeHub, tmp_path: Path) -> None:
    hub.inject(Fault("/api/models/EleutherAI/gpt-j-6b", status=503))
    targets = ["EleutherAI/pythia-6.9b", "meta-llama/Meta-Llama-3-8B", "acme/does-not-exist", "EleutherAI/gpt-j-6b"]
    env = {"HF_TOKEN": CANARY_TOKEN, "HF_ENDPOINT": endpoint_with_credentials(hub), "HF_HOME": str(tmp_path)}
    outcome = run_auditor("--debug", "audit", *targets, "--format", "json", "--workers", "1", env=env)
    assert_clean(outcome, codes=(2,))
    printed = outcome.stdout + outcome.stderr
    assert CANARY_TOKEN not in printed and CANARY_PASSWORD not in printed and "canary-user" not in printed
    # the run did talk to the Hub and log it (so the assertions above could have failed)
    assert "HTTP Request: GET http://***@127.0.0.1" in outcome.stderr
    results = json.loads(outcome.stdout)
    assert results[0]["model"]["location"].startswith("http://***@127.0.0.1")
    assert "not found on http://***@127.0.0.1" in outcome.stderr and "HTTP 503" in outcome.stderr


def test_bad_replies_are_one_line_and_the_batch_goes_on(hub: FakeHub, tmp_path: Path) -> None:
    hub.inject(Fault("/api/models/acme/cycle-a", body=b"<html><body>502 Bad Gateway</body></html>"))
    hub.inject(Fault("/api/models/acme/cycle-b", body=b"[]"))
    targets = ["acme/cycle-a", "acme/cycle-b", "acme/no-card"]
    outcome = run_auditor("audit", *targets, "--format", "jsonl", "--quiet", env={"HF_HOME": str(tmp_path)})
    assert_clean(outcome, codes=(2,))
    lines = outcome.stderr.splitlines()
    assert lines == [
        f"auditor: acme/cycle-a: the Hub at {hub.url} sent a bad reply: the reply is not JSON (starts with "
        "'<html><body>502 Bad Gateway</body></html')",  # the first 40 bytes
        f"auditor: acme/cycle-b: the Hub at {hub.url} sent a bad reply: the reply is a list, expected an object",
    ]
    results = [json.loads(line) for line in outcome.stdout.splitlines()]
    assert [r["verdict"]["status"] for r in results][:2] == ["error", "error"]
    assert results[2]["model"]["id"] == "acme/no-card" and results[2]["verdict"]["status"] != "error"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET http://user:p4ss@hub.example/api/models", "user:p4ss"),
        ("https://cdn.example/x?X-Amz-Signature=abcdef123&X-Amz-Credential=AKIA/1&Expires=9", "abcdef123"),
        ("https://cdn.example/x?X-Amz-Credential=AKIAEXAMPLE&a=1", "AKIAEXAMPLE"),
        ("https://h.example/resolve?token=tok-123456", "tok-123456"),
        ("Authorization: Bearer hf_abcdefghijklmnopqrstuvwxyzABCDEFGH", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
        ("{'authorization': 'Basic dXNlcjpwYXNz', 'accept': '*/*'}", "dXNlcjpwYXNz"),
        ("set-cookie: session=deadbeefcafe; Path=/", "deadbeefcafe"),
        ("token hf_abcdefghijklmnopqrstuvwxyzABCDEFGH in prose", "hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"),
    ],
)
def test_redact_removes_secrets(text: str, secret: str) -> None:
    assert secret not in redact(text) and "***" in redact(text)


def test_redact_keeps_ordinary_text() -> None:
    text = "GET https://huggingface.co/api/models?author=meta-llama&search=llama (hf_hub_download, hf_transfer)"
    assert redact(text) == text


def test_registered_secrets_are_scrubbed_wherever_they_appear() -> None:
    register_secret("short-but-real-secret")
    assert redact("value short-but-real-secret!") == "value ***!"
    register_secret("abc")  # too short to scrub literally without mangling words
    assert redact("abc") == "abc"


def test_redacting_filter_scrubs_messages_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "Request %s %s", ("GET", "http://u:pw@h/x"), None)
    try:
        raise ValueError("failed for http://u:pw@h/y")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record)
    shown = logging.Formatter().format(record)
    assert "pw" not in shown and "Request GET http://***@h/x" in shown and "http://***@h/y" in shown


def test_location_and_errors_have_no_credentials(hub: FakeHub, tmp_path: Path) -> None:
    source = HubSource(endpoint=endpoint_with_credentials(hub), meta_dir=tmp_path / "meta", backoff=0.01, retries=1)
    facts = source.fetch("EleutherAI/pythia-6.9b", None, "x")
    assert CANARY_PASSWORD not in facts.location and facts.location.startswith("http://***@127.0.0.1")
    assert all(CANARY_PASSWORD not in n.message for n in facts.access)
    hub.inject(Fault("/api/models/acme/no-card", status=502))
    with pytest.raises(Exception) as raised:
        source.fetch("acme/no-card", None, "x")
    assert CANARY_PASSWORD not in str(raised.value) and "HTTP 502" in str(raised.value)
