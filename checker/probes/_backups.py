"""Backup jobs and schedules found in a project's documents, for the backup-coverage probe.

A backup job is a Kubernetes CronJob or a compose service whose image or
command names a backup tool; a schedule is a Velero or K8up `Schedule`. Each
job carries one text to search: its image, command lines and settings as
KEY=VALUE lines.
"""
from __future__ import annotations

import os
import re
from typing import NamedTuple

from checker.inputs.document import Document
from checker.probes._workloads import Mount, Workload, workloads

ENGINE_TOOLS: dict[str, str] = {
    "mongodb": r"mongodump",
    "postgres": r"pg_dump|pg_dumpall|pg_basebackup|pgbackrest|wal-g|barman",
    "mysql": r"mysqldump|mariadb-dump|mariabackup|mariadb-backup|xtrabackup|mydumper",
    "redis": r"redis-cli\b.*(--rdb|bgsave)|\bcp\b.*dump\.rdb",
    "cassandra": r"nodetool\s+snapshot|cassandra-medusa|\bmedusa\b",
    "cockroach": r"\bbackup\s+(database|into)\b",
    "elasticsearch": r"_snapshot|elasticdump",
    "clickhouse": r"clickhouse-backup",
}
FILE_TOOLS = r"restic|borg|kopia|duplicati|duplicity|rclone|rsync|volume-backup|velero|\btar\s+-?[a-z]*c|\bmc\s+(mirror|cp)"
BACKUP_IMAGE = re.compile(r"backup|restic|borg|pgbackrest|wal-g|barman|kopia|duplicati|velero|rclone", re.IGNORECASE)
ANY_TOOL = re.compile("|".join(list(ENGINE_TOOLS.values()) + [FILE_TOOLS]), re.IGNORECASE)
_FILE_TOOL = re.compile(FILE_TOOLS, re.IGNORECASE)


class BackupJob(NamedTuple):
    workload: Workload
    text: str  # image, command lines, KEY=VALUE settings

    def dumps(self, engine: str) -> bool:
        pattern = ENGINE_TOOLS.get(engine)
        return bool(pattern and re.search(pattern, self.text, re.IGNORECASE))

    def copies_files(self) -> bool:
        return bool(_FILE_TOOL.search(self.text))


class Schedule(NamedTuple):
    doc: Document
    tool: str  # velero | k8up
    namespaces: list[str] | None  # None: every namespace
    excluded: list[str]


def backup_jobs(documents: list[Document]) -> list[BackupJob]:
    jobs = []
    for workload in workloads(documents):
        if workload.source == "k8s" and workload.kind != "CronJob":
            continue
        settings = "\n".join(f"{s.key}={s.raw if not s.resolved else s.value}" for s in workload.settings)
        text = "\n".join([" ".join(workload.images), workload.command, settings])
        if any(BACKUP_IMAGE.search(i) for i in workload.images) or ANY_TOOL.search(workload.command):
            jobs.append(BackupJob(workload, text))
    return jobs


def schedules(documents: list[Document]) -> list[Schedule]:
    found = []
    for doc in documents:
        api = str(doc.data.get("apiVersion", "")) if doc.kind == "k8s" else ""
        if doc.meta.get("k8s_kind") != "Schedule" or not api.startswith(("velero.io/", "k8up.io/")):
            continue
        spec = doc.data.get("spec") if isinstance(doc.data.get("spec"), dict) else {}
        if api.startswith("velero.io/"):
            template = spec.get("template")
            template = template if isinstance(template, dict) else {}
            included = [str(n) for n in template.get("includedNamespaces") or []]
            excluded = [str(n) for n in template.get("excludedNamespaces") or []]
            found.append(Schedule(doc, "velero", None if not included or "*" in included else included, excluded))
        else:
            own = str(doc.meta.get("k8s_namespace") or "")
            found.append(Schedule(doc, "k8up", [own] if own else None, []))
    return found


def covers(schedule: Schedule, namespace: str) -> bool:
    if namespace in schedule.excluded:
        return False
    return schedule.namespaces is None or not namespace or namespace in schedule.namespaces


def mount_key(workload: Workload, mount: Mount) -> str:
    """What identifies a volume across workloads: compose volumes per project folder, PVCs per namespace."""
    kind, _, name = mount.source.partition(":")
    folder = os.path.dirname(workload.doc.path)
    if kind == "volume" and workload.source == "compose":
        return f"{folder}|volume:{name}"
    if kind == "host" and not name.startswith("/"):
        return f"host:{os.path.normpath(os.path.join(folder, name))}"
    if workload.source == "k8s":  # a PVC is one volume only inside its deployment unit (inputs/units.py)
        return f"{workload.doc.meta.get('unit', '')}|{mount.source}"
    return mount.source
