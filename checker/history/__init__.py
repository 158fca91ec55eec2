"""Type II history: every evidence run recorded in an append-only store, and the signed period report.

    store.py        open a SQLite file or a PostgreSQL URL; append runs; read them back (schema.py: the tables)
    records.py      what is stored for one run, derived from a verified bundle, and the row digests
    authenticate.py a bundle's hashes and signature against the keys the user trusts (refused otherwise)
    record.py       `evidence --history DB` / `history record`: authenticate, derive, append
    integrity.py    `history verify`: every stored run re-derived from its signed bundle files, and the chain
    period.py       the period report's content (controls, exception days, first-seen / fixed, ages, gaps)
    output.py       the report folder: report.json, report.html (+ report.pdf), manifest, signature
"""
