import { generate } from 'selfsigned';

/** A CA and a server certificate for 127.0.0.1/localhost signed by it (PEM). */
export interface SimCerts {
  caPem: string;
  certPem: string;
  keyPem: string;
}

let cached: Promise<SimCerts> | undefined;

async function create(): Promise<SimCerts> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 365 * 86_400_000);
  const ca = await generate([{ name: 'commonName', value: 'Proxmox Virtual Environment (simulated) CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: server.cert, keyPem: server.private };
}

/** Generated once per process and shared by every simulator (generation is the slow part of starting one). */
export function simCerts(): Promise<SimCerts> {
  cached ??= create().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
