"""tickets: partial indexes of the open tickets (the triage queue, merge candidates)

Years of closed tickets must not slow the queues.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 22:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

TRIAGE = "state IN ('reported', 'triaged')"
OPEN = "state <> 'closed'"


def upgrade():
    for name, columns, where in (
        ('ix_tickets_triage_grid', ['grid_id', 'id'], TRIAGE),
        ('ix_tickets_triage_community', ['community_id', 'id'], TRIAGE),
        ('ix_tickets_open_grid_category', ['grid_id', 'category_id', 'id'], OPEN),
    ):
        op.create_index(name, 'tickets', columns, unique=False,
                        sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def downgrade():
    for name in ('ix_tickets_open_grid_category', 'ix_tickets_triage_community',
                 'ix_tickets_triage_grid'):
        op.drop_index(name, table_name='tickets')
