// Tasks: domain types in our own terms; the Proxmox adapter (src/proxmox/map-responses.ts) maps its
// answers to them, and src/core/ reasons about them without knowing the adapter.

/** GET /nodes/{node}/tasks/{upid}/status. `exitstatus` only when stopped: 'OK', 'WARNINGS: N', or the error text. */
export interface TaskStatus {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
  status: 'running' | 'stopped';
  exitstatus?: string;
}

/** One entry of GET /cluster/tasks (recent and running tasks, cluster-wide). `status` is the exit status once ended. */
export interface ClusterTask {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
  endtime?: number;
  status?: string;
}

/** GET /nodes/{node}/tasks/{upid}/log: `n` is 1-based; `total` is the number of lines so far. */
export interface TaskLog {
  lines: { n: number; t: string }[];
  total: number;
}
