/** An SSH host as a session reaches it: the name or address given, and the TCP port in use. */
export interface HostAndPort {
  /** A host name or an IP address; an IPv6 address may come bracketed (`[2001:db8::1]`) or bare. */
  host: string;
  /** The TCP port, the `port` input's value when the host entry named none. */
  port: number;
}

/**
 * The one name of an SSH host wherever a person or a workflow reads it (outputs, job summaries, log
 * lines, error messages) and the one identity of a host: two entries of the `host` input with the same
 * label are the same host. `host:port`, an IPv6 address in brackets (`[2001:db8::1]:22`): the form the
 * `host` input takes, so a label can be pasted back into it. The port is always there, because two
 * hosts may share an address; the user is not, because one `user` input serves every host.
 * Lives here, the package with no dependencies, so that the inputs (which refuse repeated hosts) and
 * the SSH layer (which names hosts) share it without importing each other.
 */
export function hostLabel(target: HostAndPort): string {
  const host = target.host.includes(':') ? `[${target.host.replace(/^\[(.*)\]$/, '$1')}]` : target.host;
  return `${host}:${target.port}`;
}
