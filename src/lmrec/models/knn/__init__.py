# SPDX-License-Identifier: MIT
"""Neighbourhood models: item-based and user-based k nearest neighbours."""

from lmrec.models.knn.item import ItemKNN, ItemKNNConfig
from lmrec.models.knn.user import UserKNN, UserKNNConfig

__all__ = ["ItemKNN", "ItemKNNConfig", "UserKNN", "UserKNNConfig"]
