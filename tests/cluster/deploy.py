"""The files of deploy/, filled in: the drill runs exactly what an operator copies.

Placeholders are `@NAME@`; every one must be given and every given value must be used, so a file and the
drill cannot drift apart silently. systemd units are not run by systemd here: the drill takes a unit's
ExecStart, expands `${CRYOVIEW_…}` from the node's environment as systemd would, and starts that command.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX_SITE = DEPLOY / "nginx" / "cryoview.conf"
WEB_UNIT = DEPLOY / "systemd" / "cryoview-web.service"
WORKER_UNIT = DEPLOY / "systemd" / "cryoview-worker@.service"

PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")
ENV_REFERENCE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


class RenderError(Exception):
    pass


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def render(text: str, values: Mapping[str, str]) -> str:
    """Every @NAME@ replaced; a missing or an unused value is an error (the file and the drill disagree)."""
    wanted = placeholders(text)
    missing = wanted - set(values)
    unused = set(values) - wanted
    if missing or unused:
        raise RenderError(f"placeholders missing: {sorted(missing)}, given but unused: {sorted(unused)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def unit_command(path: Path, *, values: Mapping[str, str], environ: Mapping[str, str]) -> list[str]:
    """A unit's ExecStart as argv: placeholders filled in, then ${VAR} expanded from the environment."""
    rendered = render(path.read_text(), values)
    exec_start = unit_settings(rendered).get("ExecStart", [])
    if len(exec_start) != 1:
        raise RenderError(f"{path.name}: expected one ExecStart, found {len(exec_start)}")

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if not environ.get(name):
            raise RenderError(f"{path.name}: ExecStart needs {name} in the environment file")
        return environ[name]

    return shlex.split(ENV_REFERENCE.sub(expand, exec_start[0]))


def unit_settings(text: str) -> dict[str, list[str]]:
    """The settings of a systemd unit (a setting may repeat)."""
    values: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def unit_placeholders() -> dict[str, str]:
    """What the drill puts in the units' placeholders (the environment file is given to the process directly)."""
    import getpass

    return {"ROOT": str(ROOT), "USER": getpass.getuser(), "ENV_FILE": "/dev/null"}


def nginx_main_conf(*, prefix: Path, site: Path) -> str:
    """The part of /etc/nginx/nginx.conf the site relies on, with every path under `prefix` (nginx runs as
    the current user, never as the machine's nginx)."""
    import os

    # Run as root, nginx would start its workers as `nobody`, who cannot read the drill's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n    sendfile on;\n"
        '    log_format drill \'$remote_addr [$time_local] "$request" $status upstream="$upstream_addr" '
        'upstream_status="$upstream_status" $request_time\';\n'
        f"    access_log {prefix}/access.log drill;\n"
        f"    client_body_temp_path {prefix}/client_body;\n    proxy_temp_path {prefix}/proxy;\n"
        f"    fastcgi_temp_path {prefix}/fastcgi;\n    uwsgi_temp_path {prefix}/uwsgi;\n"
        f"    scgi_temp_path {prefix}/scgi;\n"
        f"    include {site};\n"
        "}\n"
    )


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (the drill's clients are told not to verify it)."""
    import subprocess

    cert, key = folder / "tls.crt", folder / "tls.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key
