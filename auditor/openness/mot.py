"""Model Openness Tool records: read a producer's MOT record file and classify record files (`auditor mof`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.openness.mof import classify_record
from auditor.yamlio import YamlFileError, load_with_lines


def read_mot_record(path: Path) -> dict[str, Any]:
    """An MOT record (YAML or JSON with a `release` section); InputError naming the file otherwise."""
    try:
        record, _ = load_with_lines(path)
    except YamlFileError as error:
        raise InputError(str(error).splitlines()[0]) from error
    if not isinstance(record, dict) or not isinstance(record.get("release"), dict):
        raise InputError(f"{path}: no 'release' section: not an MOT record")
    return record


@dataclass(frozen=True)
class RecordClass:
    """The MOF class of one record file, or why it could not be read."""

    file: str
    name: str | None = None
    outcome: dict[str, Any] | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "name": self.name, **(self.outcome or {})}


def classify_files(paths: Sequence[Path]) -> list[RecordClass]:
    """Classify each record file as the MOT does; a file that is not a record is reported, not raised."""
    classes = []
    for path in paths:
        try:
            record = read_mot_record(path)
        except InputError as error:
            classes.append(RecordClass(str(path), error=str(error)))
            continue
        name = record["release"].get("name")
        classes.append(RecordClass(str(path), str(name) if name is not None else None,
                                   classify_record(record).to_dict()))  # fmt: skip
    return classes
