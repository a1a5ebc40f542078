"""phone_views: each time staff see a member's full phone number

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 09:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('phone_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('viewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['viewer_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('phone_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_views_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('phone_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_views_member_id'))
    op.drop_table('phone_views')
