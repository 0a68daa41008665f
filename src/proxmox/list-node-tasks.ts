import { toNodeTasks } from './map-responses.ts';
import type { ProxmoxTransport } from './transport.ts';
import type { ClusterTask, NodeTaskFilter } from './types.ts';

/**
 * GET /nodes/{node}/tasks?source=all with the filters given: the node's running tasks and its archive (about
 * 1000 entries), where /cluster/tasks keeps only the last 25 per node and shows a token none of its own without
 * Sys.Audit on `/` (pve-manager PVE/API2/Cluster.pm `tasks`; PVE/API2/Tasks.pm node_tasks lets a token see
 * its own tasks with no privilege at all).
 */
export async function listNodeTasks(
  transport: Pick<ProxmoxTransport, 'request'>,
  node: string,
  filter: NodeTaskFilter,
): Promise<ClusterTask[]> {
  const params: Record<string, unknown> = { source: 'all', limit: filter.limit ?? 50 };
  if (filter.typefilter !== undefined) params.typefilter = filter.typefilter;
  if (filter.vmid !== undefined) params.vmid = filter.vmid;
  if (filter.since !== undefined) params.since = Math.max(0, Math.floor(filter.since));
  const { data } = await transport.request<unknown>(
    'GET',
    `/nodes/${encodeURIComponent(node)}/tasks`,
    params,
    '/nodes/*/tasks',
  );
  return toNodeTasks(data);
}
