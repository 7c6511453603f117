"""consent is hers: an agreement on file lists nobody; "not now" at the consent step

Revision ID: 0008_consent
Revises: 0007
Create Date: 2026-12-10 09:00:00

Until now `profiles.consent_at` was set by an import's `consent=yes` as well as by the person
herself, and only defenders needed it to be listed. From this revision only her own agreement
in the app lists anyone, of any role. What existing rows become, and why:

- `consent_at` stays only where the audit log shows she agreed herself (a `consent_given`
  event whose actor is the person). An import's `consent_given` (actor: the importing admin or
  the command line) was the secretariat's paper, not her choice in the app: her `consent_at` is
  cleared and she is unlisted until she agrees at her next sign-in, where the consent step now
  leads her. Privacy first: being unlisted for a day harms nobody; being listed without having
  agreed is the defect this revision fixes.
- `consent_on_file_at` (new) keeps what the import did record: the time of that import's event.
- Staff, managers, policy-makers and admins were listed without any agreement; they stay
  without `consent_at`, so they are unlisted until they agree (same reasoning).
- Demo accounts (`is_demo`: `seed-demo` and `generate-data`, all fictional) of every role
  but defenders get `consent_at` where it is empty, as the new `seed-demo` makes them, so an
  existing demo database still shows listed people of every role; demo defenders keep theirs
  (the unconsented demo defender stays unconsented).
- The search index entries of everyone now unlisted are emptied in the same transaction and the
  search cache's version moves, so no stored answer names them.

The downgrade drops the two columns and lists nobody again (an agreement on file is not
copied back into `consent_at`).
"""

import secrets

from alembic import op
import sqlalchemy as sa


revision = "0008_consent"
down_revision = "0007"
branch_labels = None
depends_on = None

NEW_COLUMNS = ("consent_on_file_at", "consent_deferred_at")

profiles = sa.table(
    "profiles",
    sa.column("user_id", sa.Integer),
    sa.column("consent_at", sa.DateTime),
    sa.column("consent_on_file_at", sa.DateTime),
    sa.column("last_confirmed_at", sa.DateTime),
    sa.column("search_name", sa.String),
    sa.column("search_text", sa.Text),
    sa.column("search_filters", sa.Text),
)
users = sa.table(
    "users", sa.column("id", sa.Integer), sa.column("role", sa.String), sa.column("is_demo")
)
audit_events = sa.table(
    "audit_events",
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.Integer),
    sa.column("created_at", sa.DateTime),
)
search_state = sa.table("search_state", sa.column("id", sa.Integer), sa.column("version"))


def upgrade():
    # Plain ADD COLUMN on both back ends: a batch rebuild of `profiles` on SQLite would drop
    # the full-text index's triggers.
    for name in NEW_COLUMNS:
        op.add_column("profiles", sa.Column(name, sa.DateTime(), nullable=True))
    bind = op.get_bind()
    agreed_herself: set[int] = set()
    on_file: dict[int, object] = {}
    events = bind.execute(
        sa.select(audit_events.c.actor_id, audit_events.c.target_id, audit_events.c.created_at)
        .where(audit_events.c.action == "consent_given", audit_events.c.target_type == "user")
        .order_by(audit_events.c.created_at)
    )
    for actor_id, target_id, created_at in events:
        if actor_id == target_id:
            agreed_herself.add(target_id)
        else:
            on_file.setdefault(target_id, created_at)
    rows = bind.execute(
        sa.select(
            profiles.c.user_id,
            profiles.c.consent_at,
            profiles.c.last_confirmed_at,
            users.c.role,
            users.c.is_demo,
        ).join(users, users.c.id == profiles.c.user_id)
    ).all()
    changes = []
    for user_id, consent_at, confirmed_at, role, is_demo in rows:
        new_consent = consent_at
        if is_demo:
            if consent_at is None and role != "defender":
                new_consent = confirmed_at
        elif user_id not in agreed_herself:
            new_consent = None
        if new_consent != consent_at or user_id in on_file:
            changes.append(
                {"uid": user_id, "consent": new_consent, "on_file": on_file.get(user_id)}
            )
    if changes:
        bind.execute(
            profiles.update()
            .where(profiles.c.user_id == sa.bindparam("uid"))
            .values(
                consent_at=sa.bindparam("consent"),
                consent_on_file_at=sa.bindparam("on_file"),
            ),
            changes,
        )
    bind.execute(
        profiles.update()
        .where(profiles.c.consent_at.is_(None), profiles.c.search_text.is_not(None))
        .values(search_name=None, search_text=None, search_filters=None)
    )
    bind.execute(
        search_state.update().where(search_state.c.id == 1).values(version=secrets.token_hex(12))
    )


def downgrade():
    # ALTER TABLE ... DROP COLUMN on both back ends (SQLite 3.35+), for the same reason.
    for name in NEW_COLUMNS:
        op.execute(f"ALTER TABLE profiles DROP COLUMN {name}")
