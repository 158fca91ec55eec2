"""Token formats from Yelp's detect-secrets (https://pypi.org/project/detect-secrets/) that
secret_patterns.py does not know itself.

secret_patterns.py keeps the formats masking needs on every text (one compiled pattern, no
import cost); detect-secrets' regex-based plugins add the vendors it tracks (Azure storage keys,
Twilio, Mailchimp, Discord, Telegram, Square, Artifactory) without a second hand-kept list here.
Only its regex plugins are used: its keyword and high-entropy plugins judge whole source lines,
which preflight already splits into keys and values (weak_secret.py judges entropy per key).
Imported only when a scan has a value long enough to hold a token (~75 ms for detect-secrets).
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

# (module, class, how a finding names the kind)
_PLUGINS = (
    ("azure_storage_key", "AzureStorageKeyDetector", "an Azure storage account key"),
    ("twilio", "TwilioKeyDetector", "a Twilio API key"),
    ("mailchimp", "MailchimpDetector", "a Mailchimp API key"),
    ("discord", "DiscordBotTokenDetector", "a Discord bot token"),
    ("telegram_token", "TelegramBotTokenDetector", "a Telegram bot token"),
    ("square_oauth", "SquareOAuthDetector", "a Square OAuth secret"),
    ("artifactory", "ArtifactoryDetector", "an Artifactory credential"),
)


@lru_cache(maxsize=1)
def _detectors() -> tuple[tuple[Any, str], ...]:
    found = []
    for module, name, kind in _PLUGINS:
        try:
            plugin = getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)
        except (ImportError, AttributeError):  # an older or newer detect-secrets without this plugin
            continue
        found.append((plugin(), kind))
    return tuple(found)


def detected_kind(value: str) -> str | None:
    """The kind of the first detect-secrets format found in `value`, else None (also when it is not installed)."""
    try:
        detectors = _detectors()
    except ImportError:
        return None
    for detector, kind in detectors:
        for _ in detector.analyze_string(value):
            return kind
    return None
