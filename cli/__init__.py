"""`jobmatch`: the batch front door, one module per command group; every command parses its arguments,
calls into the packages and hands what it got to :mod:`cli.render`."""

from cli.app import main

__all__ = ["main"]
