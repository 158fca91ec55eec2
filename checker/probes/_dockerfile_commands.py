"""Reading Dockerfile instruction arguments as the shell and the builder read them (for probes/dockerfile.py).

  commands(text)        the simple commands of a RUN's shell text, each a list of words (quotes removed)
  run_commands(instr)   the simple commands a RUN (or ONBUILD RUN) runs (an exec-form `sh -c` script read)
  sudo_to_root(instr)   it runs sudo to become root (`sudo -u app` from root steps down, and does not count)
  add_sources(instr)    the sources of an ADD, split as the builder splits them (shell words or JSON)
  exposed(text)         the (first, last, protocol) port ranges of an EXPOSE

Words are split with the standard library's `shlex` in POSIX mode, so quotes are removed and
`&&`, `||`, `;`, `|`, `&`, `(`, `)`, backticks and newlines end a command, as in sh. Text shlex
cannot split (an unterminated quote) falls back to splitting on blanks.
"""
from __future__ import annotations

import re
import shlex
from typing import Any

# words that may stand before a command's name without being it (`if x; then sudo y; fi`, `! cmd`, `time cmd`)
_PREFIXES = {"if", "then", "else", "elif", "while", "until", "do", "!", "{", "}", "time", "exec", "nohup", "command"}
_SEPARATOR = re.compile(r"[;&|()\n`]+")  # operators only: a quoted `a;b` is a word
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SHELLS = {"sh", "bash", "ash", "dash", "zsh", "ksh"}
# every printable character but blanks, quotes and the shell's operators belongs to a word (`https://x`, `a#b`, `${V}`)
_WORDCHARS = "".join(c for c in map(chr, range(33, 127)) if c not in "();<>|&\"'`")
_EXPOSE = re.compile(r"^(?P<first>\d+)(?:-(?P<last>\d+))?(?:/(?P<proto>[A-Za-z]+))?$")


def _words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.wordchars += _WORDCHARS
    lexer.whitespace = " \t\r"  # a newline ends a command (heredoc bodies); it is a token of its own
    lexer.commenters = ""  # a `#` inside a word is not a comment; comment lines were dropped by the parser
    try:
        return list(lexer)
    except ValueError:  # an unterminated quote: the shell would refuse it too; read it word by word
        return re.findall(r"&&|\|\||[;|&()\n`]|[^\s;|&()`]+", text)


def commands(text: str) -> list[list[str]]:
    """The simple commands of shell `text`, each its words without leading assignments and prefixes."""
    found: list[list[str]] = []
    current: list[str] = []
    for word in _words(text) + [";"]:
        separator = _SEPARATOR.fullmatch(word) is not None
        if not separator:
            if current or not (_ASSIGNMENT.match(word) or word in _PREFIXES):
                current.append(word)
            continue
        if current:
            found.append(current)
        current = []
    return found


def run_commands(instruction: dict[str, Any]) -> list[list[str]]:
    """The simple commands a RUN (or ONBUILD RUN) runs, each its words; [] for other instructions."""
    name, text = instruction["instruction"], str(instruction["arguments"])
    if name == "ONBUILD":
        trigger, _, rest = text.partition(" ")
        if trigger.upper() != "RUN":
            return []
        name, text = "RUN", rest
    if name != "RUN":
        return []
    words = instruction.get("words")
    if words:  # exec form: the words are the command, unless they are a shell given a script with -c
        if len(words) >= 3 and words[0].rsplit("/", 1)[-1] in _SHELLS and words[1] == "-c":
            text = words[2]
        else:
            return [[str(w) for w in words]]
    return commands(text)


def sudo_to_root(instruction: dict[str, Any]) -> bool:
    """A RUN runs sudo to become root (or another user it cannot name); `sudo -u app ...` from root steps down."""
    for command in run_commands(instruction):
        if command[0].rsplit("/", 1)[-1] == "sudo" and _sudo_user(command[1:]) in (None, "root", "0", "#0"):
            return True
    return False


def _sudo_user(words: list[str]) -> str | None:
    """The user of `sudo -u USER` / `-uUSER` / `-Eu USER` / `--user=USER` / `--user USER`; None: root, the default."""
    for number, word in enumerate(words):
        if not word.startswith("-") or word == "--":
            return None  # the command sudo runs begins here
        if word.startswith("--user"):
            return word.partition("=")[2] or (words[number + 1] if number + 1 < len(words) else None)
        if not word.startswith("--") and "u" in word[1:]:
            rest = word[word.index("u", 1) + 1:]
            return rest or (words[number + 1] if number + 1 < len(words) else None)
    return None


def add_sources(instruction: dict[str, Any]) -> list[str]:
    """ADD's sources without quotes: `ADD "https://x" /opt/` and `ADD ["https://x", "/opt/"]` both give https://x."""
    words = instruction.get("words")
    if not words:
        text = str(instruction["arguments"])
        if text.lstrip().startswith("<<"):
            return []  # a heredoc: the content is written inline, nothing is fetched
        words = [w for w in _words(text) if w != "\n"]
    return [str(w) for w in words[:-1]]


def exposed(text: str) -> list[tuple[int, int, str]]:
    """The port ranges of an EXPOSE's resolved text: `22 8000-8010/udp` gives (22, 22, tcp), (8000, 8010, udp)."""
    ranges = []
    for word in _words(text):
        match = _EXPOSE.match(word)
        if match:
            first = int(match.group("first"))
            ranges.append((first, int(match.group("last") or first), (match.group("proto") or "tcp").lower()))
    return ranges
