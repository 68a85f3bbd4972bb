"""Peak memory of streaming a board's ZIP export, measured in a fresh interpreter.

The parent fills a database and a storage folder; the child makes the app on them, signs in
as a supervisor, warms up with one small export, resets its RSS high-water mark, then reads
the ZIP export chunk by chunk (keeping only a running hash) and prints JSON: the peak above
the baseline in MB, the bytes received and their SHA-256.

    python -m tests.export_memory_probe CONFIG_JSON USERNAME PASSWORD QUERY
"""

from __future__ import annotations

import gc
import hashlib
import json
import subprocess
import sys
from pathlib import Path

from tests.memory_probe import ROOT, _rss_kb


def measure(config: dict, username: str, password: str, query: str = "") -> dict:
    """Stream the export in a child process; return what it measured."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.export_memory_probe", json.dumps(config), username,
         password, query],
        cwd=ROOT, capture_output=True, check=True, text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def child(config: dict, username: str, password: str, query: str) -> dict:
    """In the child: sign in, warm up, then stream the ZIP and measure."""
    from app import create_app

    app = create_app(config)
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.status_code
    warm = client.get(f"/board/export.zip?{query}&unit=999999", buffered=False)
    b"".join(warm.iter_encoded())
    warm.close()
    gc.collect()
    baseline = _rss_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    digest, received = hashlib.sha256(), 0
    response = client.get(f"/board/export.zip?{query}", buffered=False)
    for chunk in response.iter_encoded():
        digest.update(chunk)
        received += len(chunk)
    response.close()
    return {"megabytes": (_rss_kb("VmHWM") - baseline) / 1024, "bytes": received,
            "sha256": digest.hexdigest(), "status": response.status_code}


if __name__ == "__main__":
    print(json.dumps(child(json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4])))
