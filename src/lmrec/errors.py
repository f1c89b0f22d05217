# SPDX-License-Identifier: MIT
"""Errors a user can cause. Each carries a one-line message naming the problem and the fix."""

from __future__ import annotations


class LmrecError(Exception):
    """Base class of every error lmrec raises on purpose."""


class DataError(LmrecError, ValueError):
    """Bad input data: missing file or column, unparsable row, empty result, duplicate ids."""


class ConfigError(LmrecError, ValueError):
    """An invalid experiment, model or service configuration."""


class ModelError(LmrecError):
    """A model was used wrongly (not fitted, shape mismatch)."""


class NotFittedError(ModelError):
    """The model has no learned state yet: call ``fit`` first."""


class UnknownIdError(ModelError, LookupError):
    """A user or item id the model does not know."""

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0]) if self.args else ""


class ArtifactError(LmrecError):
    """A saved artifact is missing, incomplete or fails its checksum."""
