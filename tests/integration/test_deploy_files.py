"""The deployment files are checked, not only written: every shell script in scripts/, deploy/,
bench/ and tests/booted/ passes shellcheck (the package's maintainer scripts as POSIX sh); deploy/cloud-init.yaml passes `cloud-init schema` and runs
scripts/deploy.sh; the systemd units, filled in by `scripts/deploy.sh --render`, pass
`systemd-analyze verify` (which does fail on a unit whose program is missing: checked too) and
say what docs/deploy.md promises; the installed pipeline wrapper runs Makefile.pipeline with
the settings of its pipeline.env.
"""
import configparser
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from asp_testlib import SOURCE_DIR, check, missing, run, temp_dir  # noqa: E402

UNITS = ["arxiv-sanity.service", "arxiv-sanity-port80.service",
         "arxiv-sanity-pipeline.service", "arxiv-sanity-pipeline.timer"]


def need(program):
    if shutil.which(program) is None:
        missing(f"{program} is not installed (scripts/install-deps.sh --test)")


def shell_scripts():
    found = []
    for folder in ("scripts", "deploy", "bench", "tests/booted"):
        found += sorted((SOURCE_DIR / folder).rglob("*.sh"))
    found.append(SOURCE_DIR / "deploy" / "arxiv-sanity-pipeline.in")
    return found


def test_shellcheck():
    scripts = shell_scripts()
    check(len(scripts) >= 4, f"expected the deploy scripts, found {scripts}")
    # From the top of the checkout: `# shellcheck source=tests/...` directives are relative to it.
    r = run(["shellcheck", "-s", "bash", "-x", *map(str, scripts)], check=False, cwd=str(SOURCE_DIR))
    check(r.returncode == 0, f"shellcheck found problems:\n{r.stdout}{r.stderr}")
    maintainer = [SOURCE_DIR / "deploy" / "debian" / n for n in ("postinst", "prerm", "postrm")]
    r = run(["shellcheck", "-s", "sh", *map(str, maintainer)], check=False)
    check(r.returncode == 0, f"shellcheck (maintainer scripts):\n{r.stdout}{r.stderr}")
    for m in maintainer:
        check(m.read_text().startswith("#!/bin/sh\n") and m.stat().st_mode & stat.S_IXUSR,
              f"{m.name}: an executable /bin/sh script")


def test_cloud_init():
    path = SOURCE_DIR / "deploy" / "cloud-init.yaml"
    r = run(["cloud-init", "schema", "--config-file", str(path)], check=False)
    check(r.returncode == 0 and "Valid" in r.stdout, f"cloud-init schema:\n{r.stdout}{r.stderr}")
    check(path.read_text().startswith("#cloud-config\n"), "user data must start with #cloud-config")
    try:
        import yaml  # cloud-init depends on python3-yaml
    except ImportError:
        check("scripts/deploy.sh" in path.read_text(), "cloud-init must run scripts/deploy.sh")
        return
    cfg = yaml.safe_load(path.read_text())
    commands = "\n".join(c if isinstance(c, str) else " ".join(c) for c in cfg["runcmd"])
    check("scripts/deploy.sh" in commands, "cloud-init must run scripts/deploy.sh")
    check("\nASP_DEB=\n" in "\n" + "\n".join(l.strip() for l in commands.splitlines()) + "\n",
          "cloud-init must offer the package way (an empty ASP_DEB= line)")
    check(cfg["swap"]["size"] >= 1 << 30, "a 1 GB instance needs at least 1 GB of swap")


def make_prefix(root):
    """An install prefix holding every program the units start (stubs are enough for verify)."""
    prefix = root / "prefix"
    for rel in ("bin/serve", "bin/arxiv-sanity-pipeline"):
        p = prefix / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("#!/bin/sh\nexit 0\n")
        p.chmod(0o755)
    (prefix / "share" / "deploy").mkdir(parents=True)
    shutil.copy2(SOURCE_DIR / "deploy" / "port80-redirect.sh", prefix / "share" / "deploy")
    return prefix


def render(root, prefix, *extra):
    out = root / "units"
    run([str(SOURCE_DIR / "scripts" / "deploy.sh"), "--render", str(out), "--prefix", str(prefix),
         "--data-dir", str(root / "data"), "--etc-dir", str(root / "etc"), *extra])
    return out


def unit(path):
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str
    cp.read(path)
    return cp


def verify(paths):
    return run(["systemd-analyze", "verify", *map(str, paths)], check=False,
               env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"})


def test_units():
    with temp_dir() as root:
        prefix = make_prefix(root)
        out = render(root, prefix)
        paths = [out / u for u in UNITS]
        for p in paths:
            check("@" not in "".join(l for l in p.read_text().splitlines(True)
                                     if not l.startswith("#")), f"placeholder left in {p}")
        r = verify(paths)
        check(r.returncode == 0 and not r.stderr.strip() and not r.stdout.strip(),
              f"systemd-analyze verify:\n{r.stdout}{r.stderr}")

        serve = unit(out / "arxiv-sanity.service")["Service"]
        check("--prod" in serve["ExecStart"], "serve runs with --prod")
        check(serve["Restart"] == "on-failure", "serve restarts on failure")
        check(serve["User"] not in ("root", "0"), "serve does not run as root")
        check(serve.get("AmbientCapabilities", "") == "", "serve holds no capability")
        port80 = unit(out / "arxiv-sanity-port80.service")
        check(port80["Service"]["Type"] == "oneshot" and port80["Service"]["RemainAfterExit"] == "yes",
              "the port 80 redirect is a oneshot unit")
        check(port80["Install"]["WantedBy"] == "multi-user.target", "the redirect comes back at boot")
        timer = unit(out / "arxiv-sanity-pipeline.timer")["Timer"]
        check(timer.get("OnCalendar") and timer.get("Persistent") == "true", "a daily, persistent timer")
        pipeline = unit(out / "arxiv-sanity-pipeline.service")["Service"]
        check(pipeline["Type"] == "oneshot" and pipeline["User"] != "root", "pipeline unit")

        # The check can fail: a unit whose program is missing does not verify.
        (prefix / "bin" / "serve").unlink()
        r = verify([out / "arxiv-sanity.service"])
        check(r.returncode != 0, "systemd-analyze verify accepted a unit without its program")


def test_pipeline_wrapper():
    """The installed wrapper runs Makefile.pipeline with pipeline.env's settings."""
    with temp_dir() as root:
        prefix = make_prefix(root)
        (prefix / "share" / "scripts").mkdir(parents=True)
        shutil.copy2(SOURCE_DIR / "Makefile.pipeline", prefix / "share")
        shutil.copy2(SOURCE_DIR / "scripts" / "pipeline-status.sh", prefix / "share" / "scripts")
        (root / "data").mkdir()
        (root / "etc").mkdir()
        (root / "etc" / "pipeline.env").write_text(
            "SEARCH_QUERY='cat:cs.LG OR cat:cs.AI'\nMAX_INDEX=123\nSMALL_DISK=1\n")
        user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        out = render(root, prefix, "--user", user)
        wrapper = out / "arxiv-sanity-pipeline"
        check(wrapper.stat().st_mode & stat.S_IXUSR, "the wrapper is executable")
        r = run([str(wrapper), "help"])
        check("SEARCH_QUERY='cat:cs.LG OR cat:cs.AI'" in r.stdout, f"settings not read:\n{r.stdout}")
        check("MAX_INDEX=123" in r.stdout and "SMALL_DISK=1" in r.stdout, r.stdout)
        check(f"DATA_DIR={root / 'data'}" in r.stdout and f"BIN={prefix / 'bin'}" in r.stdout,
              r.stdout)
        r = run([str(wrapper), "status"])
        check("papers.db: absent" in r.stdout, f"status of an empty data dir:\n{r.stdout}")


def main():
    need("shellcheck")
    test_shellcheck()
    need("cloud-init")
    test_cloud_init()
    need("systemd-analyze")
    test_units()
    test_pipeline_wrapper()
    print("test_deploy_files: all checks passed")


if __name__ == "__main__":
    main()
