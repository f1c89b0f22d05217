# SPDX-License-Identifier: MIT
"""Hyperparameters of the fine-tuned language-model ranker."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from lmrec.models._base import ModelConfig


class RankerConfig(ModelConfig):
    """:class:`~lmrec.models.ranker.LMRanker` settings.

    ``encoder_layers`` truncates the encoder to its first N layers before anything else
    (``freeze_k`` then counts within those N).

    ``freeze`` and ``peft`` choose what trains: ``freeze`` = ``embeddings`` (token/position
    embeddings), ``bottom_k`` (embeddings + the lowest ``freeze_k`` layers) or ``all_but_head``
    (the whole encoder: pair features are computed once and only the head trains); ``peft`` =
    ``lora``, ``adalora``, ``prefix`` (through the ``peft`` library) or ``adapter``
    (bottleneck adapters after each layer's attention and feed-forward output), with the
    encoder otherwise frozen. The head always trains.
    """

    task: Literal["rating", "click"] = Field(
        "rating", description="rating: regression with MSE; click: like/click with BCE"
    )
    model: str = Field(
        "all-MiniLM-L6-v2",
        description="BERT-family encoder: the packaged MiniLM, a local folder, a hub name, or "
        "'tiny' (a small random BERT with the MiniLM vocabulary, for tests)",
    )
    prior: str | None = Field(
        "biased_mf",
        description="collaborative model whose score enters the head (the LM learns a residual); "
        "None for text only",
    )
    prior_params: dict[str, Any] = Field(default_factory=dict)
    prior_holdout: float = Field(
        0.2,
        gt=0,
        lt=1,
        description="share of each user's training events held out of the prior's fit; the "
        "ranker trains on them (the prior's out-of-sample scores), then the prior is refit on all",
    )
    max_tokens: int = Field(128, ge=8, description="token budget of 'item [SEP] user' inputs")
    encoder_layers: int | None = Field(
        None,
        ge=1,
        description="keep only the encoder's first N layers (cost falls about in proportion); "
        "None keeps all",
    )
    n_recent: int = Field(10, ge=0, description="recent items listed in the user text")
    evidence_k: int = Field(
        0,
        ge=0,
        description="the head also reads how the user rated the k history items whose text is "
        "most like the candidate's (text_evidence, from evidence_encoder's embeddings); 0: off",
    )
    evidence_encoder: str = Field(
        "minilm", description="text encoder of the evidence's item embeddings"
    )
    freeze: Literal["none", "embeddings", "bottom_k", "all_but_head"] = "none"
    freeze_k: int = Field(3, ge=1, description="bottom_k: frozen encoder layers")
    peft: Literal["none", "lora", "adalora", "prefix", "adapter"] = "none"
    lora_r: int = Field(8, ge=1)
    lora_alpha: int = Field(16, ge=1)
    target_modules: list[str] = Field(default_factory=lambda: ["query", "value"])
    prefix_tokens: int = Field(10, ge=1)
    adapter_dim: int = Field(32, ge=1)
    lr: float = Field(2e-5, gt=0, description="encoder learning rate (AdamW)")
    head_lr: float = Field(1e-3, gt=0, description="head (and adapter/LoRA) learning rate")
    weight_decay: float = Field(0.01, ge=0)
    warmup: float = Field(0.06, ge=0, lt=1, description="share of steps with linear warm-up")
    epochs: int = Field(2, ge=1)
    batch_size: int = Field(32, ge=1)
    max_grad_norm: float = Field(1.0, gt=0)
    eval_every: int = Field(100, ge=1, description="validate every N optimiser steps")
    patience: int = Field(4, ge=1, description="validations without gain before stopping")
    max_train_pairs: int | None = Field(20000, ge=1, description="cap on training pairs")
    max_valid_pairs: int = Field(1000, ge=10)
    negatives: int = Field(1, ge=1, description="click: sampled negatives per positive")
    click_pairs: Literal["sampled", "candidates"] = Field(
        "sampled",
        description="click: each event against `negatives` random unseen items, or the prior's "
        "top n_candidates per user (the lists a rerank orders) labelled by the user's events",
    )
    positive_threshold: float = Field(4.0, description="click on explicit data: rating ≥ this")
    n_candidates: int = Field(100, ge=1, description="prior's top-N reranked by score()")
    checkpoint_dir: str | None = Field(
        None, description="save trainable weights here at each validation; fit resumes from it"
    )
    seed: int = 0
    threads: int | None = Field(None, ge=1)
    progress: bool = False
