// The CPU quota of this process's cgroup, in CPUs (0.5, 1.5), under cgroup v1 or v2 alike.
// Node's os.availableParallelism() honours v2's cpu.max but, measured on Node 24 (libuv 1.52),
// ignores v1's CFS quota: a 0.5-CPU v1 cgroup reports the host's CPUs. The CFS files are the
// same numbers in both versions: quota and period in microseconds, -1 or "max" for none
// (https://docs.kernel.org/scheduler/sched-bwc.html). Every path is under `root`, so a unit
// test can point it at a directory of real files.
import path from 'node:path';

// Node's fs without `import ... from 'node:fs'`: docs/architecture.md, "Node's http and fs".
const { readFileSync } = process.getBuiltinModule('node:fs');

interface CgroupMount {
  /** Where it is mounted, e.g. /sys/fs/cgroup/cpu,cpuacct. */
  readonly mountPoint: string;
  /** Which cgroup the mount shows at its top: "/" or, in a container without a cgroup namespace, its own. */
  readonly root: string;
}

const read = (root: string, file: string): string | undefined => {
  try {
    return readFileSync(path.join(root, file), 'utf8');
  } catch {
    return undefined;
  }
};

/** v1's cpu controller mount, or the v2 unified mount, from /proc/self/mountinfo (proc(5)). */
function cpuMount(mountinfo: string, version: 1 | 2): CgroupMount | undefined {
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const [, , , mountRoot, mountPoint] = before.split(' ');
    const [fsType, , superOptions = ''] = after.split(' ');
    const matches =
      version === 2 ? fsType === 'cgroup2' : fsType === 'cgroup' && superOptions.split(',').includes('cpu');
    if (matches && mountRoot !== undefined && mountPoint !== undefined) return { mountPoint, root: mountRoot };
  }
  return undefined;
}

/** This process's cgroup path for the cpu controller (v1) or the unified hierarchy (v2). */
function ownCgroup(procCgroup: string): { readonly version: 1 | 2; readonly path: string } | undefined {
  const lines = procCgroup.trim().split('\n');
  for (const line of lines) {
    const [, controllers, cgroupPath] = line.split(':');
    if (controllers?.split(',').includes('cpu') && cgroupPath !== undefined) return { version: 1, path: cgroupPath };
  }
  const unified = lines.find((line) => line.startsWith('0::'));
  return unified === undefined ? undefined : { version: 2, path: unified.slice(3) };
}

function quotaIn(root: string, dir: string, version: 1 | 2): number | undefined {
  if (version === 2) {
    const [quota, period] = (read(root, path.join(dir, 'cpu.max')) ?? '').trim().split(' ');
    return quota === undefined || quota === 'max' || !period ? undefined : Number(quota) / Number(period);
  }
  const quota = Number(read(root, path.join(dir, 'cpu.cfs_quota_us')));
  const period = Number(read(root, path.join(dir, 'cpu.cfs_period_us')));
  return quota > 0 && period > 0 ? quota / period : undefined;
}

/**
 * The smallest quota on the way from this process's cgroup up to the mount's top: a parent's
 * quota binds its children too (a dyno's processes may sit in a child of the limited cgroup).
 * undefined when no quota is set, or the files cannot be read.
 */
export function readCpuQuota(root = '/'): number | undefined {
  const own = ownCgroup(read(root, 'proc/self/cgroup') ?? '');
  const mount = own && cpuMount(read(root, 'proc/self/mountinfo') ?? '', own.version);
  if (!own || !mount) return undefined;
  // Inside a container the mount's top is the container's own cgroup (its root field says which).
  const relative = path.posix.relative(mount.root, own.path);
  const start = relative.startsWith('..') ? mount.mountPoint : path.posix.join(mount.mountPoint, relative);
  const quotas: number[] = [];
  for (let dir = start; ; dir = path.posix.dirname(dir)) {
    const quota = quotaIn(root, dir, own.version);
    if (quota !== undefined) quotas.push(quota);
    if (dir === mount.mountPoint || dir === '/') break;
  }
  return quotas.length ? Math.min(...quotas) : undefined;
}
