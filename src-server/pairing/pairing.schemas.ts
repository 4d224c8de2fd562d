import { Type, type Static } from 'typebox';
import { IsoTime } from '../http/schemas.ts';

const Name = Type.String({ minLength: 1, maxLength: 100 });

export const CreatePairingBody = Type.Object({ name: Type.Optional(Type.String({ maxLength: 100, description: 'the name the kiosk suggests' })) });

export const CreatedPairingSchema = Type.Object({
  id: Type.String(),
  code: Type.String({ pattern: '^[A-Z0-9]{4}-[A-Z0-9]{4}$', description: 'what the kiosk shows; an administrator approves it' }),
  pollSecret: Type.String({ description: 'Authorization: Bearer for polling; shown this once' }),
  expiresAt: IsoTime,
});

export const PairingIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) });

export const PairingStatusSchema = Type.Union([
  Type.Object({ status: Type.Literal('pending') }),
  Type.Object({
    status: Type.Literal('approved'),
    kiosk: Type.Object({ id: Type.Integer(), name: Type.String() }),
    kioskKey: Type.Optional(Type.String({ description: 'in the first approved answer only' })),
  }),
]);

export const ApprovePairingBody = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 32, description: 'as the kiosk shows it, with or without the dash, any case' }),
  name: Name,
  location: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
});

export const ApprovedPairingSchema = Type.Object({
  id: Type.Integer({ description: "the new kiosk's id" }),
  name: Type.String(),
  location: Type.Union([Type.String(), Type.Null()]),
  pairingId: Type.String(),
});

export type PairingStatusView = Static<typeof PairingStatusSchema>;
