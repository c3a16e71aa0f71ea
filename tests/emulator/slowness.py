"""Latency and slow resources for benchmarks: off unless asked for.

moto answers at once and makes every resource available at once, so an apply
against it measures only stack's own work. To measure how close an apply
comes to the cloud's critical path, the launcher can make the emulator behave
more like AWS, with two environment variables:

* ``STACK_EMULATOR_LATENCY_MS=N``: every API request (not the ``/_stack/``
  test controls) is answered N milliseconds late, as a round trip to a
  region would be.
* ``STACK_EMULATOR_SLOW_SECONDS=N``: the resources AWS takes minutes to make
  stay in their creating state for N seconds after their create request,
  with the statuses the API references document:

  - RDS ``DescribeDBInstances``: ``DBInstanceStatus`` is ``creating`` before
    ``available`` (Amazon RDS User Guide, "Viewing Amazon RDS DB instance
    status").
  - ElastiCache ``DescribeCacheClusters``: ``CacheClusterStatus`` is
    ``creating`` before ``available``; ``DescribeReplicationGroups``:
    ``Status`` likewise (ElastiCache API Reference, ``CacheCluster`` and
    ``ReplicationGroup`` data types).
  - Elastic Beanstalk ``DescribeEnvironments``: ``Status`` is ``Launching``
    before ``Ready`` (AWS Elastic Beanstalk API Reference,
    ``EnvironmentDescription``).
  - CloudFront ``GetDistribution``: ``Status`` is ``InProgress`` before
    ``Deployed`` (CloudFront API Reference, ``Distribution``), through moto's
    own time-based state manager.

Both are read once when the launcher starts.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Iterable


def install(app: Callable) -> Callable:
    """Applies the settings from the environment; returns the WSGI app to serve."""
    slow = float(os.environ.get("STACK_EMULATOR_SLOW_SECONDS", "0") or 0)
    if slow > 0:
        _slow_resources(slow)
    latency = float(os.environ.get("STACK_EMULATOR_LATENCY_MS", "0") or 0) / 1000
    if latency > 0:
        return _Latency(app, latency)
    return app


class _Latency:
    """WSGI middleware: answers every API request `seconds` late."""

    def __init__(self, app: Callable, seconds: float) -> None:
        self._app = app
        self._seconds = seconds

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if not str(environ.get("PATH_INFO", "")).startswith("/_stack/"):
            time.sleep(self._seconds)
        return self._app(environ, start_response)


def _slow_resources(seconds: float) -> None:
    from moto.elasticache import models as elasticache
    from moto.elasticbeanstalk import models as beanstalk
    from moto.moto_api import state_manager
    from moto.rds import models as rds

    _creating_for(rds.DBInstance, "status", "creating", seconds)
    _creating_for(elasticache.CacheCluster, "cache_cluster_status", "creating", seconds)
    _creating_for(elasticache.ReplicationGroup, "status", "creating", seconds)
    _creating_for(beanstalk.Environment, "status", "Launching", seconds)
    state_manager.set_transition(
        model_name="cloudfront::distribution",
        transition={"progression": "time", "seconds": seconds},
    )


def _creating_for(cls: type, attribute: str, creating: str, seconds: float) -> None:
    """Makes `cls().attribute` read `creating` for `seconds` after the object is made.

    moto sets the attribute once in ``__init__`` (the object is made by its
    create request) and again on later changes; the first assignment marks
    the object's birth, and reads within `seconds` of it see `creating`
    instead of what moto stored. Later assignments are kept and shown once
    the time has passed.
    """
    stored = f"_stack_slow_{attribute}"

    def read(self: Any) -> Any:
        born = self.__dict__.get("_stack_born")
        if born is not None and time.monotonic() - born < seconds:
            return creating
        return self.__dict__.get(stored)

    def write(self: Any, value: Any) -> None:
        self.__dict__.setdefault("_stack_born", time.monotonic())
        self.__dict__[stored] = value

    setattr(cls, attribute, property(read, write))
