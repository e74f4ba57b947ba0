import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dns1035LabelError,
  dns1123LabelError,
  dns1123SubdomainError,
  domainPrefixedPathError,
  isIpAddress,
  isIpv4,
  isIpv6,
  labelValueError,
  pathSegmentNameError,
  portNameError,
  qualifiedNameError,
  ruleHostError,
  tlsHostError,
  wildcardSubdomainError,
} from './names.ts';

function accepts(check: (value: string) => string | null, values: readonly string[]): void {
  for (const value of values) assert.equal(check(value), null, `expected ${value} to be valid`);
}

function refuses(check: (value: string) => string | null, values: readonly string[]): void {
  for (const value of values)
    assert.equal(typeof check(value), 'string', `expected ${value} to be invalid`);
}

describe('dns1123SubdomainError', () => {
  it('accepts lower-case names with dots and dashes up to 253 characters', () => {
    accepts(dns1123SubdomainError, ['a', 'example.com', 'a-b.c-d', '0.1', 'x'.repeat(253)]);
  });
  it('refuses empty, upper case, bad ends, underscores and 254 characters', () => {
    refuses(dns1123SubdomainError, ['', 'Example.com', '-a', 'a-', 'a..b', '.a', 'a.', 'a_b']);
    refuses(dns1123SubdomainError, ['x'.repeat(254), '*.a.com', 'a b']);
  });
});

describe('dns1123LabelError', () => {
  it('accepts labels up to 63 characters, digits first allowed', () => {
    accepts(dns1123LabelError, ['default', '123-abc', 'a'.repeat(63)]);
  });
  it('refuses dots, upper case, bad ends and 64 characters', () => {
    refuses(dns1123LabelError, ['', 'a.b', 'Shop', '-a', 'a-', 'a'.repeat(64)]);
    assert.equal(dns1123LabelError('a.b'), 'must not contain dots');
  });
});

describe('dns1035LabelError', () => {
  it('accepts labels that start with a letter', () => {
    accepts(dns1035LabelError, ['web', 'web-1', 'a'.repeat(63)]);
  });
  it('refuses a leading digit, dots, upper case and 64 characters', () => {
    refuses(dns1035LabelError, ['', '1web', 'web.svc', 'Web', 'web-', 'a'.repeat(64)]);
  });
});

describe('wildcardSubdomainError', () => {
  it('accepts *. followed by a subdomain', () => {
    accepts(wildcardSubdomainError, ['*.foo.com', '*.com', '*.a.b.c']);
  });
  it('refuses a * anywhere but as the whole first label', () => {
    refuses(wildcardSubdomainError, ['*', '*.', 'foo.*.com', '**.foo.com', '*foo.com']);
    refuses(wildcardSubdomainError, ['f*.foo.com', '*.*.foo.com', 'foo.com', '*.Foo.com']);
    refuses(wildcardSubdomainError, [`*.${'a'.repeat(252)}`]);
  });
});

describe('rule and TLS hosts', () => {
  it('refuses IP addresses as rule hosts but not as TLS hosts', () => {
    assert.equal(ruleHostError('10.0.0.1'), 'must be a DNS name, not an IP address');
    assert.equal(tlsHostError('10.0.0.1'), null);
    assert.equal(typeof ruleHostError('::1'), 'string');
  });
  it('accepts names and wildcards and refuses upper case', () => {
    accepts(ruleHostError, ['foo.bar.com', '*.foo.com', 'localhost']);
    refuses(ruleHostError, ['Foo.com', 'FOO.COM', 'foo.*.com']);
  });
});

describe('portNameError', () => {
  it('accepts IANA service names', () => {
    accepts(portNameError, ['http', 'h2c', 'a-b-c', 'x'.repeat(15), '8a']);
  });
  it('refuses each rule it enforces', () => {
    assert.match(portNameError('x'.repeat(16)) ?? '', /15/);
    assert.match(portNameError('HTTP') ?? '', /alpha-numeric/);
    assert.match(portNameError('web_1') ?? '', /alpha-numeric/);
    assert.match(portNameError('8080') ?? '', /at least one letter/);
    assert.match(portNameError('a--b') ?? '', /consecutive/);
    assert.match(portNameError('-http') ?? '', /begin or end/);
    assert.match(portNameError('http-') ?? '', /begin or end/);
    assert.notEqual(portNameError(''), null);
  });
});

describe('qualifiedNameError and labelValueError', () => {
  it('accepts names with an optional subdomain prefix', () => {
    accepts(qualifiedNameError, [
      'app',
      'App.Name_1',
      'example.com/Name',
      'kubernetes.io/ingress.class',
    ]);
  });
  it('refuses empty parts, bad prefixes, two slashes and long names', () => {
    refuses(qualifiedNameError, ['', '/a', 'a/', 'a/b/c', 'Bad_Prefix/a', '-a', 'a-']);
    refuses(qualifiedNameError, ['x'.repeat(64), 'a b']);
  });
  it('accepts empty label values and refuses bad ones', () => {
    accepts(labelValueError, ['', 'v1', 'My_Value.2']);
    refuses(labelValueError, ['-a', 'a b', 'x'.repeat(64), 'a/b']);
  });
});

describe('pathSegmentNameError and domainPrefixedPathError', () => {
  it('refuses dot names, slashes and percent signs', () => {
    accepts(pathSegmentNameError, ['StorageBucket', 'my.bucket', '...']);
    refuses(pathSegmentNameError, ['.', '..', 'a/b', 'a%2f']);
  });
  it('wants a domain, a slash and an RFC 3986 path', () => {
    accepts(domainPrefixedPathError, ['example.com/ingress', 'k8s.io/a/b:c']);
    refuses(domainPrefixedPathError, [
      'example.com',
      '/path',
      'example.com/',
      'Ex.com/a',
      'a.com/ b',
    ]);
  });
});

describe('IP address detection', () => {
  it('reads IPv4 leniently, leading zeros included', () => {
    for (const ip of ['1.2.3.4', '0.0.0.0', '255.255.255.255', '010.001.1.1'])
      assert.ok(isIpv4(ip), ip);
    for (const ip of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.a', '1..2.3', '']) {
      assert.ok(!isIpv4(ip), ip);
    }
  });
  it('reads IPv6 with one :: and an optional IPv4 tail', () => {
    for (const ip of [
      '::',
      '::1',
      '2001:db8::ffff',
      '1:2:3:4:5:6:7:8',
      '::ffff:1.2.3.4',
      'FE80::1',
    ]) {
      assert.ok(isIpv6(ip), ip);
    }
    const bad = [
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':::',
      '1:2:3:4::5:6:7:8',
      '1.2.3.4::',
      'fe80::1%eth0',
    ];
    for (const ip of [...bad, '12345::', 'g::1', '1:2', '::1:', ':1::']) assert.ok(!isIpv6(ip), ip);
  });
  it('isIpAddress covers both families and not names', () => {
    assert.ok(isIpAddress('192.168.0.1'));
    assert.ok(isIpAddress('2001:db8::1'));
    assert.ok(!isIpAddress('example.com'));
    assert.ok(!isIpAddress('1.2.3.4.example.com'));
  });
});
