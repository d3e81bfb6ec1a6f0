// STUB: to be implemented.
import type { Hono } from 'hono';
import type { SimContext } from '../sim-context.js';

export function registerUserRoutes(_app: Hono, _context: SimContext): void {}
