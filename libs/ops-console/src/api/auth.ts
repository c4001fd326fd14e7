import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthSettings } from '../config';
import { sendProblem } from './problems';

/** Who called: recorded with every action in the audit log. */
export interface Operator {
  subject: string;
  via: 'token' | 'oidc';
}

/** The operator of an authenticated request (set by authenticate). */
export function operatorOf(res: Response): Operator {
  const operator = res.locals.operator as Operator | undefined;
  if (!operator) throw new Error('route reached without authentication');
  return operator;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Bearer authentication for every API route: the static token (constant-time compare of digests,
 * so neither length nor content leaks), or an OIDC access token verified against the issuer's
 * keys, issuer and audience. Only the Authorization header counts, never a cookie, so a
 * cross-site request cannot carry the credential: actions are CSRF-safe without a CSRF token.
 */
export function authenticate(settings: AuthSettings): (req: Request, res: Response, next: NextFunction) => void {
  const tokenDigest = settings.token ? digest(settings.token) : undefined;
  let jwks: JWTVerifyGetKey | undefined;
  const keys = async (): Promise<JWTVerifyGetKey> => {
    if (jwks) return jwks;
    const url = settings.oidc!.jwksUrl ?? (await discoverJwksUrl(settings.oidc!.issuer));
    jwks = createRemoteJWKSet(new URL(url));
    return jwks;
  };

  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([^\s]+)$/i.exec(header);
    if (!match) {
      sendProblem(res, 'unauthenticated', 'send Authorization: Bearer <token>', { 'www-authenticate': 'Bearer realm="ops-console"' });
      return;
    }
    const presented = match[1]!;
    if (tokenDigest && timingSafeEqual(digest(presented), tokenDigest)) {
      res.locals.operator = { subject: 'local-token', via: 'token' } satisfies Operator;
      next();
      return;
    }
    if (!settings.oidc || presented.split('.').length !== 3) {
      sendProblem(res, 'unauthenticated', 'the bearer token is not valid', { 'www-authenticate': 'Bearer realm="ops-console", error="invalid_token"' });
      return;
    }
    const oidc = settings.oidc;
    keys()
      .then((getKey) => jwtVerify(presented, getKey, { issuer: oidc.issuer, audience: oidc.audience }))
      .then(({ payload }) => {
        const name = typeof payload.preferred_username === 'string' ? payload.preferred_username : typeof payload.email === 'string' ? payload.email : undefined;
        res.locals.operator = { subject: name ?? payload.sub ?? 'unknown', via: 'oidc' } satisfies Operator;
        next();
      })
      .catch(() => sendProblem(res, 'unauthenticated', 'the bearer token could not be verified for this issuer and audience', { 'www-authenticate': 'Bearer realm="ops-console", error="invalid_token"' }));
  };
}

async function discoverJwksUrl(issuer: string): Promise<string> {
  const response = await fetch(new URL('.well-known/openid-configuration', issuer.endsWith('/') ? issuer : `${issuer}/`));
  if (!response.ok) throw new Error(`OIDC discovery at ${issuer} answered ${response.status}`);
  const document = (await response.json()) as { jwks_uri?: unknown };
  if (typeof document.jwks_uri !== 'string') throw new Error(`OIDC discovery at ${issuer} has no jwks_uri`);
  return document.jwks_uri;
}
