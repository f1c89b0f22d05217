# SPDX-License-Identifier: MIT
"""Service tests; the keys the fixtures put in the environment."""

KEY = "test-write-key-123"
ADMIN = "test-admin-key-456"
W = {"X-API-Key": KEY}
A = {"X-API-Key": ADMIN}
