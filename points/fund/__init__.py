"""The community fund (反哺): money income, the fund's share, settlements and grants."""
