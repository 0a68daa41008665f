import type { Finding } from './health-types.ts';
import { diskFindings, finding, type TemplateSubject, templateLabel } from './template-findings.ts';
import type { FailureReason } from './types.ts';
import type { VmConfig } from './vm-types.ts';

/** The pre-clone check: the same disk rules as the health report, plus "is a template" and "not locked now". */
export function findingsForPreclone(config: VmConfig, subject: TemplateSubject = {}): Finding[] {
  const out: Finding[] = [];
  if (String(config.template ?? '') !== '1') {
    out.push(
      finding(
        subject,
        'error',
        'not-a-template',
        `VM ${subject.vmid ?? '?'} is not a template`,
        'give the VMID of a template; convert a VM with qm template only if that is intended',
      ),
    );
  }
  out.push(...diskFindings(config, subject));
  const lock = config.lock === undefined ? undefined : String(config.lock);
  if (lock) {
    out.push(
      finding(
        subject,
        'error',
        'template-locked',
        `${templateLabel(subject)} is locked (${lock}): Proxmox refuses to clone it now`,
        `wait for the ${lock} task to finish (Datacenter → Tasks); never remove the lock unless that task is dead`,
      ),
    );
  }
  return out;
}

/** The failure reason of the first blocking (error) pre-clone finding, or undefined when the clone may go ahead. */
export function precloneFailureReason(findings: readonly Finding[]): FailureReason | undefined {
  const f = findings.find((x) => x.severity === 'error');
  if (!f) return undefined;
  if (f.code === 'not-a-template') return 'not-a-template';
  if (f.code === 'template-locked') return 'template-locked';
  return 'template-missing-disk';
}
