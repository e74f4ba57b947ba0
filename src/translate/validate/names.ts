/**
 * Name and address checks with the rules of Kubernetes' apimachinery validation package, so that
 * manifests applied without an API server are refused exactly where one would refuse them. Each
 * check returns an error message, or null when the value is valid.
 */

const DNS1123_LABEL = '[a-z0-9](?:[-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(?:\\.${DNS1123_LABEL})*`;
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN}$`);
const WILDCARD_SUBDOMAIN_RE = new RegExp(`^\\*\\.${DNS1123_SUBDOMAIN}$`);
const DNS1035_LABEL_RE = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_RE = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE_RE = /^(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
// RFC 3986 path characters, as IsDomainPrefixedPath accepts them after the domain.
const HTTP_PATH_RE = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** Longest DNS-1123 subdomain (and so longest Ingress, IngressClass or Secret name). */
export const DNS1123_SUBDOMAIN_MAX = 253;
/** Longest DNS-1123 or DNS-1035 label (namespace and Service names). */
export const DNS1123_LABEL_MAX = 63;
/** Longest IANA service name (a named port). */
export const PORT_NAME_MAX = 15;

function tooLong(max: number): string {
  return `must be no more than ${max} characters`;
}

/**
 * Checks a DNS-1123 subdomain (RFC 1123): lower-case alphanumerics, `-` and `.`, starting and
 * ending with an alphanumeric, at most 253 characters. Used for most object names.
 */
export function dns1123SubdomainError(value: string): string | null {
  if (value.length > DNS1123_SUBDOMAIN_MAX) return tooLong(DNS1123_SUBDOMAIN_MAX);
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";
  }
  return null;
}

/**
 * Checks a DNS-1123 label: lower-case alphanumerics and `-`, starting and ending with an
 * alphanumeric, at most 63 characters. Used for namespace names.
 */
export function dns1123LabelError(value: string): string | null {
  if (value.length > DNS1123_LABEL_MAX) return tooLong(DNS1123_LABEL_MAX);
  if (DNS1123_LABEL_RE.test(value)) return null;
  if (DNS1123_SUBDOMAIN_RE.test(value)) return 'must not contain dots';
  return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name')";
}

/**
 * Checks a DNS-1035 label: like a DNS-1123 label but starting with a letter. Service names
 * must be one, and so must the Service name of an Ingress backend.
 */
export function dns1035LabelError(value: string): string | null {
  if (value.length > DNS1123_LABEL_MAX) return tooLong(DNS1123_LABEL_MAX);
  if (DNS1035_LABEL_RE.test(value)) return null;
  return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name')";
}

/**
 * Checks a wildcard DNS-1123 subdomain (RFC 1034 section 4.3.3): `*.` followed by a DNS-1123
 * subdomain, at most 253 characters in all. The `*` must be the whole first label, so
 * `*.foo.com` is valid while `*`, `*foo.com`, `**.foo.com` and `foo.*.com` are not.
 */
export function wildcardSubdomainError(value: string): string | null {
  if (value.length > DNS1123_SUBDOMAIN_MAX) return tooLong(DNS1123_SUBDOMAIN_MAX);
  if (!WILDCARD_SUBDOMAIN_RE.test(value)) {
    return "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com')";
  }
  return null;
}

/**
 * Checks an Ingress rule host as the API server does: a DNS-1123 subdomain, or a wildcard one
 * when it contains `*`, and never an IP address. Upper case is refused, as DNS-1123 is lower case.
 */
export function ruleHostError(host: string): string | null {
  if (isIpAddress(host)) return 'must be a DNS name, not an IP address';
  return tlsHostError(host);
}

/**
 * Checks a `spec.tls[].hosts` entry as the API server does: a DNS-1123 subdomain, or a wildcard
 * one when it contains `*`. Unlike rule hosts, the API server does not refuse IP addresses here.
 */
export function tlsHostError(host: string): string | null {
  return host.includes('*') ? wildcardSubdomainError(host) : dns1123SubdomainError(host);
}

/**
 * Checks an IANA service name (RFC 6335), the syntax of a named port: 1 to 15 characters of
 * `a-z`, `0-9` and `-`, at least one letter, no `-` at either end and no `--`. Only lower case
 * is accepted, as Kubernetes does.
 */
export function portNameError(value: string): string | null {
  if (value.length > PORT_NAME_MAX) return tooLong(PORT_NAME_MAX);
  if (!/^[-a-z0-9]+$/.test(value)) {
    return 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)';
  }
  if (!/[a-z]/.test(value)) return 'must contain at least one letter (a-z)';
  if (value.includes('--')) return 'must not contain consecutive hyphens';
  if (value.startsWith('-') || value.endsWith('-')) return 'must not begin or end with a hyphen';
  return null;
}

/**
 * Checks a qualified name (the syntax of label and annotation keys): an optional DNS-1123
 * subdomain prefix and `/`, then a name of at most 63 alphanumerics, `-`, `_` or `.` that
 * starts and ends with an alphanumeric.
 */
export function qualifiedNameError(value: string): string | null {
  const parts = value.split('/');
  if (parts.length > 2) {
    return "a qualified name must be a name with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
  }
  const name = parts.length === 2 ? (parts[1] ?? '') : value;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') return 'prefix part must be non-empty';
    const prefixError = dns1123SubdomainError(prefix);
    if (prefixError !== null) return `prefix part ${prefixError}`;
  }
  if (name === '') return 'name part must be non-empty';
  if (name.length > DNS1123_LABEL_MAX) return `name part ${tooLong(DNS1123_LABEL_MAX)}`;
  if (!QUALIFIED_NAME_RE.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return null;
}

/** Checks a label value: empty, or at most 63 alphanumerics, `-`, `_` or `.` between alphanumerics. */
export function labelValueError(value: string): string | null {
  if (value.length > DNS1123_LABEL_MAX) return tooLong(DNS1123_LABEL_MAX);
  if (!LABEL_VALUE_RE.test(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return null;
}

/**
 * Checks a name that must be safe as one URL path segment (resource backend kind and name):
 * not `.` or `..`, and without `/` or `%`. Emptiness is the caller's concern, as in Kubernetes.
 */
export function pathSegmentNameError(value: string): string | null {
  if (value === '.' || value === '..') return `may not be '${value}'`;
  if (value.includes('/')) return "may not contain '/'";
  if (value.includes('%')) return "may not contain '%'";
  return null;
}

/**
 * Checks a domain-prefixed path such as `example.com/ingress-controller` (the syntax of an
 * IngressClass controller): a DNS-1123 subdomain, `/`, then a non-empty RFC 3986 path.
 */
export function domainPrefixedPathError(value: string): string | null {
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) {
    return 'must be a domain-prefixed path (such as "acme.io/foo")';
  }
  const hostError = dns1123SubdomainError(value.slice(0, slash));
  if (hostError !== null) return hostError;
  if (!HTTP_PATH_RE.test(value.slice(slash + 1))) {
    return "the part after the domain must be a path of RFC 3986 characters (A-Za-z0-9/-._~%!$&'()*+,;=:)";
  }
  return null;
}

/**
 * Whether the value parses as an IPv4 address the way Kubernetes' lenient parser reads one:
 * four dot-separated decimal numbers up to 255, leading zeros allowed (`010.1.1.1` counts).
 */
export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every(isByte);
}

function isByte(part: string): boolean {
  return /^[0-9]+$/.test(part) && Number.parseInt(part, 10) <= 255;
}

function isHexGroup(part: string): boolean {
  return /^[0-9a-fA-F]+$/.test(part) && Number.parseInt(part, 16) <= 0xffff;
}

/**
 * Whether the value parses as an IPv6 address: up to eight hex groups with at most one `::`
 * standing for at least one zero group, optionally ending in a dotted IPv4 address. Zones
 * (`%eth0`) are not addresses, as in Kubernetes.
 */
export function isIpv6(value: string): boolean {
  const gap = value.indexOf('::');
  if (gap >= 0 && value.indexOf('::', gap + 1) >= 0) return false;
  const splitGroups = (text: string): string[] => (text === '' ? [] : text.split(':'));
  const head = splitGroups(gap >= 0 ? value.slice(0, gap) : value);
  const tail = gap >= 0 ? splitGroups(value.slice(gap + 2)) : [];
  const last = gap >= 0 ? tail : head;
  let groups = 0;
  for (const [index, part] of [...head, ...tail].entries()) {
    const isLast = index === head.length + tail.length - 1 && last.length > 0;
    if (isLast && part.includes('.')) {
      if (!isIpv4(part)) return false;
      groups += 2;
    } else if (isHexGroup(part)) {
      groups += 1;
    } else {
      return false;
    }
  }
  return gap >= 0 ? groups <= 7 : groups === 8;
}

/** Whether the value is an IPv4 or IPv6 address. */
export function isIpAddress(value: string): boolean {
  return isIpv4(value) || isIpv6(value);
}
