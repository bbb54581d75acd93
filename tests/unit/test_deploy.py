"""Deployment files, linted without a Docker engine: they parse and say what they must."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_runs_the_bot_on_postgresql_with_a_volume() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"db", "bot"}
    db, bot = services["db"], services["bot"]
    assert db["image"].startswith("postgres:")
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"] and "pgdata" in compose["volumes"]
    assert bot["build"] == "."
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["environment"]["BRIDGES_DATABASE_URL"].startswith("postgresql+asyncpg://")
    # Secrets come from the environment, never from the file.
    assert bot["environment"]["DISCORD_TOKEN"].startswith("${DISCORD_TOKEN:?")
    assert bot["restart"] == db["restart"] == "unless-stopped"


def test_dockerfile_is_slim_non_root_and_checks_its_health() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [
        line.split(None, 1)
        for line in re.sub(r"\\\n\s*", " ", text).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    froms = [rest for op, rest in instructions if op == "FROM"]
    assert froms and all("-slim" in image for image in froms)
    final = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    ops = {op: rest for op, rest in final}
    assert ops["USER"] not in ("root", "0")
    assert "bridges" in ops["HEALTHCHECK"]
    assert ops["CMD"] == '["bridges", "run"]'
    for copied in ("bot", "cogs", "storage", "pyproject.toml"):
        assert copied in text


def test_systemd_unit_runs_the_bot_as_its_own_user() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "bridges.service", encoding="utf-8")
    service = unit["Service"]
    assert service["ExecStart"].endswith("bridges run")
    assert service["User"] == "bridges" and service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    # The token lives in a root-owned environment file, not in the unit.
    assert service["EnvironmentFile"].startswith("/etc/") and "TOKEN" not in service["Environment"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"
