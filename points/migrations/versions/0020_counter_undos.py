"""counter_undos: a confirmation undone at the counter (撤销) — its reversal and new hold

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'counter_undos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('redemption_id', sa.Integer(), nullable=False),
        sa.Column('posted_hold_id', sa.Integer(), nullable=False),
        sa.Column('confirmation_id', sa.Integer(), nullable=False),
        sa.Column('reversal_id', sa.Integer(), nullable=False),
        sa.Column('hold_id', sa.Integer(), nullable=False),
        sa.Column('confirmed_by', sa.Integer(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('undone_by', sa.Integer(), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('posted_hold_id <> hold_id', name='ck_counter_undos_new_hold'),
        sa.CheckConstraint('undone_at >= confirmed_at', name='ck_counter_undos_after'),
        sa.ForeignKeyConstraint(['redemption_id'], ['redemptions.id']),
        sa.ForeignKeyConstraint(['posted_hold_id'], ['holds.id']),
        sa.ForeignKeyConstraint(['confirmation_id'], ['transfers.id']),
        sa.ForeignKeyConstraint(['reversal_id'], ['transfers.id']),
        sa.ForeignKeyConstraint(['hold_id'], ['holds.id']),
        sa.ForeignKeyConstraint(['confirmed_by'], ['members.id']),
        sa.ForeignKeyConstraint(['undone_by'], ['members.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('confirmation_id', name='uq_counter_undos_confirmation'),
        sa.UniqueConstraint('reversal_id', name='uq_counter_undos_reversal'),
        sa.UniqueConstraint('posted_hold_id', name='uq_counter_undos_posted_hold'),
        sa.UniqueConstraint('hold_id', name='uq_counter_undos_hold'),
    )
    op.create_index('ix_counter_undos_redemption_id', 'counter_undos', ['redemption_id'])


def downgrade():
    op.drop_index('ix_counter_undos_redemption_id', table_name='counter_undos')
    op.drop_table('counter_undos')
