"""全程留痕 of the publication stage: append-only records in ``publish.audit``, and config changes audited once.

Who, when, what, why: every publication, withdrawal, block, approval, staff decision, access-list and masking
policy change. The table refuses UPDATE, DELETE and TRUNCATE (a trigger): an audit trail that can be edited proves
nothing.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from typing import Any

import psycopg

from govdata import config


def actor() -> str:
    """Who is acting from the command line: ``GOVDATA_ACTOR``, else the login name."""
    return os.environ.get("GOVDATA_ACTOR") or getpass.getuser()


def record(
    conn: psycopg.Connection,
    who: str,
    action: str,
    dataset_id: str | None,
    detail: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Append one audit record (inside the caller's transaction, so it lands with what it records)."""
    conn.execute(
        "insert into publish.audit (actor, action, dataset_id, detail, reason) values (%s, %s, %s, %s, %s)",
        (who, action, dataset_id, json.dumps(detail or {}, ensure_ascii=False, default=str), reason),
    )


def _fingerprint(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def audit_config_changes(conn: psycopg.Connection, cfg: config.OpenDataConfig, who: str) -> list[str]:
    """Audit what changed in the masking policies, staff decisions and access list since the last run.

    Each item's content is compared with what was last recorded in ``publish.config_state``; a change is one
    audit record with before and after. Returns the items that changed.
    """
    masking = config.load_masking_config()
    items: dict[str, Any] = {
        "masking_policy": {name: p.model_dump(mode="json") for name, p in masking.policies.items()},
        "decisions": [d.model_dump(mode="json") for d in cfg.decisions],
        "access": [a.model_dump(mode="json") for a in cfg.access],
        "settings": {
            "require_approval": cfg.require_approval, "versions_kept": cfg.versions_kept,
            "k_anonymity": cfg.k_anonymity, "policy": cfg.policy,
        },
    }  # fmt: skip
    actions = {"masking_policy": "policy_change", "decisions": "decision_change", "access": "access_change",
               "settings": "settings_change"}  # fmt: skip
    changed = []
    with conn.transaction():
        for item, content in items.items():
            fingerprint = _fingerprint(content)
            row = conn.execute(
                "select fingerprint, content from publish.config_state where item = %s for update", (item,)
            ).fetchone()
            if row and row[0] == fingerprint:
                continue
            record(conn, who, actions[item], None, {"item": item, "before": row[1] if row else None, "after": content},
                   "config/masking.yaml" if item == "masking_policy" else "config/open_data.yaml")  # fmt: skip
            conn.execute(
                "insert into publish.config_state (item, fingerprint, content) values (%s, %s, %s)"
                " on conflict (item) do update set fingerprint = excluded.fingerprint, content = excluded.content,"
                " recorded_at = now()",
                (item, fingerprint, json.dumps(content, ensure_ascii=False, default=str)),
            )
            changed.append(item)
    return changed
