import { Type } from 'typebox';

export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const IsoTime = Type.String({ format: 'date-time' });

export const UserSchema = Type.Object({
  id: Type.Integer(),
  displayName: Type.String(),
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
});

/** Errors a route can answer with, all in the one shape. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [code, ErrorSchema]));

export const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptimeSeconds: Type.Integer(),
});

/** For the OpenAPI document: a route that takes no bearer token (the phone's, health, the event streams). */
export const NO_BEARER: Array<Record<string, string[]>> = [];
