"""members.elder_mode: 长辈版 remembered per member; communities.name_en: a community's
name on English pages

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 01:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members') as batch:
        batch.add_column(sa.Column('elder_mode', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('communities') as batch:
        batch.add_column(sa.Column('name_en', sa.String(length=120), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('communities') as batch:
        batch.drop_column('name_en')
    with op.batch_alter_table('members') as batch:
        batch.drop_column('elder_mode')
