/**
 * /api/jobs: print jobs, from each printer's runtime: those queued or printing and the most recent
 * finished ones (the runtime keeps a bounded history; films outlive it in /api/films).
 */
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { PrintJob } from '../../print/model.js';
import type { Printer } from '../../printers/printer.js';
import { ERROR, JOB, LIST_FILTERS, listFilter } from '../schemas.js';

interface JobQuery {
  printer?: string;
  callingAe?: string;
  since?: string;
  status?: PrintJob['status'];
}

function view(printer: string, j: PrintJob) {
  return {
    uid: j.uid,
    printer,
    status: j.status,
    statusInfo: j.statusInfo,
    priority: j.priority,
    createdAt: j.createdAt.toISOString(),
    originator: j.originator,
    printerName: j.printerName,
    filmSessionLabel: j.filmSessionLabel,
    copies: j.copies,
    films: j.films.map((d) => basename(d)),
  };
}

export function jobRoutes(app: FastifyInstance, printers: () => readonly Printer[]): void {
  const all = () =>
    printers()
      .flatMap((p) => [...p.runtime.finished, ...p.runtime.activeJobs].map((j) => view(p.caps.aeTitle, j)))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));

  app.get<{ Querystring: JobQuery }>(
    '/api/jobs',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...LIST_FILTERS,
            status: { type: 'string', enum: ['PENDING', 'PRINTING', 'DONE', 'FAILURE'] },
          },
        },
        response: {
          200: { description: 'print jobs, oldest first', type: 'array', items: JOB },
          '4xx': ERROR,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const listed = listFilter(q);
      return all()
        .filter((j) => listed({ printer: j.printer, callingAe: j.originator, at: j.createdAt }))
        .filter((j) => !q.status || j.status === q.status);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/jobs/:id',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[0-9][0-9.]{0,63}$' } },
        },
        response: { 200: JOB, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      const j = all().find((x) => x.uid === req.params.id);
      if (!j) return reply.code(404).send({ error: `no print job ${req.params.id}` });
      return j;
    },
  );
}
