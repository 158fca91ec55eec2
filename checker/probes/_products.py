"""What infrastructure product a workload runs, and which of its ports is an admin or debug interface.

The products sibling of checker/probes/_databases.py, decided the same way: the image first
(the last path segment of its repository, registry and tag dropped), else the server command;
an exporter or a tool named after a product is not the product.

>>> identify(["grafana/grafana-oss:11.2.0"]).name
'grafana'
>>> identify(["quay.io/prometheus/prometheus:v2.53.0"]).admin_ports
(9090,)
>>> identify(["prom/prometheus-pushgateway:1.9"]) is None, identify(["bitnami/prometheus-exporter"]) is None
(True, True)
>>> identify(["ghcr.io/acme/edge:1"], command="envoy -c /etc/envoy/envoy.yaml").reason
'command envoy'
>>> identify(["hashicorp/consul-template:0.39"]) is None
True

Debug endpoints live in runtimes, not products: `debug_listener()` reads a command line or a
setting value for a debugger or profiler told to listen beyond loopback.

>>> debug_listener("node --inspect=0.0.0.0:9229 server.js")
('Node.js inspector', 9229)
>>> debug_listener("java -agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=*:5005 -jar app.jar")
('Java debugger (JDWP)', 5005)
>>> debug_listener("python -m debugpy --listen 0.0.0.0:5678 app.py"), debug_listener("node --inspect server.js")
(('Python debugger (debugpy)', 5678), None)
>>> debug_listener("./api --pprof-addr=:6060"), debug_listener("nodemon --inspect=0.0.0.0 server.js")
(('Go pprof', 6060), ('Node.js inspector', 9229))
>>> debug_listener("node --inspect=127.0.0.1:9229 a.js"), debug_listener("java -agentlib:jdwp=server=y,address=localhost:5005")
(None, None)
"""
from __future__ import annotations

import re
from typing import Iterable, NamedTuple

from checker.probes._databases import image_name

LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class Product(NamedTuple):
    name: str  # grafana, prometheus, alertmanager, consul, traefik, envoy
    reason: str  # "image grafana/grafana:11", "command envoy"
    admin_ports: tuple[int, ...]  # the ports its admin / UI / API listens on by default


class _Known(NamedTuple):
    name: str
    image: str  # regex on the image's last path segment
    command: str  # regex on the command line: the server executable as a word
    admin_ports: tuple[int, ...]


_EXE = r"(?:^|(?<=[\s\"'/]))"
KNOWN: tuple[_Known, ...] = (
    _Known("grafana", r"grafana(?:-oss|-enterprise)?", rf"{_EXE}grafana(?:-server|\s+server)\b", (3000,)),
    _Known("prometheus", r"prometheus", rf"{_EXE}prometheus\s+--", (9090,)),
    _Known("alertmanager", r"alertmanager", rf"{_EXE}alertmanager\s+--", (9093,)),
    _Known("consul", r"consul", rf"{_EXE}consul\s+agent\b", (8500,)),
    _Known("traefik", r"traefik", rf"{_EXE}traefik\s+--", (8080,)),
    _Known("envoy", r"envoy(?:-alpine|-distroless|-contrib)?", rf"{_EXE}envoy\s+(?:-c|--config-path)\b", (9901,)),
)
_IMAGES = tuple((known, re.compile(rf"^(?:{known.image})$")) for known in KNOWN)
_COMMANDS = tuple((known, re.compile(known.command)) for known in KNOWN)


def identify(images: Iterable[str] = (), command: str = "") -> Product | None:
    """The product these images or this command run, or None (an unknown image, an exporter, a client)."""
    images = [str(i) for i in images if i]
    for image in images:
        name = image_name(image)
        for known, pattern in _IMAGES:
            if pattern.match(name):
                return Product(known.name, f"image {image}", known.admin_ports)
    for known, pattern in _COMMANDS:
        found = pattern.search(command or "")
        if found:
            return Product(known.name, f"command {found.group(0).split()[0].rsplit('/', 1)[-1]}", known.admin_ports)
    return None


# debuggers and profilers: what, a regex whose group `addr` is `host:port`, `port` or `host`, the default port,
# and whether a bare port binds loopback (Node's inspector and debugpy) or every interface (JDWP, Go)
_DEBUG: tuple[tuple[str, re.Pattern[str], int, bool], ...] = (
    ("Node.js inspector", re.compile(r"--inspect(?:-brk|-wait)?=(?P<addr>[^\s\"',]+)"), 9229, True),
    ("Java debugger (JDWP)", re.compile(r"jdwp=[^\s\"']*address=(?P<addr>[^\s\"',]+)"), 5005, False),
    ("Python debugger (debugpy)", re.compile(r"debugpy\b[^\n]*?--listen\s+(?P<addr>[^\s\"',]+)"), 5678, True),
    ("Go pprof", re.compile(r"(?:pprof[\w.\-]*(?:addr|address|listen|port|bind)\w*|-http)[=\s]+[\"']?(?P<addr>[\w.\-\[\]*]*:\d+)",
                            re.IGNORECASE), 6060, False),
)


def debug_listener(command: str) -> tuple[str, int] | None:
    """(what, port) of a debugger or profiler the command line opens beyond loopback, else None.

    A listener without a host binds where the runtime defaults: Node's inspector and debugpy to
    127.0.0.1 (so `--inspect=9229` is loopback), JDWP's `address=5005` and Go's `:6060` to every
    interface; `--inspect=0.0.0.0` without a port is 9229.
    """
    for what, pattern, default, bare_is_loopback in _DEBUG:
        for found in pattern.finditer(command or ""):
            address = found.group("addr")
            host, _, port = address.rpartition(":") if ":" in address else (
                ("", "", address) if address.isdigit() else (address, "", str(default)))
            host = host.strip("[]")
            if host in LOOPBACK or (not host and bare_is_loopback) or not port.isdigit():
                continue
            return what, int(port)
    return None
