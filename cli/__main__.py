"""`python -m cli`: the same entry point as the installed `jobmatch` script (the fault harness uses it)."""

from cli import main

main()
