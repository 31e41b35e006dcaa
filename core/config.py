"""The one shape of a model's configuration: a frozen pydantic model that refuses unknown keys.

Every model takes one of these and saves it with its fitted state, so a loaded model says how it was
trained, and a typo in a setting fails at once instead of silently keeping a default.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class ModelConfig(BaseModel):
    """Base of every model's config: ``extra="forbid"``, ``frozen=True``, JSON round trip by pydantic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def updated(self, **changes: Any) -> Self:
        """A validated copy with ``changes`` applied (``model_copy(update=...)`` would skip validation)."""
        return self.model_validate({**self.model_dump(), **changes})
