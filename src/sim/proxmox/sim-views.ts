import type { SimState } from './sim-state.ts';
import type { SimStorageView, SimTaskView, SimVmView } from './types.ts';

/** A copy of one VM as the simulator holds it. */
export function simVmView(state: SimState, vmid: number): SimVmView | undefined {
  const vm = state.vms.get(vmid);
  return vm && { vmid: vm.vmid, node: vm.node, status: vm.status, config: { ...vm.config } };
}

/** A copy of one task; `user` includes the token name (`clonebot@pve!slack`), as in the UPID. */
export function simTaskView(state: SimState, upid: string): SimTaskView | undefined {
  const t = state.tasks.get(upid);
  if (!t) return undefined;
  const view: SimTaskView = {
    upid: t.upid,
    node: t.node,
    type: t.type,
    id: t.id,
    user: t.tokenid === undefined ? t.user : `${t.user}!${t.tokenid}`,
    starttime: t.starttime,
    status: t.status,
    log: [...t.log],
  };
  if (t.exitstatus !== undefined) view.exitstatus = t.exitstatus;
  if (t.endtime !== undefined) view.endtime = t.endtime;
  return view;
}

/** Every storage with its volumes: shared ones once, local ones per node they are enabled on. */
export function simStorageViews(state: SimState): SimStorageView[] {
  const views: SimStorageView[] = [];
  const nodes = [...state.nodes.keys()];
  for (const s of state.storages.values()) {
    const on = s.shared ? [undefined] : nodes.filter((n) => state.storageOn(s.storage, n));
    for (const node of on) {
      const vols = state.volumesOf(s.storage, node ?? nodes[0] ?? '');
      const view: SimStorageView = {
        storage: s.storage,
        type: s.type,
        shared: s.shared,
        volumes: Object.fromEntries(vols),
      };
      if (node !== undefined) view.node = node;
      views.push(view);
    }
  }
  return views;
}
