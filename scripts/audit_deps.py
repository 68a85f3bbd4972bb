"""Check the installed dependencies for known vulnerabilities with pip-audit, offline-safe.

Exit 1 when pip-audit reports a vulnerability or fails for a reason other than the network.
Exit 0 with a clear "skipped" message when the advisory source cannot be reached (no network,
a time-out, or a package index without the JSON API, where every package comes back as
"not found"): CI must not fail because a service outside this machine is unreachable.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT_SECONDS = 60
NETWORK_SIGNS = (
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "timed out",
)
OWN_PACKAGE = "tekotaulu"  # the project itself is never on PyPI


def run_pip_audit(report: Path) -> subprocess.CompletedProcess[str] | None:
    """Run pip-audit on this environment; None when it did not finish in time."""
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--progress-spinner", "off", "--format", "json", "--output", str(report),
    ]
    try:
        return subprocess.run(  # noqa: S603 - fixed command, no shell, no user input
            command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        return None


def main() -> int:
    """Run the audit and decide: vulnerable (1), clean (0) or unreachable (0, skipped)."""
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "audit.json"
        result = run_pip_audit(report_path)
        if result is None:
            print(f"pip-audit: skipped, no answer within {TIMEOUT_SECONDS} s (network?)")
            return 0
        if not report_path.exists():
            if any(sign in result.stderr for sign in NETWORK_SIGNS):
                print("pip-audit: skipped, the advisory source is not reachable")
                return 0
            print(result.stdout + result.stderr)
            print("pip-audit: failed")
            return 1
        report = json.loads(report_path.read_text())
    dependencies = [d for d in report.get("dependencies", []) if d.get("name") != OWN_PACKAGE]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = [d for d in dependencies if "skip_reason" not in d]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} vulnerable packages")
        return 1
    if not audited:
        print(f"pip-audit: skipped, the advisory source answered for none of the "
              f"{len(dependencies)} packages (no vulnerability data reachable)")
        return 0
    print(f"pip-audit: {len(audited)} of {len(dependencies)} packages audited, "
          "no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
