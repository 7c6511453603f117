"""SQL statements per main page, counted in process with a SQLAlchemy event listener.

    .venv/bin/python bench/queries.py --database-url sqlite:////tmp/ngowg-bench/ngowg.db

Signs in (through the real sign-in page, with a two-factor code for the admin) a manager of a
bulk organisation, who has a pending and an accepted contact request, and an admin; then
loads each main page twice and counts the statements the second load sends (the first one
warms caches that a running server has warm). The search cache is off for the search pages
here (SEARCH_CACHE_SECONDS=0): the figure is what a search costs when it is computed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import in_process_app
from ngowg_directory.extensions import db
from ngowg_directory.models import ContactRequest, Organization, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts, twofactor
from testsupport.flask_client import Client
from testsupport.signin import code_at, sign_in

PASSWORD = "bench queries password 2026"  # noqa: S105  (benchmark accounts only)


def _account(email: str, role: str, org: Organization | None) -> User:
    user = accounts.find_by_email(email)
    if user is None:
        user = accounts.create_user(
            email, role, name=f"Bench {role}", organization=org, password=PASSWORD
        )
    else:
        accounts.set_password(user, PASSWORD, event=None)
        user.status = "active"
    if role in ("admin", "manager") and not user.totp_enabled:
        user.totp_secret = twofactor.new_secret()
        user.totp_enabled = True
    db.session.commit()
    return user


def count(engine: sa.Engine, client, path: str) -> int:
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    client.get(path)
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        answer = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    if answer.status_code != 200:
        raise SystemExit(f"{path} answered {answer.status_code}")
    return len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--json")
    args = parser.parse_args()
    app = in_process_app(
        args.database_url, "queries", SEARCH_CACHE_SECONDS=0, ADMIN_FRESH_SECONDS=3600
    )
    with app.app_context():
        org = db.session.scalar(
            sa.select(Organization).where(Organization.slug.like("bulk-org-%")).limit(1)
        )
        if org is None:
            raise SystemExit("no generated organisation: run generate-data first")
        manager = _account("bench-manager@bench.example.org", "manager", org)
        admin = _account("bench-admin@bench.example.org", "admin", None)
        others = list(
            db.session.scalars(
                sa.select(User.id).where(User.email.like("bulk%"), User.role == "staff").limit(2)
            )
        )
        for index, other in enumerate(others):
            exists = db.session.scalar(
                sa.select(ContactRequest.id).where(
                    ContactRequest.requester_id == other, ContactRequest.recipient_id == manager.id
                )
            )
            if exists is None:
                db.session.add(
                    ContactRequest(
                        requester_id=other,
                        recipient_id=manager.id,
                        message="Benchmark request about the bench, twenty characters",
                        status="accepted" if index else "pending",
                        created_at=utcnow(),
                    )
                )
        db.session.commit()
        person = others[0]
        pages = {
            "directory (no search)": "/directory",
            "directory: q=sudan (21,000 matches)": "/directory?q=sudan",
            "directory: q=peace, country, theme": "/directory?q=peace&country=SD&theme=crsv",
            "organisations": "/directory/organizations?q=women",
            "person's profile": f"/people/{person}",
            "organisation's page": f"/orgs/{org.slug}",
            "organisation's people (manager)": f"/orgs/{org.slug}/people",
            "connections": "/connections",
            "account: profile": "/account/profile",
            "account: privacy": "/account/privacy",
            "account: security": "/account/security",
            "account: tokens": "/account/tokens",
        }
        admin_pages = {
            "admin: dashboard": "/admin/",
            "admin: people": "/admin/people",
            "admin: a person": f"/admin/people/{person}",
            "admin: organisations": "/admin/organizations",
            "admin: audit log": "/admin/audit",
        }
        engine = db.engine
    # Each request in its own app context, as in a server (none is lent by this script).
    results = {}
    app.test_client_class = Client
    client = app.test_client()
    sign_in(client, manager.email, PASSWORD, code=lambda: code_at(manager.totp_secret))
    for label, path in pages.items():
        results[label] = {"path": path, "queries": count(engine, client, path)}
    admin_client = app.test_client()
    sign_in(admin_client, admin.email, PASSWORD, code=lambda: code_at(admin.totp_secret))
    for label, path in admin_pages.items():
        results[label] = {"path": path, "queries": count(engine, admin_client, path)}
    for label, row in results.items():
        print(f"{row['queries']:3d}  {label}  {row['path']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
