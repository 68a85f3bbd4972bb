"""A local S3 server (moto) for tests: dummy credentials, no proxy, stopped afterwards."""

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from moto.server import ThreadedMotoServer


@contextmanager
def local_s3_server() -> Iterator[tuple[str, ThreadedMotoServer]]:
    """Run one moto S3 server on a free loopback port; yield its endpoint and the server (a
    test may stop it early)."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("NO_PROXY", "127.0.0.1,localhost")
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            env.delenv(name, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        try:
            yield endpoint, server
            # moto keeps its buckets in this process; drop them along with the server.
            reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
            with urllib.request.urlopen(reset):  # noqa: S310 - the local server
                pass
        except OSError:
            pass  # stopped by the test already
        finally:
            server.stop()
