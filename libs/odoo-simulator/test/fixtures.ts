import fs from 'node:fs';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');
/** CI and developers have shared/ beside the clone; the local copies keep tests working without it. */
export const SHARED_FIXTURES = path.resolve(repoRoot, '..', 'shared', 'fixtures');
export const LOCAL_FIXTURES = path.resolve(__dirname, 'fixtures');

export function fixtureText(name: string): string {
  const shared = path.join(SHARED_FIXTURES, name);
  return fs.readFileSync(fs.existsSync(shared) ? shared : path.join(LOCAL_FIXTURES, name), 'utf8');
}

export function fixtureJson<T = unknown>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

export interface HttpMessage {
  startLine: string;
  headers: Record<string, string>;
  body: string;
}

/** Splits a documented HTTP exchange (start line, headers, blank line, body). */
export function fixtureHttp(name: string): HttpMessage {
  const text = fixtureText(name).replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const [startLine, ...headerLines] = text.slice(0, split).split('\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { startLine: startLine!, headers, body: text.slice(split + 2) };
}
