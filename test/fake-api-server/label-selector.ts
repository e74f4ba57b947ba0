import { isObject, type Json } from './json.ts';

/** One parsed requirement of a label selector. */
export interface LabelRequirement {
  readonly key: string;
  readonly op: 'in' | 'notin' | 'exists' | '!exists' | 'gt' | 'lt';
  readonly values: readonly string[];
}

/** A parsed selector, or the reason it could not be parsed. */
export type LabelSelectorResult =
  | { readonly ok: true; readonly requirements: readonly LabelRequirement[] }
  | { readonly ok: false; readonly error: string };

const KEY =
  /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const TOKEN = /\s*(!=|==|=|!|\(|\)|,|<|>|[^\s!=(),<>]+)/y;

function tokenize(text: string): string[] | undefined {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const match = TOKEN.exec(text);
    if (!match) return text.slice(TOKEN.lastIndex).trim() === '' ? tokens : undefined;
    tokens.push(match[1] ?? '');
  }
  return tokens;
}

class Parser {
  private position = 0;
  private readonly tokens: readonly string[];

  constructor(tokens: readonly string[]) {
    this.tokens = tokens;
  }

  peek(): string | undefined {
    return this.tokens[this.position];
  }

  next(): string | undefined {
    return this.tokens[this.position++];
  }

  done(): boolean {
    return this.position >= this.tokens.length;
  }
}

function isWord(token: string | undefined): token is string {
  return token !== undefined && !['!=', '==', '=', '!', '(', ')', ',', '<', '>'].includes(token);
}

function parseValues(parser: Parser): string[] | string {
  if (parser.next() !== '(') return 'expected ( after in/notin';
  const values: string[] = [];
  for (;;) {
    const token = parser.peek();
    if (isWord(token)) {
      values.push(token);
      parser.next();
    } else values.push('');
    const separator = parser.next();
    if (separator === ')') return values;
    if (separator !== ',') return 'expected , or ) in value list';
  }
}

function parseOperator(parser: Parser, key: string): LabelRequirement | string {
  const op = parser.peek();
  if (op === undefined || op === ',') return { key, op: 'exists', values: [] };
  parser.next();
  if (op === 'in' || op === 'notin') {
    const values = parseValues(parser);
    return typeof values === 'string' ? values : { key, op, values };
  }
  const map: Record<string, LabelRequirement['op']> = {
    '=': 'in',
    '==': 'in',
    '!=': 'notin',
    '>': 'gt',
    '<': 'lt',
  };
  const mapped = map[op];
  if (mapped === undefined) return `unexpected "${op}" after key "${key}"`;
  const value = isWord(parser.peek()) ? (parser.next() ?? '') : '';
  if ((mapped === 'gt' || mapped === 'lt') && !/^-?\d+$/.test(value)) {
    return `value for ${op} must be an integer`;
  }
  return { key, op: mapped, values: [value] };
}

function parseRequirement(parser: Parser): LabelRequirement | string {
  const negated = parser.peek() === '!';
  if (negated) parser.next();
  const key = parser.next();
  if (!isWord(key)) return 'expected a label key';
  if (!KEY.test(key)) return `invalid label key "${key}"`;
  if (negated) return { key, op: '!exists', values: [] };
  return parseOperator(parser, key);
}

/**
 * Parses a label selector (`a=b,c!=d,e in (x,y),f notin (z),g,!h`, also `==`, `>` and `<`).
 * The empty string selects everything.
 */
export function parseLabelSelector(text: string): LabelSelectorResult {
  const tokens = tokenize(text);
  if (!tokens) return { ok: false, error: `unable to parse label selector "${text}"` };
  const parser = new Parser(tokens);
  const requirements: LabelRequirement[] = [];
  while (!parser.done()) {
    const requirement = parseRequirement(parser);
    if (typeof requirement === 'string') return { ok: false, error: requirement };
    const bad = requirement.values.find((value) => !VALUE.test(value));
    if (bad !== undefined) return { ok: false, error: `invalid label value "${bad}"` };
    requirements.push(requirement);
    const separator = parser.next();
    if (separator !== undefined && separator !== ',') {
      return { ok: false, error: `unexpected "${separator}" in label selector` };
    }
    if (separator === ',' && parser.done()) return { ok: false, error: 'trailing , in selector' };
  }
  return { ok: true, requirements };
}

function matchOne(requirement: LabelRequirement, labels: Readonly<Record<string, Json>>): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const raw = labels[requirement.key];
  const value = typeof raw === 'string' ? raw : undefined;
  switch (requirement.op) {
    case 'exists':
      return present;
    case '!exists':
      return !present;
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const have = Number(value);
      const want = Number(requirement.values[0]);
      return requirement.op === 'gt' ? have > want : have < want;
    }
  }
}

/** True when `labels` (an object's `metadata.labels`) satisfies every requirement. */
export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Json | undefined,
): boolean {
  const map = isObject(labels) ? labels : {};
  return requirements.every((requirement) => matchOne(requirement, map));
}
