// "host:port" as the node's listen addresses are written: a name or IPv4 address, or an IPv6 address
// in brackets, then a port from 0 to 65535 (0 lets the system choose one).
export function parseHostPort(listen: string): { readonly host: string; readonly port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/]+):(\d{1,5})$/.exec(listen);
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || port > 65_535) throw new Error(`'${listen}' is not host:port with a port from 0 to 65535`);
  return { host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}
