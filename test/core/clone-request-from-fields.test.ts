import { describe, expect, it } from 'vitest';
import { cloneRequestFromFields } from '../../src/core/clone-request-from-fields.ts';

describe('cloneRequestFromFields', () => {
  it('builds the request from the fields themselves', () => {
    expect(
      cloneRequestFromFields({ node: 'pve1', template: '112', name: 'web-1', mode: 'full', pool: 'lab/dev' }),
    ).toEqual({
      ok: true,
      request: {
        template: { kind: 'vmid', vmid: 112 },
        name: 'web-1',
        node: 'pve1',
        mode: 'full',
        pool: 'lab/dev',
      },
    });
  });

  it('a field cannot add options: each holds exactly one value of its kind', () => {
    const r = cloneRequestFromFields({
      node: 'pve1',
      template: '112 vmid 4242',
      name: 'web-1',
      mode: 'full',
      storage: 'local-lvm target pve2',
      pool: 'lab vmid 4242',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(['pool', 'storage', 'template']);
    expect(r.errors.pool).toMatch(/not a valid pool id/);
    expect(r.errors.storage).toMatch(/not a valid storage id/);
  });

  it('refuses node values that would change a Proxmox path', () => {
    for (const node of ['..', '../cluster', 'pve1?x=1', 'pve1/qemu', 'pve1%2F..', '']) {
      const r = cloneRequestFromFields({ node, template: '112', name: 'web-1', mode: 'full' });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.node).toMatch(/not a Proxmox node name|Pick a node/);
    }
  });

  it('linked with a storage is refused on the storage field', () => {
    const r = cloneRequestFromFields({
      node: 'pve1',
      template: '112',
      name: 'a',
      mode: 'linked',
      storage: 'local',
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.storage).toMatch(/not allowed for linked clones/);
  });
});
