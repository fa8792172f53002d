import express, { Router } from 'express';
import { describeProcess, type ProcessIdentity } from '../runtime/contract.ts';

/** Express's own default, said out loud: a larger body is answered 413. */
const BODY_LIMIT = '100kb';

export function apiRoutes(identity: ProcessIdentity): Router {
  const router = Router();
  // clientIp and protocol show `trust proxy` at work: what the router saw, not what a client claims.
  router.get('/info', (req, res) => {
    res.json({ ...describeProcess(identity), clientIp: req.ip, protocol: req.protocol });
  });
  router.post('/echo', express.json({ limit: BODY_LIMIT }), (req, res) => {
    if (!req.is('application/json')) {
      res
        .status(415)
        .json({ error: 'Unsupported Media Type', message: 'Send a JSON body with Content-Type: application/json' });
      return;
    }
    res.json({ received: req.body });
  });
  return router;
}
