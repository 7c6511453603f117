"""invitations to an address that already has an account

Revision ID: 0009
Revises: 0008_consent
Create Date: 2026-12-02 14:00:00

Inviting an address that already has an account used to answer "An account with this e-mail
address already exists": a manager learnt who has an account. Such an invitation is now
recorded as a notice (`notice`), with the role and organisation asked for (`role`,
`organization_id`) kept on the invitation instead of on the holder's account, so the
inviter's page answers and lists it exactly like any other. Existing rows are ordinary
invitations (`notice` false).
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008_consent"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notice", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invitations_organization_id_organizations"),
            "organizations",
            ["organization_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    # Notices are not invitations anyone can accept: they go with the columns.
    op.execute(sa.text("DELETE FROM invitations WHERE notice"))
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invitations_organization_id_organizations"), type_="foreignkey"
        )
        batch_op.drop_column("organization_id")
        batch_op.drop_column("role")
        batch_op.drop_column("notice")
