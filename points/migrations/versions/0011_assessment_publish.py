"""host assessment drafts and publishing; what losing a level did (consequences, reversal)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        # Scorecards made before drafts existed were shown to hosts at once: published.
        batch_op.add_column(
            sa.Column("status", sa.String(length=9), server_default="published", nullable=False)
        )
        batch_op.add_column(sa.Column("days_rated", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("days_in_quarter", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("published_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            "fk_assessments_published_by", "members", ["published_by"], ["id"]
        )
        batch_op.create_check_constraint(
            "ck_assessments_status", "status IN ('draft', 'published')"
        )
    with op.batch_alter_table("level_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consequences", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_level_changes_reverses", "level_changes", ["reverses_id"], ["id"]
        )
    _drop_triggers()
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level_change_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_bookings_level_change", "level_changes", ["level_change_id"], ["id"]
        )
    _no_overlap_triggers()


def downgrade():
    _drop_triggers()
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint("fk_bookings_level_change", type_="foreignkey")
        batch_op.drop_column("level_change_id")
    _no_overlap_triggers()
    with op.batch_alter_table("level_changes", schema=None) as batch_op:
        batch_op.drop_constraint("fk_level_changes_reverses", type_="foreignkey")
        batch_op.drop_column("reverses_id")
        batch_op.drop_column("consequences")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint("ck_assessments_status", type_="check")
        batch_op.drop_constraint("fk_assessments_published_by", type_="foreignkey")
        for column in ("published_at", "published_by", "days_in_quarter", "days_rated", "status"):
            batch_op.drop_column(column)


BLOCKING = "('pending', 'confirmed', 'offered')"


def _drop_triggers():
    """SQLite rebuilds the bookings table to add a foreign key, which drops its triggers."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS bookings_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS bookings_no_overlap_update")


def _no_overlap_triggers():
    """As in 0009 (PostgreSQL keeps its exclusion constraint: the table is altered)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"""
            CREATE TRIGGER bookings_no_overlap_{event.lower()}
            BEFORE {event} ON bookings
            WHEN NEW.status IN {BLOCKING}
            BEGIN
                SELECT RAISE(ABORT, 'booking overlaps an active booking of this space')
                WHERE EXISTS (
                    SELECT 1 FROM bookings b
                    WHERE b.space_id = NEW.space_id AND b.id IS NOT NEW.id
                      AND b.status IN {BLOCKING}
                      AND b.start_at < NEW.end_at AND b.end_at > NEW.start_at
                );
            END
            """
        )
