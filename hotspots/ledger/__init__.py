"""The case ledger: the case store, responsibility, deadlines and scorecards."""
