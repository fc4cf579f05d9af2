"""What a URL points to, by the catalogue alone: the role of its target and the words that justify it.

Resolution order (rules/repositories/README.md): an entry that is first party for the audited model, then a
GitHub/Hub/package match, then the site's path rules, then the path hints for repositories outside the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from auditor.repositories.catalog import Entry, repository_catalogue
from auditor.sources.body import host_and_path

_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitee.com")
_HF_HOSTS = ("huggingface.co", "hf.co")
_MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".mp4", ".mp3", ".wav", ".webm", ".bmp")


@dataclass(frozen=True, slots=True)
class Target:
    """The role of a link's target, why, and the catalogue entry (with its license) when one matched."""

    role: str | None  # None: nothing in the catalogue says what this is
    basis: str
    entry: Entry | None = None
    first_party: bool = False  # the entry is this model's own code (``first_party_for``)
    repo: str | None = None  # owner/name of a code repository or Hub repository
    rest: str = ""  # the path inside that repository

    @property
    def license(self) -> str | None:
        return self.entry.license if self.entry is not None else None


def hub_id(model_id: str) -> str:
    """A folder name such as ``org__name`` read as the Hub id ``org/name``."""
    return model_id if "/" in model_id or "__" not in model_id else model_id.replace("__", "/", 1)


def _first_party_target(entry: Entry, model_id: str, repo: str | None, rest: str) -> Target:
    """The target of an entry that is the audited model's own code: its training code or its project's repository,
    unless a path hint says the link is to evaluation code, a license, weights or other files of it."""
    code = entry.role == "training-framework" or "training-code" in entry.roles
    hint = repository_catalogue().hint(rest) if rest else None
    role = "training-code" if code else "project-repo"
    if hint is not None and hint.role in ("evaluation-code", "license", "weights", "other"):
        role = hint.role
    return Target(role, f"catalogue: {entry.name} is first party for {model_id}", entry, True, repo, rest)


@lru_cache(maxsize=4096)
def split_url(url: str) -> tuple[str, str] | None:
    """A URL's host (lower case, without ``www.``) and path, as ``urllib.parse.urlsplit`` reads them
    (:func:`auditor.sources.body.host_and_path`); None when it is malformed. Remembered: the same links recur across
    the cards of a catalogue."""
    try:
        host, path = host_and_path(url)
    except ValueError:
        return None
    return host.removeprefix("www."), path


def classify_target(url: str, model_id: str = "") -> Target:
    """The target's role from the catalogue (never from the card's words)."""
    found = _classify(url)
    if isinstance(found, Target):
        return found
    entry, repo, rest, target = found
    model_id = hub_id(model_id)
    return _first_party_target(entry, model_id, repo, rest) if entry.first_party(model_id) else target


_Found = tuple[Entry, str | None, str, Target]


def _found(entry: Entry, how: str, repo: str | None, rest: str) -> _Found:
    """A catalogue entry matched, with its target for any model it is not first party for."""
    target = Target(entry.role, f"catalogue: {entry.name} ({entry.role}, {how})", entry, False, repo, rest)
    return entry, repo, rest, target


@lru_cache(maxsize=4096)
def _classify(url: str) -> Target | _Found:
    """What the catalogue says of a URL for any model: a target, or the entry it matched (whether that entry is the
    audited model's own code depends on the model). Remembered: the same links recur across the cards of a
    catalogue."""
    catalogue = repository_catalogue()
    split = split_url(url.strip())
    if split is None:
        return Target(None, "a malformed URL")
    host, raw_path = split
    path = unquote(raw_path)
    segments = [s for s in path.split("/") if s]
    if path.lower().endswith(_MEDIA):
        return Target("other", "an image or media file")
    if host in _CODE_HOSTS and len(segments) >= 2:
        repo = f"{segments[0]}/{segments[1].removesuffix('.git')}"
        rest = "/" + "/".join(segments[2:]) if len(segments) > 2 else ""
        entry = catalogue.github(repo) if host == "github.com" else None
        if entry is not None:
            return _found(entry, f"repository {repo}", repo, rest)
        hint = catalogue.hint(rest) if rest else None
        if hint is not None:
            return Target(hint.role, f"path hint {hint.glob}", None, False, repo, rest)
    if host in _HF_HOSTS and segments:
        kind = segments[0] if segments[0] in ("datasets", "spaces") else "models"
        named = segments[1:3] if kind != "models" else segments[:2]
        if named:
            hub = "/".join(named)
            entry = catalogue.hub(hub) or (catalogue.hub(named[-1]) if len(named) == 1 else None)
            inside = "/" + "/".join(segments[len(named) + (kind != "models") :])
            if entry is not None:
                return _found(entry, f"Hub id {hub}", hub, inside.rstrip("/"))
    if host == "pypi.org" and segments[:1] == ["project"] and len(segments) >= 2:
        entry = catalogue.package(segments[1])
        if entry is not None:
            return _found(entry, f"package {segments[1]}", None, "")
    entry = catalogue.site(host, path)
    if entry is None:
        return Target(None, f"{host or url}: not in the catalogue")
    if entry.role in ("host", "dataset-host", "model-hub", "profile", "experiment-tracker", "paper-host", "other"):
        rule = entry.path_role(path)
        if rule is not None:  # a site's path rule says what kind of page this is; no entry names the target
            named = segments[1:3] if host in _HF_HOSTS and segments[:1] == ["datasets"] else segments[:2]
            where = "/".join(named) if named and (len(named) == 2 or host in _HF_HOSTS) else None
            return Target(rule.role, f"{entry.name}: path {rule.glob}", None, False, where)
    return _found(entry, f"site {host}", None, "")
