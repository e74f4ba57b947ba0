import type { Problem } from '../../ir/index.ts';
import { INGRESS_NGINX_PREFIX } from './audit-annotations.ts';

const SECRET = `${INGRESS_NGINX_PREFIX}/proxy-ssl-secret`;
const VERIFY = `${INGRESS_NGINX_PREFIX}/proxy-ssl-verify`;
const VERIFY_DEPTH = `${INGRESS_NGINX_PREFIX}/proxy-ssl-verify-depth`;
const NAME = `${INGRESS_NGINX_PREFIX}/proxy-ssl-name`;
const SERVER_NAME = `${INGRESS_NGINX_PREFIX}/proxy-ssl-server-name`;
const CIPHERS = `${INGRESS_NGINX_PREFIX}/proxy-ssl-ciphers`;
const PROTOCOLS = `${INGRESS_NGINX_PREFIX}/proxy-ssl-protocols`;

/** The proxy-ssl annotations, canonical spelling. */
export const PROXY_SSL_ANNOTATIONS = [
  SECRET,
  VERIFY,
  VERIFY_DEPTH,
  NAME,
  SERVER_NAME,
  CIPHERS,
  PROTOCOLS,
] as const;

/** What an Ingress's proxy-ssl annotations ask for; the Secret is checked later. */
export interface ProxySslRequest {
  /** `namespace/name` as written; null when it is not of that form (the backends then answer 503). */
  readonly secret: { readonly namespace: string; readonly name: string } | null;
  /** The value of proxy-ssl-secret, for messages. */
  readonly secretText: string;
  readonly verify: boolean;
  readonly verifyDepth: number;
  readonly name?: string;
  readonly sendName?: true;
  readonly ciphers?: string;
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** The proxy-ssl request of an Ingress (null without proxy-ssl-secret), and its problems. */
export interface ProxySslRead {
  readonly request: ProxySslRequest | null;
  readonly problems: readonly Problem[];
}

// ingress-nginx's own checks (internal/ingress/annotations/proxyssl): on|off exactly, an OpenSSL
// cipher list, space-separated TLSv1.2 and TLSv1.3.
const ON_OFF = /^(on|off)$/;
const CIPHER_LIST = /^[A-Za-z0-9+:_\-!]+$/;
const PROTOCOL = /^TLSv1\.[23]$/;
const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const SECRET_PART = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

/**
 * Reads proxy-ssl-secret (`namespace/name`), proxy-ssl-verify and proxy-ssl-server-name (`on` or
 * `off`), proxy-ssl-verify-depth (an integer, 0 meaning the default 1), proxy-ssl-name (a DNS
 * name), proxy-ssl-ciphers and proxy-ssl-protocols. As in ingress-nginx, nothing applies without
 * proxy-ssl-secret: the others are then ignored with a problem. A bad value of the others is
 * ignored with an `IgnoredAnnotation` problem and its default applies.
 */
export function proxySslOf(annotations: Readonly<Record<string, string>>): ProxySslRead {
  const problems: Problem[] = [];
  const value = (key: string): string => (annotations[key] ?? '').trim();
  const secretText = value(SECRET);
  if (secretText === '') {
    for (const key of PROXY_SSL_ANNOTATIONS) {
      if (key !== SECRET && value(key) !== '') {
        problems.push(ignored(key, value(key), 'it has no effect without proxy-ssl-secret'));
      }
    }
    return { request: null, problems };
  }
  const parts = secretText.split('/');
  const secret =
    parts.length === 2 && parts.every((part) => SECRET_PART.test(part))
      ? { namespace: parts[0] ?? '', name: parts[1] ?? '' }
      : null;
  const request: { -readonly [K in keyof ProxySslRequest]: ProxySslRequest[K] } = {
    secret,
    secretText,
    verify: onOff(VERIFY, value(VERIFY), problems) ?? false,
    verifyDepth: 1,
  };
  const depth = value(VERIFY_DEPTH);
  if (depth !== '') {
    if (/^\+?\d{1,3}$/.test(depth)) request.verifyDepth = Math.max(1, Number(depth));
    else problems.push(ignored(VERIFY_DEPTH, depth, 'not a whole number from 0 to 999'));
  }
  const name = value(NAME);
  if (name !== '') {
    if (DNS_NAME.test(name)) request.name = name.toLowerCase();
    else problems.push(ignored(NAME, name, 'not a DNS name'));
  }
  if (onOff(SERVER_NAME, value(SERVER_NAME), problems) === true && request.name !== undefined) {
    request.sendName = true;
  }
  const ciphers = value(CIPHERS);
  if (ciphers !== '') {
    if (CIPHER_LIST.test(ciphers)) request.ciphers = ciphers;
    else problems.push(ignored(CIPHERS, ciphers, 'not an OpenSSL cipher list'));
  }
  const protocols = value(PROTOCOLS);
  if (protocols !== '') {
    const listed = protocols.split(/\s+/).filter((token) => PROTOCOL.test(token));
    if (listed.length === 0) {
      problems.push(ignored(PROTOCOLS, protocols, 'names neither TLSv1.2 nor TLSv1.3'));
    } else {
      request.minVersion = listed.includes('TLSv1.2') ? 'TLSv1.2' : 'TLSv1.3';
      request.maxVersion = listed.includes('TLSv1.3') ? 'TLSv1.3' : 'TLSv1.2';
    }
  }
  return { request, problems };
}

function onOff(key: string, value: string, problems: Problem[]): boolean | undefined {
  if (value === '') return undefined;
  if (ON_OFF.test(value)) return value === 'on';
  problems.push(ignored(key, value, 'neither "on" nor "off"'));
  return undefined;
}

function ignored(key: string, value: string, why: string): Problem {
  return {
    code: 'IgnoredAnnotation',
    field: `metadata.annotations[${key}]`,
    message: `${JSON.stringify(value.slice(0, 60))}: ${why}; the annotation is ignored`,
  };
}
