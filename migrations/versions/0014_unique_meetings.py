"""one meeting of a day, item and kind on the Council's programme

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 20:00:00

A double click on "Add meeting", or two people saving the same meeting at once, could put it on
the programme twice: the check before the insert does not see the other request's row. A unique
index on (date, item, kind) refuses the second. Copies already there are merged first: briefing
requests for a copy are moved to the first meeting of its day, item and kind, then the copies
are deleted. An index, not a table constraint: on SQLite a constraint would rebuild the table,
and rebuilding it would set the requests' meeting to NULL.
"""

from alembic import op
import sqlalchemy as sa


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEX = "uq_council_meetings_date_item_kind"


def _first(alias):
    """The id of the first meeting of the same day, item and kind as `alias`'s."""
    return (
        "SELECT MIN(f.id) FROM council_meetings f WHERE f.date = {0}.date "
        "AND f.item = {0}.item AND f.kind = {0}.kind"
    ).format(alias)


def upgrade():
    op.execute(
        sa.text(
            "UPDATE briefing_requests SET meeting_id = (SELECT (" + _first("m") + ") "
            "FROM council_meetings m WHERE m.id = briefing_requests.meeting_id) "
            "WHERE meeting_id IS NOT NULL"
        )
    )
    op.execute(
        sa.text("DELETE FROM council_meetings WHERE id <> (" + _first("council_meetings") + ")")
    )
    op.create_index(INDEX, "council_meetings", ["date", "item", "kind"], unique=True)


def downgrade():
    op.drop_index(INDEX, table_name="council_meetings")
