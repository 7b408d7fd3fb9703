"""Fetch stage: wire models, the TradeTapp API client and APS sign-in."""
