"""Test fakes over real HTTP on 127.0.0.1: ``aps_auth`` (APS sign-in), ``tradetapp`` (the TradeTapp
API with fault injection) and ``records`` (a factory of qualification records)."""
