"""代办 for space and vouchers: bookings record who booked for the host and under which
grant; redemptions record who cancelled a voucher for its holder; grids.name_en: a grid's
name on English pages

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings') as batch:
        batch.add_column(sa.Column('acted_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('helper_grant_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_bookings_acted_by', 'members', ['acted_by'], ['id'])
        batch.create_foreign_key(
            'fk_bookings_helper_grant',
            'helper_grants',
            ['helper_grant_id', 'acted_by', 'host_id'],
            ['id', 'helper_id', 'resident_id'],
        )
        batch.create_check_constraint(
            'ck_bookings_acted_by', 'acted_by IS NULL OR acted_by <> host_id'
        )
        batch.create_check_constraint(
            'ck_bookings_grant_actor', 'helper_grant_id IS NULL OR acted_by IS NOT NULL'
        )
    with op.batch_alter_table('redemptions') as batch:
        batch.add_column(sa.Column('cancelled_by', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            'fk_redemptions_cancelled_by', 'members', ['cancelled_by'], ['id']
        )
    with op.batch_alter_table('grids') as batch:
        batch.add_column(
            sa.Column('name_en', sa.String(length=120), nullable=False, server_default='')
        )


def downgrade():
    with op.batch_alter_table('grids') as batch:
        batch.drop_column('name_en')
    with op.batch_alter_table('redemptions') as batch:
        batch.drop_constraint('fk_redemptions_cancelled_by', type_='foreignkey')
        batch.drop_column('cancelled_by')
    with op.batch_alter_table('bookings') as batch:
        batch.drop_constraint('ck_bookings_grant_actor', type_='check')
        batch.drop_constraint('ck_bookings_acted_by', type_='check')
        batch.drop_constraint('fk_bookings_helper_grant', type_='foreignkey')
        batch.drop_constraint('fk_bookings_acted_by', type_='foreignkey')
        batch.drop_column('helper_grant_id')
        batch.drop_column('acted_by')
