import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Lets through only requests with `Authorization: Bearer <token>`. Both sides are hashed
 * first, so the comparison takes the same time whatever the length or the first wrong byte.
 */
export function requireBearer(token: string, realm: string): RequestHandler {
  const expected = digest(token);
  return (req, res, next) => {
    const match = /^Bearer +(\S+)$/i.exec(req.get('authorization') ?? '');
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', `Bearer realm="${realm}"`);
    res.status(401).json({ error: 'Unauthorized', message: 'Send Authorization: Bearer <METRICS_TOKEN>' });
  };
}
