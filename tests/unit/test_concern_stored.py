"""The trained model's arrays kept on disk (``bot.services.concern.stored``): trained once
per fingerprint, read back whole by the next process, retrained when damaged or when the
folder cannot be written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.concern import model, stored


class Training:
    """A stand-in for the child's training: counts its calls, returns fixed bytes."""

    def __init__(self, data: bytes = b"arrays") -> None:
        self.data = data
        self.calls = 0

    def __call__(self) -> bytes:
        self.calls += 1
        return self.data


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    place = tmp_path / "cache"
    monkeypatch.setenv(stored.CACHE_ENV, str(place))
    return place


def test_the_arrays_are_trained_once_then_read_back(folder: Path) -> None:
    training = Training()
    assert stored.kept(training) == b"arrays"
    assert stored.kept(training) == b"arrays"
    assert training.calls == 1
    assert [path.name for path in folder.glob("*.npz")] == [
        f"concern-model-{stored.fingerprint()}.npz"
    ]
    assert not list(folder.glob("*.partial"))


def test_renew_trains_again_and_replaces_the_file(folder: Path) -> None:
    stored.kept(Training(b"old"))
    assert stored.kept(Training(b"new"), renew=True) == b"new"
    assert stored.kept(Training(b"unused")) == b"new"


def test_another_fingerprint_trains_and_only_the_newest_files_stay(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(stored.KEEP + 2):
        monkeypatch.setattr(stored, "fingerprint", lambda n=n: f"code{n}")
        training = Training(f"arrays {n}".encode())
        assert stored.kept(training) == f"arrays {n}".encode()
        assert training.calls == 1
    assert len(list(folder.glob("*.npz"))) == stored.KEEP
    assert (folder / f"concern-model-code{stored.KEEP + 1}.npz").exists()


def test_a_folder_that_cannot_be_written_trains_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("")
    monkeypatch.setenv(stored.CACHE_ENV, str(blocker / "cache"))
    training = Training()
    assert stored.kept(training) == stored.kept(training) == b"arrays"
    assert training.calls == 2


def test_the_fingerprint_is_the_same_for_the_same_code_and_data() -> None:
    assert stored.fingerprint() == stored.fingerprint()
    assert len(stored.fingerprint()) == 32


def test_a_damaged_file_is_trained_again_and_the_reader_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = stored.kept(model._train_in_child)  # the default folder's (trained at most once)
    folder = tmp_path / "cache"
    monkeypatch.setenv(stored.CACHE_ENV, str(folder))
    folder.mkdir()
    (folder / f"concern-model-{stored.fingerprint()}.npz").write_bytes(b"half a file")
    training = Training(real)
    monkeypatch.setattr(model, "_train_in_child", training)
    model.reader.cache_clear()
    try:
        reader = model.reader()
        assert training.calls == 1
        assert reader.classes == model._read(real).classes
        assert stored.kept(Training(b"unused")) == real
    finally:
        model.reader.cache_clear()
