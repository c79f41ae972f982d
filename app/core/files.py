"""Files that appear only when complete: an export, a history, the rows an import left out.

A cancelled or failed write must not leave half a file where the user expects a whole one
(or replace a good file with half of one): the text goes to a hidden temporary file in the
same folder, which replaces the target only once it is written.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def csv_file(path: Path, prefix: str) -> Iterator[Any]:
    """A ``csv.writer`` on a UTF-8-with-BOM file (what spreadsheets open as it is) that becomes
    ``path`` when the block ends without an error, and is removed otherwise."""
    target = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".tagdesk-{prefix}-", suffix=".csv", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as out:
            yield csv.writer(out)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
