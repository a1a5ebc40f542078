"""reports: indexes on the moments reports count by (transfers, claims, vouchers, tickets)

A report reads one month of years of history; without these each figure scans its table.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 02:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_transfers_created_at', 'transfers', ['created_at']),
    ('ix_claims_decided_at', 'claims', ['decided_at']),
    ('ix_claims_occurred_on', 'claims', ['occurred_on']),
    ('ix_redemptions_created_at', 'redemptions', ['created_at']),
    ('ix_redemptions_confirmed_at', 'redemptions', ['confirmed_at']),
    ('ix_redemptions_ended_at', 'redemptions', ['ended_at']),
    ('ix_tickets_created_at', 'tickets', ['created_at']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
