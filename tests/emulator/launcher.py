"""Test emulator for stack's AWS provider: moto's server plus a small patch.

This is test infrastructure, not a product feature. It starts moto's own
server (``moto.server.ThreadedMotoServer``, the werkzeug app behind
``moto_server``) on 127.0.0.1 and, before it serves anything, registers extra
handlers on moto's own response classes and backend models for the
operations that moto 5.2.5 lacks or renders incompletely. Responses are still
serialised by moto from botocore's service models, so their shapes are
AWS's documented ones (query protocol XML for both services below).

Usage: ``python launcher.py PORT`` (``0`` picks a free port). Once the server
accepts connections it prints ``READY <port>`` on stdout. It exits when its
stdin reaches end of file, so that a test binary that dies for any reason
never leaves a server behind (the test harness holds the other end of the
pipe).

Added operations (moto 5.2.5 answers HTTP 500 "not implemented"):

* Elastic Beanstalk ``CreateApplicationVersion``, ``DescribeApplicationVersions``,
  ``UpdateApplicationVersion``, ``DeleteApplicationVersion``, ``UpdateApplication``, ``UpdateEnvironment``,
  ``TerminateEnvironment``, ``DescribeConfigurationSettings`` (environments
  only, not saved configuration templates), ``UpdateApplicationResourceLifecycle``
  (``CreateApplication`` keeps its ``ResourceLifecycleConfig`` too and
  ``DescribeApplications`` renders it), ``DescribeEnvironmentResources``
  (what AWS makes for the tier: a WebServer environment an Auto Scaling group,
  launch configuration, instance and load balancer, a Worker one a queue
  instead of the load balancer; no triggers).
* ElastiCache ``ModifyCacheCluster``.
* ElastiCache parameter groups: ``CreateCacheParameterGroup``,
  ``DescribeCacheParameterGroups``, ``ModifyCacheParameterGroup``,
  ``ResetCacheParameterGroup``, ``DescribeCacheParameters``,
  ``DeleteCacheParameterGroup`` (tagged by ARN like the other ElastiCache objects).
* RDS ``ResetDBParameterGroup``.
* CloudFront origin access identities: ``Create``/``Get``/``Update``/``Delete``
  ``CloudFrontOriginAccessIdentity`` and ``ListCloudFrontOriginAccessIdentities``.

Patched operations (moto 5.2.5 implements them incompletely):

* Beanstalk ``CreateEnvironment``: moto leaves ``EnvironmentId``, ``CNAME`` and
  ``EndpointURL`` empty, replaces the solution stack with ``"None"``, reports
  version label ``1`` and ignores ``Description``, ``CNAMEPrefix``, ``Tier``,
  ``VersionLabel`` and ``OptionSettings``. Here an environment gets an id
  ``e-xxxxxxxxxx``, a CNAME ``<prefix-or-name>[.<random>].<region>.elasticbeanstalk.com``
  (none for the Worker tier, as on AWS), and keeps what it was created with.
* Beanstalk ``DescribeEnvironments`` and ``DescribeApplications``: moto ignores
  every filter. Here ``ApplicationName``, ``VersionLabel``, ``EnvironmentIds``,
  ``EnvironmentNames``, ``IncludeDeleted`` and ``ApplicationNames`` filter as
  documented, and terminated environments stay listed as ``Terminated``
  (when ``IncludeDeleted`` is true, the default) while their names become free.
  ``DescribeApplications`` also lists each application's version labels and
  its description, which ``CreateApplication`` (patched) now keeps.
* Beanstalk tags: moto tags environments only. Here ``CreateApplication`` and
  ``CreateApplicationVersion`` keep their ``Tags``, and ``ListTagsForResource`` /
  ``UpdateTagsForResource`` also accept an application's or an application
  version's ARN, as on AWS (API reference: ``CreateApplicationVersion``,
  request parameter ``Tags``; ``ListTagsForResource``, "Must be the ARN of an
  Elastic Beanstalk resource").
* ElastiCache ``CreateCacheCluster`` / ``DescribeCacheClusters``: moto lists no
  nodes. Here every cluster has nodes ``0001``... with endpoints
  ``<cluster-id>.<random>.<node-id>.<region>.cache.amazonaws.com``, listed when
  ``ShowCacheNodeInfo`` is true (and only then, as on AWS); Memcached clusters
  also get a configuration endpoint and default to port 11211.
* ElastiCache replies (Create/Describe/Modify/Delete): moto omits
  ``CacheParameterGroup`` and ``SecurityGroups`` although it stores them, and
  leaves ``EngineVersion`` empty when none was asked for. Here they are
  rendered, with AWS's defaults (``default.redis7``, Redis 7.1.0, Memcached
  1.6.22) when the request named none.
* ElastiCache ``DeleteReplicationGroup``: likewise, moto keeps the group as
  ``deleting`` forever; here it is gone afterwards, so its id can be used again.
* ElastiCache ``DeleteCacheCluster``: moto keeps the cluster as ``deleting``
  forever. Here the reply still says ``deleting`` but the cluster is gone
  afterwards, so a waiter that waits for ``CacheClusterNotFound`` finishes.
* CloudFront distributions: moto drops an origin's ``OriginAccessControlId``
  and a cache behaviour's ``LambdaFunctionAssociations`` and
  ``FunctionAssociations``; here they are kept and answered as sent.
* S3 ``GetBucketVersioning``: moto names the reply's root element
  ``GetBucketVersioningResponse``; the API reference (GetBucketVersioning,
  "Response Syntax") names it ``VersioningConfiguration``, and the AWS SDK for
  Rust refuses any other. Here the reply has AWS's root element, with
  ``Status`` when versioning was ever configured (and no element otherwise).
* S3 ``GetBucketAccelerateConfiguration``: likewise, moto names the root
  ``GetBucketAccelerateConfigurationResponse``; here it is the documented
  ``AccelerateConfiguration``.
* S3 ``PutBucketRequestPayment`` / ``GetBucketRequestPayment``: not handled
  by moto (a GET answers the object listing). Added: the payer is kept on
  the bucket, ``BucketOwner`` until set.
* The instance metadata service's token reply gets its TTL header (``imds.py``).
* ElastiCache ``DeleteCacheSubnetGroup`` and ``ModifyCacheSubnetGroup``: not
  implemented by moto (HTTP 500). Added: deleting a group a cluster still uses
  fails with ``CacheSubnetGroupInUse``, as on AWS; modifying replaces the
  description and/or subnets and keeps the tags.

* ACM DNS validation: moto issues a requested certificate 60 seconds after
  the request whatever DNS holds. Here, as on AWS, a certificate pending DNS
  validation is issued once every domain's validation record (the CNAME its
  ``DomainValidationOptions`` name, with that value) exists in a Route 53
  hosted zone of the account (ACM user guide, "DNS validation": "ACM
  ... checks that the CNAME record ... is present"), and not before.

* Route 53 ``CreateHostedZone``: moto stores the new zone's SOA record value
  as the text of a Python dict (``{'Value': 'ns-2048...'}``); here it is the
  SOA text itself, as ``ResourceRecord.Value`` is documented (API reference,
  ResourceRecord: "The current or new DNS record value").

Request counts (test control, not an AWS API): ``GET /_stack/requests``
answers ``{"requests": {METHOD: n}, "bytes": {METHOD: request body bytes}}``
since the server started, for benchmarks that report what a run sent.

Fault injection (test control, not an AWS API): ``POST /_stack/faults`` with
a JSON body ``{"action": "CreateVpc", "delay_seconds": 5, "times": 1}`` makes
the next ``times`` requests for that operation be processed normally but
answered only after ``delay_seconds``. A client whose attempt timeout is
shorter gives up after the object exists: the worst case for duplicates,
which the provider's tests use. The operation is the ``Action`` of
query-protocol requests (EC2, RDS, ElastiCache, Elastic Beanstalk, STS), the
operation of JSON-protocol ones (``X-Amz-Target``), and for S3
``CreateBucket`` (``PUT /bucket``) and ``PutObject`` (``PUT /bucket/key``).
The reply is ``{"pending": N}``, the number of delayed answers still armed.

Like moto itself, every change is final at once: no ``Launching`` or
``Updating`` phase, and pagination parameters of the added describe calls are
ignored (everything is one page).
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import re
import string
import sys
import threading
import time
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from moto.cloudfront import urls as cloudfront_urls
from moto.cloudfront.responses import CloudFrontResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult, PaginatedResult
from moto.core.utils import utcnow
from moto.elasticache import models as ec_models
from moto.elasticache.exceptions import (
    CacheClusterNotFound,
    CacheSubnetGroupNotFound,
    InvalidParameterCombinationException,
    InvalidParameterValueException,
)
from moto.elasticache.responses import ElastiCacheResponse
from moto.elasticbeanstalk import models as eb_models
from moto.elasticbeanstalk.exceptions import InvalidParameterValueError
from moto.elasticbeanstalk.responses import EBResponse
from moto.elasticbeanstalk.utils import make_arn
from moto.rds.exceptions import DBParameterGroupNotFoundError
from moto.rds.responses import RDSResponse
from moto.s3.responses import S3Response
from moto.server import ThreadedMotoServer

import imds
import slowness


class _View:
    """A read-only view of a moto model with some attributes overridden.

    moto's serialiser reads response members as attributes of the model
    objects. A view lets one reply differ from the stored model (a node list
    shown only on request, a transitional status in one reply) without
    copying moto's models, whose constructor registers every instance.
    """

    def __init__(self, target: Any, **overrides: Any) -> None:
        self._target = target
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        overrides = self.__dict__["_overrides"]
        if name in overrides:
            return overrides[name]
        return getattr(self.__dict__["_target"], name)


def _random_token(length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    return "".join(random.choice(alphabet) for _ in range(length))


def _state(model: Any, name: str, default: Any) -> Any:
    """Returns (creating it on first use) emulator-only state kept on a moto model."""
    return model.__dict__.setdefault(f"_emulator_{name}", default)


# --------------------------------------------------------------------------
# Elastic Beanstalk
# --------------------------------------------------------------------------


class _InvalidParameterCombination(ServiceException):
    code = "InvalidParameterCombination"


def _eb_backend(response: EBResponse) -> eb_models.EBBackend:
    return response.elasticbeanstalk_backend


def _eb_application(response: EBResponse, name: str | None) -> eb_models.Application:
    try:
        return _eb_backend(response).applications[name]  # type: ignore[index]
    except KeyError:
        raise InvalidParameterValueError(f"No Application named '{name}' found.")


def _eb_versions(app: eb_models.Application) -> dict[str, dict[str, Any]]:
    return _state(app, "versions", {})


def _eb_terminated(backend: eb_models.EBBackend) -> list[eb_models.Environment]:
    return _state(backend, "terminated", [])


def _eb_require_version(app: eb_models.Application, label: str | None) -> None:
    if label is not None and label not in _eb_versions(app):
        raise InvalidParameterValueError(f"No Application Version named '{label}' found.")


def _eb_find_environment(response: EBResponse) -> eb_models.Environment:
    """Finds a live environment by EnvironmentId or EnvironmentName, as UpdateEnvironment and TerminateEnvironment do."""
    env_id = response._get_param("EnvironmentId")
    env_name = response._get_param("EnvironmentName")
    app_name = response._get_param("ApplicationName")
    for app in _eb_backend(response).applications.values():
        if app_name and app.application_name != app_name:
            continue
        for env in app.environments.values():
            if (env_id and env.environment_id == env_id) or (
                not env_id and env.environment_name == env_name
            ):
                return env
    if env_id:
        raise InvalidParameterValueError(f"No Environment found for EnvironmentId = '{env_id}'.")
    raise InvalidParameterValueError(f"No Environment found for EnvironmentName = '{env_name}'.")


def _eb_apply_options(env: eb_models.Environment, settings: list[dict], removals: list[dict]) -> None:
    """Merges option settings the way AWS does: one value per (resource, namespace, option)."""
    options: dict[tuple, dict[str, str]] = _state(env, "options", {})
    for setting in settings:
        key = (setting.get("ResourceName"), setting["Namespace"], setting["OptionName"])
        options[key] = {k: v for k, v in setting.items() if v is not None}
    for removal in removals:
        options.pop((removal.get("ResourceName"), removal["Namespace"], removal["OptionName"]), None)


def _eb_apply_tier(env: eb_models.Environment, tier: dict | None) -> None:
    if not tier:
        return
    name = tier.get("Name", "WebServer")
    default_type = "SQS/HTTP" if name == "Worker" else "Standard"
    env.tier = {"Name": name, "Type": tier.get("Type", default_type), "Version": tier.get("Version", "1.0")}


def eb_create_environment(self: EBResponse) -> ActionResult:
    backend = _eb_backend(self)
    app = _eb_application(self, self._get_param("ApplicationName"))
    version_label = self._get_param("VersionLabel")
    _eb_require_version(app, version_label)
    region = self.region
    prefix = self._get_param("CNAMEPrefix")
    tier = self._get_param("Tier")
    worker = bool(tier) and tier.get("Name") == "Worker"
    if worker:
        # AWS gives worker environments no CNAME: they have no load balancer.
        cname = ""
    elif prefix:
        cname = f"{prefix}.{region}.elasticbeanstalk.com"
    else:
        cname = f"{self._get_param('EnvironmentName')}.{_random_token(10)}.{region}.elasticbeanstalk.com"
    live = [e for a in backend.applications.values() for e in a.environments.values()]
    if cname and any(e.cname == cname for e in live):
        raise InvalidParameterValueError(f"DNS name ({cname}) is not available.")

    tags = {tag["Key"]: tag["Value"] for tag in self._get_param("Tags", [])}
    env = backend.create_environment(
        app,
        environment_name=self._get_param("EnvironmentName"),
        stack_name=self._get_param("SolutionStackName"),
        tags=tags,
    )
    env.environment_id = "e-" + _random_token(10)
    env.solution_stack_name = self._get_param("SolutionStackName")
    env.__dict__["_emulator_platform_arn"] = self._get_param("PlatformArn")
    env.version_label = version_label
    env.description = self._get_param("Description")
    env.template_name = self._get_param("TemplateName")
    env.cname = cname
    env.endpoint_url = (
        ""
        if worker
        else f"awseb-{env.environment_id}-AWSEBLoa-{_random_token(12, string.ascii_uppercase + string.digits)}"
        f"-{random.randint(10**8, 10**9 - 1)}.{region}.elb.amazonaws.com"
    )
    env.health = "Green"
    env.__dict__["_emulator_resources"] = _eb_resources(env, worker, region, backend.account_id)
    _eb_apply_tier(env, tier)
    _eb_apply_options(env, self._get_param("OptionSettings", []), self._get_param("OptionsToRemove", []))
    return ActionResult(env)


def _eb_resources(env: eb_models.Environment, worker: bool, region: str, account: str) -> dict[str, Any]:
    """What CloudFormation makes for an environment, named as AWS names it (API reference: EnvironmentResourceDescription)."""
    stack = f"awseb-{env.environment_id}-stack"
    suffix = _random_token(12, string.ascii_uppercase + string.digits)
    resources: dict[str, Any] = {
        "EnvironmentName": env.environment_name,
        "AutoScalingGroups": [{"Name": f"{stack}-AWSEBAutoScalingGroup-{suffix}"}],
        "LaunchConfigurations": [{"Name": f"{stack}-AWSEBAutoScalingLaunchConfiguration-{suffix}"}],
        "LaunchTemplates": [],
        "Instances": [{"Id": "i-" + _random_token(17, "0123456789abcdef")}],
        "LoadBalancers": [],
        "Triggers": [],
        "Queues": [],
    }
    if worker:
        queue = f"{stack}-AWSEBWorkerQueue-{suffix}"
        resources["Queues"] = [{"Name": "WorkerQueue", "URL": f"https://sqs.{region}.amazonaws.com/{account}/{queue}"}]
    else:
        resources["LoadBalancers"] = [{"Name": f"awseb-{env.environment_id}-AWSEBLoa-{suffix}"}]
    return resources


def eb_describe_environment_resources(self: EBResponse) -> ActionResult:
    env = _eb_find_environment(self)
    return ActionResult({"EnvironmentResources": env.__dict__.get("_emulator_resources", {})})


def eb_update_application_resource_lifecycle(self: EBResponse) -> ActionResult:
    app = _eb_application(self, self._get_param("ApplicationName"))
    app.resource_lifecycle_config = self._get_param("ResourceLifecycleConfig")
    return ActionResult(
        {"ApplicationName": app.application_name, "ResourceLifecycleConfig": app.resource_lifecycle_config}
    )


def eb_describe_environments(self: EBResponse) -> ActionResult:
    backend = _eb_backend(self)
    app_name = self._get_param("ApplicationName")
    version_label = self._get_param("VersionLabel")
    ids = self._get_param("EnvironmentIds") or []
    names = self._get_param("EnvironmentNames") or []
    include_deleted = self._get_param("IncludeDeleted", True)
    candidates = list(backend.describe_environments())
    if include_deleted:
        candidates += _eb_terminated(backend)
    envs = [
        env
        for env in candidates
        if (not app_name or env.application_name == app_name)
        and (not version_label or env.version_label == version_label)
        and (not ids or env.environment_id in ids)
        and (not names or env.environment_name in names)
    ]
    return ActionResult({"Environments": envs})


def eb_update_environment(self: EBResponse) -> ActionResult:
    env = _eb_find_environment(self)
    app = _eb_backend(self).applications[env.application_name]
    version_label = self._get_param("VersionLabel")
    _eb_require_version(app, version_label)
    if version_label is not None:
        env.version_label = version_label
    for param, attribute in [
        ("Description", "description"),
        ("SolutionStackName", "solution_stack_name"),
        ("TemplateName", "template_name"),
        ("PlatformArn", "_emulator_platform_arn"),
    ]:
        value = self._get_param(param)
        if value is not None:
            setattr(env, attribute, value)
    _eb_apply_tier(env, self._get_param("Tier"))
    _eb_apply_options(env, self._get_param("OptionSettings", []), self._get_param("OptionsToRemove", []))
    env.date_updated = utcnow()
    return ActionResult(env)


def eb_terminate_environment(self: EBResponse) -> ActionResult:
    backend = _eb_backend(self)
    env = _eb_find_environment(self)
    app = backend.applications[env.application_name]
    # AWS frees the name at once and lists the environment as Terminated
    # for a while; the reply itself reports the transition.
    del app.environments[env.environment_name]
    env.status = "Terminated"
    env.health = "Grey"
    env.date_updated = utcnow()
    _eb_terminated(backend).append(env)
    return ActionResult(_View(env, status="Terminating"))


def eb_describe_configuration_settings(self: EBResponse) -> ActionResult:
    app = _eb_application(self, self._get_param("ApplicationName"))
    template = self._get_param("TemplateName")
    if template:
        # Saved configuration templates are not emulated.
        raise InvalidParameterValueError(f"No Configuration Template named '{app.application_name}/{template}' found.")
    name = self._get_param("EnvironmentName")
    env = app.environments.get(name)
    if env is None:
        raise InvalidParameterValueError(f"No Environment found for EnvironmentName = '{name}'.")
    options = _state(env, "options", {})
    settings = {
        "SolutionStackName": env.solution_stack_name,
        "PlatformArn": env.platform_arn,
        "ApplicationName": env.application_name,
        "EnvironmentName": env.environment_name,
        "Description": getattr(env, "description", None),
        "DeploymentStatus": "deployed",
        "DateCreated": env.date_created,
        "DateUpdated": env.date_updated,
        "OptionSettings": [options[key] for key in sorted(options, key=lambda k: tuple(p or "" for p in k))],
    }
    return ActionResult({"ConfigurationSettings": [settings]})


def eb_create_application(self: EBResponse) -> ActionResult:
    app = _eb_backend(self).create_application(application_name=self._get_param("ApplicationName"))
    app.description = self._get_param("Description")
    app.resource_lifecycle_config = self._get_param("ResourceLifecycleConfig")
    app.date_created = app.date_updated = utcnow()
    _eb_app_tags(app).update({tag["Key"]: tag["Value"] for tag in self._get_param("Tags", [])})
    return ActionResult({"Application": app})


def _eb_app_tags(app: eb_models.Application) -> dict[str, str]:
    return _state(app, "tags", {})


def _eb_application_by_arn(backend: eb_models.EBBackend, arn: str) -> eb_models.Application | None:
    return next((app for app in backend.applications.values() if app.arn == arn), None)


_original_eb_list_tags = eb_models.EBBackend.list_tags_for_resource
_original_eb_update_tags = eb_models.EBBackend.update_tags_for_resource


def _eb_version_tags_by_arn(backend: eb_models.EBBackend, arn: str) -> dict[str, str] | None:
    for app in backend.applications.values():
        for label, version in _eb_versions(app).items():
            if version["ApplicationVersionArn"] == arn:
                return _state(app, "version_tags", {}).setdefault(label, {})
    return None


def eb_list_tags_for_resource(self: eb_models.EBBackend, resource_arn: str) -> dict[str, str]:
    app = _eb_application_by_arn(self, resource_arn)
    if app is not None:
        return _eb_app_tags(app)
    version_tags = _eb_version_tags_by_arn(self, resource_arn)
    if version_tags is not None:
        return version_tags
    return _original_eb_list_tags(self, resource_arn)


def eb_update_tags_for_resource(
    self: eb_models.EBBackend, resource_arn: str, tags_to_add: dict[str, str], tags_to_remove: list[str]
) -> None:
    app = _eb_application_by_arn(self, resource_arn)
    tags = _eb_app_tags(app) if app is not None else _eb_version_tags_by_arn(self, resource_arn)
    if tags is None:
        _original_eb_update_tags(self, resource_arn, tags_to_add, tags_to_remove)
        return
    tags.update(tags_to_add)
    for key in tags_to_remove:
        tags.pop(key, None)


def eb_update_application(self: EBResponse) -> ActionResult:
    app = _eb_application(self, self._get_param("ApplicationName"))
    description = self._get_param("Description")
    if description is not None:
        app.description = description
    app.date_updated = utcnow()
    return ActionResult({"Application": app})


def eb_describe_applications(self: EBResponse) -> ActionResult:
    names = self._get_param("ApplicationNames") or []
    apps = [
        app for app in _eb_backend(self).applications.values() if not names or app.application_name in names
    ]
    return ActionResult({"Applications": apps})


def eb_create_application_version(self: EBResponse) -> ActionResult:
    backend = _eb_backend(self)
    app_name = self._get_param("ApplicationName")
    if app_name not in backend.applications and self._get_param("AutoCreateApplication"):
        backend.create_application(application_name=app_name)
    app = _eb_application(self, app_name)
    label = self._get_param("VersionLabel")
    versions = _eb_versions(app)
    if label in versions:
        raise InvalidParameterValueError(f"Application Version {label} already exists.")
    bundle = self._get_param("SourceBundle")
    if bundle:
        _require_s3_object(self, bundle.get("S3Bucket"), bundle.get("S3Key"))
    now = utcnow()
    process = bool(self._get_param("Process", False))
    versions[label] = {
        "ApplicationVersionArn": make_arn(
            self.region, app.account_id, "applicationversion", f"{app.application_name}/{label}"
        ),
        "ApplicationName": app.application_name,
        "Description": self._get_param("Description"),
        "VersionLabel": label,
        "SourceBundle": bundle,
        "SourceBuildInformation": self._get_param("SourceBuildInformation"),
        "DateCreated": now,
        "DateUpdated": now,
        "Status": "Processed" if process else "Unprocessed",
    }
    tags = {tag["Key"]: tag["Value"] for tag in self._get_param("Tags", [])}
    _state(app, "version_tags", {})[label] = tags
    return ActionResult({"ApplicationVersion": versions[label]})


def _require_s3_object(response: EBResponse, bucket: str | None, key: str | None) -> None:
    """AWS downloads the source bundle when the version is created; a missing object is an error there."""
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    s3 = s3_backends[response.current_account][get_partition(response.region)]
    try:
        found = s3.get_object(bucket, key) is not None
    except Exception:
        found = False
    if not found:
        raise _InvalidParameterCombination(
            f"Unable to download from S3 location (Bucket: {bucket} Key: {key}). Reason: Not Found"
        )


def eb_describe_application_versions(self: EBResponse) -> ActionResult:
    app_name = self._get_param("ApplicationName")
    labels = self._get_param("VersionLabels") or []
    versions = [
        version
        for app in _eb_backend(self).applications.values()
        if not app_name or app.application_name == app_name
        for version in _eb_versions(app).values()
        if not labels or version["VersionLabel"] in labels
    ]
    # AWS lists the newest version first.
    versions.sort(key=lambda v: v["DateCreated"], reverse=True)
    return ActionResult({"ApplicationVersions": versions})


def eb_update_application_version(self: EBResponse) -> ActionResult:
    app = _eb_application(self, self._get_param("ApplicationName"))
    label = self._get_param("VersionLabel")
    version = _eb_versions(app).get(label)
    if version is None:
        raise InvalidParameterValueError(f"No Application Version named '{label}' found.")
    description = self._get_param("Description")
    if description is not None:
        version["Description"] = description
    version["DateUpdated"] = utcnow()
    return ActionResult({"ApplicationVersion": version})


def eb_delete_application_version(self: EBResponse) -> ActionResult:
    app = _eb_application(self, self._get_param("ApplicationName"))
    label = self._get_param("VersionLabel")
    versions = _eb_versions(app)
    if label not in versions:
        raise InvalidParameterValueError(f"No Application Version named '{label}' found.")
    in_use = sorted(e.environment_name for e in app.environments.values() if e.version_label == label)
    if in_use:
        raise InvalidParameterValueError(
            f"Unable to delete application version '{label}' because it is being used by environments: {', '.join(in_use)}."
        )
    del versions[label]
    _state(app, "version_tags", {}).pop(label, None)
    return EmptyResult()


def _install_beanstalk() -> None:
    # An environment reports the platform it was created with, or none;
    # moto's placeholder is the string "TODO".
    eb_models.Environment.platform_arn = property(lambda env: env.__dict__.get("_emulator_platform_arn"))
    eb_models.Application.versions = property(lambda app: sorted(_eb_versions(app)))
    handlers = {
        "create_application": eb_create_application,
        "update_application": eb_update_application,
        "describe_applications": eb_describe_applications,
        "create_application_version": eb_create_application_version,
        "describe_application_versions": eb_describe_application_versions,
        "update_application_version": eb_update_application_version,
        "delete_application_version": eb_delete_application_version,
        "create_environment": eb_create_environment,
        "describe_environments": eb_describe_environments,
        "update_environment": eb_update_environment,
        "terminate_environment": eb_terminate_environment,
        "describe_configuration_settings": eb_describe_configuration_settings,
        "describe_environment_resources": eb_describe_environment_resources,
        "update_application_resource_lifecycle": eb_update_application_resource_lifecycle,
    }
    for name, handler in handlers.items():
        setattr(EBResponse, name, handler)
    eb_models.EBBackend.list_tags_for_resource = eb_list_tags_for_resource  # type: ignore[method-assign]
    eb_models.EBBackend.update_tags_for_resource = eb_update_tags_for_resource  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# ElastiCache
# --------------------------------------------------------------------------

MEMCACHED_PORT = 11211
# What AWS picks when CreateCacheCluster names no engine version.
DEFAULT_ENGINE_VERSIONS = {"redis": "7.1.0", "memcached": "1.6.22"}


def _ec_default_parameter_group(cluster: ec_models.CacheCluster) -> str:
    """Names the default parameter group of the cluster's engine family, e.g. ``default.redis7``."""
    version = cluster.engine_version or DEFAULT_ENGINE_VERSIONS.get(cluster.engine, "")
    if cluster.engine == "memcached":
        return "default.memcached" + ".".join(version.split(".")[:2])
    return "default.redis" + version.split(".")[0]


def _ec_suffix(cluster: ec_models.CacheCluster) -> str:
    return _state(cluster, "suffix", _random_token(6))


def _ec_region(cluster: ec_models.CacheCluster) -> str:
    # The ARN is arn:<partition>:elasticache:<region>:<account>:cluster:<id>.
    return cluster.arn.split(":")[3]


def _ec_node(cluster: ec_models.CacheCluster, node_id: str) -> dict[str, Any]:
    address = f"{cluster.cache_cluster_id}.{_ec_suffix(cluster)}.{node_id}.{_ec_region(cluster)}.cache.amazonaws.com"
    return {
        "CacheNodeId": node_id,
        "CacheNodeStatus": "available",
        "CacheNodeCreateTime": utcnow(),
        "Endpoint": {"Address": address, "Port": cluster.port},
        "ParameterGroupStatus": "in-sync",
        "CustomerAvailabilityZone": cluster.preferred_availability_zone or f"{_ec_region(cluster)}a",
    }


def _ec_nodes(cluster: ec_models.CacheCluster) -> list[dict[str, Any]]:
    """Returns the cluster's nodes, creating them on first use so that clusters moto made elsewhere have them too."""
    nodes: list[dict[str, Any]] = _state(cluster, "nodes", [])
    next_id = max((int(n["CacheNodeId"]) for n in nodes), default=0) + 1
    while len(nodes) < cluster.num_cache_nodes:
        nodes.append(_ec_node(cluster, f"{next_id:04d}"))
        next_id += 1
    return nodes


def _ec_describe_view(cluster: ec_models.CacheCluster, show_nodes: bool) -> _View:
    overrides: dict[str, Any] = {"pending_modified_values": _state(cluster, "pending", {})}
    if show_nodes:
        overrides["cache_nodes"] = _ec_nodes(cluster)
    # moto keeps the parameter group and security groups as plain ids, which
    # its serialiser cannot map onto AWS's nested members, so they would be
    # missing from every reply.
    overrides["cache_parameter_group"] = {
        "CacheParameterGroupName": cluster.cache_parameter_group_name or _ec_default_parameter_group(cluster),
        "ParameterApplyStatus": "in-sync",
        "CacheNodeIdsToReboot": [],
    }
    overrides["security_groups"] = [{"SecurityGroupId": sg, "Status": "active"} for sg in cluster.security_group_ids]
    if not cluster.engine_version:
        overrides["engine_version"] = DEFAULT_ENGINE_VERSIONS.get(cluster.engine)
    if cluster.engine == "memcached":
        overrides["configuration_endpoint"] = {
            "Address": f"{cluster.cache_cluster_id}.{_ec_suffix(cluster)}.cfg.{_ec_region(cluster)}.cache.amazonaws.com",
            "Port": cluster.port,
        }
    return _View(cluster, **overrides)


def _ec_cluster(response: ElastiCacheResponse, cluster_id: str) -> ec_models.CacheCluster:
    cluster = response.elasticache_backend.cache_clusters.get(cluster_id)
    if cluster is None:
        raise CacheClusterNotFound(cluster_id)
    return cluster


_original_ec_create = ElastiCacheResponse.create_cache_cluster


def ec_create_cache_cluster(self: ElastiCacheResponse) -> ActionResult:
    _original_ec_create(self)
    cluster = _ec_cluster(self, self._get_param("CacheClusterId"))
    if cluster.engine == "memcached" and self._get_param("Port") is None:
        # moto defaults every engine to Redis's port.
        cluster.port = MEMCACHED_PORT
    _ec_nodes(cluster)
    return ActionResult({"CacheCluster": _ec_describe_view(cluster, show_nodes=False)})


def ec_describe_cache_clusters(self: ElastiCacheResponse) -> ActionResult:
    clusters = self.elasticache_backend.describe_cache_clusters(cache_cluster_id=self._get_param("CacheClusterId"))
    show_nodes = bool(self._get_param("ShowCacheNodeInfo", False))
    return PaginatedResult({"CacheClusters": [_ec_describe_view(c, show_nodes) for c in clusters]})


def ec_delete_cache_cluster(self: ElastiCacheResponse) -> ActionResult:
    cluster_id = self._get_param("CacheClusterId")
    cluster = _ec_cluster(self, cluster_id)
    del self.elasticache_backend.cache_clusters[cluster_id]
    return ActionResult({"CacheCluster": _View(_ec_describe_view(cluster, False), cache_cluster_status="deleting")})


def _ec_resize(cluster: ec_models.CacheCluster, count: int, to_remove: list[str]) -> None:
    nodes = _ec_nodes(cluster)
    if to_remove:
        kept = [n for n in nodes if n["CacheNodeId"] not in to_remove]
        nodes[:] = kept
    cluster.num_cache_nodes = count
    _ec_nodes(cluster)


def ec_modify_cache_cluster(self: ElastiCacheResponse) -> ActionResult:
    cluster = _ec_cluster(self, self._get_param("CacheClusterId"))
    apply_now = bool(self._get_param("ApplyImmediately", False))
    count = self._get_param("NumCacheNodes")
    to_remove = self._get_param("CacheNodeIdsToRemove") or []

    if count is not None:
        count = int(count)
        if cluster.engine == "redis" and count != 1:
            raise InvalidParameterValueException("Cannot modify number of cache nodes for a Redis cluster; it must be 1.")
        if not 1 <= count <= 40:
            raise InvalidParameterValueException("The number of cache nodes must be between 1 and 40.")
        current = {n["CacheNodeId"] for n in _ec_nodes(cluster)}
        unknown = [n for n in to_remove if n not in current]
        if unknown:
            raise InvalidParameterValueException(f"Cache node ids not found: {', '.join(unknown)}.")
        if count < cluster.num_cache_nodes and len(to_remove) != cluster.num_cache_nodes - count:
            # AWS makes the caller say which nodes go when shrinking.
            raise InvalidParameterCombinationException(
                f"Number of cache node ids to remove ({len(to_remove)}) does not match the decrease in "
                f"number of cache nodes ({cluster.num_cache_nodes} to {count})."
            )
    elif to_remove:
        raise InvalidParameterCombinationException("CacheNodeIdsToRemove requires NumCacheNodes.")

    # NumCacheNodes, CacheNodeType and EngineVersion wait for the maintenance
    # window unless ApplyImmediately is set; AWS shows them as pending meanwhile.
    pending: dict[str, Any] = _state(cluster, "pending", {})
    deferred = {
        "NumCacheNodes": count if count != cluster.num_cache_nodes else None,
        "CacheNodeType": self._get_param("CacheNodeType"),
        "EngineVersion": self._get_param("EngineVersion"),
    }
    if apply_now:
        count = pending.pop("NumCacheNodes", None) if deferred["NumCacheNodes"] is None else deferred["NumCacheNodes"]
        to_remove = to_remove or pending.pop("CacheNodeIdsToRemove", [])
        if count is not None:
            _ec_resize(cluster, count, to_remove)
        node_type = deferred["CacheNodeType"] or pending.pop("CacheNodeType", None)
        if node_type:
            cluster.cache_node_type = node_type
        engine_version = deferred["EngineVersion"] or pending.pop("EngineVersion", None)
        if engine_version:
            cluster.engine_version = engine_version
        pending.clear()
    else:
        for key, value in deferred.items():
            if value is not None:
                pending[key] = value
        if to_remove:
            pending["CacheNodeIdsToRemove"] = to_remove

    for param, attribute in [
        ("AZMode", "az_mode"),
        ("SecurityGroupIds", "security_group_ids"),
        ("CacheSecurityGroupNames", "cache_security_group_names"),
        ("PreferredMaintenanceWindow", "preferred_maintenance_window"),
        ("NotificationTopicArn", "notification_topic_arn"),
        ("CacheParameterGroupName", "cache_parameter_group_name"),
        ("AutoMinorVersionUpgrade", "auto_minor_version_upgrade"),
        ("SnapshotRetentionLimit", "snapshot_retention_limit"),
        ("SnapshotWindow", "snapshot_window"),
        ("IpDiscovery", "ip_discovery"),
    ]:
        value = self._get_param(param)
        if value is not None:
            setattr(cluster, attribute, value)
    if self._get_param("AuthToken") is not None:
        cluster.auth_token = self._get_param("AuthToken")
        cluster.auth_token_enabled = True
        cluster.auth_token_last_modified_date = utcnow()
    return ActionResult({"CacheCluster": _ec_describe_view(cluster, show_nodes=False)})


_original_ec_delete_group = ElastiCacheResponse.delete_replication_group


def ec_delete_replication_group(self: ElastiCacheResponse) -> ActionResult:
    # moto lists a deleted group as ``deleting`` forever, so its id can never
    # be used again. AWS removes it once the deletion finishes (API
    # reference, DeleteReplicationGroup: "the replication group ... is
    # deleted"; CreateReplicationGroup then accepts the id again). The reply
    # still says ``deleting``.
    result = _original_ec_delete_group(self)
    self.elasticache_backend.replication_groups.pop(self._get_param("ReplicationGroupId"), None)
    return result


class CacheSubnetGroupInUse(ServiceException):
    """AWS's error for deleting a subnet group that a cluster still uses."""

    code = "CacheSubnetGroupInUse"


def _ec_subnet_group(response: ElastiCacheResponse, name: str) -> Any:
    group = response.elasticache_backend.cache_subnet_groups.get(name)
    if group is None:
        raise CacheSubnetGroupNotFound(name)
    return group


def ec_delete_cache_subnet_group(self: ElastiCacheResponse) -> ActionResult:
    name = self._get_param("CacheSubnetGroupName")
    _ec_subnet_group(self, name)
    users = [c.cache_cluster_id for c in self.elasticache_backend.cache_clusters.values() if c.cache_subnet_group_name == name]
    if users:
        raise CacheSubnetGroupInUse(f"Cache subnet group {name} is currently in use by cache clusters: {', '.join(users)}")
    del self.elasticache_backend.cache_subnet_groups[name]
    return EmptyResult()


def ec_modify_cache_subnet_group(self: ElastiCacheResponse) -> ActionResult:
    name = self._get_param("CacheSubnetGroupName")
    old = _ec_subnet_group(self, name)
    description = self._get_param("CacheSubnetGroupDescription") or old.cache_subnet_group_description
    subnet_ids = self._get_param("SubnetIds", []) or list(old.subnet_ids)
    backend = self.elasticache_backend
    # Rebuilding through moto's own constructor recomputes the subnets' VPC and zones.
    del backend.cache_subnet_groups[name]
    try:
        group = backend.create_cache_subnet_group(
            cache_subnet_group_name=name,
            cache_subnet_group_description=description,
            subnet_ids=subnet_ids,
            tags=old.tags,
        )
    except Exception:
        backend.cache_subnet_groups[name] = old
        raise
    return ActionResult({"CacheSubnetGroup": group})



# ElastiCache parameter groups: moto 5.2.5 has none of their operations
# (ElastiCache API reference: CreateCacheParameterGroup,
# DescribeCacheParameterGroups, ModifyCacheParameterGroup,
# ResetCacheParameterGroup, DescribeCacheParameters,
# DeleteCacheParameterGroup). A group keeps only the parameters set on it,
# which is what ``Source=user`` lists; the family's defaults are not modelled.


class CacheParameterGroupNotFound(ServiceException):
    """AWS's error for a parameter group that does not exist."""

    code = "CacheParameterGroupNotFound"


class CacheParameterGroupAlreadyExists(ServiceException):
    """AWS's error for creating a parameter group whose name is taken."""

    code = "CacheParameterGroupAlreadyExists"


def _ec_parameter_groups(response: ElastiCacheResponse) -> dict[str, dict[str, Any]]:
    backend = response.elasticache_backend
    # Tags are kept by moto's tagging service, which only accepts ARNs its
    # pattern knows; parameter groups are taggable on AWS (AddTagsToResource).
    if "parametergroup" not in backend.arn_regex.pattern:
        backend.arn_regex = re.compile(backend.arn_regex.pattern.replace("|user)", "|user|parametergroup)"))
    return _state(backend, "parameter_groups", {})


def _ec_parameter_group(response: ElastiCacheResponse) -> dict[str, Any]:
    name = response._get_param("CacheParameterGroupName")
    group = _ec_parameter_groups(response).get(name)
    if group is None:
        raise CacheParameterGroupNotFound(f"CacheParameterGroup {name} not found.")
    return group


def _ec_group_view(group: dict[str, Any]) -> dict[str, Any]:
    return {k: group[k] for k in ("CacheParameterGroupName", "CacheParameterGroupFamily", "Description", "IsGlobal", "ARN")}


def ec_create_cache_parameter_group(self: ElastiCacheResponse) -> ActionResult:
    name = self._get_param("CacheParameterGroupName")
    groups = _ec_parameter_groups(self)
    if name in groups:
        raise CacheParameterGroupAlreadyExists(f"Parameter group {name} already exists.")
    backend = self.elasticache_backend
    arn = f"arn:aws:elasticache:{backend.region_name}:{backend.account_id}:parametergroup:{name}"
    groups[name] = {
        "CacheParameterGroupName": name,
        "CacheParameterGroupFamily": self._get_param("CacheParameterGroupFamily"),
        "Description": self._get_param("Description"),
        "IsGlobal": False,
        "ARN": arn,
        "Parameters": {},
    }
    tags = self._get_param("Tags", [])
    if tags:
        backend.tagging_service.tag_resource(arn, tags)
    return ActionResult({"CacheParameterGroup": _ec_group_view(groups[name])})


def ec_describe_cache_parameter_groups(self: ElastiCacheResponse) -> ActionResult:
    name = self._get_param("CacheParameterGroupName")
    if name:
        groups = [_ec_parameter_group(self)]
    else:
        groups = list(_ec_parameter_groups(self).values())
    return ActionResult({"CacheParameterGroups": [_ec_group_view(g) for g in groups]})


def ec_modify_cache_parameter_group(self: ElastiCacheResponse) -> ActionResult:
    group = _ec_parameter_group(self)
    for item in self._get_param("ParameterNameValues", []):
        group["Parameters"][item["ParameterName"]] = item.get("ParameterValue", "")
    return ActionResult({"CacheParameterGroupName": group["CacheParameterGroupName"]})


def ec_reset_cache_parameter_group(self: ElastiCacheResponse) -> ActionResult:
    group = _ec_parameter_group(self)
    if str(self._get_param("ResetAllParameters")).lower() == "true":
        group["Parameters"].clear()
    for item in self._get_param("ParameterNameValues", []):
        group["Parameters"].pop(item["ParameterName"], None)
    return ActionResult({"CacheParameterGroupName": group["CacheParameterGroupName"]})


def ec_describe_cache_parameters(self: ElastiCacheResponse) -> ActionResult:
    group = _ec_parameter_group(self)
    parameters = [
        {"ParameterName": k, "ParameterValue": v, "Source": "user", "DataType": "string", "IsModifiable": True}
        for k, v in sorted(group["Parameters"].items())
    ]
    return ActionResult({"Parameters": parameters})


def ec_delete_cache_parameter_group(self: ElastiCacheResponse) -> ActionResult:
    group = _ec_parameter_group(self)
    del _ec_parameter_groups(self)[group["CacheParameterGroupName"]]
    return EmptyResult()


def _install_elasticache() -> None:
    handlers = {
        "create_cache_parameter_group": ec_create_cache_parameter_group,
        "describe_cache_parameter_groups": ec_describe_cache_parameter_groups,
        "modify_cache_parameter_group": ec_modify_cache_parameter_group,
        "reset_cache_parameter_group": ec_reset_cache_parameter_group,
        "describe_cache_parameters": ec_describe_cache_parameters,
        "delete_cache_parameter_group": ec_delete_cache_parameter_group,
        "delete_cache_subnet_group": ec_delete_cache_subnet_group,
        "modify_cache_subnet_group": ec_modify_cache_subnet_group,
        "create_cache_cluster": ec_create_cache_cluster,
        "describe_cache_clusters": ec_describe_cache_clusters,
        "delete_cache_cluster": ec_delete_cache_cluster,
        "modify_cache_cluster": ec_modify_cache_cluster,
        "delete_replication_group": ec_delete_replication_group,
    }
    for name, handler in handlers.items():
        setattr(ElastiCacheResponse, name, handler)


# --------------------------------------------------------------------------
# RDS
# --------------------------------------------------------------------------


def rds_reset_db_parameter_group(self: RDSResponse) -> ActionResult:
    """ResetDBParameterGroup (RDS API reference): moto 5.2.5 lacks it. A
    moto group holds only the parameters set on it, so resetting one to its
    family's default removes it; ``ResetAllParameters`` removes them all."""
    name = self.params.get("DBParameterGroupName")
    groups = self.backend.describe_db_parameter_groups({"db_parameter_group_name": name})
    if not groups:
        raise DBParameterGroupNotFoundError(name)
    group = groups[0]
    if str(self.params.get("ResetAllParameters")).lower() == "true":
        group.parameters.clear()
    for item in self.params.get("Parameters", []):
        group.parameters.pop(item.original_dict()["ParameterName"], None)
    return ActionResult({"DBParameterGroupName": group.name})


def _install_rds() -> None:
    RDSResponse.reset_db_parameter_group = rds_reset_db_parameter_group


# --------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------


def s3_get_bucket_versioning(self: S3Response) -> Any:
    """GetBucketVersioning with the documented root element. moto 5.2.5 names
    it ``GetBucketVersioningResponse``, which AWS SDKs that check the root
    (the Rust SDK does) refuse. S3 API reference, GetBucketVersioning,
    response syntax: ``<VersioningConfiguration><Status>…</Status>
    <MfaDelete>…</MfaDelete></VersioningConfiguration>``, both elements
    left out when versioning was never configured. moto keeps no MFA delete
    state, so ``MfaDelete`` is never shown."""
    status = self.backend.get_bucket_versioning(self.bucket_name)
    inner = f"<Status>{status}</Status>" if status else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</VersioningConfiguration>'
    return 200, {"Content-Type": "application/xml"}, body


def s3_get_bucket_accelerate_configuration(self: S3Response) -> Any:
    """GetBucketAccelerateConfiguration with the documented root element.
    moto 5.2.5 names it ``GetBucketAccelerateConfigurationResponse``, which
    the AWS SDK for Rust refuses. S3 API reference,
    GetBucketAccelerateConfiguration, response syntax:
    ``<AccelerateConfiguration><Status>…</Status></AccelerateConfiguration>``,
    ``Status`` left out when acceleration was never configured."""
    status = self.backend.get_bucket_accelerate_configuration(self.bucket_name)
    inner = f"<Status>{status}</Status>" if status else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<AccelerateConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</AccelerateConfiguration>'
    return 200, {"Content-Type": "application/xml"}, body


_S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
_s3_bucket_get = S3Response._bucket_response_get
_s3_bucket_put = S3Response._bucket_response_put


def s3_bucket_response_get(self: S3Response, bucket_name: str, querystring: dict[str, Any]) -> Any:
    """GetBucketRequestPayment, which moto 5.2.5 lacks (it answers the
    bucket's object listing). S3 API reference, GetBucketRequestPayment,
    response syntax: ``<RequestPaymentConfiguration><Payer>…</Payer>
    </RequestPaymentConfiguration>``; a bucket never configured has the
    default payer, ``BucketOwner``."""
    if "requestPayment" not in querystring:
        return _s3_bucket_get(self, bucket_name, querystring)
    bucket = self.backend.get_bucket(bucket_name)
    payer = getattr(bucket, "stack_request_payer", "BucketOwner")
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<RequestPaymentConfiguration xmlns="{_S3_NAMESPACE}"><Payer>{payer}</Payer></RequestPaymentConfiguration>'
    return 200, {"Content-Type": "application/xml"}, body


def s3_bucket_response_put(self: S3Response, request: Any, bucket_name: str, querystring: dict[str, Any]) -> Any:
    """PutBucketRequestPayment, which moto 5.2.5 lacks. S3 API reference,
    PutBucketRequestPayment: the body is a ``RequestPaymentConfiguration``
    whose ``Payer`` is ``Requester`` or ``BucketOwner``."""
    if "requestPayment" not in querystring:
        return _s3_bucket_put(self, request, bucket_name, querystring)
    body = self.body.decode() if isinstance(self.body, bytes) else str(self.body)
    found = re.search(r"<Payer>\s*(Requester|BucketOwner)\s*</Payer>", body)
    if not found:
        return 400, {}, "<Error><Code>MalformedXML</Code><Message>Payer must be Requester or BucketOwner.</Message></Error>"
    self.backend.get_bucket(bucket_name).stack_request_payer = found.group(1)
    return 200, {}, ""


def _install_s3() -> None:
    S3Response.get_bucket_versioning = s3_get_bucket_versioning
    S3Response._bucket_response_get = s3_bucket_response_get
    S3Response._bucket_response_put = s3_bucket_response_put
    S3Response.get_bucket_accelerate_configuration = s3_get_bucket_accelerate_configuration


# --------------------------------------------------------------------------
# CloudFront origin access identities
# --------------------------------------------------------------------------

# moto 5.2.5 has no origin access identity operations (CloudFront API
# reference: CreateCloudFrontOriginAccessIdentity, GetCloudFrontOriginAccessIdentity,
# ListCloudFrontOriginAccessIdentities, UpdateCloudFrontOriginAccessIdentity,
# DeleteCloudFrontOriginAccessIdentity). Added with their documented rules: a
# create with a caller reference already used and the same comment returns
# that identity; updates and deletes need the current ETag as If-Match.


class NoSuchCloudFrontOriginAccessIdentity(ServiceException):
    code = "NoSuchCloudFrontOriginAccessIdentity"


class CloudFrontOriginAccessIdentityAlreadyExists(ServiceException):
    code = "CloudFrontOriginAccessIdentityAlreadyExists"


class PreconditionFailed(ServiceException):
    code = "PreconditionFailed"


def _cf_identities(response: CloudFrontResponse) -> dict[str, dict[str, Any]]:
    return _state(response.backend, "identities", {})


def _cf_identity(response: CloudFrontResponse) -> dict[str, Any]:
    identity = _cf_identities(response).get(response._get_param("Id"))
    if identity is None:
        raise NoSuchCloudFrontOriginAccessIdentity("The specified origin access identity does not exist.")
    return identity


def _cf_identity_reply(identity: dict[str, Any]) -> ActionResult:
    return ActionResult(
        {
            "CloudFrontOriginAccessIdentity": {
                "Id": identity["Id"],
                "S3CanonicalUserId": identity["S3CanonicalUserId"],
                "CloudFrontOriginAccessIdentityConfig": identity["Config"],
            },
            "ETag": identity["ETag"],
            "Location": f"https://cloudfront.amazonaws.com/2020-05-31/origin-access-identity/cloudfront/{identity['Id']}",
        }
    )


def _cf_check_etag(response: CloudFrontResponse, identity: dict[str, Any]) -> None:
    if response.headers.get("If-Match") != identity["ETag"]:
        raise PreconditionFailed("The If-Match version is missing or not valid for the resource.")


def cf_create_identity(self: CloudFrontResponse) -> ActionResult:
    config = self._get_param("CloudFrontOriginAccessIdentityConfig", {})
    config = {"CallerReference": config.get("CallerReference"), "Comment": config.get("Comment") or ""}
    for identity in _cf_identities(self).values():
        if identity["Config"]["CallerReference"] == config["CallerReference"]:
            if identity["Config"] != config:
                raise CloudFrontOriginAccessIdentityAlreadyExists("The caller reference is already in use with another configuration.")
            return _cf_identity_reply(identity)
    identity_id = "E" + _random_token(13, string.ascii_uppercase + string.digits)
    identity = {"Id": identity_id, "S3CanonicalUserId": _random_token(96, "0123456789abcdef"), "Config": config, "ETag": _random_token(14, string.ascii_uppercase)}
    _cf_identities(self)[identity_id] = identity
    return _cf_identity_reply(identity)


def cf_get_identity(self: CloudFrontResponse) -> ActionResult:
    return _cf_identity_reply(_cf_identity(self))


def cf_list_identities(self: CloudFrontResponse) -> ActionResult:
    items = [
        {"Id": i["Id"], "S3CanonicalUserId": i["S3CanonicalUserId"], "Comment": i["Config"]["Comment"]}
        for i in _cf_identities(self).values()
    ]
    return ActionResult(
        {
            "CloudFrontOriginAccessIdentityList": {
                "Marker": "",
                "MaxItems": 100,
                "IsTruncated": False,
                "Quantity": len(items),
                "Items": items,
            }
        }
    )


def cf_update_identity(self: CloudFrontResponse) -> ActionResult:
    identity = _cf_identity(self)
    _cf_check_etag(self, identity)
    config = self._get_param("CloudFrontOriginAccessIdentityConfig", {})
    identity["Config"] = {"CallerReference": identity["Config"]["CallerReference"], "Comment": config.get("Comment") or ""}
    identity["ETag"] = _random_token(14, string.ascii_uppercase)
    return _cf_identity_reply(identity)


def cf_delete_identity(self: CloudFrontResponse) -> ActionResult:
    identity = _cf_identity(self)
    _cf_check_etag(self, identity)
    del _cf_identities(self)[identity["Id"]]
    return EmptyResult()


def _cf_keep_origin_access_control(original: Callable) -> Callable:
    """moto's Origin drops ``OriginAccessControlId`` (API reference: Origin); this keeps it."""

    def init(self: Any, origin: dict[str, Any]) -> None:
        original(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

    return init


def _cf_keep_associations(original: Callable) -> Callable:
    """moto's cache behaviours answer no Lambda@Edge or CloudFront Function associations
    whatever was sent (API reference: DefaultCacheBehavior, CacheBehavior); this keeps them."""

    def init(self: Any, config: dict[str, Any]) -> None:
        original(self, config)
        for key, attribute in [
            ("LambdaFunctionAssociations", "lambda_function_associations"),
            ("FunctionAssociations", "function_associations"),
        ]:
            if config.get(key):
                setattr(self, attribute, config[key])

    return init


def _install_cloudfront() -> None:
    from moto.cloudfront import models as cf_models

    cf_models.Origin.__init__ = _cf_keep_origin_access_control(cf_models.Origin.__init__)  # type: ignore[method-assign]
    for behaviour in (cf_models.DefaultCacheBehaviour, cf_models.CacheBehaviour):
        behaviour.__init__ = _cf_keep_associations(behaviour.__init__)  # type: ignore[method-assign]
    handlers = {
        "create_cloud_front_origin_access_identity": cf_create_identity,
        "get_cloud_front_origin_access_identity": cf_get_identity,
        "list_cloud_front_origin_access_identities": cf_list_identities,
        "update_cloud_front_origin_access_identity": cf_update_identity,
        "delete_cloud_front_origin_access_identity": cf_delete_identity,
    }
    for name, handler in handlers.items():
        setattr(CloudFrontResponse, name, handler)
    base = "{0}/2020-05-31/origin-access-identity/cloudfront"
    cloudfront_urls.url_paths[base + "$"] = CloudFrontResponse.dispatch
    cloudfront_urls.url_paths[base + "/(?P<Id>[^/]+)$"] = CloudFrontResponse.dispatch
    cloudfront_urls.url_paths[base + "/(?P<Id>[^/]+)/config$"] = CloudFrontResponse.dispatch


# --------------------------------------------------------------------------
# ACM
# --------------------------------------------------------------------------


def _acm_published(cert: Any) -> bool:
    """Whether every validation record the certificate names is in a hosted zone of its account."""
    from moto.route53.models import route53_backends

    account = cert.arn.split(":")[4]
    partition = cert.arn.split(":")[1]
    zones = route53_backends[account][partition].zones.values()

    def text(value: Any) -> str:
        # moto keeps the records it makes itself (NS, SOA) as {"Value": ...}.
        value = value.get("Value", "") if isinstance(value, dict) else value
        return str(value).rstrip(".").lower()

    published = {
        (text(r.name), r.type, text(v)) for zone in zones for r in zone.rrsets for v in r.records or []
    }
    options = cert.describe()["Certificate"].get("DomainValidationOptions", [])
    wanted = [
        (text(o["ResourceRecord"]["Name"]), o["ResourceRecord"]["Type"], text(o["ResourceRecord"]["Value"]))
        for o in options
    ]
    return bool(wanted) and all(w in published for w in wanted)


def acm_check(self: Any) -> None:
    """CertBundle.check: expiry as moto has it; issued once the DNS validation records exist."""
    now = utcnow()
    if self._not_valid_after(self._cert) <= now:
        self.status = "EXPIRED"
        return
    if self.type == "AMAZON_ISSUED" and self.status == "PENDING_VALIDATION" and _acm_published(self):
        self.status = "ISSUED"


def _install_acm() -> None:
    from moto.acm import models as acm_models

    acm_models.CertBundle.check = acm_check


# --------------------------------------------------------------------------
# Route 53
# --------------------------------------------------------------------------


def _install_route53() -> None:
    """CreateHostedZone keeps the SOA record's value as a string, as its other records."""
    from moto.route53.models import Route53Backend

    create = Route53Backend.create_hosted_zone

    def create_hosted_zone(self: Any, *args: Any, **kwargs: Any) -> Any:
        zone = create(self, *args, **kwargs)
        for record in zone.rrsets:
            record.records = [r.get("Value") if isinstance(r, dict) else r for r in record.records or []]
        return zone

    Route53Backend.create_hosted_zone = create_hosted_zone


# --------------------------------------------------------------------------
# Fault injection
# --------------------------------------------------------------------------


def _operation(environ: dict[str, Any], body: bytes) -> str | None:
    """Names the AWS operation of a request, as far as fault injection needs it."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(body.decode("utf-8", "replace"))
        if "Action" in form:
            return form["Action"][0]
    if environ.get("REQUEST_METHOD") == "PUT" and not query:
        segments = [part for part in environ.get("PATH_INFO", "").split("/") if part]
        if len(segments) == 1:
            return "CreateBucket"
        if len(segments) > 1:
            return "PutObject"
    return None


class FaultInjector:
    """WSGI middleware in front of moto: delays the answers of chosen operations.

    The request is handed to moto at once, so its effect happens on time;
    only the answer waits. Each armed delay is used up by one request.
    """

    def __init__(self, app: Callable) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._armed: list[dict[str, Any]] = []
        # Requests and request-body bytes by HTTP method, for benchmarks
        # that report what a run sent (GET /_stack/requests).
        self._requests: dict[str, int] = {}
        self._bytes: dict[str, int] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/_stack/faults":
            return self._control(environ, start_response)
        if environ.get("PATH_INFO") == "/_stack/requests":
            return self._counts(start_response)
        self._count(environ)
        with self._lock:
            armed = bool(self._armed)
        if not armed:
            return self._app(environ, start_response)
        body = _read_body(environ)
        delay = self._take(_operation(environ, body))
        if delay is None:
            return self._app(environ, start_response)
        return self._delayed(environ, start_response, delay)

    def _control(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Type", "application/json")])
            return [b'{"error": "POST a fault as JSON"}']
        try:
            fault = json.loads(_read_body(environ) or b"{}")
            entry = {
                "action": str(fault["action"]),
                "delay": float(fault.get("delay_seconds", 0)),
                "times": int(fault.get("times", 1)),
            }
        except (KeyError, TypeError, ValueError) as error:
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [json.dumps({"error": f"expected {{action, delay_seconds, times}}: {error}"}).encode()]
        with self._lock:
            if entry["times"] > 0:
                self._armed.append(entry)
            pending = sum(e["times"] for e in self._armed)
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"pending": pending}).encode()]

    def _count(self, environ: dict[str, Any]) -> None:
        method = environ.get("REQUEST_METHOD", "?")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        with self._lock:
            self._requests[method] = self._requests.get(method, 0) + 1
            self._bytes[method] = self._bytes.get(method, 0) + length

    def _counts(self, start_response: Callable) -> Iterable[bytes]:
        with self._lock:
            body = {"requests": dict(self._requests), "bytes": dict(self._bytes)}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def _take(self, operation: str | None) -> float | None:
        with self._lock:
            for entry in self._armed:
                if entry["action"] == operation:
                    entry["times"] -= 1
                    if entry["times"] <= 0:
                        self._armed.remove(entry)
                    return entry["delay"]
        return None

    def _delayed(self, environ: dict[str, Any], start_response: Callable, delay: float) -> Iterable[bytes]:
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            answer["status"], answer["headers"] = status, headers
            return lambda data: chunks.append(data)

        chunks: list[bytes] = []
        result = self._app(environ, capture)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        time.sleep(delay)
        start_response(answer["status"], answer["headers"])
        return chunks


def _read_body(environ: dict[str, Any]) -> bytes:
    """Reads the request body and puts it back, so that moto can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------


def _exit_when_stdin_closes() -> None:
    """Blocks until stdin reaches end of file, which happens when the parent holding the pipe exits."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main(argv: list[str]) -> None:
    if len(argv) != 2 or not argv[1].isdigit():
        sys.exit("usage: launcher.py PORT   (0 picks a free port)")
    # Per-request access logs would drown the harness's diagnostics; set
    # STACK_EMULATOR_VERBOSE=1 to see them on stderr.
    if os.environ.get("STACK_EMULATOR_VERBOSE") != "1":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    _install_beanstalk()
    _install_elasticache()
    _install_rds()
    _install_s3()
    _install_cloudfront()
    imds.install()
    _install_acm()
    _install_route53()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(argv[1]), verbose=False)
    # start() returns once the socket is bound and listening, so the port
    # accepts connections from here on.
    server.start()
    # Installed before READY is printed, so no request can miss it.
    server._server.app = FaultInjector(server._server.app)  # type: ignore[union-attr]
    # Latency and slow resources for benchmarks, off unless the environment asks (slowness.py).
    server._server.app = slowness.install(server._server.app)  # type: ignore[union-attr]
    _, port = server.get_host_and_port()
    print(f"READY {port}", flush=True)
    watchdog = threading.Thread(target=_exit_when_stdin_closes, daemon=True)
    watchdog.start()
    try:
        watchdog.join()
    except KeyboardInterrupt:
        os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
