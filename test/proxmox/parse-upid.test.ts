import { describe, expect, it } from 'vitest';
import { parseUpid } from '../../src/proxmox/parse-upid.ts';

describe('parseUpid', () => {
  it('reads every field of a token-owned clone task', () => {
    expect(parseUpid('UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:9000:bot@pve!slack:')).toEqual({
      node: 'pve1',
      pid: 0x1a2b3,
      pstart: 0xc4d5e6,
      starttime: 0x66f1a2b3,
      type: 'qmclone',
      id: '9000',
      user: 'bot@pve!slack',
    });
  });

  it('accepts a 9-digit pstart and an empty id', () => {
    const u = parseUpid('UPID:node-2.lab:00000ABC:1C4D5E6F7:66F1A2B3:vzdump::root@pam:');
    expect(u.pstart).toBe(0x1c4d5e6f7);
    expect(u.id).toBe('');
    expect(u.node).toBe('node-2.lab');
  });

  it.each([
    'UPID:pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:9000:bot@pve',
    'pve1:0001A2B3:00C4D5E6:66F1A2B3:qmclone:9000:bot@pve:',
    '',
  ])('rejects %j', (s) => {
    expect(() => parseUpid(s)).toThrow(/not a Proxmox task id/);
  });
});
