"""`preflight scan --docker` against a real Podman API service, through the real Docker SDK.

No Docker daemon runs on these machines; Podman's Docker-compatible API
(`podman system service` on a unix socket in a temp dir) is the closest real
engine, and the docker SDK talks to it unchanged. The fixture gives Podman a
private containers.conf (runc, cgroupfs, file events, nofile/nproc capped,
no network namespace by default) and private vfs storage, imports an image
built from Debian's busybox-static, and runs real containers on the `none` or
`host` network, never a bridge. Podman 4.3 schedules healthchecks with systemd
timers, which do not run here, so the fixture runs each one once with
`podman healthcheck run`, as the timer would. The host-network "database" is
busybox tagged `postgres:16.4`: SEC-601 judges a host-network container by its
image name, which is exactly what is under test.

Skipped with a reason when podman, runc or busybox-static is missing
(`.ci/run` installs them).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, NamedTuple

import pytest

from checker.api import scan_paths
from checker.models import Result
from helpers import preflight

BUSYBOX = Path("/bin/busybox")
RULES = ["SEC-600", "SEC-601", "SEC-602", "SEC-603", "SEC-604", "SEC-605", "MON-600", "MON-601"]
WEAK_PASSWORD = "P@ssw0rd"  # in the shipped weak list; distinctive enough to grep every output for
STRONG_PASSWORD = "q7Vn2pR9tLx4mK8sW3zY6bH1"



def _static_busybox() -> bool:
    """The image holds busybox alone: a dynamically linked one (Debian's `busybox`) would not start."""
    return BUSYBOX.is_file() and b"ld-linux" not in BUSYBOX.read_bytes()[:4096]  # no PT_INTERP: static


pytestmark = pytest.mark.skipif(
    not (shutil.which("podman") and shutil.which("runc") and _static_busybox()),
    reason="needs Debian's podman, runc and busybox-static (apt-get install podman runc busybox-static)",
)


class Podman(NamedTuple):
    url: str  # unix:///.../podman.sock
    socket: Path
    ids: dict[str, str]  # container name -> full id


CONTAINERS_CONF = """
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=512:512"]
netns = "none"
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{root}/events.log"
tmp_dir = "{root}/tmp"
"""

STORAGE_CONF = """
[storage]
driver = "vfs"
graphroot = "{root}/storage"
runroot = "{root}/run"
"""


def _podman_env(root: Path) -> dict[str, str]:
    (root / "containers.conf").write_text(CONTAINERS_CONF.format(root=root))
    (root / "storage.conf").write_text(STORAGE_CONF.format(root=root))
    return {**os.environ, "CONTAINERS_CONF": str(root / "containers.conf"),
            "CONTAINERS_STORAGE_CONF": str(root / "storage.conf")}


def _busybox_tar(root: Path) -> Path:
    """A root filesystem of one static busybox and the applets the containers use."""
    tar_path = root / "busybox.tar"
    with tarfile.open(tar_path, "w") as tar:
        tar.add(BUSYBOX, arcname="bin/busybox")
        for applet in ("sh", "sleep", "true", "false", "id"):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
    return tar_path


def _podman(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], env=env, capture_output=True, text=True, timeout=120, check=check)


def _wait_for_api(client: Any, service: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if service.poll() is not None:
            raise RuntimeError(f"podman system service exited with {service.returncode}")
        try:
            if client.ping():
                return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError("the Podman API did not answer")


@pytest.fixture(scope="module")
def podman() -> Iterator[Podman]:
    import docker

    root = Path(tempfile.mkdtemp(prefix="pf-podman-"))
    env = _podman_env(root)
    _podman(env, "import", str(_busybox_tar(root)), "localhost/busybox:latest")
    _podman(env, "tag", "localhost/busybox:latest", "localhost/busybox:1.35.0", "localhost/postgres:16.4")
    sock = root / "podman.sock"
    url = f"unix://{sock}"
    service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", url], env=env,
        stdout=subprocess.DEVNULL, stderr=(root / "service.log").open("wb"), start_new_session=True,
    )
    client = docker.DockerClient(base_url=url, version="1.41")
    try:
        _wait_for_api(client, service)
        run = client.containers.run
        weak = run(
            "localhost/busybox:latest", ["sleep", "600"], name="weak", detach=True, network_mode="none",
            privileged=True, restart_policy={"Name": "no"},
            environment={"POSTGRES_PASSWORD": WEAK_PASSWORD, "DEBUG": "true"},
            volumes={str(sock): {"bind": "/var/run/docker.sock", "mode": "rw"}},  # the engine's own socket
        )
        hardened = run(
            "localhost/busybox:1.35.0", ["sleep", "600"], name="hardened", detach=True, network_mode="none",
            user="1000:1000", restart_policy={"Name": "unless-stopped"},
            environment={"POSTGRES_PASSWORD": STRONG_PASSWORD},
            healthcheck={"test": ["CMD-SHELL", "true"], "interval": 30 * 10**9, "retries": 1},
        )
        sick = run(
            "localhost/postgres:16.4", ["sleep", "600"], name="hostdb", detach=True, network_mode="host",
            user="1000", restart_policy={"Name": "always"},
            healthcheck={"test": ["CMD-SHELL", "false"], "interval": 30 * 10**9, "retries": 1},
        )
        for name in ("hardened", "hostdb"):  # what the systemd timer would do, once
            _podman(env, "healthcheck", "run", name, check=False)
        yield Podman(url, sock, {"weak": weak.id, "hardened": hardened.id, "hostdb": sick.id})
    finally:
        for container in client.containers.list(all=True):
            container.remove(force=True)
        client.close()
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
        shutil.rmtree(root, ignore_errors=True)


def _by_container(results: list[Result]) -> dict[tuple[str, str], list[str]]:
    """(rule id, container name) -> statuses, the container read from the location `HOST#NAME@ID`."""
    table: dict[tuple[str, str], list[str]] = {}
    for result in results:
        assert result.location and result.location.file, result
        name = result.location.file.rsplit("#", 1)[1].split("@", 1)[0]
        table.setdefault((result.rule_id, name), []).append(result.status)
    return table


def test_each_rule_fails_the_weak_container_and_passes_the_hardened_one(podman: Podman) -> None:
    report = scan_paths([], docker_host=podman.url, select=RULES)
    table = _by_container([r for r in report.results if r.rule_id in RULES])
    assert {rule: table[(rule, "weak")] for rule in RULES if rule != "SEC-601"} == {
        "SEC-600": ["fail"], "SEC-602": ["fail"], "SEC-603": ["fail"], "SEC-604": ["fail"], "SEC-605": ["fail"],
        "MON-600": ["fail"], "MON-601": ["fail"],
    }
    assert {rule: table[(rule, "hardened")] for rule in RULES} == {rule: ["pass"] for rule in RULES}
    # the host-network "postgres": a database on every host interface, and its healthcheck fails
    assert table[("SEC-601", "hostdb")] == ["fail"] and table[("MON-600", "hostdb")] == ["fail"]
    assert table[("SEC-601", "weak")] == ["pass"]  # network none: nothing published
    assert not [r for r in report.results if r.status == "error"]


def test_the_env_file_rules_judge_a_container_environment(podman: Podman) -> None:
    report = scan_paths([], docker_host=podman.url, select=["SEC-060"])
    table = _by_container([r for r in report.results if r.rule_id == "SEC-060"])
    assert table == {("SEC-060", "weak"): ["fail"], ("SEC-060", "hardened"): ["pass"], ("SEC-060", "hostdb"): ["pass"]}
    (debug,) = [r for r in report.results if r.status == "fail"]
    assert debug.location is not None and debug.location.object is not None
    assert debug.location.object.startswith(f"container weak ({podman.ids['weak'][:12]}) Config.Env[")


def test_findings_name_host_container_and_id_prefix(podman: Podman) -> None:
    report = scan_paths([], docker_host=podman.url, select=["SEC-600", "MON-600"])
    (privileged,) = [r for r in report.results if r.rule_id == "SEC-600" and r.status == "fail"]
    short_id = podman.ids["weak"][:12]
    assert privileged.location is not None
    assert privileged.location.file == f"{podman.url}#weak@{short_id}"
    assert privileged.location.object == f"container weak ({short_id}) HostConfig.Privileged"
    assert privileged.message == "container weak runs privileged"
    unhealthy = [r for r in report.results if r.rule_id == "MON-600" and r.status == "fail" and "hostdb" in r.message]
    assert [r.message for r in unhealthy] == ["container hostdb is unhealthy"]


def test_engine_socket_finding_names_the_mount(podman: Podman) -> None:
    report = scan_paths([], docker_host=podman.url, select=["SEC-603"])
    (found,) = [r for r in report.results if r.status == "fail"]
    assert found.observed == f"{podman.socket}:/var/run/docker.sock"


def test_default_password_is_masked_in_every_format(podman: Podman, tmp_path: Path) -> None:
    formats = ["text", "json", "sarif", "junit", "markdown", "html"]
    args = ["scan", "--docker-host", podman.url, "--select", "SEC-602", "-v"]
    for fmt in formats:
        args += ["-f", fmt, "-o", str(tmp_path / f"report.{fmt}")]
    done = preflight(*args, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    for fmt in formats:
        text = (tmp_path / f"report.{fmt}").read_text(encoding="utf-8")
        assert "POSTGRES_PASSWORD (container weak)" in text, fmt
        assert WEAK_PASSWORD not in text and STRONG_PASSWORD not in text, fmt
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    (failed,) = [r for r in report["results"] if r["status"] == "fail"]
    assert failed["observed"] and failed["observed"] != WEAK_PASSWORD and "*" in failed["observed"]
    assert WEAK_PASSWORD not in done.stdout + done.stderr


def test_evidence_bundle_holds_the_containers_and_never_the_password(podman: Podman, tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    bundle = tmp_path / "bundle"
    done = preflight("evidence", str(tmp_path / "deploy"), "--docker-host", podman.url, "--framework", "soc2",
                     "-o", str(bundle), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    scope = json.loads((bundle / "scope.json").read_text())
    short = {name: f"{podman.url}#{name}@{cid[:12]}" for name, cid in podman.ids.items()}
    assert scope["docker"] == {"host": podman.url, "containers": sorted(short.values())}
    files = [p for p in bundle.rglob("*") if p.is_file()]
    assert any(short["weak"] in p.read_text(errors="replace") for p in files if p.name.startswith("report"))
    assert [p.name for p in files if WEAK_PASSWORD in p.read_text(errors="replace")] == []
    assert preflight("verify", str(bundle)).returncode == 3  # every hash holds; unsigned, so not authenticated


def test_sarif_of_a_container_scan_is_schema_valid(podman: Podman) -> None:
    import jsonschema

    from checker.reporters import sarif

    schema = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "sarif-schema-2.1.0.json").read_text())
    log = json.loads(sarif.render(scan_paths([], docker_host=podman.url, select=RULES)))
    jsonschema.validate(log, schema)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert f"{podman.url}#weak@{podman.ids['weak'][:12]}" in uris


def test_docker_flag_with_files_scans_both(podman: Podman, tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("POSTGRES_PASSWORD=postgres\n")
    done = preflight("scan", str(tmp_path), "--docker-host", podman.url, "--select", "SEC-001,SEC-600", "-f", "json")
    results = json.loads(done.stdout)["results"]
    files = sorted({r["location"]["file"].split("#")[0] for r in results if r["status"] == "fail"})
    assert files == sorted([str(tmp_path / "app.env"), podman.url])
