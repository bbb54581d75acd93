"""The trained model's arrays kept on disk, so a process whose detector, data and libraries
are the same as the last one's reads them instead of training again (5-12 s each for
`bridges run`, `bridges demo` and every test worker).

The file is named by a fingerprint of everything the arrays depend on: the concern
package's code, its pattern and corpus files, and the versions of the libraries that train
and read (``fingerprint``). It holds only the model's arithmetic, learned from the shipped
development sentences: no student's text. Written whole under a new name, then renamed, so
a reader never sees half a file; a lock lets one process train while the others wait for
its file. Where the folder cannot be written the arrays are trained as before, every time.

The folder: ``BRIDGES_CACHE_DIR``, else ``$XDG_CACHE_HOME/bridges``, else
``~/.cache/bridges``.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.metadata import version
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_ENV = "BRIDGES_CACHE_DIR"
#: The libraries whose versions change what training gives or how the arrays are read.
LIBRARIES = ("scikit-learn", "numpy", "rapidfuzz")
#: How many fingerprints' files stay in the folder.
KEEP = 4


def folder() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bridges"


def fingerprint() -> str:
    """A digest of the concern package's files, its data files and the libraries' versions."""
    digest = hashlib.sha256()
    for library in LIBRARIES:
        digest.update(f"{library}=={version(library)}\n".encode())
    code = resources.files("bot.services.concern")
    data = resources.files("bot.services").joinpath("data")
    files = [*code.iterdir(), *data.iterdir()]
    for item in sorted(files, key=lambda each: (str(each.name), str(each))):
        if item.is_file() and (item.name.endswith(".py") or item.name.startswith("concern")):
            digest.update(f"{item.name}\n".encode())
            digest.update(item.read_bytes())
    return digest.hexdigest()[:32]


def kept(train: Callable[[], bytes], *, renew: bool = False) -> bytes:
    """The stored arrays for this fingerprint, or ``train()``'s, stored for the next
    process (``renew``: train and store again, the stored file being damaged)."""
    try:
        with _locked(folder()) as place:
            path = place / f"concern-model-{fingerprint()}.npz"
            if path.exists() and not renew:
                log.info("concern model read from %s", path)
                return path.read_bytes()
            data = train()
            partial = path.with_suffix(f".{os.getpid()}.partial")
            partial.write_bytes(data)
            partial.replace(path)
            _forget_old(place)
            return data
    except OSError as error:  # a read-only or full disk: train, as without a cache
        log.warning("the concern model's cache is not usable (%s): training", error.strerror)
        return train()


@contextmanager
def _locked(place: Path) -> Iterator[Path]:
    place.mkdir(parents=True, exist_ok=True)
    with (place / "concern-model.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield place
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _forget_old(place: Path) -> None:
    """All but the newest ``KEEP`` files (other checkouts of the project may share the
    folder with other code, so not only this fingerprint's)."""
    stored = sorted(place.glob("concern-model-*.npz"), key=lambda path: path.stat().st_mtime)
    for old in stored[:-KEEP]:
        old.unlink(missing_ok=True)
