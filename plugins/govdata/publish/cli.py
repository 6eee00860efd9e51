"""`govdata publish list|approve|reject|withdraw|restore|rotate-key`: the approval queue (审核) and what is served.

Approving records who and why (publish.approval, publish.audit); the next publish_open_data run publishes.
"""

from __future__ import annotations

import argparse
import json

from govdata.errors import GovdataError


class PublishCommandError(GovdataError):
    """A publish command that cannot do what it was asked (unknown dataset, nothing waiting …)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``publish`` subcommand and its actions."""
    parser = subparsers.add_parser("publish", help="开放: the approval queue and the served open datasets")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("list", help="datasets waiting for approval (待审核): columns, policy, leak guard")
    p.add_argument("--all", action="store_true", help="every dataset with its status, not only the queue")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.set_defaults(func=cmd_list)

    for name, help_text in (("approve", "approve a waiting dataset (published by the next run)"),
                            ("reject", "reject a waiting dataset")):  # fmt: skip
        p = actions.add_parser(name, help=help_text)
        p.add_argument("dataset")
        p.add_argument("--reason", required=True, help="why (recorded in the audit)")
        p.add_argument("--by", help="who decides (default: GOVDATA_ACTOR or the login name)")
        p.set_defaults(func=cmd_decide, decision="已批准" if name == "approve" else "已驳回")

    p = actions.add_parser("withdraw", help="stop serving a dataset now (its versions stay in the store)")
    p.add_argument("dataset")
    p.add_argument("--reason", required=True, help="why (recorded in the audit)")
    p.add_argument("--by", help="who decides (default: GOVDATA_ACTOR or the login name)")
    p.set_defaults(func=cmd_withdraw)

    p = actions.add_parser("restore", help="serve a withdrawn dataset again from the next run")
    p.add_argument("dataset")
    p.add_argument("--reason", required=True, help="why (recorded in the audit)")
    p.add_argument("--by", help="who decides (default: GOVDATA_ACTOR or the login name)")
    p.set_defaults(func=cmd_restore)

    p = actions.add_parser(
        "rotate-key",
        help="new pseudonym key: every 有条件开放 dataset gets new pseudonyms (a new version) on the next run",
    )
    p.add_argument("--reason", required=True, help="why (recorded in the audit)")
    p.add_argument("--by", help="who decides (default: GOVDATA_ACTOR or the login name)")
    p.set_defaults(func=cmd_rotate_key)


def _connect():  # noqa: ANN202 — a psycopg connection
    from govdata import warehouse
    from govdata.publish.pipeline import ensure_publish_schema

    conn = warehouse.connect(autocommit=True)
    ensure_publish_schema(conn)
    return conn


def cmd_list(args: argparse.Namespace) -> int:
    """Print the queue (or every dataset with ``--all``)."""
    with _connect() as conn:
        if args.all:
            rows = conn.execute(
                "select dataset_id, title, status, open_attribute, current_version, served_schema, mqa_points,"
                " status_reason from publish.dataset order by status, dataset_id"
            ).fetchall()
            if args.json:
                keys = ("dataset", "title", "status", "open_attribute", "version", "schema", "mqa", "reason")
                print(json.dumps([dict(zip(keys, r, strict=True)) for r in rows], ensure_ascii=False, indent=2))
                return 0
            for d, title, status, attribute, version, schema, mqa, reason in rows:
                served = f"{schema}.{d} v{version}" if schema else "not served"
                score = f", MQA {mqa}/405" if mqa is not None else ""
                why = f" — {reason}" if reason else ""
                print(f"{d} {title}: {status}, {attribute}, {served}{score}{why}")
            return 0
        rows = conn.execute(
            "select dataset_id, schema_signature, requested_at, candidate from publish.approval"
            " where status = '待审核' order by requested_at"
        ).fetchall()
    if args.json:
        print(json.dumps([{"dataset": d, "signature": s, "requested_at": str(t), **c} for d, s, t, c in rows],
                         ensure_ascii=False, indent=2))  # fmt: skip
        return 0
    if not rows:
        print("no dataset waiting for approval (待审核)")
        return 0
    for dataset, _signature, requested, c in rows:
        leak = c.get("leak_guard") or {}
        print(f"{dataset} {c.get('title', '')} — 待审核 since {requested:%Y-%m-%d %H:%M}")
        guard = "passed" if leak.get("ok") else "blocked"
        sources = ", ".join(c.get("sources", []))
        print(f"  {c.get('open_attribute')}, grade {c.get('grade')} after masking, {c.get('rows')} rows"
              f" ({c.get('suppressed_rows', 0)} suppressed), policy {c.get('policy_version')},"
              f" leak guard {guard}, sources {sources}")  # fmt: skip
        for col in c.get("columns", []):
            print(f"    {col['name']}: {col['treatment']}")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    """Approve or reject the waiting candidate of a dataset."""
    from govdata.publish import audit

    who = args.by or audit.actor()
    with _connect() as conn, conn.transaction():
        row = conn.execute(
            "update publish.approval set status = %s, decided_by = %s, decided_at = now(), reason = %s"
            " where dataset_id = %s and status = '待审核' returning schema_signature",
            (args.decision, who, args.reason, args.dataset),
        ).fetchone()
        if row is None:
            raise PublishCommandError(f"{args.dataset}: nothing waiting for approval (see `govdata publish list`)")
        action = "approve" if args.decision == "已批准" else "reject"
        audit.record(conn, who, action, args.dataset, {"schema_signature": row[0]}, args.reason)
    print(f"{args.dataset}: {args.decision} by {who}" + (" — the next publish_open_data run publishes it"
                                                          if action == "approve" else ""))  # fmt: skip
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    """Stop serving a dataset (view dropped, status 已撤回, audited)."""
    from govdata.publish import audit
    from govdata.publish.pipeline import withdraw

    who = args.by or audit.actor()
    with _connect() as conn, conn.transaction():
        row = conn.execute(
            "select served_schema from publish.dataset where dataset_id = %s for update", (args.dataset,)
        ).fetchone()
        if row is None or row[0] is None:
            raise PublishCommandError(f"{args.dataset}: not served")
        withdraw(conn, args.dataset, row[0], who, args.reason)
        conn.execute(
            "update publish.dataset set status = '已撤回', status_reason = %s where dataset_id = %s",
            (args.reason, args.dataset),
        )
    print(f"{args.dataset}: withdrawn by {who}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Let the next run publish a withdrawn dataset again (audited)."""
    from govdata.publish import audit

    who = args.by or audit.actor()
    with _connect() as conn, conn.transaction():
        row = conn.execute(
            "update publish.dataset set status = '不予开放', status_reason = %s where dataset_id = %s"
            " and status = '已撤回' returning dataset_id",
            (f"restored by {who}: {args.reason}", args.dataset),
        ).fetchone()
        if row is None:
            raise PublishCommandError(f"{args.dataset}: not withdrawn")
        audit.record(conn, who, "restore", args.dataset, {}, args.reason)
    print(f"{args.dataset}: restored by {who} — the next publish_open_data run publishes it")
    return 0


def cmd_rotate_key(args: argparse.Namespace) -> int:
    """Replace the generated pseudonym key (audited with both fingerprints, never the key)."""
    from govdata.mask.pseudonyms import KeyRotationError, rotate_key
    from govdata.publish import audit

    who = args.by or audit.actor()
    try:
        old, new = rotate_key()
    except KeyRotationError as exc:
        raise PublishCommandError(str(exc)) from exc
    with _connect() as conn, conn.transaction():
        audit.record(conn, who, "rotate_pseudonym_key", None, {"old_key": old, "new_key": new}, args.reason)
    print(f"pseudonym key rotated by {who} ({old} → {new}); the next publish_open_data run re-publishes every "
          "有条件开放 dataset with the new pseudonyms (links to earlier versions are cut on purpose)")  # fmt: skip
    return 0
