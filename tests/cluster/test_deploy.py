"""deploy/ is what operators copy: the nginx site passes `nginx -t` and the systemd units parse, with every
placeholder filled in (the cluster drill, test_drill.py, runs the same files)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cluster import deploy

SITE_VALUES = {
    "SERVER_NAME": "cryoview.example.org",
    "HTTP_LISTEN": "127.0.0.1:18080",
    "HTTPS_LISTEN": "127.0.0.1:18443",
    "WEB_NODE_A": "10.0.0.11:8000",
    "WEB_NODE_B": "10.0.0.12:8000",
    "STATIC_ROOT": "/srv/cryoview/var/static",
    "PRIVATE_MEDIA_ROOT": "/srv/cryoview/var/media/private",
    "S3_PUBLIC_BUCKET_URL": "http://127.0.0.1:9000/cryoview-public",
}


def need(program: str) -> str:
    path = shutil.which(program) or (f"/usr/sbin/{program}" if Path(f"/usr/sbin/{program}").exists() else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{program} is missing in CI: `make test` installs it (scripts/system-packages)")
        pytest.skip(f"{program} is not installed: sudo apt-get install -y {program}")
    return path


def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    nginx = need("nginx")
    cert, key = deploy.self_signed_certificate(tmp_path)
    site = tmp_path / "cryoview.conf"
    site.write_text(
        deploy.render(
            deploy.NGINX_SITE.read_text(),
            {**SITE_VALUES, "TLS_CERTIFICATE": str(cert), "TLS_CERTIFICATE_KEY": str(key)},
        )
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(deploy.nginx_main_conf(prefix=tmp_path, site=site))
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_a_placeholder_left_out_or_unknown_is_refused() -> None:
    text = deploy.NGINX_SITE.read_text()
    with pytest.raises(deploy.RenderError, match="WEB_NODE_B"):
        deploy.render(text, {k: v for k, v in SITE_VALUES.items() if k != "WEB_NODE_B"})
    with pytest.raises(deploy.RenderError, match="NOT_IN_THE_FILE"):
        deploy.render(text, {**SITE_VALUES, "TLS_CERTIFICATE": "c", "TLS_CERTIFICATE_KEY": "k", "NOT_IN_THE_FILE": "x"})


@pytest.mark.parametrize("unit", [deploy.WEB_UNIT, deploy.WORKER_UNIT], ids=lambda p: p.name)
def test_the_systemd_units_verify_and_start_what_make_run_starts(unit: Path, tmp_path: Path) -> None:
    rendered = tmp_path / unit.name
    rendered.write_text(deploy.render(unit.read_text(), deploy.unit_placeholders()))
    analyze = shutil.which("systemd-analyze")
    if analyze:
        result = subprocess.run(
            [analyze, "verify", "--man=no", str(rendered)], capture_output=True, text=True, timeout=60
        )
        problems = [line for line in result.stderr.splitlines() if rendered.name in line]
        assert problems == [], result.stderr
    argv = deploy.unit_command(
        unit,
        values=deploy.unit_placeholders(),
        environ={"CRYOVIEW_BIND": "127.0.0.2:8000", "CRYOVIEW_WEB_WORKERS": "2"},
    )
    assert Path(argv[0]).is_file(), f"{argv[0]} does not exist"
    if unit == deploy.WEB_UNIT:
        assert argv[1:4] == ["config.wsgi:application", "--bind", "127.0.0.2:8000"]
    else:
        assert argv[1:] == ["manage.py", "run_worker"]


def test_a_unit_variable_missing_from_the_environment_is_named() -> None:
    with pytest.raises(deploy.RenderError, match="CRYOVIEW_WEB_WORKERS"):
        deploy.unit_command(
            deploy.WEB_UNIT, values=deploy.unit_placeholders(), environ={"CRYOVIEW_BIND": "127.0.0.2:8000"}
        )


def test_the_example_environment_file_is_complete_once_its_secrets_are_filled_in() -> None:
    from config import env

    lines = (deploy.DEPLOY / "systemd" / "cryoview.env.example").read_text().splitlines()
    values = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert values["CRYOVIEW_SECRET_KEY"] == "" and values["CRYOVIEW_S3_SECRET_ACCESS_KEY"] == "", "no secret ships"
    with pytest.raises(env.ConfigError, match="CRYOVIEW_S3_SECRET_ACCESS_KEY"):
        env.load(values, base_dir=deploy.ROOT)
    config = env.load(
        {**values, "CRYOVIEW_SECRET_KEY": "k" * 40 + "0123456789", "CRYOVIEW_S3_SECRET_ACCESS_KEY": "s"},
        base_dir=deploy.ROOT,
    )
    assert config.environment == "prod" and config.s3 is not None and config.proxy_hops == 1
    assert {"CRYOVIEW_BIND", "CRYOVIEW_WEB_WORKERS"} <= set(values), "the web unit's ExecStart needs them"
