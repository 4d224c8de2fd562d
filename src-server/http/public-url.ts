import { networkInterfaces } from 'node:os';

/**
 * Where phones should reach a server listening on host:port (over HTTPS when it serves TLS). A wildcard
 * host means "every interface", which no phone can dial: the first LAN IPv4 address stands in for it.
 */
export function publicUrlFor(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  let name = host;
  if (host === '0.0.0.0' || host === '::') name = lanAddress() ?? '127.0.0.1';
  if (name.includes(':')) name = `[${name}]`;
  return `${scheme}://${name}:${port}`;
}

function lanAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return undefined;
}
