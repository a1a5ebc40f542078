"""bookings: at most 26 hours long, so the no-overlap checks look at a bounded range

A booking lies inside one opening interval of one local day (points/spaces/core.py), so none
is longer than a day (25 hours where clocks change). Stating that in the database lets both
the service's overlap query and SQLite's no-overlap triggers search only the bookings that
start in the 26 hours before the new one ends, not every earlier booking of the space: the
check costs the same at a million bookings as at ten thousand. PostgreSQL keeps its
exclusion constraint (a GiST index is already logarithmic) and gains the CHECK.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 01:20:00

"""
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

BLOCKING = "('pending', 'confirmed', 'offered')"
SPAN_HOURS = 26  # points.spaces.core.MAX_SPAN


def _triggers(bounded: bool):
    for event in ("INSERT", "UPDATE"):
        op.execute(f"DROP TRIGGER IF EXISTS bookings_no_overlap_{event.lower()}")
        span = (
            f"""
                SELECT RAISE(ABORT, 'booking longer than {SPAN_HOURS} hours')
                WHERE julianday(NEW.end_at) - julianday(NEW.start_at) > {SPAN_HOURS} / 24.0;"""
            if bounded else ""
        )
        since = (
            f"AND b.start_at > datetime(NEW.start_at, '-{SPAN_HOURS} hours')" if bounded else ""
        )
        op.execute(
            f"""
            CREATE TRIGGER bookings_no_overlap_{event.lower()}
            BEFORE {event} ON bookings
            WHEN NEW.status IN {BLOCKING}
            BEGIN{span}
                SELECT RAISE(ABORT, 'booking overlaps an active booking of this space')
                WHERE EXISTS (
                    SELECT 1 FROM bookings b
                    WHERE b.space_id = NEW.space_id AND b.id IS NOT NEW.id
                      AND b.start_at < NEW.end_at {since}
                      AND b.status IN {BLOCKING}
                      AND b.end_at > NEW.start_at
                );
            END
            """
        )


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ck_bookings_span "
            f"CHECK (end_at - start_at <= interval '{SPAN_HOURS} hours')"
        )
    else:
        _triggers(bounded=True)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE bookings DROP CONSTRAINT ck_bookings_span")
    else:
        _triggers(bounded=False)
