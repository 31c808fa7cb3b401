"""Allows `python -m mediamon`."""

from mediamon.cli import main

raise SystemExit(main())
