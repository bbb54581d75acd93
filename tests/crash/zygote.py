"""The crash children's parent: imports the bot once, then forks one child per run.

Usage: python -m tests.crash.zygote

A new interpreter would import the bot (about a second) and train the concern model (a few
seconds) for each of a scenario's two runs; a fork of this process starts with both done,
as the bot starts in production with its model trained before any interaction
(``bridges run``). Each run is one line on stdin, JSON ``{"argv": [...], "env": {...},
"out": path, "err": path}``: the fork runs ``tests.crash.child`` with that argv and
environment, its stdout and stderr in those files. For each run this process answers two
lines: ``{"pid": ...}`` once forked, then ``{"returncode": ...}`` as ``subprocess`` gives it
(-9 for a child SIGKILLed at its fault point).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import sys
import traceback
from typing import Any

import bot.faults
from bot.services.concern import warm_up
from tests.crash import child


def _run(request: dict[str, Any]) -> None:
    """In the fork: the child's main with the request's environment and files; never returns."""
    code = 0
    try:
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        for fd, path in ((1, request["out"]), (2, request["err"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
        os.environ.clear()
        os.environ.update(request["env"])
        bot.faults.ARMED = os.environ.get("BRIDGES_FAULT") or None  # read at import, here
        random.seed()  # not the state every fork shares
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        asyncio.run(child.main(*request["argv"]))
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _answer(message: dict[str, int]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    warm_up()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _run(request)
        _answer({"pid": pid})
        _, status = os.waitpid(pid, 0)
        _answer({"returncode": os.waitstatus_to_exitcode(status)})


if __name__ == "__main__":
    main()
