"""The instance metadata service (IMDSv2) as moto 5.2.5 serves it, with the
one header moto leaves out.

Moto answers ``PUT /latest/api/token`` with a token but without the
``X-aws-ec2-metadata-token-ttl-seconds`` response header. The EC2 User Guide
("Use the Instance Metadata Service to access instance metadata", section
"How Instance Metadata Service Version 2 works") has the service echo the
token's lifetime in that header, and the AWS SDK for Rust refuses a token
reply without it ("token response did not contain a TTL header"). Here the
reply carries the lifetime the request asked for (21600 seconds, the
maximum, when it asked for none).
"""

from __future__ import annotations

from typing import Any

from moto.instance_metadata import urls as imds_urls
from moto.instance_metadata.responses import InstanceMetadataResponse

TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"

_original = InstanceMetadataResponse.metadata_response


def _metadata_response(request: Any, full_url: str, headers: Any) -> Any:
    status, reply_headers, body = _original(request, full_url, headers)
    if full_url.split("?", 1)[0].endswith("/latest/api/token"):
        asked = next(
            (v for k, v in dict(getattr(request, "headers", {}) or {}).items() if k.lower() == TTL_HEADER.lower()),
            None,
        )
        reply_headers = dict(reply_headers)
        reply_headers[TTL_HEADER] = asked or "21600"
    return status, reply_headers, body


def install() -> None:
    InstanceMetadataResponse.metadata_response = staticmethod(_metadata_response)  # type: ignore[method-assign]
    # moto's URL table holds the function itself, taken when it was imported.
    for path, handler in list(imds_urls.url_paths.items()):
        if handler is _original:
            imds_urls.url_paths[path] = _metadata_response
