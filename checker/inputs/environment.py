"""Which environment a file is for, from its name or its folders.

    .env.production  docker-compose.prod.yml  values-prod.yaml  -> production
    .env.staging     overlays/stage/...                          -> staging
    .env.development docker-compose.dev.yml   .env.local         -> development
Anything else: the default (production: the strict choice).
"""
from __future__ import annotations

import re
from pathlib import PurePath

ENVIRONMENTS = ("development", "staging", "production")
DEFAULT_ENVIRONMENT = "production"

_WORDS = {
    "production": "production", "prod": "production", "prd": "production", "live": "production",
    "staging": "staging", "stage": "staging", "stg": "staging", "preprod": "staging", "uat": "staging",
    "development": "development", "dev": "development", "local": "development", "test": "development", "tests": "development",
    "testing": "development", "ci": "development",
}


# a folder called `ci/`, `test/` or `local/` holds tooling more often than an environment's files
_FOLDER_WORDS = {"production", "prod", "prd", "staging", "stage", "stg", "preprod", "development", "dev"}


# folders that hold test harnesses at any depth: their compose files and nginx configs serve a test run
_HARNESS = re.compile(r"_*(integration|e2e|end-to-end|smoke|acceptance)[-_]?tests?|e2e|testdata|test[-_]?fixtures|__tests__")


def infer(path: str) -> str | None:
    """From the file name, else its own folder's name (not higher); a `test/` or `tests/` folder is development."""
    pure = PurePath(path)
    for part, allowed in ((pure.name, _WORDS.keys()), (pure.parent.name, _FOLDER_WORDS)):
        for word in re.split(r"[._\-]", part.lower()):
            if word in allowed:
                return _WORDS[word]
    if pure.parent.name.lower() in ("test", "tests"):  # a test harness (kong-build-tools/test/): not a deployment
        return "development"
    if not pure.is_absolute() and len(pure.parts) > 1 and pure.parts[0].lower() in ("test", "tests", "testing"):
        return "development"  # the repository's own test folder (docker-mailserver test/config/oauth2/compose.yaml)
    if any(_HARNESS.fullmatch(part.lower()) for part in pure.parts[:-1]):  # sentry's _integration-test/, e2e/
        return "development"
    return None


# Local emulators of cloud services: they accept any key and keep data on the machine, so their own
# settings (credentials, DEBUG, region) are a developer's, whatever the file's environment.
_EMULATORS = re.compile(
    r"(^|/)(localstack/localstack(-pro)?|amazon/dynamodb-local|azure-storage/azurite|fsouza/fake-gcs-server"
    r"|motoserver/moto|softwaremill/elasticmq(-native)?|gcr\.io/google\.com/cloudsdktool/[^:]*emulator[^:]*)(:|@|$)",
    re.IGNORECASE,
)


def emulator_image(image: str) -> bool:
    """`localstack/localstack:3.0`, `mcr.microsoft.com/azure-storage/azurite` ...: a local emulator."""
    return _EMULATORS.search(image.strip()) is not None
