/**
 * Generated bad input for the API's write routes: from one valid request of a route, requests that
 * each break exactly one thing (a field of the wrong type, a huge or negative number, an
 * over-precise decimal, unicode, a very long string, a missing or an extra field, a bad query
 * string or path id). A seeded generator, so a failure can be replayed.
 */

/** One write route and a valid request of it. */
export interface WriteRouteCase {
  readonly method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** With `{id}` where the path takes an id. */
  readonly path: string;
  /** An id of an object of the calling user (so validation deeper than the schema is reached). */
  readonly id?: string;
  /** A valid body; undefined for routes without one. */
  readonly body?: Record<string, unknown>;
  /** Body fields that may be left out (the others are required). */
  readonly optional?: readonly string[];
  /** The route accepts no body at all, or an empty one: only field mutations are sent, never a bare null or {}. */
  readonly bodyOptional?: boolean;
  /** Fields that are names (a bot id, a token name): any short printable text is valid there. */
  readonly names?: readonly string[];
  /** Dotted fields of free text (a password, an API secret): any string of a sane length is valid there. */
  readonly freeText?: readonly string[];
  /** Valid query parameters (mutated like body fields). */
  readonly query?: Record<string, string>;
}

export interface BadRequest {
  readonly method: WriteRouteCase['method'];
  readonly url: string;
  /** A JSON body (already serialized: some are not objects). */
  readonly payload?: string;
  /** What was broken, for the failure message. */
  readonly broke: string;
}

/** A small seeded PRNG (mulberry32). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values no field of botledger's API accepts in place of a well-formed one. */
const BAD_VALUES: readonly [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['a number', 12345],
  ['a negative number', -1],
  ['a huge number', 1e308],
  ['a fraction', 0.1],
  ['an array', ['x']],
  ['an object', { nested: { deeper: 1 } }],
  ['an empty string', ''],
  ['a very long string', 'x'.repeat(70_000)],
  ['unicode and control characters', '💥\u0000\u202e\uffff名前'],
  ['an over-precise decimal', '0.0000000000000000001'],
  ['a decimal with an exponent', '1e3'],
  ['a negative decimal', '-5'],
  ['zero', '0'],
  ['a huge decimal', '9'.repeat(60)],
  ['SQL', "'; drop table bots; --"],
];

/** Path ids that name nothing of the caller's (or are malformed). */
const BAD_IDS: readonly string[] = [
  'nope',
  '0',
  '-1',
  '99999999999999999999',
  'x'.repeat(300),
  '%00',
  '..%2F..%2Fetc',
  '%F0%9F%92%A5',
  'a%20b',
  "'%3B--",
];

/** Query values no route accepts. */
const BAD_QUERY_VALUES: readonly string[] = ['', 'yes', '-1', '1e400', '%FF', 'x'.repeat(2_000), '[object]'];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)];
}

function urlOf(route: WriteRouteCase, id: string | undefined, query: Record<string, string> | undefined, rawQuery = ''): string {
  const path = route.path.replace('{id}', id ?? route.id ?? 'none');
  const params = query ? new URLSearchParams(query).toString() : '';
  const joined = [params, rawQuery].filter((part) => part !== '').join('&');
  return joined === '' ? path : `${path}?${joined}`;
}

/**
 * `count` bad requests spread over the routes, each breaking one thing.
 *
 * @example
 * for (const request of badRequests(routes, 10_000, 7)) await app.inject(request);
 */
export function* badRequests(routes: readonly WriteRouteCase[], count: number, seed: number): Generator<BadRequest> {
  const random = seeded(seed);
  for (let n = 0; n < count; n++) {
    const route = routes[n % routes.length];
    const kind = random();
    const body = route.body;
    if (route.path.includes('{id}') && kind < 0.2) {
      const id = pick(random, BAD_IDS);
      yield {
        method: route.method,
        url: urlOf(route, id, route.query),
        payload: body ? JSON.stringify(body) : undefined,
        broke: `path id ${id.slice(0, 40)}`,
      };
    } else if (kind < 0.35) {
      const value = pick(random, BAD_QUERY_VALUES);
      const key = route.query && random() < 0.5 ? pick(random, Object.keys(route.query)) : `unknown${Math.floor(random() * 3)}`;
      yield {
        method: route.method,
        url: urlOf(route, undefined, { ...route.query, [key]: value }),
        payload: body ? JSON.stringify(body) : undefined,
        broke: `query ${key}=${value.slice(0, 20)}`,
      };
    } else if (!body && route.bodyOptional) {
      // A route without a body: its path id and query are what can be broken.
      const key = route.query ? pick(random, Object.keys(route.query)) : 'unknown';
      const value = pick(random, BAD_QUERY_VALUES);
      yield {
        method: route.method,
        url: urlOf(route, undefined, { ...route.query, [key]: value }),
        broke: `query ${key}=${value.slice(0, 20)}`,
      };
    } else if (!body || (kind < 0.45 && !route.bodyOptional)) {
      const whole = pick(random, ['null', '[]', '"text"', '42', 'true', '{', '{"a":1,}', '\u0000', '{"__proto__":{"admin":true}}']);
      yield {
        method: route.method,
        url: urlOf(route, undefined, route.query),
        payload: whole,
        broke: `a body of ${JSON.stringify(whole)}`,
      };
    } else {
      const fields = Object.keys(body);
      const choice = random();
      const required = fields.filter((field) => !route.optional?.includes(field));
      if (choice < 0.15 && required.length > 0) {
        const field = pick(random, required);
        const { [field]: _left, ...rest } = body;
        yield { method: route.method, url: urlOf(route, undefined, route.query), payload: JSON.stringify(rest), broke: `without ${field}` };
      } else if (choice < 0.3) {
        const extra = pick(random, ['extra', 'constructor', 'isAdmin', 'userId', 'ünïcödé', 'x'.repeat(200)]);
        yield {
          method: route.method,
          url: urlOf(route, undefined, route.query),
          payload: JSON.stringify({ ...body, [extra]: pick(random, BAD_VALUES)[1] }),
          broke: `an extra field ${extra.slice(0, 20)}`,
        };
      } else {
        const path = pickPath(random, body);
        const field = path.join('.');
        const kind = route.freeText?.includes(field) ? 'free' : route.names?.includes(field) ? 'name' : 'value';
        const [label, value] = pick(random, badValuesFor(valueAt(body, path), kind));
        yield {
          method: route.method,
          url: urlOf(route, undefined, route.query),
          payload: JSON.stringify(setAt(body, path, value)),
          broke: `${path.join('.')} = ${label}`,
        };
      }
    }
  }
}

/** The bad values for a field holding `original`: a boolean's opposite or another count is no mistake. */
function badValuesFor(original: unknown, kind: 'value' | 'name' | 'free' = 'value'): readonly [string, unknown][] {
  if (kind === 'free') return BAD_VALUES.filter(([, value]) => typeof value !== 'string' || value.length > 1_000);
  // A name may be any printable text (quotes too: it is data, never SQL); empty, huge or with control characters it is not.
  if (kind === 'name')
    return BAD_VALUES.filter(
      ([, value]) =>
        typeof value !== 'string' ||
        value === '' ||
        value.length > 1_000 ||
        [...value].some((char) => (char.codePointAt(0) ?? 0) < 0x20 || (char.codePointAt(0) ?? 0) === 0x7f),
    );
  if (typeof original === 'boolean') return BAD_VALUES.filter(([, value]) => typeof value !== 'boolean');
  if (typeof original === 'number') return BAD_VALUES.filter(([label]) => label !== 'a number');
  return BAD_VALUES;
}

function valueAt(body: Record<string, unknown>, path: readonly string[]): unknown {
  return path.reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), body);
}

/** A path to a leaf of the body (into nested objects such as config). */
function pickPath(random: () => number, body: Record<string, unknown>): string[] {
  const path: string[] = [];
  let at: unknown = body;
  while (at && typeof at === 'object' && !Array.isArray(at) && Object.keys(at).length > 0) {
    const key = pick(random, Object.keys(at as object));
    path.push(key);
    at = (at as Record<string, unknown>)[key];
    if (random() < 0.3) break;
  }
  return path;
}

function setAt(body: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (rest.length === 0) return { ...body, [head]: value };
  return { ...body, [head]: setAt((body[head] as Record<string, unknown>) ?? {}, rest, value) };
}
