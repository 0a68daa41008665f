import { describe, expect, it } from 'vitest';
import { guestAgentEnabled } from '../../src/core/guest-agent-option.ts';

describe('guestAgentEnabled (qemu-server agent format, `enabled` the default key, default 0)', () => {
  it.each([
    [undefined, false],
    ['1', true],
    [1, true],
    ['0', false],
    [0, false],
    ['enabled=1', true],
    ['enabled=0', false],
    ['1,fstrim_cloned_disks=1', true],
    ['0,type=virtio', false],
    ['fstrim_cloned_disks=1,enabled=1', true],
    ['type=virtio', false],
    ['yes', true],
    ['on', true],
    ['off', false],
  ])('%s → %s', (option, on) => {
    expect(guestAgentEnabled(option)).toBe(on);
  });
});
