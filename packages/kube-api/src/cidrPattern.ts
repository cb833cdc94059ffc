/**
 * A regular expression for "IPv4 or IPv6 CIDR", usable both by Go's RE2 (as an
 * OpenAPI `pattern` in a CRD) and by JavaScript. Upstream validates CIDRs with the
 * CEL function isCIDR, which Kubernetes has only from 1.31; a pattern works on every
 * version the chart supports (1.28+). It accepts what Go's netip.ParsePrefix accepts:
 * no leading zeros in IPv4 octets or in the prefix length, no zones, IPv4-embedded
 * IPv6 forms, host bits allowed.
 */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const V4 = `${OCTET}(\\.${OCTET}){3}`;
const H16 = '[0-9a-fA-F]{1,4}';
const LS32 = `(${H16}:${H16}|${V4})`;

/** h16 ":" repeated n times. */
const rep = (n: number): string => (n === 0 ? '' : n === 1 ? `${H16}:` : `(${H16}:){${n}}`);
/** [ *n( h16 ":" ) h16 ] */
const head = (n: number): string =>
  n < 0 ? '' : n === 0 ? `(${H16})?` : `((${H16}:){0,${n}}${H16})?`;

// RFC 3986 IPv6address, one alternative per position of "::".
const V6 = [
  `${rep(6)}${LS32}`,
  `::${rep(5)}${LS32}`,
  `${head(0)}::${rep(4)}${LS32}`,
  `${head(1)}::${rep(3)}${LS32}`,
  `${head(2)}::${rep(2)}${LS32}`,
  `${head(3)}::${H16}:${LS32}`,
  `${head(4)}::${LS32}`,
  `${head(5)}::${H16}`,
  `${head(6)}::`,
].join('|');

export const CIDR_PATTERN = `^((${V4})/(3[0-2]|[12]?[0-9])|(${V6})/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))$`;
