"""Command line: parse arguments and dispatch to one function per subcommand.

Every command returns its exit code. One handler maps errors to exit codes:
0 nothing at or above --fail-on, 1 failing results, 2 usage / configuration /
rule-file errors (and unreadable or unwritable files, input nested too deeply), 130 interrupted;
`verify` exits 3 when the hashes hold but no trusted key authenticates the signature.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any, Callable, Sequence

from checker import __version__
from checker.errors import PreflightError
from checker.safe_text import EscapingStream, SafeStream

SEVERITIES = ["info", "low", "medium", "high", "critical"]
FORMATS = ["text", "json", "sarif", "junit", "markdown", "html"]


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `command`, only that subcommand's options are defined
    (argparse spends ~10 ms defining them all, a fifteenth of the pre-commit hook's budget)."""
    parser = argparse.ArgumentParser(prog="preflight", description="Pre-deployment checklist and compliance scanner.")
    parser.add_argument("--version", action="version", version=f"preflight {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_arguments) in SUBCOMMANDS.items():
        if command in SUBCOMMANDS and name != command:
            continue
        add_arguments(commands.add_parser(name, help=help_text))
    return parser


def _scan_arguments(scan: argparse.ArgumentParser) -> None:
    scan.add_argument("paths", nargs="*", default=None, metavar="PATH", help="files and folders (default: ., or none with --endpoint)")
    scan.add_argument("--env", choices=["development", "staging", "production"],
                      help="environment of every file (default: inferred from file names, else production)")
    scan.add_argument("--checklist", type=_csv, action="extend", default=[], metavar="NAME,...")
    scan.add_argument("--select", type=_csv, action="extend", default=[], metavar="ID,...", help="run only these rules")
    scan.add_argument("--skip", type=_csv, action="extend", default=[], metavar="ID,...")
    scan.add_argument("--severity", choices=SEVERITIES, help="run rules at or above this severity")
    scan.add_argument("--profile", type=_csv, action="extend", default=[], metavar="NAME,...",
                      help="turn on an opt-in profile of policy rules (strict: CPU limits, a namespace in every manifest)")
    scan.add_argument("--rules", action="append", default=[], metavar="DIR", help="extra rule folder or file (repeatable)")
    scan.add_argument("--no-default-rules", action="store_true", help="run only the --rules given")
    scan.add_argument("--exclude", action="append", default=[], metavar="GLOB")
    scan.add_argument("--env-file", action="append", default=[], metavar="FILE", help="variables for compose interpolation")
    scan.add_argument("--attestations", action="append", default=[], metavar="FILE")
    scan.add_argument("-f", "--format", choices=FORMATS, action="append", default=[],
                      help="output format (repeatable, paired in order with -o)")
    scan.add_argument("-o", "--output", action="append", default=[], metavar="FILE",
                      help="write the report here instead of stdout (repeatable)")
    scan.add_argument("--output-dir", metavar="DIR", help="write every format given with -f into DIR as report.<suffix>")
    scan.add_argument("--waivers", metavar="FILE", help="waivers file (default: .preflight/waivers.yaml beside the scan)")
    scan.add_argument("--baseline", metavar="FILE", help="fail only on findings not recorded in this baseline")
    scan.add_argument("--changed-since", "--diff", metavar="REF", dest="changed_since",
                      help="PR mode: report only findings on lines changed since the merge base with REF, "
                           "and new whole-deployment ones")
    scan.add_argument("--fail-on", choices=SEVERITIES, help="exit 1 only for failures at or above this (default: info)")
    scan.add_argument("--config", metavar="FILE", help="configuration file (default: ./.preflight.yaml)")
    scan.add_argument("-v", "--verbose", action="store_true", help="also show observed values, waived and manual items")
    scan.add_argument("-q", "--quiet", action="store_true", help="text output: only the summary line with the failing count")
    scan.add_argument("--live", action="store_true", help="also probe running endpoints and services (network)")
    scan.add_argument("--endpoint", action="append", default=[], metavar="URL",
                      help="a live target: https://host, redis://host:6379 ... (repeatable; implies --live)")
    scan.add_argument("--ca-bundle", metavar="FILE", help="live TLS: trust these CAs instead of the system store")
    scan.add_argument("--insecure", action="store_true",
                      help="live: do not verify TLS certificates (the certificate rule is skipped; other rules say so)")
    scan.add_argument("--no-credentials", action="store_true",
                      help="live: probe as anonymous only; never send a user or password found in a URI")
    scan.add_argument("--live-hosts", action="append", default=[], metavar="GLOB",
                      help="live: contact only hosts matching GLOB (repeatable); others are reported as skipped")
    scan.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help="live: connect and read timeout")
    scan.add_argument("--concurrency", type=int, default=32, metavar="N", help="live: probes run at once")
    scan.add_argument("--jobs", type=int, metavar="N",
                      help="worker processes for large scans (default: the number of CPUs; 1: no workers)")
    scan.add_argument("--docker", action="store_true",
                      help="also inspect the running containers of a Docker (or Podman) host through its API")
    scan.add_argument("--docker-host", metavar="URL",
                      help="the Docker API for --docker: unix:///run/docker.sock, tcp://host:2376 ... (implies --docker; "
                           "default: DOCKER_HOST, else the local socket)")
    scan.add_argument("--per-file", action="store_true",
                      help="only rules that judge one file at a time, not the whole deployment (for pre-commit)")
    scan.add_argument("--k8s", action="store_true",
                      help="also scan the live objects of a Kubernetes cluster (kubeconfig or in-cluster; get/list only)")
    scan.add_argument("--context", metavar="NAME", help="--k8s: kubeconfig context (default: the current one)")
    scan.add_argument("--kubeconfig", metavar="FILE", help="--k8s: kubeconfig file (default: $KUBECONFIG, ~/.kube/config)")
    k8s_scope = scan.add_mutually_exclusive_group()
    k8s_scope.add_argument("--namespace", metavar="NS", help="--k8s: this namespace (default: the context's, else default)")
    k8s_scope.add_argument("--all-namespaces", action="store_true", help="--k8s: every namespace")
    scan.add_argument("--shard", metavar="INDEX/COUNT",
                      help="scan only this share of the targets (paths, endpoints, namespaces), e.g. 0/4; 0-based")


def _rules_arguments(rules: argparse.ArgumentParser) -> None:
    rules.add_argument("-f", "--format", choices=["text", "json"], default="text")
    rules.add_argument("--rules", action="append", default=[], metavar="DIR")
    rules.add_argument("--checklist", type=_csv, action="extend", default=[], metavar="NAME,...")


def _explain_arguments(explain: argparse.ArgumentParser) -> None:
    explain.add_argument("rule", metavar="ID|NAME")
    explain.add_argument("--rules", action="append", default=[], metavar="DIR")


def _report_arguments(report: argparse.ArgumentParser) -> None:
    report.add_argument("file", metavar="FILE.json")
    report.add_argument("-f", "--format", choices=FORMATS, action="append", default=[])
    report.add_argument("-o", "--output", action="append", default=[], metavar="FILE")
    report.add_argument("--output-dir", metavar="DIR")
    report.add_argument("-v", "--verbose", action="store_true")


def _baseline_arguments(baseline: argparse.ArgumentParser) -> None:
    baseline.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    baseline.add_argument("-o", "--output", default=".preflight-baseline.json", metavar="FILE")
    baseline.add_argument("--config", metavar="FILE")


def _evidence_arguments(evidence: argparse.ArgumentParser) -> None:
    evidence.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    evidence.add_argument("--framework", choices=["soc2", "gdpr"], required=True)
    evidence.add_argument("-o", "--output", required=True, metavar="DIR")
    evidence.add_argument("--sign", metavar="KEY", help="Ed25519 private key (PEM) to sign the manifest with")
    evidence.add_argument("--config", metavar="FILE")
    evidence.add_argument("--live", action="store_true")
    evidence.add_argument("--endpoint", action="append", default=[], metavar="URL")
    evidence.add_argument("--docker", action="store_true", help="also inspect the running containers of a Docker host")
    evidence.add_argument("--docker-host", metavar="URL", help="the Docker API for --docker (implies it)")
    evidence.add_argument("--history", metavar="DB", help="also record the run in this history: a SQLite file or a "
                          "postgresql:// URL (needs --sign; see `preflight history`)")
    evidence.add_argument("--now", help=argparse.SUPPRESS)  # tests: the scan's clock (checker/history/clock.py)
    evidence.add_argument("-f", "--format", choices=["html", "pdf"], action="append", default=[],
                          help="report.html is always written; -f pdf adds report.pdf (headless Chromium)")


def _verify_arguments(verify: argparse.ArgumentParser) -> None:
    verify.add_argument("bundle", metavar="DIR")
    verify.add_argument("--public-key", metavar="FILE",
                        help="the signer's public key you trust (without it, or a fingerprint pinned in --config, "
                             "the signature is not authenticated: exit 3)")
    verify.add_argument("--config", metavar="FILE", help="configuration file whose trusted_signers pin signing keys")


def _keygen_arguments(keygen: argparse.ArgumentParser) -> None:
    keygen.add_argument("-o", "--output", default="preflight-signing", metavar="PREFIX",
                        help="writes PREFIX.key (private) and PREFIX.pub")


def _fix_arguments(fix: argparse.ArgumentParser) -> None:
    fix.add_argument("paths", nargs="*", default=None, metavar="PATH", help="files and folders (default: .)")
    fix.add_argument("--select", type=_csv, action="extend", default=[], metavar="ID,...", help="fix only these rules")
    mode = fix.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print the unified diff and change nothing (the default)")
    mode.add_argument("--write", action="store_true", help="apply the fixes in place")
    fix.add_argument("--unsafe-fixes", action="store_true", help="also fixes a reviewer must judge")
    fix.add_argument("--force", action="store_true", help="--write: also files with uncommitted changes")
    fix.add_argument("--secrets-to", metavar="FILE", help="generated secrets go here (default: .env.production.local beside the file)")
    fix.add_argument("--env", choices=["development", "staging", "production"])
    fix.add_argument("--exclude", action="append", default=[], metavar="GLOB")


def _history_arguments(history: argparse.ArgumentParser) -> None:
    from checker.commands.history import add_arguments

    add_arguments(history)


def _init_arguments(parser: argparse.ArgumentParser) -> None:
    pass  # no options


def _merge_arguments(merge: argparse.ArgumentParser) -> None:
    merge.add_argument("files", nargs="+", metavar="FILE.json")
    merge.add_argument("-f", "--format", choices=FORMATS, action="append", default=[],
                       help="output format (repeatable, paired in order with -o; default: json)")
    merge.add_argument("-o", "--output", action="append", default=[], metavar="FILE")
    merge.add_argument("--output-dir", metavar="DIR")


# subcommand -> (help, the function that defines its options); the order is the order of `preflight --help`
SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "scan": ("scan files and folders", _scan_arguments),
    "rules": ("list the rule catalog", _rules_arguments),
    "explain": ("explain one rule: why, how to fix, examples", _explain_arguments),
    "report": ("re-render a saved JSON report", _report_arguments),
    "baseline": ("record today's failures so CI fails only on new ones", _baseline_arguments),
    "evidence": ("write a compliance evidence bundle for auditors", _evidence_arguments),
    "verify": ("check an evidence bundle's hashes and signature", _verify_arguments),
    "keygen": ("make an Ed25519 key pair for signing evidence", _keygen_arguments),
    "init": ("write a commented starter .preflight.yaml", _init_arguments),
    "merge": ("combine JSON reports (e.g. the shards of a fleet scan) into one", _merge_arguments),
    "fix": ("print (or --write) checked, minimal fixes for what a tool can safely fix", _fix_arguments),
    "history": ("Type II: record evidence runs, verify the history, write the signed period report", _history_arguments),
}


# subcommand -> "module:function"; each function takes the parsed arguments and returns the exit code
COMMANDS = {
    "scan": "checker.commands.scan:run_scan",
    "rules": "checker.commands.catalog:run_rules",
    "explain": "checker.commands.explain:run_explain",
    "report": "checker.commands.report:run_report",
    "baseline": "checker.commands.baseline:run_baseline",
    "evidence": "checker.commands.evidence:run_evidence",
    "verify": "checker.commands.verify:run_verify",
    "keygen": "checker.commands.keygen:run_keygen",
    "init": "checker.commands.init:run_init",
    "merge": "checker.commands.merge:run_merge",
    "fix": "checker.commands.fix:run_fix",
    "history": "checker.commands.history:run_history",
}


INTERNAL_ERROR = 4  # README: exit codes
# commands whose stdout is messages naming files, not a report format (which escapes its own text)
MESSAGE_COMMANDS = {"verify", "history", "evidence", "keygen", "init", "baseline", "merge"}


def main(argv: Sequence[str] | None = None) -> int:
    stderr = sys.stderr
    sys.stderr = SafeStream(stderr)  # every warning and error: masked, controls escaped
    try:
        return _main(argv)
    finally:
        sys.stderr = stderr


def _main(argv: Sequence[str] | None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(next((word for word in given if not word.startswith("-")), None))
    args = parser.parse_args(given)
    if args.command is None:
        parser.print_help()
        return 2
    stdout = sys.stdout
    if args.command in MESSAGE_COMMANDS:
        sys.stdout = EscapingStream(stdout)
    try:
        module_name, function = COMMANDS[args.command].split(":")
        command: Any = getattr(importlib.import_module(module_name), function)
        return int(command(args))
    except PreflightError as exc:
        print(f"preflight: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    # input the user gave that no command checked for: still one line and exit 2, never a traceback
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"preflight: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except RecursionError:
        print("preflight: error: an input is nested too deeply to process", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line and its own exit code, the traceback only when asked for
        import os
        import traceback

        if os.environ.get("PREFLIGHT_DEBUG"):
            traceback.print_exc()
        # the exception's text may quote a scanned file before its secrets are known: only its type and place
        print(f"preflight: internal error: {type(exc).__name__}{_raised_at(exc)} (a bug in preflight; "
              "PREFLIGHT_DEBUG=1 prints the traceback, which may quote the scanned files)", file=sys.stderr)
        return INTERNAL_ERROR
    finally:
        sys.stdout = stdout


def _raised_at(exc: BaseException) -> str:
    """` at checker/x.py:12`: the innermost frame of preflight's own code, in this process or a --jobs worker."""
    import re
    import traceback

    frames = [f"{f.filename}:{f.lineno}" for f in traceback.extract_tb(exc.__traceback__)]
    remote = str(exc.__cause__) if exc.__cause__ is not None else ""  # a worker's traceback, as text
    frames += [f"{path}:{line}" for path, line in re.findall(r'File "([^"]+)", line (\d+)', remote)]
    own = [f for f in frames if "/checker/" in f]
    return f" at checker/{own[-1].rsplit('/checker/', 1)[1]}" if own else ""
