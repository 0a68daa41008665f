/**
 * Proxmox wire shapes → our types. The wire is loosely typed (0/1 flags, numbers as strings, fields absent
 * while statistics lag), so every field is read defensively.
 */
import { parseUpid } from './parse-upid.ts';
import type {
  ClusterStatus,
  ClusterTask,
  ClusterVm,
  GuestInterface,
  NodeInfo,
  StorageInfo,
  TaskLog,
  TaskStatus,
  VmConfig,
} from './types.ts';

type Raw = Record<string, unknown>;

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
};
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
const flag = (v: unknown): boolean => v === 1 || v === true || v === '1';
const rows = (data: unknown): Raw[] =>
  Array.isArray(data) ? data.filter((r): r is Raw => r !== null && typeof r === 'object') : [];

/** A VM config: keeps the string and number values (all Proxmox sends). */
export function toVmConfig(data: unknown): VmConfig {
  const out: VmConfig = {};
  for (const [k, v] of Object.entries((data ?? {}) as Raw)) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out;
}

/** /cluster/resources?type=vm rows → QEMU VMs only (that filter also returns LXC containers). */
export function toClusterVms(data: unknown): ClusterVm[] {
  const out: ClusterVm[] = [];
  for (const r of rows(data)) {
    if (r.type !== undefined && r.type !== 'qemu') continue;
    const vmid = num(r.vmid) ?? num(str(r.id)?.split('/')[1]);
    const node = str(r.node);
    if (vmid === undefined || node === undefined) continue;
    const vm: ClusterVm = { vmid, node, status: str(r.status) ?? 'unknown', template: flag(r.template) };
    const name = str(r.name);
    const lock = str(r.lock);
    const maxdisk = num(r.maxdisk);
    const pool = str(r.pool);
    if (name !== undefined) vm.name = name;
    if (lock !== undefined && lock !== '') vm.lock = lock;
    if (maxdisk !== undefined) vm.maxdisk = maxdisk;
    if (pool !== undefined) vm.pool = pool;
    const tags = str(r.tags);
    if (tags !== undefined && tags !== '') vm.tags = tags.split(/[;,\s]+/).filter((t) => t !== '');
    out.push(vm);
  }
  return out;
}

/** GET /nodes rows. */
export function toNodes(data: unknown): NodeInfo[] {
  return rows(data).flatMap((r) => {
    const node = str(r.node);
    if (node === undefined) return [];
    const status = r.status === 'online' || r.status === 'offline' ? r.status : 'unknown';
    return [{ node, status }];
  });
}

/** GET /cluster/status: one `cluster` entry (absent on a standalone host) and one per node. */
export function toClusterStatus(data: unknown): ClusterStatus {
  const out: ClusterStatus = { nodes: [] };
  for (const r of rows(data)) {
    if (r.type === 'cluster') {
      out.cluster = { name: str(r.name) ?? '', quorate: flag(r.quorate), nodes: num(r.nodes) ?? 0 };
    } else if (r.type === 'node') {
      const name = str(r.name);
      if (name === undefined) continue;
      const node: ClusterStatus['nodes'][number] = {
        name,
        nodeid: num(r.nodeid) ?? 0,
        online: flag(r.online),
        local: flag(r.local),
      };
      const ip = str(r.ip);
      if (ip !== undefined) node.ip = ip;
      out.nodes.push(node);
    }
  }
  return out;
}

/**
 * Annotates the storages a node lists as not enabled with the reason storage.cfg gives (GET /storage rows:
 * `disable`, `nodes`): pve-storage `storage_check_enabled` is false for both.
 */
export function withUnavailableReasons(
  list: StorageInfo[],
  configData: unknown,
  node: string,
): StorageInfo[] {
  const cfg = new Map(rows(configData).map((r) => [str(r.storage), r]));
  return list.map((s) => {
    const r = s.enabled ? undefined : cfg.get(s.storage);
    if (!r) return s;
    if (flag(r.disable)) return { ...s, unavailable: { reason: 'disabled' } };
    const nodes = (str(r.nodes) ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '');
    if (nodes.length > 0 && !nodes.includes(node))
      return { ...s, unavailable: { reason: 'not-on-node', nodes } };
    return s;
  });
}

/** GET /nodes/{node}/storage rows; `content` is a comma list on the wire. */
export function toStorages(data: unknown): StorageInfo[] {
  return rows(data).flatMap((r) => {
    const storage = str(r.storage);
    if (storage === undefined) return [];
    const s: StorageInfo = {
      storage,
      type: str(r.type) ?? '',
      content: (str(r.content) ?? '').split(',').filter((c) => c !== ''),
      enabled: r.enabled === undefined ? true : flag(r.enabled),
      active: flag(r.active),
      shared: flag(r.shared),
    };
    for (const key of ['total', 'used', 'avail'] as const) {
      const v = num(r[key]);
      if (v !== undefined) s[key] = v;
    }
    return [s];
  });
}

function taskBase(r: Raw, upid: string) {
  let parsed: ReturnType<typeof parseUpid> | undefined;
  try {
    parsed = parseUpid(upid);
  } catch {
    parsed = undefined;
  }
  return {
    upid,
    node: str(r.node) ?? parsed?.node ?? '',
    type: str(r.type) ?? parsed?.type ?? '',
    id: str(r.id) ?? parsed?.id ?? '',
    // Task lists split a token's identity into `user` + `tokenid`; the UPID carries it whole, as we use it.
    user: parsed?.user ?? [str(r.user), str(r.tokenid)].filter((x) => x !== undefined).join('!'),
    starttime: num(r.starttime) ?? parsed?.starttime ?? 0,
  };
}

/** GET /nodes/{node}/tasks/{upid}/status. */
export function toTaskStatus(data: unknown, upid: string): TaskStatus {
  const r = (data ?? {}) as Raw;
  const status: TaskStatus = {
    ...taskBase(r, str(r.upid) ?? upid),
    status: r.status === 'stopped' ? 'stopped' : 'running',
  };
  const exit = str(r.exitstatus);
  if (status.status === 'stopped' && exit !== undefined) status.exitstatus = exit;
  return status;
}

/** GET /cluster/tasks rows. */
export function toClusterTasks(data: unknown): ClusterTask[] {
  return rows(data).flatMap((r) => {
    const upid = str(r.upid);
    if (upid === undefined) return [];
    const task: ClusterTask = taskBase(r, upid);
    const endtime = num(r.endtime);
    const status = str(r.status);
    if (endtime !== undefined) task.endtime = endtime;
    if (status !== undefined) task.status = status;
    return [task];
  });
}

/**
 * GET /nodes/{node}/tasks rows. Running tasks come as the active-workers file holds them: `status: "RUNNING"`,
 * no `endtime`, the token left in `user` (pve-manager PVE/API2/Tasks.pm node_tasks); finished ones as in
 * /cluster/tasks.
 */
export function toNodeTasks(data: unknown): ClusterTask[] {
  return toClusterTasks(data).map((t) => {
    if (t.endtime !== undefined || t.status !== 'RUNNING') return t;
    const { status: _running, ...rest } = t;
    return rest;
  });
}

/**
 * GET …/tasks/{upid}/log: `[{n,t}]` plus the top-level `total` (left out when 0). The log of an unknown UPID
 * is one line, `unable to open file - …`, which libpve-common-perl before 9.0.6 (PVE 8.4) sends as a bare
 * object instead of an array.
 */
export function toTaskLog(data: unknown, total: number | undefined, start: number): TaskLog {
  const list = data !== null && typeof data === 'object' && !Array.isArray(data) ? [data] : data;
  const lines = rows(list).flatMap((r) => {
    const n = num(r.n);
    const t = str(r.t);
    return n === undefined || t === undefined ? [] : [{ n, t }];
  });
  return { lines, total: total ?? start + lines.length };
}

/** network-get-interfaces `{result: [{name, 'hardware-address', 'ip-addresses': [...]}]}` in our terms. */
export function toGuestInterfaces(data: unknown): GuestInterface[] {
  const result = (data as { result?: unknown } | null)?.result;
  if (!Array.isArray(result)) return [];
  return result.map((raw: Record<string, unknown>) => {
    const iface: GuestInterface = { name: String(raw.name ?? ''), addresses: [] };
    if (typeof raw['hardware-address'] === 'string') iface.mac = raw['hardware-address'];
    for (const a of Array.isArray(raw['ip-addresses']) ? raw['ip-addresses'] : []) {
      const family = a?.['ip-address-type'];
      if ((family === 'ipv4' || family === 'ipv6') && typeof a['ip-address'] === 'string')
        iface.addresses.push({ address: a['ip-address'], family, prefix: Number(a.prefix ?? 0) });
    }
    return iface;
  });
}
