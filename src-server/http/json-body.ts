import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_ITEMS = 1_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Why a JSON text is refused before it is parsed — nested deeper than MAX_JSON_DEPTH or holding more
 * than MAX_JSON_ITEMS keys and elements — else undefined. One pass over the text, strings skipped;
 * whether it is valid JSON is left to the parser.
 */
export function jsonShapeProblem(text: string): string | undefined {
  // Too short to be too deep or too long.
  if (text.length <= MAX_JSON_DEPTH) return undefined;
  let depth = 0;
  let items = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // To the closing quote: the next one not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i === -1) return undefined;
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) return `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === COMMA) {
      if (++items >= MAX_JSON_ITEMS) return `the JSON body holds more than ${MAX_JSON_ITEMS} keys and elements`;
    }
  }
  return undefined;
}

/**
 * Fastify's own JSON parser (secure-json-parse, refusing `__proto__` and `constructor.prototype` as
 * configured), behind a cheap check of the body's shape: 64 KiB of nesting costs milliseconds to parse
 * and validate, a linear scan microseconds.
 */
export function installJsonBodyLimits(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const problem = jsonShapeProblem(body as string);
    if (problem) {
      done(new AppError('INVALID_REQUEST', problem), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
