import { serverError } from './api-error.ts';
import { guestInterfaces } from './guest.ts';
import { checkVmPrivilege, localVm } from './local-vm.ts';
import type { Route } from './route.ts';

/**
 * GET …/agent/network-get-interfaces (PVE/API2/Qemu/Agent.pm register_command → PVE::QemuServer::Agent
 * assert_agent_available): no `agent` in the config → `No QEMU guest agent configured`; a stopped VM →
 * `VM N is not running`; a guest whose agent does not answer guest-ping yet (still booting, or not installed)
 * → `QEMU guest agent is not running`. All 500s. Then `{result: [...]}` as qemu-ga reports it.
 */
export const agentRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces',
    handle: (ctx, { path }) => {
      const vm = localVm(ctx, path.node as string, path.vmid as string);
      checkVmPrivilege(ctx, vm, 'VM.GuestAgent.Audit');
      if (vm.config.agent === undefined) throw serverError('No QEMU guest agent configured');
      if (vm.status !== 'running') throw serverError(`VM ${vm.vmid} is not running`);
      // `agent: 0` / `enabled=0`: QEMU gets no agent channel, so guest-ping fails as for a missing agent.
      const enabled = /^(1|enabled=1)(,|$)/.test(String(vm.config.agent));
      const up = ctx.clock.now() - (vm.startedAt ?? ctx.clock.now()) >= ctx.agentStartMs;
      if (!enabled || vm.silentAgent === true || !up) throw serverError('QEMU guest agent is not running');
      return { data: { result: guestInterfaces(vm) } };
    },
  },
];
