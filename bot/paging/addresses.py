"""What counts as an email address and as a loopback host (config checks and outlets alike)."""

from __future__ import annotations

import ipaddress
import re

#: One address, no display name: local part, "@", a host name with a dot (a typo such as
#: "counsellor@school" is refused rather than bounced at 11 pm).
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def is_email_address(text: str) -> bool:
    return _EMAIL.fullmatch(text) is not None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and any address in 127.0.0.0/8 or ::1 (brackets allowed)."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
