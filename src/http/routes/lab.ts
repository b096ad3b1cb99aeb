/**
 * /api/lab: the test lab over HTTP. List and load scenarios, arm and disarm faults, see what is
 * armed and how often it fired. Every change is a control request (control.ts's hook decides).
 */
import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyReply, FastifySchemaCompiler } from 'fastify';
import type { FaultView } from '../../lab/fault-book.js';
import { FaultSchema } from '../../lab/fault-schema.js';
import { FaultError, type LabControl, LabNotFound } from '../../lab/lab.js';
import { checkFault } from '../../lab/resolve.js';

const ErrorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;
const AeTitle = { type: 'string', minLength: 1, maxLength: 16 } as const;

const FaultViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    printer: { type: 'string' },
    kind: { type: 'string' },
    description: { type: 'string' },
    source: { type: 'string' },
    armedAt: { type: 'string', format: 'date-time' },
    count: { type: ['integer', 'null'], description: 'Times it may fire in all; null: sticky' },
    remaining: { type: ['integer', 'null'], description: 'Firings left; null: sticky' },
    fired: { type: 'integer' },
    active: { type: 'boolean' },
    fault: { type: 'object', additionalProperties: true, description: 'The fault as armed' },
  },
} as const;
const Armed = { type: 'object', properties: { armed: { type: 'array', items: FaultViewSchema } } } as const;

/**
 * The fault body is a union of kinds: checked by kind (clear errors, and no anyOf branch
 * stripping properties as fastify's removeAdditional would); params and query by plain Ajv.
 */
const plain = new Ajv({ coerceTypes: 'array', useDefaults: true, strict: false });
const faultBodyCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (httpPart !== 'body') return plain.compile(schema as object);
  return (data: unknown) => {
    try {
      return { value: checkFault(data) };
    } catch (e) {
      return { error: e as Error };
    }
  };
};

function failed(reply: FastifyReply, e: unknown) {
  if (e instanceof LabNotFound) return reply.code(404).send({ error: e.message });
  if (e instanceof FaultError) return reply.code(400).send({ error: e.message });
  throw e;
}

export function labRoutes(app: FastifyInstance, lab: LabControl): void {
  app.get(
    '/api/lab/scenarios',
    {
      schema: {
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                description: { type: 'string' },
                file: { type: 'string' },
                printers: { type: ['array', 'null'], items: { type: 'string' } },
                faults: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { kind: { type: 'string' }, description: { type: 'string' } },
                  },
                },
                expectations: {
                  type: 'array',
                  description: "What a careful SCU does when the faults hit it, checked by the run's verdict",
                  items: { type: 'object', additionalProperties: true },
                },
              },
            },
          },
        },
      },
    },
    async () => lab.scenarios(),
  );

  app.post<{ Params: { name: string }; Querystring: { printer?: string } }>(
    '/api/lab/scenarios/:name',
    {
      schema: {
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { printer: AeTitle },
        },
        response: {
          200: {
            type: 'object',
            properties: { scenario: { type: 'string' }, armed: Armed.properties.armed },
          },
          400: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      try {
        return { scenario: req.params.name, armed: lab.loadScenario(req.params.name, req.query.printer) };
      } catch (e) {
        return failed(reply, e);
      }
    },
  );

  app.get(
    '/api/lab/faults',
    {
      schema: {
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: { printer: { type: 'string' }, faults: { type: 'array', items: FaultViewSchema } },
            },
          },
        },
      },
    },
    async () => lab.faults(),
  );

  app.post<{ Body: unknown }>(
    '/api/lab/faults',
    {
      validatorCompiler: faultBodyCompiler,
      // The checker's own words ("/status: ...") in { error }, like every other 400 here.
      attachValidation: true,
      schema: { body: FaultSchema, response: { 201: Armed, 400: ErrorBody, 404: ErrorBody } },
    },
    async (req, reply) => {
      if (req.validationError) return reply.code(400).send({ error: req.validationError.message });
      try {
        const armed: FaultView[] = lab.arm(req.body, 'http');
        return reply.code(201).send({ armed });
      } catch (e) {
        return failed(reply, e);
      }
    },
  );

  app.delete<{ Querystring: { printer?: string } }>(
    '/api/lab/faults',
    {
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { printer: AeTitle } },
        response: { 200: { type: 'object', properties: { removed: { type: 'integer' } } }, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      try {
        return { removed: lab.clear(req.query.printer) };
      } catch (e) {
        return failed(reply, e);
      }
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/lab/faults/:id',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^f[0-9]{1,12}$' } },
        },
        response: { 200: { type: 'object', properties: { removed: FaultViewSchema } }, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const v = lab.disarm(req.params.id);
      if (!v) return reply.code(404).send({ error: `no fault ${req.params.id}` });
      return { removed: v };
    },
  );
}
