"""Command layer: one module per subcommand, each exposing ``register(subparsers, common)``."""
