"""helper_grants (代办): a resident's helper and what they may do; claims and redemptions
record who acted for the member and under which grant

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'helper_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('helper_id', sa.Integer(), nullable=False),
        sa.Column('may_balance', sa.Boolean(), nullable=False),
        sa.Column('may_claim', sa.Boolean(), nullable=False),
        sa.Column('may_redeem', sa.Boolean(), nullable=False),
        sa.Column('may_book', sa.Boolean(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('granted_by', sa.Integer(), nullable=False),
        sa.Column('witnessed', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by', sa.Integer(), nullable=True),
        sa.CheckConstraint('resident_id <> helper_id', name='ck_helper_grants_not_self'),
        sa.CheckConstraint(
            'may_balance OR may_claim OR may_redeem OR may_book', name='ck_helper_grants_scope'
        ),
        sa.CheckConstraint(
            'witnessed = (granted_by <> resident_id)', name='ck_helper_grants_witnessed'
        ),
        sa.CheckConstraint(
            '(withdrawn_at IS NULL) = (withdrawn_by IS NULL)', name='ck_helper_grants_withdrawn'
        ),
        sa.ForeignKeyConstraint(['resident_id'], ['members.id']),
        sa.ForeignKeyConstraint(['helper_id'], ['members.id']),
        sa.ForeignKeyConstraint(['granted_by'], ['members.id']),
        sa.ForeignKeyConstraint(['withdrawn_by'], ['members.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('id', 'helper_id', 'resident_id', name='uq_helper_grants_parties'),
    )
    op.create_index(
        'uq_helper_grants_active',
        'helper_grants',
        ['resident_id', 'helper_id'],
        unique=True,
        sqlite_where=sa.text('withdrawn_at IS NULL'),
        postgresql_where=sa.text('withdrawn_at IS NULL'),
    )
    op.create_index('ix_helper_grants_helper', 'helper_grants', ['helper_id', 'withdrawn_at'])
    for table in ('claims', 'redemptions'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('acted_by', sa.Integer(), nullable=True))
            batch.add_column(sa.Column('helper_grant_id', sa.Integer(), nullable=True))
            batch.create_foreign_key(f'fk_{table}_acted_by', 'members', ['acted_by'], ['id'])
            batch.create_foreign_key(
                f'fk_{table}_helper_grant',
                'helper_grants',
                ['helper_grant_id', 'acted_by', 'member_id'],
                ['id', 'helper_id', 'resident_id'],
            )
            batch.create_check_constraint(
                f'ck_{table}_acted_by', 'acted_by IS NULL OR acted_by <> member_id'
            )
            batch.create_check_constraint(
                f'ck_{table}_grant_actor', 'helper_grant_id IS NULL OR acted_by IS NOT NULL'
            )


def downgrade():
    for table in ('redemptions', 'claims'):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f'ck_{table}_grant_actor', type_='check')
            batch.drop_constraint(f'ck_{table}_acted_by', type_='check')
            batch.drop_constraint(f'fk_{table}_helper_grant', type_='foreignkey')
            batch.drop_constraint(f'fk_{table}_acted_by', type_='foreignkey')
            batch.drop_column('helper_grant_id')
            batch.drop_column('acted_by')
    op.drop_index('ix_helper_grants_helper', table_name='helper_grants')
    op.drop_index('uq_helper_grants_active', table_name='helper_grants')
    op.drop_table('helper_grants')
