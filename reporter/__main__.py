"""`python -m reporter`: same entry point as the `reporter` console script."""

from reporter.cli import main

raise SystemExit(main())
