"""Shared community space: spaces, opening hours, tier prices and bookings."""
