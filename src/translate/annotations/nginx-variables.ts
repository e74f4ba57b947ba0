import { isTemplateVariable, type TemplatePart } from '../../ir/index.ts';

/** A value parsed into literal text and variables, or why it cannot be. */
export type TemplateParse =
  | { readonly ok: true; readonly parts: readonly TemplatePart[] }
  | { readonly ok: false; readonly reason: string };

const NAME_CHAR = /[A-Za-z0-9_]/;
const NAME = /^[A-Za-z0-9_]+$/;

/**
 * Parses an annotation value that may name nginx variables (`$host`, `${request_uri}`) into
 * literal text and variable references. Variable names are read without regard to case, as nginx
 * reads them, and kept in lower case. A `$` without a name after it, an unclosed `${`, a regex
 * capture (`$1`) or a variable the data plane cannot fill in (see isTemplateVariable) makes the
 * whole value invalid. Linear in the length of the value; never throws.
 */
export function parseNginxVariables(value: string): TemplateParse {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < value.length) {
    const dollar = value.indexOf('$', i);
    if (dollar < 0) {
      text += value.slice(i);
      break;
    }
    text += value.slice(i, dollar);
    const name = nameAt(value, dollar + 1);
    if (typeof name === 'string') return { ok: false, reason: name };
    const variable = name.name.toLowerCase();
    if (/^[0-9]/.test(variable)) {
      const capture = variable.slice(0, 1);
      return { ok: false, reason: `regex captures such as $${capture} are not supported` };
    }
    if (!isTemplateVariable(variable)) {
      return { ok: false, reason: `the nginx variable $${variable} is not supported` };
    }
    if (text !== '') parts.push({ text });
    text = '';
    parts.push({ variable });
    i = name.end;
  }
  if (text !== '') parts.push({ text });
  return { ok: true, parts };
}

/** The variable name after a `$` at `start` and where it ends, or why there is none. */
function nameAt(value: string, start: number): { name: string; end: number } | string {
  if (value[start] === '{') {
    const close = value.indexOf('}', start + 1);
    const name = close < 0 ? '' : value.slice(start + 1, close);
    if (close < 0 || !NAME.test(name)) {
      return 'a ${ must hold a variable name and be closed by }';
    }
    return { name, end: close + 1 };
  }
  let end = start;
  while (end < value.length && NAME_CHAR.test(value[end] as string)) end++;
  if (end === start) return 'a $ must be followed by a variable name';
  return { name: value.slice(start, end), end };
}

/** True when the parts name at least one variable. */
export function hasVariables(parts: readonly TemplatePart[]): boolean {
  return parts.some((part) => 'variable' in part);
}
