import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../core/lease.ts';
import { type ClonePolicy, policyValueProblems, type TemplatePolicy } from '../core/template-policy.ts';

const duration = z
  .string()
  .refine((v) => (parseDuration(v.replace(/\s+/g, '')) ?? 0) > 0, {
    message: 'must be a duration such as 3d, 12h or 2w',
  })
  .transform((v) => parseDuration(v.replace(/\s+/g, '')) as number);

const templatePolicy = z
  .object({
    requesters: z
      .array(z.string().regex(/^[UWSC][A-Z0-9]+$/, 'must be Slack user (U…), group (S…) or channel (C…) ids'))
      .optional(),
    approval: z.boolean().optional(),
    lease: z.object({ default: duration.optional(), max: duration.optional() }).strict().optional(),
    start: z.boolean().optional(),
    cloudInit: z.object({ user: z.string().optional(), ip: z.string().optional() }).strict().optional(),
    quota: z
      .object({ vms: z.number().int().min(0).optional(), diskGiB: z.number().min(0).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .transform((p): TemplatePolicy => {
    const out: TemplatePolicy = {};
    if (p.requesters !== undefined) out.requesters = p.requesters;
    if (p.approval !== undefined) out.approval = p.approval;
    if (p.lease !== undefined) {
      out.lease = {};
      if (p.lease.default !== undefined) out.lease.defaultMs = p.lease.default;
      if (p.lease.max !== undefined) out.lease.maxMs = p.lease.max;
    }
    if (p.start !== undefined) out.start = p.start;
    if (p.cloudInit !== undefined) out.cloudInit = { ...p.cloudInit } as TemplatePolicy['cloudInit'] & object;
    if (p.quota !== undefined) out.quota = { ...p.quota } as TemplatePolicy['quota'] & object;
    return out;
  });

const fileSchema = z
  .object({
    defaults: templatePolicy.optional(),
    templates: z
      .record(
        z.string().regex(/^(\d{3,9}|[A-Za-z0-9][A-Za-z0-9.-]*)$/, 'template keys are VMIDs or names'),
        templatePolicy,
      )
      .optional(),
  })
  .strict();

/**
 * Reads CLONE_POLICY_FILE (YAML, or JSON, which YAML reads too) and checks it: unknown keys, bad durations,
 * ids, quotas and cloud-init values are named with their place in the file. Throws an Error with every problem.
 */
export function loadClonePolicyFile(path: string): ClonePolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `CLONE_POLICY_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(
      `CLONE_POLICY_FILE: ${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const result = fileSchema.safeParse(raw ?? {});
  if (!result.success)
    throw new Error(
      `CLONE_POLICY_FILE ${path}: ${result.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  const policy: ClonePolicy = {
    defaults: result.data.defaults ?? {},
    templates: result.data.templates ?? {},
  };
  const problems = [
    ...policyValueProblems(policy.defaults, 'defaults'),
    ...Object.entries(policy.templates).flatMap(([k, p]) => policyValueProblems(p, `templates.${k}`)),
  ];
  if (problems.length > 0) throw new Error(`CLONE_POLICY_FILE ${path}: ${problems.join('; ')}`);
  return policy;
}
