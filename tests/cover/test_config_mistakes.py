"""A set-up mistake is said as one, never judged as API deviations: a webhook without a scope,
a certificate the client does not trust or made out for another host (exit 3, one line saying
what to do), the portal's CA written to a file for `--ca-bundle`."""

from __future__ import annotations

import http.server
import re
import ssl
import threading
from pathlib import Path

import pytest
import trustme

from b24conform import cli
from b24conform.portal import ReferencePortal
from b24conform.portal import command as portal_command
from tests.settings import EXAMPLES

FAST = [
    *("--methods", "im.department.get", "--max-examples", str(EXAMPLES)),
    *("--rate-limit", "off", "--quiet"),
]


@pytest.fixture(scope="module")
def portal():
    with ReferencePortal(rate_limit=None) as served:
        yield served


def _run(args: list[str], tmp_path: Path, capsys) -> tuple[int, str]:
    code = cli.main(["run", *args, "--report-dir", str(tmp_path / "reports"), *FAST])
    return code, capsys.readouterr().err


def test_a_webhook_without_the_im_scope_is_exit_3_and_no_deviation(portal, tmp_path, capsys):
    code, err = _run(["--webhook", portal.webhook_url("noscope")], tmp_path, capsys)
    [line] = err.strip().splitlines()
    assert code == 3
    assert "the webhook lacks the 'im' scope" in line
    assert "tick im in Settings → Developer resources → your inbound webhook → scopes" in line
    assert not (tmp_path / "reports").exists()  # no report, so no deviation anywhere


def test_a_webhook_without_the_department_scope_points_to_department_ids(portal, tmp_path, capsys):
    webhook = portal.webhook_url("nodepartment")
    code, err = _run(["--webhook", webhook], tmp_path, capsys)
    [line] = err.strip().splitlines()
    assert code == 3
    assert "lacks the 'department' scope: department.get answered insufficient_scope" in line
    assert "--department-ids 1,3,7" in line
    # the way out the line names works: the same webhook with the ids given checks cleanly
    ids = ",".join(str(d) for d in sorted(portal.company.departments)[:3])
    code, err = _run(["--webhook", webhook, "--department-ids", ids], tmp_path, capsys)
    assert (code, err) == (0, "")


def test_an_extranet_webhook_without_the_scope_is_named_as_such(portal, tmp_path, capsys):
    args = ["--webhook", portal.webhook_url("employee")]
    code, err = _run([*args, "--extranet-webhook", portal.webhook_url("noscope")], tmp_path, capsys)
    assert code == 3
    role = f"user-{portal.company.role_users['employee']}"  # noscope: the employee's 2nd webhook
    assert f"the webhook of denied role {role} (--denied-webhook) lacks the 'im' scope" in err


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def test_a_self_signed_portal_says_use_ca_bundle(tmp_path, capsys):
    with ReferencePortal(rate_limit=None, tls=True) as served:
        code, err = _run(["--webhook", served.webhook_url("employee")], tmp_path, capsys)
    [line] = err.strip().splitlines()
    assert code == 3
    assert "signed by an issuer this client does not trust" in line
    assert line.endswith("give its CA with --ca-bundle FILE")


def test_the_wrong_ca_says_so(ca, tmp_path, capsys):
    other = tmp_path / "other-ca.pem"
    ca.cert_pem.write_to_path(str(other))
    with ReferencePortal(rate_limit=None, tls=True) as served:
        args = ["--webhook", served.webhook_url("employee"), "--ca-bundle", str(other)]
        code, err = _run(args, tmp_path, capsys)
    assert code == 3 and f"the CA in --ca-bundle {other} did not sign it" in err


class QuietServer(http.server.HTTPServer):
    """A server that keeps its own errors off stderr: the client hangs up after refusing the
    certificate (Python 3.13 does so after the handshake), which is not what the test reads."""

    def handle_error(self, request, client_address) -> None:
        pass


def test_a_host_name_mismatch_names_both_names(ca, tmp_path, capsys):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("portal.example.test").configure_cert(context)
    server = QuietServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        webhook = f"https://127.0.0.1:{server.server_port}/rest/1/secretcode/"
        code, err = _run(["--webhook", webhook, "--ca-bundle", str(bundle)], tmp_path, capsys)
    finally:
        server.shutdown()
        server.server_close()
    [line] = err.strip().splitlines()
    assert code == 3
    assert "certificate is made out for portal.example.test, not for 127.0.0.1" in line
    assert "secretcode" not in err


def test_portal_tls_writes_its_ca_to_a_file_that_run_trusts(tmp_path, capsys):
    ca_file = tmp_path / "portal-ca.pem"
    stop = threading.Event()
    args = cli.build_parser().parse_args(
        ["portal", "--tls", "--ca-file", str(ca_file), "--rate-limit", "off"]
    )
    server = threading.Thread(target=portal_command.run, args=(args, stop))
    server.start()
    out = ""
    for _ in range(600):
        out += capsys.readouterr().out
        if "Serving" in out:
            break
        stop.wait(0.05)
    assert "BEGIN CERTIFICATE" in ca_file.read_text()
    webhook = re.search(r"employee\s+(https://\S+)", out).group(1)
    try:
        code, err = _run(["--webhook", webhook, "--ca-bundle", str(ca_file)], tmp_path, capsys)
    finally:
        stop.set()
        server.join(10)
    assert (code, err) == (0, "")
    assert f"CA certificate: {ca_file}" in out and "BEGIN CERTIFICATE" not in out


def test_portal_ca_file_needs_tls(capsys):
    args = cli.build_parser().parse_args(["portal", "--ca-file", "/tmp/x.pem"])
    assert portal_command.run(args) == 2
    assert capsys.readouterr().err.strip() == "b24conform portal: --ca-file needs --tls"
