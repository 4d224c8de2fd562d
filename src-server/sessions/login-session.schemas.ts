import { Type } from 'typebox';
import { IsoTime, UserSchema } from '../http/schemas.ts';

export const LoginSessionStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('authenticated'),
  Type.Literal('consumed'),
  Type.Literal('expired'),
]);

export const LoginSessionViewSchema = Type.Object({
  id: Type.String(),
  status: LoginSessionStatusSchema,
  createdAt: IsoTime,
  expiresAt: IsoTime,
  authenticatedAt: Type.Union([IsoTime, Type.Null()]),
  pinRequired: Type.Optional(Type.Literal(true)),
});

export const CreatedLoginSessionSchema = Type.Object({
  id: Type.String(),
  token: Type.String(),
  kioskSecret: Type.String(),
  status: Type.Literal('pending'),
  createdAt: IsoTime,
  expiresAt: IsoTime,
  qrPayload: Type.String(),
});

export const SessionIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const Token = Type.String({ minLength: 1, maxLength: 256 });

export const InspectBody = Type.Object({ token: Token });

export const InspectedSchema = Type.Object({
  status: LoginSessionStatusSchema,
  expiresAt: IsoTime,
  kiosk: Type.Object({ name: Type.String(), location: Type.Union([Type.String(), Type.Null()]) }),
});

export const ValidateBody = Type.Object({
  token: Token,
  badge: Type.Object({
    uid: Type.String({ minLength: 1, maxLength: 64 }),
    secret: Type.Optional(Type.String({ maxLength: 256 })),
  }),
});

export const ValidatedSchema = Type.Object({
  status: Type.Literal('authenticated'),
  user: Type.Object({ displayName: Type.String() }),
  kiosk: Type.Object({ name: Type.String() }),
});

export const CreateBody = Type.Object({});

export const ExchangeBody = Type.Object({
  pin: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
});

export const ExchangedSchema = Type.Object({
  accessToken: Type.String(),
  expiresAt: IsoTime,
  user: UserSchema,
  previousLogin: Type.Union([
    Type.Object({
      at: IsoTime,
      kiosk: Type.Union([Type.Object({ name: Type.String(), location: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
    }),
    Type.Null(),
  ]),
});
