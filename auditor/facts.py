"""ModelFacts: the one typed, frozen shape every source produces and every check reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

SourceKind = Literal["hub", "hub-cache", "local", "card"]
LinkKind = Literal["code", "paper", "dataset", "model", "space", "training_logs", "license", "docs", "other"]


@dataclass(frozen=True, slots=True)
class CardProblem:
    """Something wrong with the card's metadata, with where it was found (1-based line in the card file)."""

    kind: str  # missing-front-matter, yaml-syntax, unclosed-front-matter, not-a-mapping, duplicate-key,
    #            tabs, wrong-type, empty-value, encoding, too-large, truncated, binary, empty
    message: str
    line: int | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A heading of the card body and the lines it spans (1-based, inclusive)."""

    title: str
    level: int
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Link:
    """A link found in the card body, classified by where it points."""

    url: str
    kind: LinkKind
    text: str
    line: int
    context: str = ""  # "<its line> | <the next line>" as plain text: what the link is said to be
    section: str | None = None  # the heading it stands under


@dataclass(frozen=True, slots=True)
class LicenseStatement:
    """A sentence of the card body that speaks about licensing."""

    text: str
    line: int
    section: str | None
    html_table: bool = False  # the line is a cell or row of an HTML table (<td>, <th>, <tr>), its tags dropped


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence, table row or code block of the card body that may say how the model was made (trained on …,
    code for training …, an embedded config or command), kept for the openness evidence to read in context."""

    kind: Literal["sentence", "row", "block"]
    text: str  # plain text (markdown links reduced to their text); blocks: the block's first lines
    line: int  # card-file line (blocks: the opening fence)
    section: str | None = None  # the heading it stands under
    urls: tuple[str, ...] = ()  # the links the sentence or row holds
    lead: str = ""  # blocks: the last prose line before the block (what the block is said to be)
    language: str = ""  # blocks: the fence's info string (yaml, bash, python …)


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What a model card says: its metadata (front matter) and its body."""

    file: str
    metadata: Mapping[str, Any]
    field_lines: Mapping[str, int]
    has_front_matter: bool
    body_line_offset: int  # line number of the card file at which the body starts, minus one
    body_chars: int
    sections: tuple[Section, ...]
    links: tuple[Link, ...]
    license_statements: tuple[LicenseStatement, ...]
    problems: tuple[CardProblem, ...]
    claims: tuple[LicenseStatement, ...] = ()  # sentences saying code, data or logs are (to be) released
    derivations: tuple[LicenseStatement, ...] = ()  # sentences saying what the model is derived from
    revisions: tuple[str, ...] = ()  # revisions named in code snippets (revision="step3000"): checkpoints
    usage_line: int | None = None  # first code snippet that loads the model (from_pretrained, pipeline …)
    passages: tuple[Passage, ...] = ()  # sentences and blocks about training, data, code, evaluation, logs

    def line_of(self, key: str) -> int | None:
        """The card-file line of a top-level metadata key, if it is present."""
        return self.field_lines.get(key)


@dataclass(frozen=True, slots=True)
class RepoFile:
    """A file of the model repository (size in bytes; sha256 from the Hub for LFS files, or computed locally)."""

    path: str
    size: int | None = None
    sha256: str | None = None
    lfs: bool = False


@dataclass(frozen=True, slots=True)
class Document:
    """A small text file read from the repository (LICENSE, USE_POLICY.md, NOTICE …)."""

    path: str
    text: str


LICENSE_UNKNOWN = "license unknown: "  # prefix of an access note: gating (or a failure) hid every license there is


@dataclass(frozen=True, slots=True)
class AccessNote:
    """Something the source could not obtain, and why (gated, offline, download failure …)."""

    kind: Literal["gated", "disabled", "offline", "download-failed", "partial", "refused"]
    message: str
    file: str | None = None


@dataclass(frozen=True)
class WeightFile:
    """What is known of one weights file, or of another file that unpickles on load (``is_weights`` False:
    training_args.bin, optimizer.pt, *.joblib …).

    ``parameters`` counts the weights the tensors stand for: packed quantized tensors (GPTQ, AWQ, EXL2, 4-bit
    bitsandbytes) count as the unpacked weights, their scales and zero points not at all (``quantization`` says
    how). ``error`` says why the file could not be read; for pickle-capable files, ``dangerous_globals`` are imports
    that run code, ``unknown_globals`` imports outside the allowlist of what checkpoints use, and ``not_scanned``
    what the scan did not reach and why (None: the whole file was scanned).
    """

    path: str
    format: str
    size: int | None = None
    sha256: str | None = None  # the Hub's LFS checksum, or computed from the local file
    tensors: int | None = None
    parameters: int | None = None
    dtypes: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    pickle_globals: tuple[str, ...] = ()
    dangerous_globals: tuple[str, ...] = ()
    error: str | None = None
    unknown_globals: tuple[str, ...] = ()
    not_scanned: str | None = None
    is_weights: bool = True
    quantization: dict[str, Any] | None = None  # how the file's tensors are quantized (auditor.weights.quantization)

    PICKLE_FORMATS = frozenset({"pytorch-pickle", "pickle", "nemo-archive", "joblib"})  # formats that unpickle on load

    @property
    def pickled(self) -> bool:
        return self.format in self.PICKLE_FORMATS

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "format": self.format, "is_weights": self.is_weights, "size": self.size,
            "sha256": self.sha256, "tensors": self.tensors, "parameters": self.parameters, "dtypes": list(self.dtypes),
            "metadata": self.metadata, "pickle_globals": list(self.pickle_globals),
            "dangerous_globals": list(self.dangerous_globals), "unknown_globals": list(self.unknown_globals),
            "not_scanned": self.not_scanned, "error": self.error, "quantization": self.quantization,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class DatasetFacts:
    """A dataset the model names, as its Hub dataset card declares it (``found`` False when it could not be read)."""

    id: str
    found: bool
    license: tuple[str, ...] = ()
    license_name: str | None = None
    gated: str | bool | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class HubMeta:
    """Repository facts only the Hub knows."""

    gated: str | bool | None = None
    private: bool | None = None
    disabled: bool | None = None
    last_modified: str | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: tuple[str, ...] = ()
    base_models: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """Everything gathered about one model before any rule runs.

    ``files`` is None when the source cannot know the repository's files (a bare README).
    """

    target: str
    source: SourceKind
    model_id: str
    revision: str | None
    sha: str | None
    location: str
    card: CardFacts | None
    files: tuple[RepoFile, ...] | None
    documents: tuple[Document, ...] = ()
    hub: HubMeta | None = None
    access: tuple[AccessNote, ...] = field(default_factory=tuple)
    datasets: tuple[DatasetFacts, ...] = ()  # the datasets' own cards, where the source could read them
    weights: tuple[WeightFile, ...] | None = None  # None: the source could not inspect weight files
    configs: tuple[Document, ...] = ()  # config.json, adapter_config.json, merge configs: lineage evidence
    identity_basis: str | None = None  # how a local model's Hub id was derived: hf-cache, folder-name, card-link

    def file_paths(self) -> tuple[str, ...]:
        """Paths of the known repository files (empty when unknown)."""
        return tuple(f.path for f in self.files or ())
