"""Cases, decisions, inclusion policy, the two-person rule, whitelist, appeals and retractions."""
