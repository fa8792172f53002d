import { Router } from 'express';

/**
 * Your app's front page. While the teaching surface is mounted its page answers / first;
 * `npm run remove-demo` leaves this one.
 */
export function homeRoutes(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ status: 'running', next: 'add your routes in src/app/routes/ and mount them in src/app/app.ts' });
  });
  return router;
}
