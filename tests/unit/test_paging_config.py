"""[paging] in the config: values, defaults, and every problem on one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, PagingSettings, Secret, load_settings

PASSWORD = "hunter2-but-longer"
SECRET = "0123456789abcdef0123456789abcdef"
EMAIL_OK = (
    '[paging]\non_call_emails = ["counsellor@school.org"]\nsmtp_host = "smtp.school.org"\n'
    'from_address = "Bridges <bridges@school.org>"\n'
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def problems_of(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ or {})
    return error.value.problems


def test_paging_is_off_by_default() -> None:
    paging = load_settings(None, {}).paging
    assert paging == PagingSettings()
    assert not paging.enabled and not paging.email_enabled and not paging.webhook_enabled
    assert paging.smtp_port == 587 and paging.timeout_seconds == 15


def test_email_and_webhook(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[paging]\non_call_emails = ["Counsellor@School.org", " deputy@school.org ", '
        '"counsellor@school.org"]\nwebhook_url = "https://pager.school.org/bridges"\n'
        'include_details = true\nwho_to_call = "Ms Rivera, 555-0100"\n'
        'smtp_host = "smtp.school.org"\nsmtp_security = "TLS"\nsmtp_username = "bridges"\n'
        'from_address = "Bridges <bridges@school.org>"\ntimeout_seconds = 5\n',
    )
    paging = load_settings(
        path, {"BRIDGES_SMTP_PASSWORD": PASSWORD, "BRIDGES_WEBHOOK_SECRET": f" {SECRET} "}
    ).paging
    assert paging.on_call_emails == ("Counsellor@School.org", "deputy@school.org")
    assert paging.webhook_url == "https://pager.school.org/bridges"
    assert paging.include_details and paging.who_to_call == "Ms Rivera, 555-0100"
    assert (paging.smtp_host, paging.smtp_port, paging.smtp_security) == (
        "smtp.school.org",
        465,
        "tls",
    )
    assert paging.smtp_username == "bridges" and paging.timeout_seconds == 5
    assert paging.smtp_password == Secret(PASSWORD)
    assert paging.webhook_secret == Secret(SECRET)
    assert paging.from_address == "Bridges <bridges@school.org>"
    assert paging.enabled and paging.email_enabled and paging.webhook_enabled


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("tls", 465), ("none", 25)])
def test_the_port_follows_the_security(tmp_path: Path, security: str, port: int) -> None:
    path = write(tmp_path, f'[paging]\nsmtp_host = "127.0.0.1"\nsmtp_security = "{security}"\n')
    assert load_settings(path, {}).paging.smtp_port == port
    path = write(tmp_path, '[paging]\nsmtp_host = "::1"\nsmtp_port = 2525\n')
    assert load_settings(path, {}).paging.smtp_port == 2525


def test_plain_http_and_smtp_are_fine_on_loopback(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[paging]\nwebhook_url = "http://127.0.0.1:8080/page"\nsmtp_host = "localhost"\n'
        'smtp_security = "none"\n',
    )
    paging = load_settings(path, {"BRIDGES_WEBHOOK_SECRET": SECRET}).paging
    assert paging.webhook_url == "http://127.0.0.1:8080/page"
    assert paging.smtp_security == "none"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('on_call_emails = "a@school.org"', "expected a list of email addresses"),
        ('on_call_emails = ["counsellor"]', '"counsellor" is not an email address'),
        ('on_call_emails = ["a@school"]', '"a@school" is not an email address'),
        ('on_call_emails = ["a@b.org, c@d.org"]', "is not an email address"),
        ("on_call_emails = [3]", "expected a list of email addresses"),
        ("on_call_emails = [" + ", ".join(['"a@b.org"'] * 21) + "]", "at most 20"),
        ('webhook_url = "http://pager.school.org/x"', "expected https"),
        ('webhook_url = "ftp://pager.school.org/x"', "not a URL"),
        ('webhook_url = "https://"', "not a URL"),
        ('webhook_url = "https://pager.school.org:port/x"', "not a URL"),
        ('webhook_url = "https://user:pw@pager.school.org/x"', "no user or password"),
        ('webhook_url = "https://pager.school.org/a b"', "not a URL"),
        ("webhook_url = 1", "found a whole number"),
        ('include_details = "yes"', "expected true or false"),
        ('who_to_call = "line one\\nline two"', "one line"),
        ('smtp_host = "smtp school org"', "not a host name"),
        ('smtp_host = "-smtp.school.org"', "not a host name"),
        ("smtp_port = 70000", "from 0 to 65535"),
        ('smtp_security = "ssl"', "expected one of starttls, tls, none"),
        ('smtp_username = "a\\tb"', "one line"),
        ('from_address = "Bridges"', "not an email address"),
        ('from_address = "Bridges <bridges@school.org"', "not an email address"),
        ("timeout_seconds = 0", "from 1 to 120"),
        ('smtp_password = "x"', "read only from the environment (BRIDGES_SMTP_PASSWORD"),
        ('webhook_secret = "x"', "BRIDGES_WEBHOOK_SECRET), never from a file"),
    ],
)
def test_each_bad_value_is_one_clear_line(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, f"[paging]\n{text}\n")
    (line,) = problems_of(path)
    assert line.startswith(f"{path}: [paging] ") and len(line.splitlines()) == 1
    assert expected in line


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        (
            '[paging]\non_call_emails = ["a@school.org"]\nfrom_address = "b@school.org"\n',
            {},
            "on_call_emails is set but smtp_host is empty",
        ),
        (
            '[paging]\non_call_emails = ["a@school.org"]\nsmtp_host = "smtp.school.org"\n',
            {},
            "on_call_emails is set but from_address is empty",
        ),
        (
            '[paging]\nsmtp_host = "smtp.school.org"\nsmtp_security = "none"\n',
            {},
            'smtp_security = "none" would send pages and the password unencrypted',
        ),
        (
            EMAIL_OK + 'smtp_username = "bridges"\n',
            {},
            "BRIDGES_SMTP_PASSWORD is not set but [paging] smtp_username is",
        ),
        (EMAIL_OK, {"BRIDGES_SMTP_PASSWORD": PASSWORD}, "smtp_username is empty"),
        (
            '[paging]\nwebhook_url = "https://pager.school.org/x"\n',
            {},
            "BRIDGES_WEBHOOK_SECRET is not set but [paging] webhook_url is",
        ),
        (
            '[paging]\nwebhook_url = "https://pager.school.org/x"\n',
            {"BRIDGES_WEBHOOK_SECRET": "short-secret"},
            "BRIDGES_WEBHOOK_SECRET is 12 characters long; expected at least 32",
        ),
    ],
)
def test_settings_that_need_each_other(
    tmp_path: Path, text: str, environ: dict[str, str], expected: str
) -> None:
    (line,) = problems_of(write(tmp_path, text), environ)
    assert expected in line and len(line.splitlines()) == 1


def test_secrets_never_show(tmp_path: Path) -> None:
    environ = {"BRIDGES_SMTP_PASSWORD": PASSWORD, "BRIDGES_WEBHOOK_SECRET": SECRET}
    path = write(tmp_path, EMAIL_OK + 'smtp_username = "bridges"\n')
    loaded = load_settings(path, environ)
    assert PASSWORD not in repr(loaded) and SECRET not in repr(loaded)
    assert sorted(loaded.secret_values()) == sorted([PASSWORD, SECRET])
    # A secret pasted into the file is not repeated in the problem about it.
    pasted = write(tmp_path, f'[paging]\nwho_to_call = "{PASSWORD}\\n"\nwebhook_url = "{SECRET}"\n')
    problems = problems_of(pasted, environ)
    assert len(problems) == 2 and not any(PASSWORD in p or SECRET in p for p in problems)
