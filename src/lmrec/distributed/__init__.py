# SPDX-License-Identifier: MIT
"""Scale-out on Ray, with local equivalents that stay the default.

Everything here runs without Ray (``backend="local"``); with ``pip install 'lmrec[ray]'`` the
same calls spread work over a Ray cluster (``backend="ray"``): a local runtime by default, or an
existing cluster through ``RAY_ADDRESS`` / ``address=``.

* :class:`RayEncoder` — text encoding as Ray Data ``map_batches`` over encoder actors; wrapped
  in the usual :class:`~lmrec.text.CachedEncoder`, so the on-disk cache is shared.
* :func:`recommend_all` — top-K for every user, sharded over workers, written as Parquet parts.
* :func:`lmrec.distributed.tune.tune` — hyperparameter search on the validation split (Optuna
  locally, Ray Tune on a cluster).
"""

from lmrec.distributed._ray import init_ray, ray_available
from lmrec.distributed.batch import recommend_all
from lmrec.distributed.encode import RayEncoder
from lmrec.distributed.train import fit_ddp

__all__ = ["RayEncoder", "fit_ddp", "init_ray", "ray_available", "recommend_all"]
