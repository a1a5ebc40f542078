"""代办 for space and vouchers: bookings record who booked for the host and under which
grant; redemptions record who cancelled a voucher for its holder; grids.name_en: a grid's
name on English pages

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

BLOCKING = "('pending', 'confirmed', 'offered')"
SPAN_HOURS = 26  # points.spaces.core.MAX_SPAN, as in 0026


def _drop_triggers():
    """SQLite rebuilds the bookings table to add a foreign key, which drops its triggers."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS bookings_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS bookings_no_overlap_update")


def _no_overlap_triggers():
    """As in 0026 (PostgreSQL keeps its exclusion constraint: the table is altered)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"""
            CREATE TRIGGER bookings_no_overlap_{event.lower()}
            BEFORE {event} ON bookings
            WHEN NEW.status IN {BLOCKING}
            BEGIN
                SELECT RAISE(ABORT, 'booking longer than {SPAN_HOURS} hours')
                WHERE julianday(NEW.end_at) - julianday(NEW.start_at) > {SPAN_HOURS} / 24.0;
                SELECT RAISE(ABORT, 'booking overlaps an active booking of this space')
                WHERE EXISTS (
                    SELECT 1 FROM bookings b
                    WHERE b.space_id = NEW.space_id AND b.id IS NOT NEW.id
                      AND b.start_at < NEW.end_at
                      AND b.start_at > datetime(NEW.start_at, '-{SPAN_HOURS} hours')
                      AND b.status IN {BLOCKING}
                      AND b.end_at > NEW.start_at
                );
            END
            """
        )


def upgrade():
    _drop_triggers()
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
    _no_overlap_triggers()
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
    _drop_triggers()
    with op.batch_alter_table('bookings') as batch:
        batch.drop_constraint('ck_bookings_grant_actor', type_='check')
        batch.drop_constraint('ck_bookings_acted_by', type_='check')
        batch.drop_constraint('fk_bookings_helper_grant', type_='foreignkey')
        batch.drop_constraint('fk_bookings_acted_by', type_='foreignkey')
        batch.drop_column('helper_grant_id')
        batch.drop_column('acted_by')
    _no_overlap_triggers()
