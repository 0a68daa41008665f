/** The Proxmox VE simulator: a faithful HTTPS stand-in for a cluster, for tests, the demo and `sim proxmox`. */

export { demoCluster } from './demo-cluster.ts';
export type { LoggedRequest, RequestLog } from './request-log.ts';
export { type ProxmoxSimCliArgs, parseProxmoxSimArgs, runProxmoxSimCli } from './run-proxmox-sim-cli.ts';
export type { CloneFault, CloneFaultFilter, FlapSpec, MigrateFault, SimFaults } from './sim-faults.ts';
export { type ProxmoxSim, startProxmoxSim } from './start-proxmox-sim.ts';
export type {
  ProxmoxSimOptions,
  SimClusterSpec,
  SimNodeSpec,
  SimStorageSpec,
  SimStorageView,
  SimTaskView,
  SimToken,
  SimUser,
  SimVmConfig,
  SimVmSpec,
  SimVmView,
} from './types.ts';
export { JSON_CONTENT_TYPE } from './write-response.ts';
