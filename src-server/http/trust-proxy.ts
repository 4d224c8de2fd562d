import { BlockList, isIPv6 } from 'node:net';

/**
 * Whether a peer address is one of the trusted proxies (addresses or CIDRs, as `parseTrustProxy` checked
 * them). IPv4 entries also match the IPv4-mapped IPv6 form a dual-stack socket reports, as Fastify's
 * proxy-addr does, so the connection cap and `request.ip` agree on who is a proxy.
 */
export function trustedProxyMatcher(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    return list.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
  };
}
