import { describe, expect, it } from 'vitest';
import { pinProblem } from './pin-rule.ts';

describe('what makes a PIN acceptable', () => {
  it.each(['2580', '4826', '1357', '90210', '31415926'])('takes %s', (pin) => {
    expect(pinProblem(pin)).toBeUndefined();
  });

  it.each(['', '123', '123456789', '12a4', ' 2580', '２５８０'])('wants 4 to 8 ASCII digits, not %j', (pin) => {
    expect(pinProblem(pin)).toBe('format');
  });

  it.each(['0000', '1111', '1234', '4321', '8901', '09876543', '77777777'])('refuses %s, among the first codes anyone would try', (pin) => {
    expect(pinProblem(pin)).toBe('guessable');
  });
});
