"""The points ledger: the only code that writes postings. It imports no other domain."""
