"""Whether the project's backups cover its data: databases, uploads, off-host copies, retention, runbook.

Looks at every document of the scan (target `project`) whose environment the
rule applies to. Backup jobs are Kubernetes CronJobs and compose services whose
image or command names a backup tool (mongodump, pg_dump, mysqldump,
`redis-cli --rdb`, restic, borg, rclone ...); schedules are Velero and K8up
`Schedule` objects. `check` picks one question:

    database-backup  every Kubernetes database workload (Deployment, StatefulSet, Pod whose image or
                     port is postgres, mongo, mysql/mariadb, cassandra, cockroach ...; redis only with a
                     persistent volume) has a backup: a CronJob running its engine's dump tool, a file
                     backup CronJob mounting its volume, or a Schedule covering its namespace. Compose
                     databases are BAK-001's.
    offsite          every backup job copies off the host: s3:// / gs:// / az, `aws s3`, gsutil, rclone,
                     rsync or scp to a remote host, a remote restic / borg repository, `mc mirror`, or
                     S3 settings (AWS_S3_BUCKET_NAME, S3_BUCKET, WALG_S3_PREFIX). Velero and K8up
                     schedules write to object storage and pass.
    retention        every backup job deletes old copies: `forget --keep-*`, `prune`, `find -mtime +N
                     -delete`, `tail -n +N | xargs rm`, or a *KEEP_DAYS / *RETENTION* setting.
                     Schedules pass (Velero keeps 30 days by default; its `ttl` sets it).
    file-storage     every persistent, writable volume holding uploaded files (mounted at a path
                     matching `upload_paths`, or any volume of MinIO / SeaweedFS) is backed up: a backup
                     job mounts the same volume (or, for object storage, mirrors it with mc / rclone /
                     aws s3), or a Schedule covers its namespace. One finding per volume.
    runbook          a recovery runbook exists: a Markdown file matching `runbooks` (globs, case-
                     insensitive, at most one folder deep) that mentions restoring, in a scanned folder
                     or a parent up to the folder all scanned files share; else an in-date attestation
                     of this rule (or of a rule in `also_attested_by`); else `manual`.

The offsite and retention checks are skipped when the scan holds no backup job,
the others when there is nothing to back up.

Params: check, upload_paths, runbooks, also_attested_by, max_age_days.

Fails (check: database-backup):  kind: StatefulSet, image mongo:7.0, and no CronJob or Schedule
Passes:                          the same with a CronJob running `mongodump --archive | aws s3 cp - s3://...`
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Iterator, Literal, Optional

from checker.inputs.document import Document
from checker.models import STRICT
from checker.probes import _backups as bk
from checker.probes import attestation
from checker.probes._ops import compile_pattern
from checker.probes._workloads import Mount, Workload, engine, in_scope, is_object_storage, persistent, workloads
from checker.probes.base import Context, Observation

NAME = "backup-coverage"
TARGETS = ("project",)
DATABASE_KINDS = ("Deployment", "StatefulSet", "Pod", "ReplicaSet", "ReplicationController")
OFFSITE = re.compile(
    r"\b(s3|gs|az|azure|b2|swift|sftp|rest|rclone|ssh)://|\b(s3|gs|b2|azure|swift|sftp|rest|rclone):[^/\s]"
    r"|\baws\s+s3\s+(cp|sync|mv)|\bgsutil\b|\baz\s+storage\b|\brclone\s+(copy|sync|move|copyto)"
    r"|\b(rsync|scp)\b[^\n|;&]*\s[\w.-]+@[\w.-]+:|\brsync\b[^\n|;&]*\s[\w.-]+::|\bmc\s+(mirror|cp)\b"
    r"|AWS_S3_BUCKET|S3_BUCKET|WALG_(S3|GS|AZ)_PREFIX|repo1-(s3|gcs|azure)|DEFAULT_BACKUP_LOCATION=S3|RESTIC_REPOSITORY=\w+:",
    re.IGNORECASE,
)
RETENTION = re.compile(
    r"\bforget\b|--keep-(last|hourly|daily|weekly|monthly|yearly|within)|\bprune\b|-[mc](time|min)\s+\+\d+"
    r"|tail\s+-n\s+\+\d+[^\n]*\b(rm|xargs)\b|delete-older|retention|keep_?days|backup_?keep|max_?backups|cleanup_?time",
    re.IGNORECASE,
)
MIRRORS = re.compile(r"\bmc\s+(mirror|cp)\b|\brclone\s+(copy|sync)|\baws\s+s3\s+sync", re.IGNORECASE)
RESTORE_WORDS = re.compile(r"restor|recover|恢复|復元|wiederherstell", re.IGNORECASE)
UPLOAD_PATHS = (
    r"/(uploads?|media|attachments|user[-_]?files|userdata)(/|$)|^/app/data/?$|^/var/www/html(/data|/wp-content(/uploads)?)?/?$"
    r"|^/mattermost/data/?$|^/(var/lib/)?nextcloud(/data)?/?$|^/var/www/nextcloud/data/?$"
)
MAX_RUNBOOK_BYTES = 65536


@dataclass
class Params:
    __pydantic_config__ = STRICT
    check: Literal["database-backup", "offsite", "retention", "file-storage", "runbook"]
    upload_paths: str = UPLOAD_PATHS
    runbooks: list[str] = field(default_factory=lambda: [
        "*runbook*.md", "*recovery*.md", "*backup-restore*.md", "*backup_restore*.md", "*disaster*.md",
        "docs/*runbook*.md", "docs/*recovery*.md", "docs/*restore*.md", "docs/runbooks/*.md", "runbooks/*.md",
    ])
    also_attested_by: list[str] = field(default_factory=lambda: [])
    max_age_days: Optional[int] = None

    def __post_init__(self) -> None:
        compile_pattern(self.upload_paths)
        for glob in self.runbooks:
            if glob.count("/") > 2 or "**" in glob or glob.startswith("/") or ".." in glob:
                raise ValueError(f"runbooks: {glob!r} must be a relative glob at most two folders deep, without ** or ..")


def check(doc: Document, params: Params, context: Context) -> Iterator[Observation]:
    documents = in_scope(doc, context.environments)
    if params.check == "database-backup":
        yield from _database_backup(documents)
    elif params.check == "file-storage":
        yield from _file_storage(documents, params)
    elif params.check == "runbook":
        yield from _runbook(doc, documents, params, context)
    else:
        yield from _job_property(documents, params.check)


def _database_backup(documents: list[Document]) -> Iterator[Observation]:
    databases = [
        (w, found) for w in workloads(documents)
        if w.source == "k8s" and w.kind in DATABASE_KINDS and (found := engine(w))
        and (found != "redis" or any(persistent(m) for m in w.mounts))
    ]
    if not databases:
        yield Observation((), "no Kubernetes database workload in scope", status="skip")
        return
    jobs, schedules = bk.backup_jobs(documents), bk.schedules(documents)
    dumped: dict[str, bool] = {}  # engine -> some job dumps it; asked once per engine, not per database and job
    copied = {key for job in jobs if job.copies_files() for key in _keys(job.workload)}
    for database, found in databases:
        keys = {bk.mount_key(database, m) for m in database.mounts if persistent(m)}
        if found not in dumped:
            dumped[found] = any(job.dumps(found) for job in jobs)
        if dumped[found] or any(bk.covers(s, database.namespace) for s in schedules):
            continue
        if keys & copied:
            continue
        volume = "" if keys else " and no persistent volume (its data dies with the pod)"
        yield Observation(database.path, f"{database.label()} ({found}) has no scheduled backup{volume}: no CronJob "
                          "dumps it and no Velero/K8up Schedule covers its namespace", document=database.doc)


def _keys(workload: Workload) -> set[str]:
    return {bk.mount_key(workload, m) for m in workload.mounts if persistent(m)}


def _job_property(documents: list[Document], check: str) -> Iterator[Observation]:
    jobs, schedules = bk.backup_jobs(documents), bk.schedules(documents)
    if not jobs and not schedules:
        yield Observation((), "no backup job or backup schedule in scope", status="skip")
        return
    pattern = OFFSITE if check == "offsite" else RETENTION
    failed = [job for job in jobs if not pattern.search(job.text)]
    for job in failed:
        w = job.workload
        message = (
            f"backup job {w.label()} keeps its copies where the data is: no object storage, remote host or remote repository"
            if check == "offsite" else
            f"backup job {w.label()} never deletes old copies: no forget --keep-*, find -mtime +N -delete or retention setting"
        )
        yield Observation(w.path, message, document=w.doc)
    if not failed:
        what = "copy off the host" if check == "offsite" else "expire old copies"
        names = [j.workload.label() for j in jobs] + [str(s.doc.meta.get("label")) for s in schedules]
        yield Observation((), f"{len(names)} backup job(s) {what}: {', '.join(names[:3])}", status="pass")


def _file_storage(documents: list[Document], params: Params) -> Iterator[Observation]:
    pattern = compile_pattern(params.upload_paths)
    jobs, schedules = bk.backup_jobs(documents), bk.schedules(documents)
    is_job = {(id(job.workload.doc), job.workload.path) for job in jobs}
    holders = [
        (w, m) for w in workloads(documents) if (id(w.doc), w.path) not in is_job
        and (is_object_storage(w) or not engine(w)) for m in w.mounts
        if persistent(m) and not m.read_only and "." not in m.target.rstrip("/").rsplit("/", 1)[-1]
        and (pattern.search(m.target) or is_object_storage(w)) and not _repository_content(w.doc, m)
    ]
    if not holders:
        yield Observation((), "no volume holding uploaded files in scope", status="skip")
        return
    mounted = {key for job in jobs for key in _keys(job.workload)}
    for workload, mount in holders:
        key = bk.mount_key(workload, mount)
        if key in mounted:
            continue
        mounted.add(key)  # a volume two services share is one finding
        if is_object_storage(workload) and any(MIRRORS.search(job.text) for job in jobs):
            continue
        if workload.source == "k8s" and any(bk.covers(s, workload.namespace) for s in schedules):
            continue
        yield Observation(mount.path, f"{_volume(mount)} of {workload.label()} at {mount.target} holds uploaded "
                          "or object-storage files; no backup job mounts it", document=workload.doc)


_PLACEHOLDER_FILES = {".gitkeep", ".keep", ".gitignore", "readme.md", "readme", ".empty"}


def _repository_content(doc: Document, mount: Mount) -> bool:
    """A host folder of the repository itself with committed files in it (`./src/flagd:/app/data` holding the
    demo's flag definitions): content the repository already keeps, not files users upload. A folder that is
    missing or holds only a `.gitkeep` is where uploads will land."""
    kind, _, source = mount.source.partition(":")
    if kind != "host" or not source.startswith("./") or ".." in source.split("/"):
        return False  # only folders under the compose file's own, so the listing stays inside the scanned tree
    folder = os.path.join(os.path.dirname(doc.path), source)
    try:
        with os.scandir(folder) as entries:
            return any(e.is_file(follow_symlinks=False) and e.name.lower() not in _PLACEHOLDER_FILES for e in entries)
    except OSError:
        return False


def _volume(mount: Mount) -> str:
    kind, _, name = mount.source.partition(":")
    return {"volume": f"volume {name}", "pvc": f"claim {name.split('/', 1)[-1]}", "host": f"host folder {name}"}.get(
        kind, "the volume")


def _runbook(project: Document, documents: list[Document], params: Params, context: Context) -> Iterator[Observation]:
    found = find_runbook(documents, params.runbooks)
    if found:
        yield Observation((), f"recovery runbook {found}", status="pass", evidence={"runbook": found})
        return
    settings = attestation.Params(max_age_days=params.max_age_days)
    for rule in [None, *params.also_attested_by]:
        asked = context if rule is None else context._replace(rule_id=rule, rule_name=rule)
        results = list(attestation.check(project, settings, asked))
        if any(r.status != "manual" for r in results):
            yield from results
            return
    yield Observation((), f"no recovery runbook found ({', '.join(params.runbooks[:3])} ...) and no attestation yet",
                      status="manual")


def find_runbook(documents: list[Document], globs: list[str]) -> str | None:
    """The first Markdown file matching `globs` that mentions restoring, near the scanned files."""
    folders = list(dict.fromkeys(os.path.dirname(d.path) or "." for d in documents if d.path != "-"))
    if not folders:
        return None
    root = os.path.commonpath([os.path.abspath(f) for f in folders])
    candidates: list[str] = []
    for folder in folders:
        current = os.path.abspath(folder)
        while current not in candidates:
            candidates.append(current)
            if current == root or os.path.dirname(current) == current:
                break
            current = os.path.dirname(current)
    listed: dict[str, list[os.DirEntry[str]]] = {}
    for folder in candidates:
        for glob in globs:
            where, _, name = glob.rpartition("/")
            for match in _matching(os.path.join(folder, where), name.lower(), listed):
                if _mentions_restore(match):
                    return os.path.relpath(match) if not os.path.isabs(documents[0].path) else match
    return None


def _matching(folder: str, pattern: str, listed: dict[str, list[os.DirEntry[str]]]) -> list[str]:
    if folder not in listed:
        try:
            listed[folder] = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            listed[folder] = []
    return [
        e.path for e in listed[folder] if fnmatch.fnmatch(e.name.lower(), pattern) and e.is_file(follow_symlinks=False)
    ]


def _mentions_restore(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(MAX_RUNBOOK_BYTES).decode("utf-8", "replace")
    except OSError:
        return False
    return bool(RESTORE_WORDS.search(head)) and FilePath(path).suffix.lower() == ".md"
