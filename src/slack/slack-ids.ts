/**
 * The action, callback and block ids the bot's messages and modals use, shared by renderers and listeners so
 * a rename cannot silently disconnect a button from its listener.
 */
export const SLACK_IDS = {
  command: '/clone',
  approve: 'clone_approve',
  deny: 'clone_deny',
  deleteVm: 'clone_delete_vm',
  /** A lease's Extend and Delete now buttons (DM before expiry, App Home, /clone list). */
  leaseExtend: 'clone_lease_extend',
  leaseDelete: 'clone_lease_delete',
  /** The Repair button of a health finding; value `base:node`. */
  healthRepair: 'health_repair',
  cloneModal: 'clone_modal',
  denyModal: 'clone_deny_modal',
  modalNodeBlock: 'node',
  modalNodeAction: 'clone_modal_node',
  modalTemplateBlock: 'template',
  modalNameBlock: 'name',
  modalModeBlock: 'mode',
  modalStorageBlock: 'storage',
  modalPoolBlock: 'pool',
  /** After the clone (issue 10): start / sshkey checkboxes, cloud-init user, ip, lease. */
  modalVmOptionsBlock: 'vm_options',
  modalUserBlock: 'ci_user',
  modalIpBlock: 'ip',
  modalLeaseBlock: 'lease',
  denyReasonBlock: 'reason',
  /** Every input in our modals uses this action id inside its own block. */
  value: 'value',
} as const;
