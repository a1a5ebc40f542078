"""job_runs: when each periodic job last ran, across every machine's worker

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-01 15:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_runs',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.CheckConstraint('runs >= 0', name='ck_job_runs_runs'),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade():
    op.drop_table('job_runs')
