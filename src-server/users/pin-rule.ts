/**
 * What makes a PIN acceptable, with no Node import: the server enforces it (pin.ts) and the console
 * checks it as it is typed, to say what is wrong in the administrator's language.
 */
export type PinProblem = 'format' | 'guessable';

const isRun = (digits: number[], step: number) => digits.every((d, i) => i === 0 || d === ((digits[i - 1] ?? 0) + step + 10) % 10);

/** Undefined for a good PIN; else why not: not 4 to 8 digits, or one of the first codes anyone would try. */
export function pinProblem(raw: string): PinProblem | undefined {
  if (!/^\d{4,8}$/.test(raw)) return 'format';
  const digits = [...raw].map(Number);
  if (isRun(digits, 0) || isRun(digits, 1) || isRun(digits, -1)) return 'guessable';
  return undefined;
}
