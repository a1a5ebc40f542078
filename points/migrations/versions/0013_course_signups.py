"""course sessions get seats; members sign up for them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 09:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), server_default='30', nullable=False))
        batch_op.create_check_constraint('ck_course_sessions_capacity', 'capacity > 0')

    op.create_table('course_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('signed_up', 'cancelled')", name='ck_course_signups_status'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['course_sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'member_id', name='uq_course_signups')
    )
    with op.batch_alter_table('course_signups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_signups_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('course_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_signups_member_id'))
    op.drop_table('course_signups')
    with op.batch_alter_table('course_sessions', schema=None) as batch_op:
        batch_op.drop_constraint('ck_course_sessions_capacity', type_='check')
        batch_op.drop_column('capacity')
