"""The dashboard tests use the app layer's fixtures (a private copy of the built home, an open workspace)."""

from tests.app.conftest import home, ws

__all__ = ["home", "ws"]
