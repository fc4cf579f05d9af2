"""Scan a remote pickle-capable file through range reads, without downloading it.

For a torch zip checkpoint only the end of the file (the zip central directory) and the ``*/data.pkl`` member
are read; for a legacy torch file or a plain pickle, the bytes up to the last STOP of its pickles. Every byte
fetched counts against ``budget``; a scan that would need more stops and says so in ``not_scanned``.
"""

from __future__ import annotations

from auditor.facts import WeightFile
from auditor.weights.inspect import file_formats, pickle_weight
from auditor.weights.pickles import Limits, ReadRange, pickle_format, scan_ranges

REMOTE_READ_BUDGET = 32 << 20  # bytes fetched per file; a 70B checkpoint's data.pkl and zip directory are < 1 MB


def scan_remote(read_range: ReadRange, size: int, path: str, *, budget: int = REMOTE_READ_BUDGET) -> WeightFile:
    """The pickle imports of a remote file, read through ``read_range(offset, length) -> bytes``.

    ``read_range`` may return fewer bytes than asked at the end of the file and should raise OSError on network
    failure (reported in ``not_scanned``). Raises ValueError when ``path`` is not pickle-capable.
    """
    formats = file_formats(path)
    if formats is None or pickle_format(path) is None:
        raise ValueError(f"{path}: not a pickle-capable file")
    fmt, is_weights = formats
    scan = scan_ranges(read_range, size, Limits(read_bytes=budget))
    return pickle_weight(scan, path, fmt, size, is_weights)
