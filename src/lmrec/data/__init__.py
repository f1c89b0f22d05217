# SPDX-License-Identifier: MIT
"""Data: the immutable :class:`Dataset`, id maps, loaders, splits and synthetic fixtures."""

from lmrec.data._dataset import Dataset
from lmrec.data._idmap import IdMap
from lmrec.errors import DataError

__all__ = ["DataError", "Dataset", "IdMap"]
