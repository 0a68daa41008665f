import { paramError } from './api-error.ts';

/** One parameter's schema, the few PVE::JSONSchema features the simulated endpoints use. */
export interface ParamSchema {
  type: 'integer' | 'boolean' | 'string';
  optional?: boolean;
  minimum?: number;
  maximum?: number;
  format?: 'dns-name' | 'pve-node' | 'pve-storage-id' | 'pve-poolid' | 'pve-configid' | 'pve-vmid';
  enum?: string[];
  maxLength?: number;
}

const DNS_LABEL = '[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?';
const FORMATS: Record<NonNullable<ParamSchema['format']>, [RegExp, (v: string) => string]> = {
  'dns-name': [
    new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`),
    () => 'value does not look like a valid DNS name',
  ],
  'pve-node': [new RegExp(`^${DNS_LABEL}$`), () => 'value does not look like a valid node name'],
  'pve-storage-id': [/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i, (v) => `storage ID '${v}' contains illegal characters`],
  'pve-poolid': [/^[A-Za-z0-9_\-/]+$/, (v) => `pool name '${v}' contains illegal characters`],
  'pve-configid': [/^[a-z][a-z0-9_]+$/i, (v) => `invalid configuration ID '${v}'`],
  // pve-common JSONSchema.pm pve_verify_vmid; checked before minimum/maximum, so 99 fails as a format.
  'pve-vmid': [/^[1-9][0-9]{2,8}$/, () => 'value does not look like a valid VM ID'],
};

// pve-common src/PVE/JSONSchema.pm check_type: the `true|yes|on` / `false|no|off` spellings are commented out
// there; a form value must be exactly 1 or 0.
const BOOL_TRUE = ['1'];
const BOOL_FALSE = ['0'];

/** Parsed parameters: integers as numbers, booleans as booleans, the rest as strings. */
export type ParsedParams = Record<string, string | number | boolean>;

/**
 * Checks parameters like PVE::JSONSchema::validate: unknown properties, missing ones, types, ranges and
 * formats, all reported at once as a 400 `Parameter verification failed.` with `errors` by name. Format
 * messages end in a newline (they come from a `die`), the others do not, as in Proxmox.
 */
export function validateParams(
  params: Record<string, string>,
  schema: Record<string, ParamSchema>,
): ParsedParams {
  const errors: Record<string, string> = {};
  const out: ParsedParams = {};
  for (const key of Object.keys(params)) {
    if (!(key in schema))
      errors[key] = 'property is not defined in schema and the schema does not allow additional properties';
  }
  for (const [key, s] of Object.entries(schema)) {
    const raw = params[key];
    if (raw === undefined) {
      if (!s.optional) errors[key] = 'property is missing and it is not optional';
      continue;
    }
    if (s.type === 'integer') {
      if (!/^[+-]?\d+$/.test(raw)) {
        errors[key] = `type check ('integer') failed - got '${raw}'`;
        continue;
      }
      const n = Number(raw);
      if (s.format !== undefined && !FORMATS[s.format][0].test(raw))
        errors[key] = `invalid format - ${FORMATS[s.format][1](raw)}\n`;
      else if (s.minimum !== undefined && n < s.minimum)
        errors[key] = `value must have a minimum value of ${s.minimum}`;
      else if (s.maximum !== undefined && n > s.maximum)
        errors[key] = `value must have a maximum value of ${s.maximum}`;
      else out[key] = n;
    } else if (s.type === 'boolean') {
      if (BOOL_TRUE.includes(raw)) out[key] = true;
      else if (BOOL_FALSE.includes(raw)) out[key] = false;
      else errors[key] = `type check ('boolean') failed - got '${raw}'`;
    } else if (s.enum && !s.enum.includes(raw)) {
      errors[key] = `value '${raw}' does not have a value in the enumeration '${s.enum.join(', ')}'`;
    } else if (s.maxLength !== undefined && raw.length > s.maxLength) {
      errors[key] = `value may only be ${s.maxLength} characters long`;
    } else if (s.format) {
      const [re, message] = FORMATS[s.format];
      if (re.test(raw)) out[key] = raw;
      else errors[key] = `invalid format - ${message(raw)}\n`;
    } else out[key] = raw;
  }
  if (Object.keys(errors).length > 0) throw paramError(errors);
  return out;
}
