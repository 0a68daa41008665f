// Nodes and the cluster: domain types in our own terms; the Proxmox adapter (src/proxmox/map-responses.ts) maps its
// answers to them, and src/core/ reasons about them without knowing the adapter.

/** One node from GET /nodes. */
export interface NodeInfo {
  node: string;
  status: 'online' | 'offline' | 'unknown';
}

/** GET /cluster/status. A standalone host has no `cluster` entry and one node with `nodeid: 0`. */
export interface ClusterStatus {
  cluster?: { name: string; quorate: boolean; nodes: number };
  nodes: { name: string; nodeid: number; online: boolean; local: boolean; ip?: string }[];
}
