"""The auditor's evidence bundle: build (`build.py`), hash manifest (`manifest.py`), Ed25519 signing (`signing.py`)."""
