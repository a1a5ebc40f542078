"""Members: people, sign-in, roles, and the growth ladder."""
