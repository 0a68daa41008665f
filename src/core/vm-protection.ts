/** Whether a VM config has Proxmox's `protection: 1`, under which `qm destroy` refuses (check_protection). */
export function isProtected(config: Record<string, unknown>): boolean {
  return Number(config.protection ?? 0) === 1;
}

/** Why a protected VM is not deleted: said before anything is sent, not left to Proxmox's refusal. */
export function protectionRefusal(vmid: number): string {
  return `VM ${vmid} has protection on: Proxmox refuses to remove it; turn protection off to let it go`;
}
