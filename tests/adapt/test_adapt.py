# SPDX-License-Identifier: MIT
"""Adaptation strategies on a tiny two-scenario problem (table-driven, hashing encoder)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lmrec
import lmrec.adapt.model
from lmrec.adapt import STRATEGIES
from lmrec.data import Dataset
from lmrec.errors import ArtifactError, ConfigError

ARCH = {"dim": 32, "max_len": 10, "batch_size": 16, "dropout": 0.1, "lr": 3e-3}


def walks(prefix: str, n_users: int, seed: int, n_items: int = 24) -> Dataset:
    """Users walk item i, i+1, … from random starts; item text "step i" in every scenario."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        start = int(rng.integers(n_items))
        for t in range(int(rng.integers(6, 10))):
            rows.append((f"{prefix}u{u}", f"{prefix}{(start + t) % n_items}", t))
    df = pd.DataFrame(rows, columns=["user", "item", "t"])
    items = pd.DataFrame(
        {
            "item": [f"{prefix}{i}" for i in range(n_items)],
            "text": [f"step {i}" for i in range(n_items)],
        }
    )
    return Dataset.from_events(df, timestamp="t", items=items, item_text="text", name=prefix)


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = walks("a", 100, seed=0)
    params = {
        **ARCH,
        "use_ids": False,
        "use_text": True,
        "encoder": "hashing",
        "epochs": 40,
        "batch_size": 25,
    }
    base = lmrec.models.create("sasrec", **params).fit(source)
    path = tmp_path_factory.mktemp("base") / "sasrec"
    base.save(path)
    return path


@pytest.fixture(scope="module")
def target() -> lmrec.data.split.Split:
    return lmrec.split.leave_last_out(walks("b", 60, seed=1), n_test=1, n_valid=0)


def adapted(base_dir: Path, strategy: str, **extra: object) -> lmrec.models.Recommender:
    return lmrec.models.create(
        "sasrec_adapted",
        base=str(base_dir),
        adapt={"strategy": strategy, "adapter_dim": 8, "lora_r": 4},
        epochs=int(extra.pop("epochs", 5)),  # type: ignore[call-overload]
        lr=3e-3,
        batch_size=16,
        **extra,
    )


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_strategy_trains_the_right_parameters(base_dir: Path, target, strategy: str) -> None:
    model = adapted(base_dir, strategy).fit(target.train)
    counts = model.trainable_
    if strategy in ("scratch", "full"):
        assert counts["trainable"] == counts["total"]
    else:
        assert 0 < counts["trainable"] < counts["total"]
    if strategy in ("adapter", "lora"):
        assert counts["trainable"] <= 0.1 * counts["total"]
        base = lmrec.models.load(base_dir)
        frozen = base.net_.blocks.layers[0].linear1.weight.detach().numpy()
        layer = model.net_.blocks.layers[0].linear1
        now = getattr(layer, "base_layer", layer).weight.detach().numpy()
        np.testing.assert_array_equal(now, frozen)


def test_zero_shot_and_transfer_beat_scratch_with_little_data(base_dir: Path, target) -> None:
    history = target.train
    base = lmrec.models.load(base_dir)
    # the base scores the target catalogue zero-shot: same texts, new item ids
    zero = lmrec.models.create(
        "sasrec_adapted", base=str(base_dir), adapt={"strategy": "lora"}, epochs=0
    ).fit(history)
    assert base.config.use_text
    hits = {}
    for name, model in {
        "zero": zero,
        "lora": adapted(base_dir, "lora", epochs=10).fit(history),
        "scratch": adapted(base_dir, "scratch", epochs=10).fit(history),
    }.items():
        hits[name] = lmrec.evaluate(model, target.test, train=history, k=1)["hit_rate@1"]
    assert hits["zero"] >= 0.8
    assert hits["lora"] >= 0.8
    assert hits["scratch"] < hits["lora"]


@pytest.mark.parametrize("strategy", ["adapter", "lora", "freeze"])
def test_save_load_rebuilds_structure(base_dir: Path, target, strategy: str, tmp_path) -> None:
    model = adapted(base_dir, strategy, epochs=2).fit(target.train)
    model.save(tmp_path / "m")
    again = lmrec.models.load(tmp_path / "m")
    users = np.arange(5)
    np.testing.assert_allclose(again.score(users), model.score(users), rtol=1e-5, atol=1e-5)
    assert again.trainable_ == model.trainable_


@pytest.mark.parametrize("strategy", ["full", "lora", "adapter"])
def test_item_ids_train_with_every_strategy_and_persist(
    base_dir: Path, target, strategy: str, tmp_path: Path
) -> None:
    plain = adapted(base_dir, strategy, epochs=0).fit(target.train)
    model = lmrec.models.create(
        "sasrec_adapted",
        base=str(base_dir),
        adapt={"strategy": strategy, "adapter_dim": 8, "lora_r": 4, "item_ids": True},
        epochs=2,
        lr=3e-3,
        batch_size=16,
    ).fit(target.train)
    table = model.net_.items.id_emb if strategy != "adapter" else model.net_.items.inner.id_emb
    assert table.weight.requires_grad and table.weight.shape[0] == model.n_items
    gained = model.trainable_["trainable"] - plain.trainable_["trainable"]
    assert gained == model.n_items * model.config.dim
    if strategy == "lora":  # the Transformer stays frozen under the table
        base = lmrec.models.load(base_dir)
        layer = model.net_.blocks.layers[0].linear1
        np.testing.assert_array_equal(
            getattr(layer, "base_layer", layer).weight.detach().numpy(),
            base.net_.blocks.layers[0].linear1.weight.detach().numpy(),
        )
    model.save(tmp_path / "m")
    again = lmrec.models.load(tmp_path / "m")
    users = np.arange(5)
    np.testing.assert_allclose(again.score(users), model.score(users), rtol=1e-5, atol=1e-5)


def test_base_must_be_text_only(target, tmp_path) -> None:
    ids = lmrec.models.create("sasrec", **ARCH, epochs=1).fit(target.train)
    ids.save(tmp_path / "ids")
    with pytest.raises(ConfigError, match="text-only"):
        lmrec.models.create("sasrec_adapted", base=str(tmp_path / "ids"))


def test_key_padding_comes_from_the_base(target, tmp_path) -> None:
    """A base trained with the key-padding mask is adapted (and chunked) with it."""
    params = {**ARCH, "use_ids": False, "use_text": True, "encoder": "hashing", "epochs": 2}
    base = lmrec.models.create("sasrec", **params, key_padding=True).fit(target.train)
    base.save(tmp_path / "masked")
    model = adapted(tmp_path / "masked", "full", epochs=2, length_chunks=3).fit(target.train)
    assert model.config.key_padding and np.isfinite(model.score([0])).all()


def test_freeze_bottom_layers_bounds(base_dir: Path) -> None:
    model = adapted(base_dir, "freeze")
    with pytest.raises(ConfigError, match="freeze_layers"):
        lmrec.models.create(
            "sasrec_adapted", base=str(base_dir), adapt={"strategy": "freeze", "freeze_layers": 9}
        ).fit(walks("c", 10, seed=3))
    assert model.config.adapt.strategy == "freeze"


def test_scenario_registry_swaps_adapters_over_one_base(base_dir: Path, target, tmp_path) -> None:
    from lmrec.adapt import ScenarioRegistry
    from lmrec.adapt.model import _load_base
    from lmrec.errors import ArtifactError, UnknownIdError

    reg = ScenarioRegistry(tmp_path / "scenarios")
    lora = adapted(base_dir, "lora", epochs=2).fit(target.train)
    adapter = adapted(base_dir, "adapter", epochs=2).fit(target.train)
    reg.publish("games", lora)
    reg.publish("music", adapter)
    listed = {d["scenario"]: d for d in reg.list()}
    base_bytes = (base_dir / "state.npz").stat().st_size
    assert set(listed) == {"games", "music"}
    assert listed["games"]["strategy"] == "lora"
    assert 0 < listed["games"]["adapter_bytes"] < base_bytes / 5
    fresh = ScenarioRegistry(tmp_path / "scenarios")
    misses = _load_base.cache_info().misses
    users = np.arange(4)
    for name, model in (("games", lora), ("music", adapter)):
        got = fresh.recommend(users, k=3, scenario=name)
        np.testing.assert_array_equal(got.items, model.recommend(users, k=3).items)
    assert _load_base.cache_info().misses == misses  # the base was not loaded again
    with pytest.raises(UnknownIdError, match="published: games, music"):
        fresh.get("books")
    blob = tmp_path / "scenarios" / "music" / "adapter.safetensors"
    data = bytearray(blob.read_bytes())
    data[-3] ^= 0xFF
    blob.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="SHA-256"):
        ScenarioRegistry(tmp_path / "scenarios").get("music")


def test_mixture_base_uses_scenarios_and_transfers(target, tmp_path) -> None:
    """A base pretrained on a combine()-d mixture batches and samples negatives per scenario,
    feeds a scenario vector, and its adapted models get one vector for the target."""
    from lmrec.data.combine import combine

    mix = combine([walks("a", 60, seed=0), walks("c", 60, seed=2)])
    params = {**ARCH, "use_ids": False, "use_text": True, "encoder": "hashing"}
    base = lmrec.models.create("sasrec", **params, epochs=30, loss="sampled", negatives=8)
    base.fit(mix)
    assert base.scenario_input_ and base.scenario_names_ == ["a", "c"]
    assert base.net_.scenario.weight.shape[0] == 2
    assert np.abs(base.net_.scenario.weight.detach().numpy()).sum() > 0  # it was trained
    base.save(tmp_path / "base")
    again = lmrec.models.load(tmp_path / "base")
    users = np.arange(0, 120, 7)
    np.testing.assert_allclose(again.score(users), base.score(users), rtol=1e-5, atol=1e-5)
    zero = lmrec.models.create(
        "sasrec_adapted", base=str(tmp_path / "base"), adapt={"strategy": "full"}, epochs=0
    ).fit(target.train)
    assert zero.scenario_input_ and zero.net_.scenario.weight.shape[0] == 1
    mean = base.net_.scenario.weight.detach().mean(0).numpy()
    np.testing.assert_allclose(zero.net_.scenario.weight.detach().numpy()[0], mean, rtol=1e-6)
    hit = lmrec.evaluate(zero, target.test, train=target.train, k=1)["hit_rate@1"]
    assert hit >= 0.8  # the walk transfers zero-shot through the shared item texts


def test_lora_weights_train_and_attention_output_is_refused(base_dir: Path, target) -> None:
    model = adapted(base_dir, "lora", epochs=3).fit(target.train)
    trained = [p for n, p in model.net_.named_parameters() if "lora_B" in n]
    assert trained and all(float(p.detach().abs().sum()) > 0 for p in trained)
    zero = adapted(base_dir, "lora", epochs=0).fit(target.train)
    users = np.arange(10)
    assert not np.allclose(model.score(users), zero.score(users), atol=1e-4)  # used at inference
    with pytest.raises(ConfigError, match="never train"):
        lmrec.models.create(
            "sasrec_adapted",
            base=str(base_dir),
            adapt={"strategy": "lora", "target_modules": ["self_attn.out_proj"]},
        ).fit(target.train)


def test_strategy_learning_rate_overrides_the_models(base_dir: Path) -> None:
    model = lmrec.models.create(
        "sasrec_adapted", base=str(base_dir), adapt={"strategy": "lora", "lr": 5e-3}, lr=1e-4
    )
    assert model._learning_rate() == 5e-3


def test_lora_on_the_item_side_trains_only_the_text_adaptor(
    base_dir: Path, target, tmp_path: Path
) -> None:
    """LoRA may target the text adaptor (item side) instead of the Transformer; it is saved
    and reloaded like any adapter."""
    adapt = {"strategy": "lora", "lora_r": 4, "target_modules": ["adaptor.0", "adaptor.2"]}
    model = lmrec.models.create(
        "sasrec_adapted", base=str(base_dir), adapt=adapt, epochs=3, lr=3e-3, batch_size=16
    ).fit(target.train)
    trained = {n for n, p in model.net_.named_parameters() if p.requires_grad}
    assert trained and all("items.adaptor" in n and "lora_" in n for n in trained)
    assert model.trainable_["trainable"] <= 0.1 * model.trainable_["total"]
    model.save(tmp_path / "m")
    again = lmrec.models.load(tmp_path / "m")
    np.testing.assert_allclose(again.score([0, 1]), model.score([0, 1]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("strategy", ["full", "adapter", "lora"])
def test_adapted_fit_resumes_from_its_checkpoint(
    base_dir: Path,
    target,
    strategy: str,
    tmp_path: Path,
    interrupt_after_checkpoints,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]
    """An adaptation run interrupted after epoch 2 resumes (peft layers included) to the
    weights of an uninterrupted run; a checkpoint of one base is refused on another."""
    whole = adapted(base_dir, strategy, threads=1).fit(target.train)
    ckpt = tmp_path / f"{strategy}.pt"
    interrupt_after_checkpoints(2)
    with pytest.raises(KeyboardInterrupt):
        adapted(base_dir, strategy, threads=1, checkpoint=str(ckpt)).fit(target.train)
    with monkeypatch.context() as m:  # the same folder holding other base weights
        m.setattr(lmrec.adapt.model, "_digest", lambda path: "another-base")
        with pytest.raises(ArtifactError, match="another run"):
            adapted(base_dir, strategy, checkpoint=str(ckpt)).fit(target.train)
    resumed = adapted(base_dir, strategy, threads=1, checkpoint=str(ckpt)).fit(target.train)
    assert [r["loss"] for r in resumed.history_] == [r["loss"] for r in whole.history_]
    np.testing.assert_array_equal(resumed.item_reps_, whole.item_reps_)
    assert not ckpt.exists()
