"""Secrets never reach a log line, whether in a message, its arguments or a traceback."""

from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, RedactingFormatter, configure_logging

TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GxYzAb.not-a-real-token-but-long-enough"


def _format(record: logging.LogRecord) -> str:
    return RedactingFormatter([TOKEN]).format(record)


def test_secret_in_message_and_args_is_redacted() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "token %s and " + TOKEN, (TOKEN,), None
    )
    text = _format(record)
    assert TOKEN not in text
    assert text.count(REDACTED) == 2


def test_secret_in_a_traceback_is_redacted() -> None:
    try:
        raise RuntimeError(f"login failed with {TOKEN}")
    except RuntimeError as error:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "boom", (), (type(error), error, error.__traceback__)
        )
    text = _format(record)
    assert "RuntimeError" in text and TOKEN not in text


def test_configured_root_handler_redacts(capsys: pytest.CaptureFixture[str]) -> None:
    previous = logging.getLogger().handlers[:], logging.getLogger().level
    try:
        configure_logging("INFO", [TOKEN])
        logging.getLogger("bridges.test").warning("oops %s", TOKEN)
    finally:
        logging.getLogger().handlers[:], level = previous
        logging.getLogger().setLevel(level)
    err = capsys.readouterr().err
    assert "oops [redacted]" in err and TOKEN not in err
