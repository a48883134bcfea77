# The process a workspace's job runs, inside the job's sandbox: it starts the workspace's app
# (JupyterLab, VS Code in the browser, or nothing for ssh-only) and answers SSH on a Unix
# socket in the job's folder, one `sshd -i` per connection. Plinth's server reaches both
# sockets from outside the sandbox; nothing here listens on a network port.
#
# Plain Python 3 standard library only: it runs with the workspace environment's python or
# the system's, whichever the job finds first on its PATH.
import json
import os
import signal
import socket
import subprocess
import sys
import time

# Variables an SSH session must not inherit from the agent: the shell sets its own.
NOT_PASSED = {"PWD", "OLDPWD", "SHLVL", "_"}
# Stands for the home folder in the app's arguments (Plinth cannot tell where it shows inside).
HOME_MARK = "@HOME@"


def main() -> int:
    config_path = sys.argv[1]
    with open(config_path) as f:
        config = json.load(f)
    os.umask(0o077)
    state = config["stateDir"]
    # The home the executor gave the job: /home/<login> in a sandbox, the folder itself without one.
    home = os.environ.get("HOME") or config["home"]
    os.makedirs(home, exist_ok=True)
    link_datasets(home)
    children = []
    app = None
    if config.get("appArgv"):
        # The app's own secret (its token) goes to the app alone, never to SSH sessions.
        env = dict(os.environ)
        env.update(config.get("appEnv", {}))
        argv = [a.replace(HOME_MARK, home) for a in config["appArgv"]]
        app = subprocess.Popen(argv, cwd=home, env=env)
        children.append(app)

    stopping = {"now": False}

    def stop(signum, _frame):
        stopping["now"] = True
        for child in children:
            if child.poll() is None:
                try:
                    child.send_signal(signum)
                except ProcessLookupError:
                    pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    listener = None
    sshd = config.get("sshd")
    if sshd:
        write_sshd_config(config)
        path = os.path.join(state, "ssh.sock")
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        os.chmod(path, 0o600)
        listener.listen(16)
        listener.settimeout(0.5)
        print("ssh: ready", flush=True)
    else:
        print("ssh: not available on this server (no sshd)", flush=True)

    sessions = []
    while not stopping["now"]:
        if app is not None and app.poll() is not None:
            break
        sessions = [s for s in sessions if s.poll() is None]
        if listener is None:
            time.sleep(0.5)
            continue
        try:
            conn, _ = listener.accept()
        except (socket.timeout, InterruptedError):
            continue
        except OSError:
            if stopping["now"]:
                break
            raise
        try:
            session = subprocess.Popen(
                [sshd, "-i", "-f", os.path.join(state, "sshd_config")],
                stdin=conn.fileno(),
                stdout=conn.fileno(),
                stderr=subprocess.DEVNULL,
                cwd=home,
            )
            sessions.append(session)
            children.append(session)
        finally:
            conn.close()

    for child in children:
        if child.poll() is None:
            try:
                child.terminate()
            except ProcessLookupError:
                pass
    deadline = time.time() + 10
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            child.kill()
    if app is not None and app.returncode is not None and not stopping["now"]:
        print(f"The app exited with status {app.returncode}.", flush=True)
        return app.returncode or 1
    return 0


def write_sshd_config(config) -> None:
    state = config["stateDir"]
    lines = [
        f"HostKey {state}/ssh_host_ed25519_key",
        f"AuthorizedKeysFile {config['authorizedKeys']}",
        "PidFile none",
        "UsePAM no",
        # Ownership checks assume a system sshd; keys here belong to the sandbox's user.
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin no",
        f"AllowUsers {config['user']}",
        # -L forwarding reaches what runs in the workspace (TensorBoard); nothing is opened outward.
        "AllowTcpForwarding local",
        "GatewayPorts no",
        "X11Forwarding no",
        "PermitTunnel no",
        "AllowAgentForwarding yes",
        "PrintMotd no",
        "Subsystem sftp internal-sftp",
        "AcceptEnv LANG LC_*",
        "LogLevel ERROR",
    ]
    # sshd gives sessions a fresh environment; the workspace's GPUs, Python and variables go along.
    passed = [f"{k}={v}" for k, v in sorted(os.environ.items()) if k not in NOT_PASSED and not any(c in v for c in '\n"\\')]
    if passed:
        lines.append("SetEnv " + " ".join(f'"{p}"' if " " in p else p for p in passed))
    with open(os.path.join(state, "sshd_config"), "w") as f:
        f.write("\n".join(lines) + "\n")


def link_datasets(home: str) -> None:
    """~/datasets/NAME points at each mounted dataset; links from earlier sessions are replaced."""
    inputs = {k[len("PLINTH_INPUT_"):].lower(): v for k, v in os.environ.items() if k.startswith("PLINTH_INPUT_")}
    folder = os.path.join(home, "datasets")
    if not inputs and not os.path.isdir(folder):
        return
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.islink(path):
            os.unlink(path)
    for name, target in inputs.items():
        os.symlink(target, os.path.join(folder, name))


if __name__ == "__main__":
    sys.exit(main())
