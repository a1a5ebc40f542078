"""providers.hours_zh / hours_en: a shop's opening hours as it writes them, for the voucher

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('providers') as batch:
        batch.add_column(sa.Column('hours_zh', sa.String(length=120), nullable=False, server_default=''))
        batch.add_column(sa.Column('hours_en', sa.String(length=160), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('providers') as batch:
        batch.drop_column('hours_en')
        batch.drop_column('hours_zh')
