/** The loopback names a Host header or a bind address may use. */
export const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1", "[::1]"];

/** A loopback name or address (127.0.0.0/8, ::1, localhost). */
export const isLoopbackHost = (host: string) => LOOPBACK_HOSTS.includes(host) || /^127\./.test(host);
