"""web sessions kept on the server: api_tokens.kind ("api" bearer tokens, "web" sessions)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=3), server_default='api', nullable=False)
        )
        batch_op.create_check_constraint('ck_api_tokens_kind', "kind IN ('api', 'web')")


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint('ck_api_tokens_kind', type_='check')
        batch_op.drop_column('kind')
