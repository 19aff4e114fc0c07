"""The port 80 set-up, exercised for real: in two network namespaces of the test's own (an
"instance" and a "client" joined by a veth pair), the instance runs a web server on 5000
(serve --prod when it is built, else a stand-in) and the exact command of
deploy/systemd/arxiv-sanity-port80.service. Then a request to port 80 reaches the server
from the client (another machine) and from the instance itself (localhost, 127.0.0.1, its own
address). Adding twice leaves one copy of each rule; after `remove`, port 80 is closed again,
so it was the redirect that answered. Needs root, ip and iptables; skips (77) otherwise.
"""
import os
import shlex
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from asp_testlib import BIN_DIR, SOURCE_DIR, check, missing, run, skip, temp_dir  # noqa: E402

PID = os.getpid()
NS_INSTANCE = f"aspi{PID}"
NS_CLIENT = f"aspc{PID}"
VETH_INSTANCE = f"vi{PID}"[:15]
VETH_CLIENT = f"vc{PID}"[:15]
# Addresses only inside the test's own namespaces (the host's routes are untouched).
SUBNET = f"10.{200 + PID % 50}.{PID % 250}"
ADDR_INSTANCE = f"{SUBNET}.1"
ADDR_CLIENT = f"{SUBNET}.2"


def ns(name, *args, check_rc=True, timeout=30):
    return run(["ip", "netns", "exec", name, *args], check=check_rc, timeout=timeout)


def setup_namespaces():
    run(["ip", "netns", "add", NS_INSTANCE])
    run(["ip", "netns", "add", NS_CLIENT])
    run(["ip", "link", "add", VETH_INSTANCE, "type", "veth", "peer", "name", VETH_CLIENT])
    run(["ip", "link", "set", VETH_INSTANCE, "netns", NS_INSTANCE])
    run(["ip", "link", "set", VETH_CLIENT, "netns", NS_CLIENT])
    for name, dev, addr in ((NS_INSTANCE, VETH_INSTANCE, ADDR_INSTANCE),
                            (NS_CLIENT, VETH_CLIENT, ADDR_CLIENT)):
        ns(name, "ip", "addr", "add", f"{addr}/24", "dev", dev)
        ns(name, "ip", "link", "set", dev, "up")
        ns(name, "ip", "link", "set", "lo", "up")


def teardown_namespaces():
    for name in (NS_INSTANCE, NS_CLIENT):
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def get(namespace, url):
    """(HTTP status, body) of a GET from inside a namespace; status 0 when it cannot connect."""
    r = ns(namespace, "curl", "-sS", "-m", "5", "-o", "-", "-w", "\n%{http_code}", url,
           check_rc=False)
    body, _, code = r.stdout.rpartition("\n")
    return int(code or 0), body


def wait_until_served(url, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if get(NS_INSTANCE, url)[0] == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"nothing answers {url} inside the namespace")


def unit_command(path, key):
    """The command line of ExecStart= / ExecStop= in a rendered unit."""
    for line in path.read_text().splitlines():
        if line.startswith(key + "="):
            return shlex.split(line.split("=", 1)[1])
    raise AssertionError(f"{path} has no {key}")


def rule_count():
    r = ns(NS_INSTANCE, "iptables", "-w", "-t", "nat", "-S")
    return sum(1 for l in r.stdout.splitlines() if "REDIRECT" in l)


def main():
    if os.geteuid() != 0:
        skip("needs root (network namespaces, iptables)")
    for program in ("ip", "iptables", "curl"):
        if shutil.which(program) is None:
            missing(f"{program} is not installed (scripts/install-deps.sh --test)")
    with temp_dir() as root:
        # The unit as deployed, with the script it starts where the unit says it is.
        prefix = root / "prefix"
        (prefix / "share" / "deploy").mkdir(parents=True)
        shutil.copy2(SOURCE_DIR / "deploy" / "port80-redirect.sh", prefix / "share" / "deploy")
        run([str(SOURCE_DIR / "scripts" / "deploy.sh"), "--render", str(root / "units"),
             "--prefix", str(prefix), "--port", "5000"])
        unit = root / "units" / "arxiv-sanity-port80.service"
        start_cmd, stop_cmd = unit_command(unit, "ExecStart"), unit_command(unit, "ExecStop")

        try:
            setup_namespaces()
        except AssertionError as e:
            teardown_namespaces()
            skip(f"cannot create network namespaces here: {e}")
        server = None
        try:
            serve = BIN_DIR / "serve"
            if serve.exists():
                (root / "data").mkdir()
                args = [str(serve), "--prod", "--port", "5000", "--data-dir", str(root / "data")]
                path = "/healthz"
            else:
                (root / "www").mkdir()
                (root / "www" / "healthz").write_text("ok")
                args = [sys.executable, "-m", "http.server", "5000", "--bind", "0.0.0.0",
                        "--directory", str(root / "www")]
                path = "/healthz"
                print("note: serve is not built; a stand-in server listens on 5000")
            server = subprocess.Popen(["ip", "netns", "exec", NS_INSTANCE, *args],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_until_served(f"http://127.0.0.1:5000{path}")
            direct = get(NS_INSTANCE, f"http://127.0.0.1:5000{path}")

            check(get(NS_CLIENT, f"http://{ADDR_INSTANCE}:80{path}")[0] == 0,
                  "port 80 answers before the redirect exists: the test proves nothing")

            ns(NS_INSTANCE, *start_cmd)
            ns(NS_INSTANCE, *start_cmd)  # idempotent: a second boot-time run adds nothing
            check(rule_count() == 2, f"expected 2 REDIRECT rules, found {rule_count()}")
            ns(NS_INSTANCE, start_cmd[0], "check", "--from", "80", "--to", "5000")

            for where, url in ((NS_CLIENT, f"http://{ADDR_INSTANCE}{path}"),
                               (NS_INSTANCE, f"http://localhost{path}"),
                               (NS_INSTANCE, f"http://127.0.0.1:80{path}"),
                               (NS_INSTANCE, f"http://{ADDR_INSTANCE}{path}")):
                status, body = get(where, url)
                check(status == 200 and body == direct[1],
                      f"{url} from {where}: {status} {body!r}, expected {direct}")

            ns(NS_INSTANCE, *stop_cmd)
            check(rule_count() == 0, "remove left rules behind")
            r = ns(NS_INSTANCE, start_cmd[0], "check", "--from", "80", "--to", "5000",
                   check_rc=False)
            check(r.returncode == 1, "check must fail once the rules are gone")
            check(get(NS_CLIENT, f"http://{ADDR_INSTANCE}{path}")[0] == 0,
                  "port 80 still answers after remove")
            check(get(NS_INSTANCE, f"http://localhost{path}")[0] == 0,
                  "localhost:80 still answers after remove")
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
            teardown_namespaces()
    print("test_deploy_port80: port 80 reaches the server on 5000 from outside and inside")


if __name__ == "__main__":
    main()
