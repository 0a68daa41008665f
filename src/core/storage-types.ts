// Storages: domain types in our own terms; the Proxmox adapter (src/proxmox/map-responses.ts) maps its
// answers to them, and src/core/ reasons about them without knowing the adapter.

/** One storage from GET /nodes/{node}/storage. Sizes are bytes. */
export interface StorageInfo {
  storage: string;
  type: string;
  content: string[];
  enabled: boolean;
  active: boolean;
  shared: boolean;
  total?: number;
  used?: number;
  avail?: number;
  /**
   * Why `enabled` is false, from storage.cfg (GET /storage): `disable 1`, or a `nodes` list without this node.
   * The node listing says `enabled: 0` for both (pve-storage `storage_info`). Absent when unknown.
   */
  unavailable?: { reason: 'disabled' } | { reason: 'not-on-node'; nodes: string[] };
}
