"""`python -m mcref`: the command line, the same program as the `mcref` command."""

from mcref.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
