"""Rate-limit-aware status checks of listed and control accounts, and their history."""
