"""fund: income reversals (an income entry undone once, with its reason)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 05:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'income_reversals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('transfer_id', sa.Integer(), nullable=False),
        sa.Column('returned_fen', sa.BigInteger(), nullable=False),
        sa.Column('return_transfer_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('reversed_by', sa.Integer(), nullable=False),
        sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('returned_fen >= 0', name='ck_income_reversals_returned'),
        sa.CheckConstraint(
            '(returned_fen = 0) = (return_transfer_id IS NULL)',
            name='ck_income_reversals_moved',
        ),
        sa.ForeignKeyConstraint(['entry_id'], ['income_entries.id']),
        sa.ForeignKeyConstraint(['return_transfer_id'], ['transfers.id']),
        sa.ForeignKeyConstraint(['reversed_by'], ['members.id']),
        sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('entry_id', name='uq_income_reversals_entry'),
        sa.UniqueConstraint('return_transfer_id'),
        sa.UniqueConstraint('transfer_id'),
    )


def downgrade():
    op.drop_table('income_reversals')
