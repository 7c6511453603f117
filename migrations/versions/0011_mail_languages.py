"""the language each person uses, and each invitation's

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00

E-mails went out in English to everyone who had never pressed the language switch, whatever
language she read the site in. `users.last_locale` keeps the language her signed-in pages were
last shown in (her saved choice, else the cookie, else her browser's Accept-Language), which
her e-mails use when she has no saved choice. `invitations.locale` is the language the inviter
chose (or the import read from the person's languages): the invitation e-mail and the page that
accepts it speak it. Existing rows have neither; their e-mails follow the rules as before.
"""

from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_locale", sa.String(length=10), nullable=True))
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("locale")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_locale")
