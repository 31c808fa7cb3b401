"""Allows `python -m mediamon`."""

from mediamon.cli import main

if __name__ == "__main__":  # extraction workers re-import this module when they start
    raise SystemExit(main())
