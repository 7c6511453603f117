"""briefers: availability, requests, invitations, risk assessments, check-ins, reprisal reports

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:00:00

Issue 19, part B. `briefing_availability` is a defender's offer to brief the Security Council
(situations, themes, languages, in person or remote, named or anonymous; switched on or off).
`briefing_requests` are Council members' requests for a briefer, for a meeting of the programme
(`council_meetings`) or a day and an item not on it yet. `briefing_invitations` are the
secretariat's invitations, one per person and request, and once accepted the briefing's record
(the day it was held, the follow-up, encrypted). `briefing_risk_assessments` hold each
briefing's checklist, `briefing_checkins` the check-ins 7 and 30 days after (and whether the
secretariat was reminded), `briefing_reprisal_reports` the confidential reports: all three
encrypted at rest. `users.council_member_until` is the last day of the term of the Council
member a verified policy-maker works for: she may ask for briefers until then.
"""

from alembic import op
import sqlalchemy as sa


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("council_member_until", sa.Date(), nullable=True))

    op.create_table(
        "briefing_availability",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("situations", sa.Text(), nullable=False),
        sa.Column("themes", sa.Text(), nullable=False),
        sa.Column("languages", sa.Text(), nullable=False),
        sa.Column("in_person", sa.Boolean(), nullable=False),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _fk("briefing_availability", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_briefing_availability")),
    )
    with op.batch_alter_table("briefing_availability", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_briefing_availability_active"), ["active"])

    op.create_table(
        "briefing_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=True),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=3), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        _fk("briefing_requests", "requester_id", "users", "SET NULL"),
        _fk("briefing_requests", "meeting_id", "council_meetings", "SET NULL"),
        _fk("briefing_requests", "closed_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefing_requests")),
    )
    with op.batch_alter_table("briefing_requests", schema=None) as batch_op:
        for column in ("requester_id", "meeting_id", "meeting_date", "status"):
            batch_op.create_index(batch_op.f(f"ix_briefing_requests_{column}"), [column])

    op.create_table(
        "briefing_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("defender_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        _fk("briefing_invitations", "request_id", "briefing_requests", "CASCADE"),
        _fk("briefing_invitations", "defender_id", "users", "CASCADE"),
        _fk("briefing_invitations", "invited_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefing_invitations")),
        sa.UniqueConstraint(
            "request_id", "defender_id", name=op.f("uq_briefing_invitations_request_id")
        ),
    )
    with op.batch_alter_table("briefing_invitations", schema=None) as batch_op:
        for column in ("request_id", "defender_id", "status"):
            batch_op.create_index(batch_op.f(f"ix_briefing_invitations_{column}"), [column])

    op.create_table(
        "briefing_risk_assessments",
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _fk("briefing_risk_assessments", "invitation_id", "briefing_invitations", "CASCADE"),
        _fk("briefing_risk_assessments", "updated_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("invitation_id", name=op.f("pk_briefing_risk_assessments")),
    )
    op.create_table(
        "briefing_checkins",
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _fk("briefing_checkins", "invitation_id", "briefing_invitations", "CASCADE"),
        _fk("briefing_checkins", "recorded_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("invitation_id", "days", name=op.f("pk_briefing_checkins")),
    )
    op.create_table(
        "briefing_reprisal_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("briefing_reprisal_reports", "invitation_id", "briefing_invitations", "CASCADE"),
        _fk("briefing_reprisal_reports", "reported_by_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefing_reprisal_reports")),
    )
    with op.batch_alter_table("briefing_reprisal_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_briefing_reprisal_reports_invitation_id"), ["invitation_id"]
        )


def downgrade():
    with op.batch_alter_table("briefing_reprisal_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_briefing_reprisal_reports_invitation_id"))
    op.drop_table("briefing_reprisal_reports")
    op.drop_table("briefing_checkins")
    op.drop_table("briefing_risk_assessments")
    with op.batch_alter_table("briefing_invitations", schema=None) as batch_op:
        for column in ("status", "defender_id", "request_id"):
            batch_op.drop_index(batch_op.f(f"ix_briefing_invitations_{column}"))
    op.drop_table("briefing_invitations")
    with op.batch_alter_table("briefing_requests", schema=None) as batch_op:
        for column in ("status", "meeting_date", "meeting_id", "requester_id"):
            batch_op.drop_index(batch_op.f(f"ix_briefing_requests_{column}"))
    op.drop_table("briefing_requests")
    with op.batch_alter_table("briefing_availability", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_briefing_availability_active"))
    op.drop_table("briefing_availability")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("council_member_until")
