import type { SimClusterSpec, SimVmConfig } from './types.ts';

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

const common = (vmid: number, mac: string): SimVmConfig => ({
  memory: '2048',
  cores: 2,
  sockets: 1,
  ostype: 'l26',
  scsihw: 'virtio-scsi-single',
  agent: '1',
  net0: `virtio=${mac},bridge=vmbr0,firewall=1`,
  smbios1: `uuid=5d8a1c2e-0000-4000-8000-${String(vmid).padStart(12, '0')}`,
  vmgenid: `9f1b2c3d-0000-4000-8000-${String(vmid).padStart(12, '0')}`,
  meta: 'creation-qemu=9.2.0,ctime=1735689600',
});

/** A node-specific debian-12 template on ceph, so it can be cloned to any node (`target`). */
const debian = (vmid: number, node: string) => ({
  vmid,
  node,
  config: {
    ...common(vmid, `BC:24:11:00:${String(vmid).slice(0, 2)}:${String(vmid).slice(2, 4)}`),
    name: 'debian-12',
    template: 1,
    bios: 'ovmf',
    boot: 'order=scsi0;ide2;net0',
    efidisk0: `ceph:base-${vmid}-disk-1,efitype=4m,pre-enrolled-keys=1,size=1M`,
    ide2: `ceph:vm-${vmid}-cloudinit,media=cdrom`,
    scsi0: `ceph:base-${vmid}-disk-0,iothread=1,size=8G`,
    ciuser: 'debian',
  },
});

/** A base-5 template on local storage (node-local copies; the pve2 one has drifted a little). */
const rocky = (vmid: number, node: string, sizeG: number, memory: string) => ({
  vmid,
  node,
  config: {
    ...common(vmid, `BC:24:11:00:${String(vmid).slice(0, 2)}:${String(vmid).slice(2, 4)}`),
    name: 'rocky-9',
    template: 1,
    memory,
    boot: 'order=scsi0;net0',
    scsi0: `local-lvm:base-${vmid}-disk-0,size=${sizeG}G`,
  },
});

/**
 * The demo cluster: pve1–pve3 (corosync ids 1–3), local-lvm / local / ceph, template 112 `ubuntu-24.04`
 * on pve1, node-specific templates 9100/9200/9300 (base 0, on ceph) and 9105/9205 (base 5), the broken
 * template 113 (disk only in unused0, empty boot order) and a few ordinary VMs.
 */
export function demoCluster(): SimClusterSpec {
  return {
    name: 'demo',
    nodes: [
      { name: 'pve1', nodeid: 1, ip: '10.0.0.11' },
      { name: 'pve2', nodeid: 2, ip: '10.0.0.12' },
      { name: 'pve3', nodeid: 3, ip: '10.0.0.13' },
    ],
    storages: [
      {
        storage: 'local-lvm',
        type: 'lvmthin',
        content: ['images', 'rootdir'],
        shared: false,
        total: 500 * GiB,
      },
      {
        storage: 'local',
        type: 'dir',
        content: ['iso', 'vztmpl', 'backup'],
        shared: false,
        total: 100 * GiB,
      },
      { storage: 'ceph', type: 'rbd', content: ['images', 'rootdir'], shared: true, total: 2 * TiB },
    ],
    pools: ['dev', 'ci'],
    vms: [
      {
        vmid: 100,
        node: 'pve1',
        status: 'running',
        config: {
          ...common(100, 'BC:24:11:10:00:01'),
          name: 'web-01',
          boot: 'order=scsi0;net0',
          scsi0: 'local-lvm:vm-100-disk-0,size=16G',
        },
      },
      {
        vmid: 101,
        node: 'pve2',
        status: 'running',
        config: {
          ...common(101, 'BC:24:11:10:00:02'),
          name: 'db-01',
          boot: 'order=virtio0;net0',
          virtio0: 'ceph:vm-101-disk-0,size=64G',
        },
      },
      {
        vmid: 102,
        node: 'pve3',
        status: 'stopped',
        config: {
          ...common(102, 'BC:24:11:10:00:03'),
          name: 'build-01',
          boot: 'order=scsi0;ide2;net0',
          ide2: 'local:iso/debian-12.iso,media=cdrom,size=628M',
          scsi0: 'local-lvm:vm-102-disk-0,size=20G',
        },
      },
      {
        vmid: 112,
        node: 'pve1',
        config: {
          ...common(112, 'BC:24:11:11:20:00'),
          name: 'ubuntu-24.04',
          template: 1,
          boot: 'order=scsi0;ide2;net0',
          ide2: 'local-lvm:vm-112-cloudinit,media=cdrom',
          scsi0: 'local-lvm:base-112-disk-0,discard=on,size=32G',
          ciuser: 'ubuntu',
          ipconfig0: 'ip=dhcp',
        },
      },
      {
        vmid: 113,
        node: 'pve1',
        config: {
          ...common(113, 'BC:24:11:11:30:00'),
          name: 'broken-template',
          template: 1,
          boot: 'order=net0',
          ide2: 'local-lvm:vm-113-cloudinit,media=cdrom',
          unused0: 'local-lvm:base-113-disk-0',
        },
      },
      debian(9100, 'pve1'),
      debian(9200, 'pve2'),
      debian(9300, 'pve3'),
      rocky(9105, 'pve1', 20, '2048'),
      rocky(9205, 'pve2', 24, '4096'),
    ],
  };
}
