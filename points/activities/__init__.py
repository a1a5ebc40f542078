"""Earning points: the activity catalogue, claims and their approval, scheduled activities."""
