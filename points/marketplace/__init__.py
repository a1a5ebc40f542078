"""Spending points: providers, benefits, redemptions (vouchers) and confirmation."""
