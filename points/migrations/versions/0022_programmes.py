"""programmes: hosts' programmes, their sessions (activity + booking), term members, ratings and complaints

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 01:10:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('tier', sa.String(length=8), nullable=False),
    sa.Column('fee_fen', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('space_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("tier IN ('free', 'low_fee', 'market')", name='ck_programmes_tier'),
    sa.CheckConstraint("status IN ('active', 'ended')", name='ck_programmes_status'),
    sa.CheckConstraint("fee_fen >= 0 AND (tier = 'free') = (fee_fen = 0)", name='ck_programmes_fee'),
    sa.CheckConstraint('capacity > 0', name='ck_programmes_capacity'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], ),
    sa.ForeignKeyConstraint(['host_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['space_id'], ['spaces.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.create_index('ix_programmes_community', ['community_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_programmes_host_id'), ['host_id'], unique=False)

    op.create_table('programme_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], ),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('activity_id'),
    sa.UniqueConstraint('booking_id')
    )
    with op.batch_alter_table('programme_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_sessions_programme_id'), ['programme_id'], unique=False)

    op.create_table('programme_term_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'left')", name='ck_programme_term_status'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id', 'member_id', name='uq_programme_term_members')
    )
    with op.batch_alter_table('programme_term_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_term_members_member_id'), ['member_id'], unique=False)

    op.create_table('programme_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('complaint_status', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=False),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name='ck_programme_ratings_stars'),
    sa.CheckConstraint("complaint_status IS NULL OR complaint_status IN ('open', 'upheld', 'dismissed')", name='ck_programme_ratings_complaint'),
    sa.CheckConstraint("(complaint_status IN ('upheld', 'dismissed')) = (decided_at IS NOT NULL)", name='ck_programme_ratings_decided'),
    sa.ForeignKeyConstraint(['decided_by'], ['members.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['programme_sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'member_id', name='uq_programme_ratings')
    )
    with op.batch_alter_table('programme_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_programme_ratings_complaints', ['complaint_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_ratings_member_id'), ['member_id'], unique=False)


def downgrade():
    with op.batch_alter_table('programme_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_ratings_member_id'))
        batch_op.drop_index('ix_programme_ratings_complaints')
    op.drop_table('programme_ratings')
    with op.batch_alter_table('programme_term_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_term_members_member_id'))
    op.drop_table('programme_term_members')
    with op.batch_alter_table('programme_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_sessions_programme_id'))
    op.drop_table('programme_sessions')
    with op.batch_alter_table('programmes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programmes_host_id'))
        batch_op.drop_index('ix_programmes_community')
    op.drop_table('programmes')
