import { isValidDnsName, isValidNodeName, suggestDnsName } from './dns-name.ts';
import { checkCloneOption, linkedWithStorage } from './parse-clone-command.ts';
import { parseTemplateRef, showToken } from './template-ref.ts';
import type { CloneRequest } from './types.ts';

/** The `/clone` form's fields, as typed or picked (trimmed; undefined when empty). */
export interface CloneFields {
  node?: string;
  template?: string;
  name?: string;
  mode: 'full' | 'linked';
  storage?: string;
  pool?: string;
}

export type CloneFieldName = 'node' | 'template' | 'name' | 'storage' | 'pool';

export type CloneFieldsResult =
  | { ok: true; request: CloneRequest }
  | { ok: false; errors: Partial<Record<CloneFieldName, string>> };

/**
 * Builds a clone request from the form's fields, each checked on its own. The fields are never joined into
 * command text and parsed again: a field holding "lab vmid 4242" would otherwise add an option nobody saw in
 * the form. Each field must be exactly one value of its kind (no spaces), so nothing can spill over.
 */
export function cloneRequestFromFields(fields: CloneFields): CloneFieldsResult {
  const errors: Partial<Record<CloneFieldName, string>> = {};
  const { node, template, name, storage } = fields;
  if (node === undefined) errors.node = 'Pick a node, then one of its templates.';
  else if (!isValidNodeName(node)) {
    errors.node = `'${showToken(node)}' is not a Proxmox node name (letters, digits and hyphens, e.g. pve1): pick a node from the list.`;
  }
  const ref = template === undefined ? undefined : parseTemplateRef(template);
  if (ref === undefined) errors.template = 'Pick a template.';
  else if ('error' in ref) errors.template = ref.error;
  if (name === undefined) errors.name = 'Give the new VM a name.';
  else if (!isValidDnsName(name)) {
    errors.name = `Not a valid DNS name: use letters, digits and hyphens, e.g. ${suggestDnsName(name)}`;
  }
  const options: Pick<CloneRequest, 'storage' | 'pool'> = {};
  for (const word of ['storage', 'pool'] as const) {
    const value = fields[word];
    if (value === undefined) continue;
    const checked = checkCloneOption(word, value);
    if (typeof checked === 'string') errors[word] = checked;
    else Object.assign(options, checked);
  }
  if (fields.mode === 'linked' && storage !== undefined && errors.storage === undefined) {
    errors.storage = linkedWithStorage(storage);
  }
  if (Object.keys(errors).length > 0 || node === undefined || name === undefined || !ref || 'error' in ref) {
    return { ok: false, errors };
  }
  return { ok: true, request: { template: ref, name, node, mode: fields.mode, ...options } };
}
