"""Whether a URL's host is this machine: names, and IPv4 addresses in every numeric form.

Browsers and most HTTP clients read a host of digits the way `inet_aton` and the WHATWG URL
standard do: `0x7f000001`, `2130706433`, `0177.0.0.1` and `127.1` are all 127.0.0.1. A check
that compares the text with "127." sees none of them, so numeric hosts are normalised first
and judged by the stdlib's `ipaddress` (loopback, or the unspecified 0.0.0.0 / ::).
"""
from __future__ import annotations

import ipaddress
import re

_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address a host of 1 to 4 decimal, octal (0-prefixed) or hex (0x) parts stands for, else None."""
    parts = host.rstrip(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_PART.match(part) for part in parts):
        return None
    numbers = [int(part, 16) if part[:2].lower() == "0x" and len(part) > 2 else
               0 if part.lower() == "0x" else int(part, 8) if part.startswith("0") else int(part) for part in parts]
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def is_local_host(host: str) -> bool:
    """localhost, any loopback or unspecified address (127.x, ::1, 0.0.0.0, ::, ::ffff:127.0.0.1) in any form."""
    name = host.strip().strip("[]").lower()
    if not name:
        return False
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return True
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = numeric_ipv4(name)
    if address is None:
        try:
            address = ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified
