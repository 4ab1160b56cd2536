"""Installments, feeds, webhooks, platform reports, DSA notices and exports."""
