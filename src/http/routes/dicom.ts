/**
 * /api/dicom: the DICOM words the server uses (statuses with their names and categories, SOP
 * classes, DIMSE requests), so the web console and other readers keep no copy of those tables.
 */
import type { FastifyInstance } from 'fastify';
import { vocabulary } from '../describe.js';
import { VOCABULARY } from '../schemas.js';

export function dicomRoutes(app: FastifyInstance): void {
  const body = vocabulary();
  app.get('/api/dicom/vocabulary', { schema: { response: { 200: VOCABULARY } } }, async () => body);
}
