"""The scale-out deployment files are valid for the programs that read them: HAProxy
(`haproxy -c`), nginx (`nginx -t`), cloud-init (`cloud-init schema`), and the refresh units
name the sync command docs/scale-out.md promises."""
import shutil
from pathlib import Path

import asp_testlib as t

DEPLOY = t.SOURCE_DIR / "deploy"


def main():
    for program in ("haproxy", "nginx", "cloud-init"):
        if shutil.which(program) is None and not (Path("/usr/sbin") / program).exists():
            t.missing(f"{program} is not installed (scripts/install-deps.sh --test)")
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cfg = DEPLOY / "lb" / "haproxy.cfg"
    r = t.run([haproxy, "-c", "-f", str(cfg)], check=False)
    t.check(r.returncode == 0, f"haproxy -c: {r.stdout}{r.stderr}")
    text = cfg.read_text()
    for must in ("option httpchk GET /healthz", "option redispatch", "retry-on conn-failure"):
        t.check(must in text, f"haproxy.cfg lacks {must!r}")

    with t.temp_dir("asp-nginx-") as d:
        main_conf = d / "nginx.conf"
        main_conf.write_text(f"pid {d}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
                             f"http {{\n include {DEPLOY / 'lb' / 'nginx.conf'};\n}}\n")
        r = t.run([nginx, "-t", "-p", str(d), "-c", str(main_conf), "-e", "stderr"], check=False)
        t.check(r.returncode == 0, f"nginx -t: {r.stdout}{r.stderr}")

    user_data = DEPLOY / "scale-out" / "serve-instance-user-data.yaml"
    r = t.run(["cloud-init", "schema", "--config-file", str(user_data)], check=False)
    t.check(r.returncode == 0 and "Valid" in r.stdout, f"cloud-init schema: {r.stdout}{r.stderr}")
    t.check("sync --data-dir /var/lib/arxiv-sanity pull" in user_data.read_text(), "user data pulls from S3")

    unit = (DEPLOY / "scale-out" / "arxiv-sanity-refresh.service").read_text()
    t.check("/bin/sync --data-dir @DATA_DIR@ pull ${S3_URL}" in unit, "refresh unit runs sync pull")
    t.check("OnUnitActiveSec=" in (DEPLOY / "scale-out" / "arxiv-sanity-refresh.timer").read_text(),
            "refresh timer repeats")
    print("ok")


if __name__ == "__main__":
    main()
