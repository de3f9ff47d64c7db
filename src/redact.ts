const SECRET_PARAM = /(key|token|secret|signature|sig|password|passwd|auth|credential|session|code)/i;

/** A URL safe to store and show: userinfo dropped, secret-looking query values replaced. */
export function redactUrl(url: URL): string {
  const u = new URL(url.href);
  u.username = "";
  u.password = "";
  for (const name of [...u.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) u.searchParams.set(name, "REDACTED");
  }
  return u.href;
}
