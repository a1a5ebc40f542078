"""Reports for the community: every figure the street office reports upwards, computed from
the platform's own rows at the time of asking (read-only; nothing imports this but web, api
and cli)."""
