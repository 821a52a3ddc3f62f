"""`python -m events` is the `events` command."""

from events.cli import main

main()
