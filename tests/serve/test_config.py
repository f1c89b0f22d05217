# SPDX-License-Identifier: MIT
"""The service YAML: the shipped example loads; mistakes are one-line ConfigErrors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmrec.errors import ConfigError
from lmrec.serve import ServeConfig

EXAMPLE = Path(__file__).parents[2] / "examples" / "serve.yaml"


def test_example_config_loads_with_paths_beside_the_file() -> None:
    cfg = ServeConfig.from_yaml(EXAMPLE)
    assert cfg.model == "ml100k-als" and cfg.host == "127.0.0.1" and cfg.cors_origins == []
    assert cfg.registry == EXAMPLE.parent / "../registry"
    assert cfg.limits.max_k == 100


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("model: m\nevents_db: e.db\n", "registry: Field required"),
        ("registry: r\nmodel: m\nevents_db: e.db\nlimits: {max_k: 0}\n", "limits.max_k"),
        ("registry: r\nmodel: m\nevents_db: e.db\napi_key: secret\n", "api_key: Extra inputs"),
        ("- a\n", "expected a mapping"),
    ],
)
def test_bad_configs(tmp_path: Path, text: str, needle: str) -> None:
    f = tmp_path / "serve.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        ServeConfig.from_yaml(f)
