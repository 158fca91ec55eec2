"""Thirty evidence runs of one small real tree over June 2026, with findings appearing and being fixed.

The tree (a production env file and, for a while, a waivers file) is rewritten before each run, and
`preflight evidence --framework soc2 --sign KEY --now TIME` makes a signed bundle of it. What
changes, day by day (every run at 09:00 UTC; the days marked + have a second run at 17:00):

    Jun 1-4   POSTGRES_PASSWORD=postgres (SEC-001, CC6.1, fails from Jun 1)
    Jun 5     09:00 still weak; 17:00 a strong password (SEC-001 fixed on Jun 5, age 4 days)    +
    Jun 8     DEBUG=true (SEC-060, CC7.1, fails from Jun 8)
    Jun 10-11 no run
    Jun 13    a waiver for SEC-060 expiring Jun 16: waived Jun 13-16                           (+ on Jun 15)
    Jun 17    the waiver has expired: SEC-060 fails again (the same exception)
    Jun 19    DEBUG=false (SEC-060 fixed on Jun 19, age 11 days: 5 days failing, 4 waived)
    Jun 20    no run
    Jun 22    the weak password comes back (a new SEC-001 exception, open to the end)          (+ on Jun 25)
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from checker.cli import main

WEAK, STRONG = "postgres", "q7Vn2pR9tLx4mK8sW3zY6bH1"
DAYS = [*range(1, 10), *range(12, 20), *range(21, 31)]
SECOND_RUN = {5, 15, 25}
WAIVER = """waivers:
  - rule: SEC-060
    justification: Debug logging kept on while the OPS-42 incident is investigated.
    approver: Jane Doe <jane@example.com>
    expires: 2026-06-16
"""


def moments() -> list[dt.datetime]:
    runs = []
    for day in DAYS:
        runs.append(dt.datetime(2026, 6, day, 9, tzinfo=dt.timezone.utc))
        if day in SECOND_RUN:
            runs.append(dt.datetime(2026, 6, day, 17, tzinfo=dt.timezone.utc))
    return runs


def state(moment: dt.datetime) -> tuple[str, bool, bool]:
    """(password, debug on, waiver file present) at this run."""
    day = moment.day
    weak = day < 5 or (day == 5 and moment.hour < 12) or day >= 22
    return (WEAK if weak else STRONG), 8 <= day < 19, 13 <= day < 19


def write_tree(tree: Path, moment: dt.datetime) -> None:
    password, debug, waiver = state(moment)
    (tree / ".env.production").write_text(
        f"POSTGRES_PASSWORD={password}\nDEBUG={'true' if debug else 'false'}\n", encoding="utf-8")
    waivers = tree / ".preflight" / "waivers.yaml"
    if waiver:
        waivers.parent.mkdir(exist_ok=True)
        waivers.write_text(WAIVER, encoding="utf-8")
    elif waivers.exists():
        waivers.unlink()


def stamp(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def make_bundles(root: Path, history: str | None = None) -> tuple[list[Path], Path, Path]:
    """(the 30 bundles in time order, the private key, the public key); with `history`, each is recorded too."""
    tree, key = root / "tree", root / "signing"
    tree.mkdir()
    config = root / "preflight.yaml"
    config.write_text("select: [SEC-001, SEC-060]\n", encoding="utf-8")
    assert main(["keygen", "-o", str(key)]) == 0
    bundles = []
    for n, moment in enumerate(moments()):
        write_tree(tree, moment)
        bundle = root / f"bundle-{n:02d}"
        argv = ["evidence", str(tree), "--framework", "soc2", "-o", str(bundle), "--sign", f"{key}.key",
                "--config", str(config), "--now", stamp(moment)]
        assert main(argv + (["--history", history] if history else [])) == 0
        bundles.append(bundle)
    return bundles, Path(f"{key}.key"), Path(f"{key}.pub")
