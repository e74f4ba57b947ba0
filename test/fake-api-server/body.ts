import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { toJson, type Json } from './json.ts';
import { failure, type KubeStatus } from './status.ts';

/** A request body as text, or the Status to answer instead. */
export type BodyText =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly status: KubeStatus };

/** A parsed request body, or the Status to answer instead. */
export type BodyValue =
  { readonly ok: true; readonly value: Json } | { readonly ok: false; readonly status: KubeStatus };

/** Past this many bytes beyond the limit the sender is cut off instead of drained. */
const DRAIN_CAP = 32 * 1024 * 1024;

/**
 * Reads a request body of at most `limit` bytes. A larger body is drained without being kept
 * and then answered with 413 (answering mid-upload would make the client see a reset instead);
 * one that goes on past the limit plus 32 MiB has its connection destroyed.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<BodyText> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyText): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const tooLarge = failure(413, `the request body is larger than ${limit} bytes`);
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
      if (size > limit + DRAIN_CAP) {
        settle({ ok: false, status: tooLarge });
        request.destroy();
      }
    });
    request.on('end', () => {
      if (size > limit) settle({ ok: false, status: tooLarge });
      else settle({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    request.on('error', () => {
      settle({ ok: false, status: failure(400, 'the request body could not be read') });
    });
    request.on('close', () => {
      settle({ ok: false, status: failure(400, 'the request body ended early') });
    });
  });
}

/**
 * Parses a body as JSON, or as YAML when the content type says so (JSON is YAML too, so the
 * YAML path accepts both). An empty body parses as `null`.
 */
export function parseBody(text: string, contentType: string): BodyValue {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    if (!/yaml/i.test(contentType)) return { ok: true, value: JSON.parse(text) as Json };
    // YAML can hold values JSON cannot (dates, binary, odd keys): keep what JSON would keep.
    return { ok: true, value: toJson(parseYaml(text, { maxAliasCount: 100 })) ?? null };
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : '';
    return { ok: false, status: failure(400, `the request body could not be parsed: ${reason}`) };
  }
}
