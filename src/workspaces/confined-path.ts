import { closeSync, constants, fstatSync, openSync } from "node:fs";

// Reaching a socket in a folder a workspace's user can change, without following their links.
// The server runs as root and connects to sockets under the job's folder (work/.plinth/), which
// the job's user owns: a link put there (app.sock -> /run/podman/podman.sock) would otherwise
// hand them root's sockets. Each component is opened alone with O_NOFOLLOW, relative to the
// one before through /proc/self/fd (openat's effect), and the last must be a socket; the
// connection then goes to /proc/self/fd/N, which is that very socket (and a short path).

const O_PATH = 0o10000000;

export interface ConfinedSocket {
  /** Connect here: the socket found, by its open descriptor. */
  path: string;
  /** Closes the descriptors; call once connected (or failed). */
  close(): void;
}

/** Opens `root/parts…` (root trusted; the parts may be the job user's) as a socket; throws if any part is a link or the last is not a socket. */
export function openSocketBeneath(root: string, parts: readonly string[]): ConfinedSocket {
  const fds: number[] = [];
  const close = () => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
  try {
    let at = openSync(root, O_PATH | constants.O_DIRECTORY);
    fds.push(at);
    for (const [i, part] of parts.entries()) {
      if (part === "" || part === "." || part === ".." || part.includes("/")) throw new Error(`bad path component ${part}`);
      const last = i === parts.length - 1;
      at = openSync(`/proc/self/fd/${at}/${part}`, O_PATH | constants.O_NOFOLLOW | (last ? 0 : constants.O_DIRECTORY));
      fds.push(at);
      const st = fstatSync(at);
      if (last ? !st.isSocket() : !st.isDirectory()) throw Object.assign(new Error(`${part} is not a ${last ? "socket" : "folder"}`), { code: "ENOTSOCK" });
    }
    return { path: `/proc/self/fd/${at}`, close };
  } catch (err) {
    close();
    throw err;
  }
}
