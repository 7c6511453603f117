"""the Council's month: programme, recommendations, credits, calendar keys

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 18:40:00

Issue 19, part A. `council_months` holds one row per month of the Security Council's programme
(its first day, the presidency's ISO alpha-2 code); `council_meetings` its meetings (an agenda
code or a thematic slug, a kind, a title). `recommendations` are the Working Group's Monthly
Action Points, one per item and month, draft or published, with one `recommendation_texts` row
per language (Markdown source, sanitised HTML, normalised search text). `recommendation_credits`
names a person or an organisation, shown only once she (or the organisation's manager) accepted.
`calendar_keys` are the hashed keys of the personal calendar feeds.
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "council_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("presidency", sa.String(length=2), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_months")),
        sa.UniqueConstraint("month", name=op.f("uq_council_months_month")),
    )
    op.create_table(
        "council_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["month_id"],
            ["council_months.id"],
            name=op.f("fk_council_meetings_month_id_council_months"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_meetings")),
    )
    with op.batch_alter_table("council_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_meetings_month_id"), ["month_id"])
        batch_op.create_index(batch_op.f("ix_council_meetings_date"), ["date"])
        batch_op.create_index(batch_op.f("ix_council_meetings_item"), ["item"])

    op.create_table(
        "recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["month_id"],
            ["council_months.id"],
            name=op.f("fk_recommendations_month_id_council_months"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_recommendations_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_recommendations_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendations")),
        sa.UniqueConstraint("month_id", "item", name="uq_recommendations_month_item"),
    )
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendations_month_id"), ["month_id"])
        batch_op.create_index(batch_op.f("ix_recommendations_item"), ["item"])
        batch_op.create_index(batch_op.f("ix_recommendations_state"), ["state"])

    op.create_table(
        "recommendation_texts",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_texts_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("recommendation_id", "locale", name=op.f("pk_recommendation_texts")),
    )

    op.create_table(
        "recommendation_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (organization_id IS NULL)",
            name=op.f("ck_recommendation_credits_person_or_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_credits_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recommendation_credits_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_recommendation_credits_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_recommendation_credits_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_recommendation_credits_answered_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_credits")),
        sa.UniqueConstraint("recommendation_id", "user_id", name="uq_recommendation_credits_user"),
        sa.UniqueConstraint(
            "recommendation_id", "organization_id", name="uq_recommendation_credits_organization"
        ),
    )
    with op.batch_alter_table("recommendation_credits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_credits_recommendation_id"), ["recommendation_id"]
        )
        batch_op.create_index(batch_op.f("ix_recommendation_credits_user_id"), ["user_id"])
        batch_op.create_index(
            batch_op.f("ix_recommendation_credits_organization_id"), ["organization_id"]
        )

    op.create_table(
        "calendar_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_calendar_keys_key_hash")),
    )
    with op.batch_alter_table("calendar_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_keys_user_id"), ["user_id"])


def downgrade():
    with op.batch_alter_table("calendar_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_keys_user_id"))
    op.drop_table("calendar_keys")
    with op.batch_alter_table("recommendation_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_credits_organization_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_credits_user_id"))
        batch_op.drop_index(batch_op.f("ix_recommendation_credits_recommendation_id"))
    op.drop_table("recommendation_credits")
    op.drop_table("recommendation_texts")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendations_state"))
        batch_op.drop_index(batch_op.f("ix_recommendations_item"))
        batch_op.drop_index(batch_op.f("ix_recommendations_month_id"))
    op.drop_table("recommendations")
    with op.batch_alter_table("council_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_meetings_item"))
        batch_op.drop_index(batch_op.f("ix_council_meetings_date"))
        batch_op.drop_index(batch_op.f("ix_council_meetings_month_id"))
    op.drop_table("council_meetings")
    op.drop_table("council_months")
