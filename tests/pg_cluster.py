"""A throw-away PostgreSQL cluster for the tests: initdb into a temporary folder (in memory when
there is room), start on a free port (and a unix socket in that folder), trust auth on
loopback, no fsync. Nothing is kept.

    python -m tests.pg_cluster start   # prints the folder and TEST_POSTGRES_URL=…
    python -m tests.pg_cluster stop FOLDER

The test session starts one itself (tests/conftest.py) when TEST_POSTGRES_URL is not set and the
server binaries exist, and stops it at the end.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/bin")
# initdb and postgres refuse to run as root: a root caller runs them as this user instead
SERVER_USER = "postgres"


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, newest version first; None when there is none."""
    if env := os.environ.get("PG_BIN"):
        return Path(env)
    for pattern in SEARCH:
        for folder in sorted(glob.glob(pattern), reverse=True):
            if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
                return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _scratch_folder() -> str | None:
    """Memory (/dev/shm) when there is room: creating a database per test from a template
    takes about 30 ms there, and a second or more on a busy disk."""
    try:
        room = shutil.disk_usage("/dev/shm").free
    except OSError:
        return None
    return "/dev/shm" if room >= 1 << 30 and os.access("/dev/shm", os.W_OK) else None


def _as_server_user(command: list[str]) -> tuple[list[str], str]:
    """``command`` run as the server's user, and that user's name."""
    if os.geteuid() != 0:
        return command, pwd.getpwuid(os.geteuid()).pw_name
    return ["runuser", "-u", SERVER_USER, "--", *command], SERVER_USER


@dataclass
class Cluster:
    folder: Path
    port: int
    user: str

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.folder / "data"


def start(bin_dir: Path | None = None) -> Cluster:
    """Create and start a cluster; raises RuntimeError with the server's words on failure."""
    bin_dir = bin_dir or find_bin()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl) found")
    folder = Path(tempfile.mkdtemp(prefix="pg-test-", dir=_scratch_folder()))
    _, user = _as_server_user([])
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER)
    cluster = Cluster(folder, _free_port(), user)
    _run(bin_dir, ["initdb", "-D", str(cluster.data), "-U", user, "-A", "trust",
                   "-E", "UTF8", "--locale=C", "--no-sync"], cluster)
    options = (f"-p {cluster.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    _run(bin_dir, ["pg_ctl", "-D", str(cluster.data), "-l", str(folder / "server.log"),
                   "-o", options, "-w", "-t", "60", "start"], cluster)
    return cluster


def stop(folder: Path, bin_dir: Path | None = None) -> None:
    """Stop the cluster in ``folder`` (fast: clients are cut off, shared memory is released) and
    remove the folder."""
    bin_dir = bin_dir or find_bin()
    data = Path(folder) / "data"
    if bin_dir is not None and (data / "postmaster.pid").exists():
        command, _ = _as_server_user(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        subprocess.run(command, capture_output=True, check=False)
    shutil.rmtree(folder, ignore_errors=True)


def _run(bin_dir: Path, args: list[str], cluster: Cluster) -> None:
    command, _ = _as_server_user([str(bin_dir / args[0]), *args[1:]])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        log = cluster.folder / "server.log"
        words = done.stderr or done.stdout
        if log.exists():
            words += log.read_text(errors="replace")[-2000:]
        shutil.rmtree(cluster.folder, ignore_errors=True)
        raise RuntimeError(f"{args[0]} failed: {words.strip()}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["start"]:
        cluster = start()
        print(f"PG_TEST_FOLDER={cluster.folder}")
        print(f"TEST_POSTGRES_URL={cluster.url}")
        return 0
    if argv[:1] == ["stop"] and len(argv) == 2:
        stop(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
