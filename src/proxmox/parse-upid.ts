/** The parts of a Proxmox task id (UPID). */
export interface Upid {
  node: string;
  pid: number;
  pstart: number;
  /** Seconds since the epoch. */
  starttime: number;
  type: string;
  /** The task's object id: for `qmclone` the source VMID. */
  id: string;
  /** USER@REALM, or USER@REALM!TOKENID for an API token. */
  user: string;
}

// UPID:%s:%08X:%08X:%08X:%s:%s:%s: (pve-common) — pstart can outgrow 8 hex digits; the trailing colon is part
// of the format.
const UPID = /^UPID:([^:]+):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:]+):([^:]*):(.+):$/;

/** Parses `UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:9000:bot@pve!slack:`; throws on anything else. */
export function parseUpid(upid: string): Upid {
  const m = UPID.exec(upid);
  if (!m) throw new Error(`not a Proxmox task id (UPID): '${upid}'`);
  const [, node, pid, pstart, starttime, type, id, user] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    node,
    pid: Number.parseInt(pid, 16),
    pstart: Number.parseInt(pstart, 16),
    starttime: Number.parseInt(starttime, 16),
    type,
    id,
    user,
  };
}
